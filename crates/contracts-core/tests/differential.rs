//! Differential test: for 10,000 envelopes generated from the shipped JSON
//! Schema with a fixed seed (half of them mutated to break a rule), every way
//! the core answers (`is_valid_envelope` on bytes = the fast path,
//! `envelope_issues` on bytes = the explaining path, `value_issues` on a
//! `Value`) gives the same verdict as the `jsonschema` crate on the shipped
//! schema. A disagreement fails the test and prints the smallest envelope
//! (greedily shrunk) that still disagrees.

mod support;

use contracts_core::{
    envelope_issues, is_valid_envelope, value_issues, ValidateOptions, CONTRACTS_VERSION,
};
use serde_json::{json, Value};
use support::{envelope_classes, pointers, shipped_schema, Rng, SchemaGen};

const CASES: usize = 10_000;
const SEED: u64 = 0x5EED_2026_1125;

/// Every answer for one envelope: (jsonschema, fast path, explaining path, walker).
fn verdicts(envelope: &Value, schema: &jsonschema::Validator) -> [bool; 4] {
    let options = ValidateOptions::default();
    let bytes = serde_json::to_vec(envelope).unwrap();
    [
        schema.is_valid(envelope),
        is_valid_envelope(bytes.as_slice(), &options),
        envelope_issues(bytes.as_slice(), &options).is_empty(),
        value_issues(envelope, &options).is_empty(),
    ]
}

fn agree(v: [bool; 4]) -> bool {
    v.iter().all(|&x| x == v[0])
}

fn split(pointer: &str) -> (&str, String) {
    let (parent, last) = pointer.rsplit_once('/').unwrap();
    (parent, last.replace("~1", "/").replace("~0", "~"))
}

fn remove(value: &mut Value, pointer: &str) -> bool {
    let (parent, key) = split(pointer);
    match value.pointer_mut(parent) {
        Some(Value::Object(map)) => map.shift_remove(&key).is_some(),
        Some(Value::Array(items)) => key
            .parse::<usize>()
            .ok()
            .filter(|&i| i < items.len())
            .map(|i| items.remove(i))
            .is_some(),
        _ => false,
    }
}

/// Breaks one rule somewhere in `envelope`; returns what it did.
fn mutate(envelope: &mut Value, rng: &mut Rng) -> String {
    let mut all = Vec::new();
    pointers(envelope, "", &mut all);
    let target = rng.pick(&all).clone();
    let kind = rng.below(7);
    let node = envelope.pointer_mut(&target).unwrap();
    match kind {
        0 => {
            remove(envelope, &target);
            format!("removed {target}")
        }
        1 => {
            if let Value::Object(map) = node {
                map.insert("unexpected_field".into(), json!(1));
                return format!("added unexpected_field at {target}");
            }
            *node = json!({"unexpected": true});
            format!("replaced {target} by an object")
        }
        2 => {
            *node = match node {
                Value::String(_) => json!(42),
                Value::Number(_) => json!("42"),
                Value::Bool(_) => json!(0),
                Value::Null => json!([]),
                Value::Array(_) => json!({}),
                Value::Object(_) => json!("object"),
            };
            format!("changed the JSON type at {target}")
        }
        3 => {
            if let Value::String(s) = node {
                *s = if s.len() == 36 {
                    s.to_uppercase()
                } else {
                    s.replacen('T', " ", 1) + "x"
                };
            } else {
                *node = json!("NOT_A_VALUE");
            }
            format!("broke the string format at {target}")
        }
        4 => {
            *node = json!("NOT_A_VALUE");
            format!("replaced {target} by an unknown string")
        }
        5 => {
            *node = json!(1.5);
            format!("replaced {target} by 1.5")
        }
        _ => {
            *node = Value::Null;
            format!("replaced {target} by null")
        }
    }
}

/// Greedily removes keys and elements while the disagreement remains.
fn shrink(mut envelope: Value, schema: &jsonschema::Validator) -> Value {
    loop {
        let mut all = Vec::new();
        pointers(&envelope, "", &mut all);
        let smaller = all.iter().rev().find_map(|p| {
            let mut candidate = envelope.clone();
            (remove(&mut candidate, p) && !agree(verdicts(&candidate, schema))).then_some(candidate)
        });
        match smaller {
            Some(s) => envelope = s,
            None => return envelope,
        }
    }
}

#[test]
fn core_and_jsonschema_agree_on_ten_thousand_generated_envelopes() {
    let root = shipped_schema();
    let schema = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(&root)
        .expect("the shipped schema compiles");
    let defs = root["$defs"].as_object().unwrap();
    let envelopes = envelope_classes(&root);
    let mut gen = SchemaGen {
        defs,
        rng: Rng(SEED),
    };
    let mut mutations = Rng(SEED ^ 0xFFFF);
    let (mut valid, mut invalid) = (0, 0);
    for case in 0..CASES {
        let class = mutations.pick(&envelopes).clone();
        let mut envelope = gen.gen(&defs[&class], 0).wire;
        // The exact version is a producer rule of the validator, not of the schema.
        envelope["contracts_version"] = json!(CONTRACTS_VERSION);
        let what = if case % 2 == 1 {
            mutate(&mut envelope, &mut mutations)
        } else {
            "unchanged".into()
        };
        let v = verdicts(&envelope, &schema);
        if !agree(v) {
            let small = shrink(envelope.clone(), &schema);
            panic!(
                "case {case} ({class}, {what}): [jsonschema, fast, explaining, walker] = {v:?}\nsmallest disagreeing envelope: {small}\nissues: {:?}",
                value_issues(&small, &ValidateOptions::default())
            );
        }
        if v[0] {
            valid += 1;
        } else {
            invalid += 1;
        }
    }
    eprintln!("{CASES} envelopes: {valid} valid, {invalid} invalid, 0 disagreements");
    assert!(
        valid > CASES / 3 && invalid > CASES / 3,
        "too one-sided: {valid} valid, {invalid} invalid"
    );
}
