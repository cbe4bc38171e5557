//! Fails early, with the fix, when a generated source is missing.
fn main() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/generated");
    for file in ["registry.rs", "mirror.rs"] {
        let path = dir.join(file);
        println!("cargo:rerun-if-changed={}", path.display());
        assert!(
            path.exists(),
            "{} is missing: it is generated from baml_src/. Run `make generate` (or `cargo run -p contracts-compiler --bin contracts -- gen`) first.",
            path.display()
        );
    }
}
