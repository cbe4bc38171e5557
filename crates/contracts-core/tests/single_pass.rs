//! The single-pass validator against the validator it replaced.
//!
//! `tests/legacy/` is a frozen copy of the core before issue 18: a fast
//! path that only answered "valid or not", and an explaining path that
//! parsed the text again into a `serde_json::Value` and walked it. For every
//! input below, the new `envelope_issues` must return exactly what the old
//! one did (the same issues, paths, codes, messages and order, so
//! `max_issues` keeps the same ones), `is_valid_envelope` must agree with
//! the old fast path, and `value_issues` with the old walker:
//!
//! - every vector of `testdata/vectors/`, in both modes, with `max_issues`
//!   1, 2, 3 and 100;
//! - 3,000 envelopes generated from the shipped schema (fixed seed; the long
//!   form: `SINGLE_PASS_CASES=200000 SINGLE_PASS_SEED=<n> cargo test -p
//!   contracts-core --release --test single_pass -- --nocapture`), most
//!   of them broken in 1 to 12 places, written compactly, with sorted keys
//!   (so `payload` comes before `type`), pretty-printed, or with a key
//!   repeated; and byte-level mutants of them;
//! - hostile shapes: wide objects, long arrays, deep nesting.

mod legacy;
mod support;

use contracts_core::{
    envelope_issues, is_valid_envelope, value_issues, Mode, ValidateOptions, ValidationIssue,
    CONTRACTS_VERSION,
};
use serde_json::{json, Map, Value};
use std::fmt::Write as _;
use support::{envelope_classes, pointers, shipped_schema, vector_files, Rng, SchemaGen};

const SEED: u64 = 0x0018_51A6_1E9A_5500;
/// `SINGLE_PASS_CASES=<n>` for a longer run, `SINGLE_PASS_SEED=<n>` for other envelopes.
const GENERATED: usize = 3_000;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[derive(Default)]
struct Tally {
    compared: usize,
    invalid: usize,
    capped: usize,
}

impl Tally {
    /// Compares the old and new answers on one input; the message says which.
    fn bytes(&mut self, what: &str, input: &[u8], options: &ValidateOptions) {
        let old = legacy::envelope_issues(input, options);
        let new = envelope_issues(input, options);
        let old_valid = legacy::is_valid_envelope(input, options);
        let new_valid = is_valid_envelope(input, options);
        self.compared += 1;
        assert!(
            old_valid || !old.is_empty(),
            "{what}: the old fast path rejected what its explaining path accepts"
        );
        assert_same(what, input, &old, &new);
        assert_eq!(
            old_valid,
            new_valid,
            "{what}: is_valid_envelope changed\ninput: {}",
            String::from_utf8_lossy(input)
        );
        assert_eq!(new_valid, new.is_empty(), "{what}: the two paths disagree");
        if !new.is_empty() {
            self.invalid += 1;
        }
        if new.len() == options.max_issues.max(1) {
            self.capped += 1;
        }
    }

    fn value(&mut self, what: &str, value: &Value, options: &ValidateOptions) {
        let old = legacy::value_issues(value, options);
        let new = value_issues(value, options);
        self.compared += 1;
        assert_same(what, value.to_string().as_bytes(), &old, &new);
    }
}

fn assert_same(what: &str, input: &[u8], old: &[ValidationIssue], new: &[ValidationIssue]) {
    if old != new {
        let show = |issues: &[ValidationIssue]| {
            issues.iter().fold(String::new(), |mut out, i| {
                let _ = write!(out, "\n    {:?} {} — {}", i.path, i.code, i.message);
                out
            })
        };
        panic!(
            "{what}: the issues changed\ninput: {}\nold:{}\nnew:{}",
            String::from_utf8_lossy(input),
            show(old),
            show(new)
        );
    }
}

fn options(mode: Mode, max_issues: usize) -> ValidateOptions {
    ValidateOptions {
        max_issues,
        ..ValidateOptions::with_mode(mode)
    }
}

#[test]
fn every_vector_gets_the_issues_it_got_before() {
    let mut tally = Tally::default();
    for file in vector_files() {
        let raw = std::fs::read_to_string(&file).unwrap();
        let text = raw.replace("{{CONTRACTS_VERSION}}", CONTRACTS_VERSION);
        let case: Value = serde_json::from_str(&text).unwrap();
        let input = match (&case["input"], &case["input_text"]) {
            (Value::Null, Value::String(s)) => s.as_bytes().to_vec(),
            (value, _) => serde_json::to_vec(value).unwrap(),
        };
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        for mode in [Mode::Producer, Mode::Consumer] {
            for max_issues in [1, 2, 3, 100] {
                let mut options = options(mode, max_issues);
                options.target_version = case["target_version"].as_str().map(String::from);
                tally.bytes(
                    &format!("{name} ({mode:?}, max {max_issues})"),
                    &input,
                    &options,
                );
                if let Ok(value) = serde_json::from_slice::<Value>(&input) {
                    tally.value(&format!("{name} as a Value"), &value, &options);
                }
            }
        }
    }
    eprintln!(
        "vectors: {} comparisons, {} invalid, {} capped",
        tally.compared, tally.invalid, tally.capped
    );
    assert!(tally.capped > 50, "too few comparisons hit max_issues");
}

