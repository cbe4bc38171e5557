//! Runs the shared conformance corpus in `testdata/vectors/*.json` against
//! the core validator. The same files are run by the Python and Node test
//! suites, so every binding gives the same verdicts and (path, code) pairs.
//!
//! Each vector is one JSON file:
//! `{description, mode, target_version?, input | input_text, expect: {valid, issues: [{path, code}]}}`.
//! Before the file is parsed, the placeholders `{{CONTRACTS_VERSION}}`,
//! `{{NEXT_MINOR}}` (`MAJOR.MINOR+1.0`), `{{NEXT_MAJOR}}` (`MAJOR+1.0.0`) and
//! `{{MAJOR}}` are replaced, computed from [`contracts_core::CONTRACTS_VERSION`],
//! so the version rules keep their meaning after every bump.
//!
//! One test per vector file (libtest-mimic, `harness = false`), named after the
//! file, so a failing vector names itself and never hides the others; two more
//! tests check the corpus as a whole (its size and that every issue code is expected
//! somewhere). `cargo test -p contracts-core --test vectors -- <name>` runs one.

use contracts_core::{envelope_issues, IssueCode, Mode, ValidateOptions};
use libtest_mimic::{Arguments, Failed, Trial};
use serde_json::Value;
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

mod support;
use support::vector_files;

const MIN_VECTORS: usize = 50;

/// Replaces the version placeholders (see the module documentation).
fn expand_placeholders(raw: &str, version: &str) -> String {
    let mut parts = version
        .split(['.', '-', '+'])
        .map(|p| p.parse::<u64>().unwrap_or(0));
    let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    raw.replace("{{CONTRACTS_VERSION}}", version)
        .replace("{{NEXT_MINOR}}", &format!("{major}.{}.0", minor + 1))
        .replace("{{NEXT_MAJOR}}", &format!("{}.0.0", major + 1))
        .replace("{{MAJOR}}", &major.to_string())
}

/// One parsed vector, ready to run.
struct Vector {
    options: ValidateOptions,
    input: Vec<u8>,
    expect_valid: bool,
    expect_issues: Vec<(String, String)>,
}

fn parse_vector(raw: &str) -> Result<Vector, String> {
    let text = expand_placeholders(raw, contracts_core::CONTRACTS_VERSION);
    let doc: Value =
        serde_json::from_str(&text).map_err(|e| format!("vector file is not valid JSON: {e}"))?;
    let obj = doc
        .as_object()
        .ok_or("vector file must hold a JSON object")?;
    for key in obj.keys() {
        if ![
            "description",
            "mode",
            "target_version",
            "input",
            "input_text",
            "expect",
        ]
        .contains(&key.as_str())
        {
            return Err(format!("unknown vector key `{key}`"));
        }
    }
    match obj.get("description") {
        Some(Value::String(s)) if !s.trim().is_empty() => {}
        _ => return Err("`description` must be a non-empty string".into()),
    }
    let mode: Mode = obj
        .get("mode")
        .and_then(Value::as_str)
        .ok_or("`mode` must be \"producer\" or \"consumer\"")?
        .parse()?;
    let mut options = ValidateOptions::with_mode(mode);
    match obj.get("target_version") {
        None => {}
        Some(Value::String(v)) => options.target_version = Some(v.clone()),
        Some(_) => return Err("`target_version` must be a string".into()),
    }
    let input = match (obj.get("input"), obj.get("input_text")) {
        (Some(value), None) => serde_json::to_vec(value).map_err(|e| e.to_string())?,
        (None, Some(Value::String(s))) => s.as_bytes().to_vec(),
        (None, Some(_)) => return Err("`input_text` must be a string".into()),
        _ => return Err("exactly one of `input` and `input_text` is required".into()),
    };
    let expect = obj
        .get("expect")
        .and_then(Value::as_object)
        .ok_or("`expect` must be an object")?;
    let expect_valid = expect
        .get("valid")
        .and_then(Value::as_bool)
        .ok_or("`expect.valid` must be a boolean")?;
    let mut expect_issues = Vec::new();
    for item in expect
        .get("issues")
        .and_then(Value::as_array)
        .ok_or("`expect.issues` must be an array")?
    {
        let path = item
            .get("path")
            .and_then(Value::as_str)
            .ok_or("each expected issue needs a string `path`")?;
        let code = item
            .get("code")
            .and_then(Value::as_str)
            .ok_or("each expected issue needs a string `code`")?;
        if !IssueCode::ALL.iter().any(|c| c.as_str() == code) {
            return Err(format!("expected issue has unknown code {code:?}"));
        }
        expect_issues.push((path.to_string(), code.to_string()));
    }
    if expect_valid != expect_issues.is_empty() {
        return Err("`expect.valid` must be true exactly when `expect.issues` is empty".into());
    }
    expect_issues.sort();
    Ok(Vector {
        options,
        input,
        expect_valid,
        expect_issues,
    })
}

