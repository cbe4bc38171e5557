//! The snippet corpus under `tests/snippets/` (see its README).
//!
//! * `valid/<name>.baml` must parse and cross-check cleanly, and its IR
//!   (`serde_json::to_value(&ir)`, locations included) must equal
//!   `valid/<name>.ir.json`. Run with `BLESS=1` to rewrite those files after
//!   an intended IR change, then review the diff.
//! * `invalid/<name>.baml` starts with `// expect: LINE:COL: CODE: message prefix`;
//!   parsing (or, if that succeeds, cross-checking) must fail with exactly
//!   `<name>.baml:LINE:COL: error[CODE]: message prefix…` as the first error.

use contracts_compiler::codes::Code;
use contracts_compiler::{check, error::CompileError, ir::Ir, parser};
use std::path::{Path, PathBuf};

fn snippets(kind: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snippets")
        .join(kind);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "baml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no snippets in {}", dir.display());
    files
}

/// Parses one snippet as the file `<name>.baml`, then cross-checks it.
fn load(path: &Path) -> Result<Ir, Vec<CompileError>> {
    let name = path.file_name().unwrap().to_str().unwrap();
    let text = std::fs::read_to_string(path).unwrap();
    let mut ir = Ir::default();
    parser::parse_file(name, &text, &mut ir).map_err(|e| vec![e])?;
    let errors = check::cross_check(&ir);
    if errors.is_empty() {
        Ok(ir)
    } else {
        Err(errors)
    }
}

/// `value` with every object's keys sorted, so blessed files diff well
/// whatever the `serde_json` features of the build.
fn sorted(value: &serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            keys.into_iter()
                .map(|k| (k.clone(), sorted(&map[k])))
                .collect::<serde_json::Map<_, _>>()
                .into()
        }
        serde_json::Value::Array(items) => items.iter().map(sorted).collect(),
        other => other.clone(),
    }
}

#[test]
fn valid_snippets_produce_the_expected_ir() {
    let bless = std::env::var_os("BLESS").is_some_and(|v| v == "1");
    let mut failures = Vec::new();
    for path in snippets("valid") {
        let ir = match load(&path) {
            Ok(ir) => ir,
            Err(errors) => {
                let errors: Vec<String> = errors.iter().map(ToString::to_string).collect();
                failures.push(format!(
                    "{} was rejected:\n  {}",
                    path.display(),
                    errors.join("\n  ")
                ));
                continue;
            }
        };
        let actual = serde_json::to_value(&ir).unwrap();
        let expected_path = path.with_extension("ir.json");
        if bless {
            let text = serde_json::to_string_pretty(&sorted(&actual)).unwrap() + "\n";
            std::fs::write(&expected_path, text).unwrap();
            continue;
        }
        let expected: serde_json::Value = match std::fs::read_to_string(&expected_path) {
            Ok(text) => serde_json::from_str(&text).unwrap(),
            Err(e) => {
                failures.push(format!(
                    "{}: {e} (run `BLESS=1 cargo test -p contracts-compiler --test snippets` to create it)",
                    expected_path.display()
                ));
                continue;
            }
        };
        if actual != expected {
            failures.push(format!(
                "{} differs from {} (review, then BLESS=1 to accept):\n{}",
                path.display(),
                expected_path.display(),
                serde_json::to_string_pretty(&actual).unwrap()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn invalid_snippets_fail_at_the_expected_place_with_the_expected_message() {
    let mut failures = Vec::new();
    for path in snippets("invalid") {
        let name = path.file_name().unwrap().to_str().unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let Some(expect) = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("// expect: "))
        else {
            failures.push(format!(
                "{name}: the first line must be `// expect: LINE:COL: CODE: message prefix`"
            ));
            continue;
        };
        let mut parts = expect.splitn(3, ": ");
        let (Some(line_col), Some(code), Some(prefix)) = (parts.next(), parts.next(), parts.next())
        else {
            failures.push(format!("{name}: bad expect header `{expect}`"));
            continue;
        };
        if !line_col.split(':').all(|n| n.parse::<u32>().is_ok()) || Code::parse(code).is_none() {
            failures.push(format!("{name}: bad expect header `{expect}`"));
            continue;
        }
        let wanted = format!("{name}:{line_col}: error[{code}]: {prefix}");
        match load(&path) {
            Ok(_) => failures.push(format!("{name}: accepted, expected `{wanted}`")),
            Err(errors) => {
                let got = errors[0].to_string();
                if !got.starts_with(&wanted) {
                    failures.push(format!("{name}:\n  expected {wanted}…\n  got      {got}"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