/// Writes `value` with every object's keys sorted (`payload` before `type`).
fn sorted(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            Value::Object(
                keys.into_iter()
                    .map(|k| (k.clone(), sorted(&map[k])))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

/// Breaks something at a random place.
fn mutate(envelope: &mut Value, rng: &mut Rng) {
    let mut all = Vec::new();
    pointers(envelope, "", &mut all);
    if all.is_empty() {
        return;
    }
    let target = rng.pick(&all).clone();
    let node = envelope.pointer_mut(&target).unwrap();
    *node = match rng.below(9) {
        0 => json!(null),
        1 => json!(1.5),
        2 => json!("NOT_A_VALUE"),
        3 => json!([1, "x", null]),
        4 => json!({"unexpected": true, "type": 3}),
        5 => json!(i64::MAX),
        6 => json!(u64::MAX),
        7 => match node {
            Value::Object(map) => {
                let mut map = map.clone();
                let first = map.keys().next().cloned();
                if let Some(k) = first {
                    map.shift_remove(&k);
                }
                map.insert("extra_field".into(), json!([]));
                Value::Object(map)
            }
            Value::String(s) => json!(s.to_uppercase() + "~/"),
            _ => json!(true),
        },
        _ => json!({}),
    };
}

/// Writes `value` as text with one key of one object written twice.
fn with_repeated_key(value: &Value, rng: &mut Rng) -> Option<Vec<u8>> {
    let text = serde_json::to_string(value).unwrap();
    // A `"key":` right after `{` or `,` starts an entry; repeat one of them.
    let starts: Vec<usize> = text
        .match_indices("\":")
        .filter_map(|(end, _)| {
            let open = text[..end].rfind('"')?;
            let before = text[..open].chars().last()?;
            matches!(before, '{' | ',').then_some(open)
        })
        .collect();
    if starts.is_empty() {
        return None;
    }
    let open = *rng.pick(&starts);
    let end = open + text[open..].find("\":")? + 2;
    let key = &text[open..end];
    let value_text = *rng.pick(&["1", "null", "\"x\"", "{}", "[{\"a\":1,\"a\":2}]"]);
    let insert = text[..open].rfind(['{', ','])? + 1;
    let mut out = String::with_capacity(text.len() + key.len() + 8);
    out.push_str(&text[..insert]);
    out.push_str(key);
    out.push_str(value_text);
    out.push(',');
    out.push_str(&text[insert..]);
    Some(out.into_bytes())
}

/// A byte-level mutant: a flipped, inserted or deleted byte, or a token.
fn byte_mutant(text: &[u8], rng: &mut Rng) -> Vec<u8> {
    const TOKENS: &[&[u8]] = &[
        b"1e400",
        b"NaN",
        b"\"\\ud800\"",
        b"\xff",
        b"{",
        b"}",
        b"[",
        b"]",
        b",",
        b":",
        b"\"",
        b"-0",
        b"1.0",
        b"9223372036854775808",
        b"[[[[[[[[[[[[[[[[",
    ];
    let mut out = text.to_vec();
    let at = rng.below(out.len() + 1);
    match rng.below(4) {
        0 if at < out.len() => out[at] ^= 1 << rng.below(8),
        1 if at < out.len() => {
            out.remove(at);
        }
        _ => {
            let token = rng.pick(TOKENS);
            out.splice(at..at, token.iter().copied());
        }
    }
    out
}

#[test]
fn generated_envelopes_get_the_issues_they_got_before() {
    let root = shipped_schema();
    let defs = root["$defs"].as_object().unwrap();
    let envelopes = envelope_classes(&root);
    let seed = env_or("SINGLE_PASS_SEED", SEED);
    let cases = usize::try_from(env_or("SINGLE_PASS_CASES", GENERATED as u64)).unwrap();
    let mut gen = SchemaGen {
        defs,
        rng: Rng(seed),
    };
    let mut rng = Rng(seed ^ 0x5A5A);
    let mut tally = Tally::default();
    for case in 0..cases {
        let class = rng.pick(&envelopes).clone();
        let mut envelope = gen.gen(&defs[&class], 0).wire;
        envelope["contracts_version"] = json!(CONTRACTS_VERSION);
        let breaks = match rng.below(4) {
            0 => 0,
            1 => 1,
            _ => 1 + rng.below(12),
        };
        for _ in 0..breaks {
            mutate(&mut envelope, &mut rng);
        }
        let mode = if rng.one_in(3) {
            Mode::Consumer
        } else {
            Mode::Producer
        };
        let max_issues = *rng.pick(&[1, 2, 3, 5, 100]);
        let options = options(mode, max_issues);
        let what = format!("case {case} ({class}, {breaks} breaks, {mode:?}, max {max_issues})");
        let compact = serde_json::to_vec(&envelope).unwrap();
        tally.bytes(&format!("{what}, compact"), &compact, &options);
        tally.value(&format!("{what}, as a Value"), &envelope, &options);
        match rng.below(4) {
            0 => {
                let text = serde_json::to_vec(&sorted(&envelope)).unwrap();
                tally.bytes(&format!("{what}, sorted keys"), &text, &options);
            }
            1 => {
                let text = serde_json::to_vec_pretty(&envelope).unwrap();
                tally.bytes(&format!("{what}, pretty"), &text, &options);
            }
            2 => {
                if let Some(text) = with_repeated_key(&sorted(&envelope), &mut rng) {
                    tally.bytes(&format!("{what}, a key repeated"), &text, &options);
                }
            }
            _ => {
                let text = byte_mutant(&compact, &mut rng);
                tally.bytes(&format!("{what}, a byte mutant"), &text, &options);
            }
        }
    }
    eprintln!(
        "generated: {} comparisons, {} invalid, {} capped",
        tally.compared, tally.invalid, tally.capped
    );
    assert!(tally.invalid > GENERATED / 2, "too few invalid inputs");
    assert!(
        tally.capped > GENERATED / 10,
        "too few inputs hit max_issues"
    );
}

/// The typing-indicator envelope with `payload` replaced.
fn typing(payload: &str, type_first: bool) -> Vec<u8> {
    let meta =
        r#"{"event_id":"0192f0c1-7a52-7cc3-8d1e-000000000064","timestamp":"2026-11-25T10:00:00Z"}"#;
    let v = CONTRACTS_VERSION;
    if type_first {
        format!(r#"{{"type":"TYPING_INDICATOR","contracts_version":"{v}","payload":{payload},"meta":{meta}}}"#)
    } else {
        format!(r#"{{"contracts_version":"{v}","meta":{meta},"payload":{payload},"type":"TYPING_INDICATOR"}}"#)
    }
    .into_bytes()
}

#[test]
fn hostile_shapes_get_the_issues_they_got_before() {
    let mut tally = Tally::default();
    let ids = r#""thread_id":"0192f0c1-7a52-7cc3-8d1e-000000000003","user_id":"0192f0c1-7a52-7cc3-8d1e-000000000001""#;
    let entries = |key: fn(usize) -> usize| {
        (0..300).fold(String::new(), |mut out, i| {
            let _ = write!(out, r#","k{}":{i}"#, key(i));
            out
        })
    };
    let wide = entries(|i| i);
    let repeated = entries(|i| i % 7);
    let deep = |n: usize| format!("{}1{}", "[".repeat(n), "]".repeat(n));
    let mut cases: Vec<(String, Vec<u8>)> = Vec::new();
    for type_first in [true, false] {
        let order = if type_first {
            "type first"
        } else {
            "payload first"
        };
        for (name, payload) in [
            (
                "wide unknown",
                format!(r#"{{{ids},"is_typing":true{wide}}}"#),
            ),
            (
                "repeated unknown",
                format!(r#"{{{ids},"is_typing":true{repeated}}}"#),
            ),
            (
                "repeated field",
                format!(r#"{{{ids},"is_typing":1,"is_typing":true,"is_typing":"x"}}"#),
            ),
            (
                "deep unknown 120",
                format!(r#"{{{ids},"is_typing":true,"x":{}}}"#, deep(120)),
            ),
            (
                "deep unknown 126",
                format!(r#"{{{ids},"is_typing":true,"x":{}}}"#, deep(126)),
            ),
            (
                "deep unknown 127",
                format!(r#"{{{ids},"is_typing":true,"x":{}}}"#, deep(127)),
            ),
            (
                "deep unknown 200",
                format!(r#"{{{ids},"is_typing":true,"x":{}}}"#, deep(200)),
            ),
            ("not an object", "[1,2,3]".to_string()),
        ] {
            cases.push((format!("{name}, {order}"), typing(&payload, type_first)));
        }
    }
    cases.push((
        "long array at the root".into(),
        format!("[{}0]", "0,".repeat(5_000)).into_bytes(),
    ));
    for (name, input) in &cases {
        for mode in [Mode::Producer, Mode::Consumer] {
            for max_issues in [1, 3, 100] {
                tally.bytes(
                    &format!("{name} ({mode:?}, max {max_issues})"),
                    input,
                    &options(mode, max_issues),
                );
            }
        }
    }
    eprintln!("hostile: {} comparisons", tally.compared);
}

#[test]
fn a_large_envelope_object_is_compared_too() {
    let mut tally = Tally::default();
    let mut map = Map::new();
    for i in 0..2_000 {
        map.insert(format!("field_{i}"), json!(i));
    }
    let value = Value::Object(map);
    for max_issues in [1, 100] {
        let options = options(Mode::Producer, max_issues);
        tally.value("2,000 unknown envelope fields", &value, &options);
        tally.bytes(
            "2,000 unknown envelope fields as text",
            &serde_json::to_vec(&value).unwrap(),
            &options,
        );
    }
}