/// Reads and parses one vector file; the error names what is wrong with the file.
fn load(file: &Path) -> Result<Vector, String> {
    let raw = std::fs::read_to_string(file).map_err(|e| format!("cannot read: {e}"))?;
    parse_vector(&raw).map_err(|e| format!("malformed vector: {e}"))
}

/// The test of one vector file: the core gives exactly the expected verdict and
/// (path, code) pairs.
fn check_vector(file: &Path) -> Result<(), Failed> {
    let vector = load(file)?;
    let actual = envelope_issues(&vector.input, &vector.options);
    let mut actual_pairs: Vec<(String, String)> = actual
        .iter()
        .map(|i| (i.path.clone(), i.code.as_str().to_string()))
        .collect();
    actual_pairs.sort();
    if actual.is_empty() == vector.expect_valid && actual_pairs == vector.expect_issues {
        return Ok(());
    }
    let mut report = format!(
        "expected: valid={} issues={:?}\nactual:   valid={} issues:",
        vector.expect_valid,
        vector.expect_issues,
        actual.is_empty()
    );
    for issue in &actual {
        let _ = write!(
            report,
            "\n    {:?} {} — {}",
            issue.path, issue.code, issue.message
        );
    }
    Err(report.into())
}

/// The corpus is big enough to mean something.
fn check_corpus_size(files: &[PathBuf]) -> Result<(), Failed> {
    if files.len() >= MIN_VECTORS {
        return Ok(());
    }
    Err(format!(
        "the corpus {} holds {} vectors; at least {MIN_VECTORS} are required",
        support::manifest_dir()
            .join("../../testdata/vectors")
            .display(),
        files.len()
    )
    .into())
}

/// Every issue code (but `too_large`, which needs a megabyte-sized input) is
/// expected by at least one vector. A malformed file fails its own test, not this one.
fn check_codes_covered(files: &[PathBuf]) -> Result<(), Failed> {
    let codes_seen: BTreeSet<String> = files
        .iter()
        .filter_map(|file| load(file).ok())
        .flat_map(|vector| vector.expect_issues.into_iter().map(|(_, code)| code))
        .collect();
    let uncovered: Vec<&str> = IssueCode::ALL
        .iter()
        .filter(|c| **c != IssueCode::TooLarge)
        .map(|c| c.as_str())
        .filter(|c| !codes_seen.contains(*c))
        .collect();
    if uncovered.is_empty() {
        return Ok(());
    }
    Err(format!(
        "no vector expects these issue codes: {}",
        uncovered.join(", ")
    )
    .into())
}

fn main() {
    let args = Arguments::from_args();
    let files = vector_files();
    let mut trials: Vec<Trial> = files
        .iter()
        .map(|file| {
            let name = file
                .file_stem()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            let file = file.clone();
            Trial::test(format!("vector::{name}"), move || check_vector(&file))
        })
        .collect();
    let all = files.clone();
    trials.push(Trial::test("corpus::size", move || check_corpus_size(&all)));
    trials.push(Trial::test(
        "corpus::every_issue_code_expected",
        move || check_codes_covered(&files),
    ));
    libtest_mimic::run(&args, trials).exit();
}
