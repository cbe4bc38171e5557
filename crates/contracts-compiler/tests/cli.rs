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

/// The JSON diagnostics `--format json` printed on stderr, one per line.
fn json_lines(stderr: &str) -> Vec<serde_json::Value> {
    stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: not JSON: {l}")))
        .collect()
}

/// `(file, line, column, code)` of a JSON diagnostic.
fn place(d: &serde_json::Value) -> (String, u64, u64, String) {
    (
        d["file"].as_str().unwrap_or_default().to_string(),
        d["line"].as_u64().unwrap_or_default(),
        d["column"].as_u64().unwrap_or_default(),
        d["code"].as_str().unwrap_or_default().to_string(),
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
fn syntax_errors_show_the_source_line_with_a_caret() {
    let dir = tree(
        "syntax",
        &[(
            "types/a.baml",
            "class A {\n  ok string\n  bad map<string int>\n}\n",
        )],
    );
    let (code, _, stderr) = contracts(&["check", "--from", dir.to_str().unwrap()]);
    assert_eq!(code, 1);
    let name = dir.file_name().unwrap().to_str().unwrap();
    let expected = format!(
        "error[E0201]: expected `,` between the key and value types of `map<K, V>`, found `int`\n  --> {name}/types/a.baml:3:18\n  |\n3 |   bad map<string int>\n  |                  ^^^ unexpected token\n\n1 error, 0 warnings\n"
    );
    assert_eq!(stderr, expected);
}

#[test]
fn json_diagnostics_carry_file_line_column_code_severity_and_message() {
    let dir = tree(
        "json",
        &[(
            "types/a.baml",
            "class A {\n  ok string\n  bad map<string int>\n}\n",
        )],
    );
    let (code, stdout, stderr) =
        contracts(&["check", "--format", "json", "--from", dir.to_str().unwrap()]);
    assert_eq!((code, stdout.as_str()), (1, ""));
    let name = dir.file_name().unwrap().to_str().unwrap();
    let diagnostics = json_lines(&stderr);
    assert_eq!(
        diagnostics,
        [serde_json::json!({
            "file": format!("{name}/types/a.baml"),
            "line": 3,
            "column": 18,
            "end_line": 3,
            "end_column": 21,
            "code": "E0201",
            "severity": "error",
            "message": "expected `,` between the key and value types of `map<K, V>`, found `int`",
            "labels": [],
        })]
    );
    // A warning keeps exit code 0 and the JSON summary on stdout counts it.
    let dir = tree("json-warning", &[("a.baml", "class A {\n  n int\n}\n")]);
    let (code, stdout, stderr) =
        contracts(&["check", "--format", "json", "--from", dir.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    let warnings = json_lines(&stderr);
    assert_eq!(place(&warnings[0]).3, "W0102");
    assert_eq!(warnings[0]["severity"], "warning");
    let summary: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        (summary["classes"].as_u64(), summary["warnings"].as_u64()),
        (Some(1), Some(1))
    );
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let dir = tree("colour", &[("a.baml", "class A {\n  b Missing\n}\n")]);
    let from = dir.to_str().unwrap();
    let (_, _, piped) = contracts(&["check", "--from", from]);
    assert!(!piped.contains('\x1b'), "{piped}");
    let (_, _, forced) = contracts(&["check", "--color", "always", "--from", from]);
    assert!(forced.contains("\x1b["), "{forced}");
    assert!(forced.replace('\x1b', "").len() > piped.len());
}

#[test]
fn duplicates_point_at_both_declarations() {
    let dir = tree(
        "dup",
        &[("a.baml", "class A {\n  x int\n}\nclass A {\n  y int\n}\n")],
    );
    let (code, _, stderr) = contracts(&["check", "--from", dir.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("error[E0401]: duplicate type name `A`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("1 | class A {\n  | ------- first declared here"),
        "{stderr}"
    );
    assert!(
        stderr.contains("4 | class A {\n  | ^^^^^^^ duplicate type name"),
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
    let (code, _, stderr) =
        contracts(&["check", "--format", "json", "--from", dir.to_str().unwrap()]);
    assert_eq!(code, 1);
    let first = &json_lines(&stderr)[0];
    assert_eq!(
        (place(first).1, place(first).2, place(first).3.as_str()),
        (2, 3, "E0607")
    );
    assert!(first["message"]
        .as_str()
        .unwrap()
        .starts_with("event type A_HAPPENED has 2 envelope classes"));
    let (code, _, stderr) = contracts(&["check", "--no-lint", "--from", dir.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    // `ir` prints the IR of any valid tree: the project lints are `check`'s.
    let (code, stdout, stderr) = contracts(&["ir", "--from", dir.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    let ir: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(ir["classes"].as_array().unwrap().len(), 4);
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
fn usage_errors_exit_2_and_name_the_command() {
    let (code, _, stderr) = contracts(&["frobnicate"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("unrecognized subcommand 'frobnicate'"),
        "{stderr}"
    );
    let (code, _, stderr) = contracts(&["check", "--bogus"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("unexpected argument '--bogus'"), "{stderr}");
    // A flag of another command is an error naming the command it was given to.
    for (args, command) in [
        (&["check", "--against", "v1.0.0"][..], "contracts check"),
        (&["ir", "--no-lint"][..], "contracts ir"),
        (&["gen", "--out", "x"][..], "contracts gen"),
        (&["diff", "--against", "x", "--check"][..], "contracts diff"),
    ] {
        let (code, _, stderr) = contracts(args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(
            stderr.contains(&format!("Usage: {command}")),
            "{args:?}: {stderr}"
        );
    }
    let (code, _, stderr) = contracts(&["diff"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--against <REF|DIR>"), "{stderr}");
    assert_eq!(
        contracts(&["diff", "--against", "HEAD", "--format", "yaml"]).0,
        2
    );
}

#[test]
fn help_and_version_for_the_tool_and_every_command() {
    let (code, stdout, _) = contracts(&["--help"]);
    assert_eq!(code, 0);
    for command in [
        "check",
        "ir",
        "schema",
        "gen",
        "catalog",
        "diff",
        "check-bump",
    ] {
        assert!(
            stdout.contains(&format!("  {command} ")),
            "{command}: {stdout}"
        );
        let (code, help, stderr) = contracts(&[command, "--help"]);
        assert_eq!(code, 0, "{command}: {stderr}");
        assert!(
            help.contains(&format!("Usage: contracts {command}")),
            "{help}"
        );
        assert!(help.contains("Exit codes:"), "{help}");
        let (code, version, _) = contracts(&[command, "--version"]);
        assert_eq!(code, 0);
        assert!(
            version.trim_end().ends_with(env!("CARGO_PKG_VERSION")),
            "{version}"
        );
    }
    let (code, version, _) = contracts(&["--version"]);
    assert_eq!(
        (code, version.trim()),
        (0, concat!("contracts ", env!("CARGO_PKG_VERSION")))
    );
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
        stderr
            .contains("crates/contracts-core/src/generated/registry.rs:1:1: error[E0702]: differs"),
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
        stderr
            .contains("warning[W0104]: @assert({{ this > 0 }}) is kept in the IR but not enforced")
            && stderr.contains(":2:3\n"),
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
        stderr.contains("error[E0610]: `@check` on `A.n`") && stderr.contains(":2:3\n"),
        "{stderr}"
    );
    assert_eq!(
        contracts(&["check", "--no-lint", "--from", dir.to_str().unwrap()]).0,
        0
    );
}
