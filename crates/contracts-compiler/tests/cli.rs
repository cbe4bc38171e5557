//! The `contracts` CLI on the real `baml_src` and on deliberately broken trees.

use std::path::{Path, PathBuf};
use std::process::Command;

fn contracts(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_contracts"))
        .args(args)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
        .output()
        .expect("run contracts");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn tree(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("contracts-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (file, text) in files {
        let path = dir.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

const EVENTS: &str = "enum EventType {\n  A_HAPPENED\n}\nclass EventMeta {\n  event_id string\n}\nclass Dto {\n  x int\n}\n";

#[test]
fn check_on_the_real_contracts_prints_counts() {
    let (code, stdout, stderr) = contracts(&["check"]);
    assert_eq!(code, 0, "{stderr}");
    let counts: Vec<usize> = stdout
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse().ok())
        .collect();
    let [classes, enums, _aliases, functions, events] = counts[..] else {
        panic!("unexpected summary: {stdout}")
    };
    assert!(
        classes >= 25 && enums >= 8 && functions >= 2 && events >= 15,
        "{stdout}"
    );
}

#[test]
fn ir_lists_the_four_top_level_arrays() {
    let (code, stdout, _) = contracts(&["ir"]);
    assert_eq!(code, 0);
    let ir: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    for key in ["classes", "enums", "type_aliases", "functions"] {
        assert!(ir[key].as_array().is_some_and(|a| !a.is_empty()), "{key}");
    }
}

#[test]
fn syntax_errors_point_at_file_line_col() {
    let dir = tree(
        "syntax",
        &[(
            "types/a.baml",
            "class A {\n  ok string\n  bad map<string int>\n}\n",
        )],
    );
    let (code, _, stderr) = contracts(&["check", "--from", dir.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("types/a.baml:3:18: error: expected `,`"),
        "{stderr}"
    );
}

#[test]
fn unknown_type_references_are_reported() {
    let dir = tree("unknown", &[("a.baml", "class A {\n  b Missing[]\n}\n")]);
    let (code, _, stderr) = contracts(&["check", "--from", dir.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("a.baml:2:3: error: unknown type `Missing`"),
        "{stderr}"
    );
}

#[test]
fn an_event_type_with_two_envelopes_fails_the_lint_but_not_the_parser() {
    let envelope = |name: &str| {
        format!("class {name} {{\n  type \"A_HAPPENED\"\n  contracts_version string\n  payload Dto\n  meta EventMeta\n}}\n")
    };
    let text = format!(
        "{EVENTS}{}{}type EventEnvelope = AHappenedEvent | AlsoAHappenedEvent\n",
        envelope("AHappenedEvent"),
        envelope("AlsoAHappenedEvent")
    );
    let dir = tree("twice", &[("events.baml", &text)]);
    let (code, _, stderr) = contracts(&["check", "--from", dir.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("events.baml:2:3: error: event type A_HAPPENED has 2 envelope classes"),
        "{stderr}"
    );
    let (code, _, stderr) = contracts(&["check", "--no-lint", "--from", dir.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn an_event_type_without_envelope_is_reported() {
    let dir = tree(
        "none",
        &[(
            "events.baml",
            &format!("{EVENTS}type EventEnvelope = Dto\n"),
        )],
    );
    let (code, _, stderr) = contracts(&["check", "--from", dir.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("event type A_HAPPENED has no envelope class"),
        "{stderr}"
    );
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(contracts(&["frobnicate"]).0, 2);
    assert_eq!(contracts(&["check", "--bogus"]).0, 2);
}

#[test]
fn schema_writes_the_bundle_one_file_per_event_and_the_ir() {
    let out = std::env::temp_dir().join(format!("contracts-cli-schema-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let (code, _, stderr) = contracts(&["schema", "--out", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    let bundle: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("envelope.schema.json")).unwrap())
            .unwrap();
    let events = std::fs::read_dir(out.join("events")).unwrap().count();
    assert_eq!(events, bundle["oneOf"].as_array().unwrap().len());
    assert!(out.join("ir.json").exists());
    assert_eq!(contracts(&["schema"]).0, 2, "--out is required");
}

#[test]
fn gen_check_reports_files_that_differ_from_baml_src() {
    let root = tree("gen-check", &[("README.md", "an empty checkout\n")]);
    let (code, _, stderr) = contracts(&["gen", "--check", "--root", root.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("crates/contracts-core/src/generated/registry.rs: error: differs"),
        "{stderr}"
    );
    let (code, stdout, stderr) = contracts(&["gen", "--root", root.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("written"));
    assert_eq!(
        contracts(&["gen", "--check", "--root", root.to_str().unwrap()]).0,
        0
    );
}

#[test]
fn constraints_are_reported_as_not_enforced() {
    let dir = tree(
        "constraints",
        &[(
            "a.baml",
            "class A {\n  n int @assert(positive, {{ this > 0 }})\n}\n",
        )],
    );
    let (code, _, stderr) = contracts(&["check", "--from", dir.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains(
            "a.baml:2:3: warning: @assert({{ this > 0 }}) is kept in the IR but not enforced"
        ),
        "{stderr}"
    );
}

#[test]
fn check_on_a_field_is_a_lint_error_because_it_changes_the_wire_shape() {
    let dir = tree(
        "check-lint",
        &[(
            "a.baml",
            "class A {\n  n int @check(positive, {{ this > 0 }})\n}\n",
        )],
    );
    let (code, _, stderr) = contracts(&["check", "--from", dir.to_str().unwrap()]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("a.baml:2:3: error: `@check` on `A.n`"),
        "{stderr}"
    );
    assert_eq!(
        contracts(&["check", "--no-lint", "--from", dir.to_str().unwrap()]).0,
        0
    );
}
