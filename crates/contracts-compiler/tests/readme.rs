//! The compiler README lists every diagnostic code with its severity and title.

use contracts_compiler::codes::Code;

#[test]
fn the_readme_lists_every_code() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("crates/contracts-compiler/README.md");
    let rows: Vec<&str> = readme
        .lines()
        .filter(|l| l.starts_with("| E") || l.starts_with("| W"))
        .collect();
    for code in Code::ALL {
        let row = format!("| {} | {} | {} |", code, code.severity(), code.title());
        assert!(
            rows.iter().any(|r| r.starts_with(&row)),
            "README.md has no row starting `{row}`"
        );
    }
    assert_eq!(
        rows.len(),
        Code::ALL.len(),
        "README rows for codes that do not exist"
    );
}
