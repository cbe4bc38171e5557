//! Fails early, with the fix, when a generated source is missing.
fn main() {
    // Read when the script runs, not baked in when it is compiled: cargo may
    // reuse a compiled build script for a copy of the crate at another path.
    let root = std::path::PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
    );
    for file in [
        "src/generated/registry.rs",
        "src/generated/mirror.rs",
        "src/generated/history.rs",
        "schemas/envelope.schema.json",
    ] {
        let path = root.join(file);
        println!("cargo:rerun-if-changed={}", path.display());
        assert!(
            path.exists(),
            "{} is missing: it is generated from baml_src/. Run `make generate` (or `cargo run -p contracts-compiler --bin contracts -- gen`) first.",
            path.display()
        );
    }
}
