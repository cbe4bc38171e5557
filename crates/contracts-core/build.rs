//! Fails early, with the fix, when the generated registry is missing.
fn main() {
    let registry =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/generated/registry.rs");
    println!("cargo:rerun-if-changed={}", registry.display());
    assert!(
        registry.exists(),
        "{} is missing: it is generated from baml_src/. Run `make generate` (or `cargo run -p contracts-compiler --bin contracts -- gen`) first.",
        registry.display()
    );
}
