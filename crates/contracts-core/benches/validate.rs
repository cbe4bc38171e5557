//! `cargo bench -p contracts-core`: envelope validation next to its baselines,
//! in the same run.
//!
//! - `floor_ignored_any`: `serde_json` reading the bytes into `IgnoredAny`,
//!   the cost of looking at every byte once (the floor).
//! - `value_jsonschema`: `serde_json::Value` + the `jsonschema` crate on the
//!   shipped envelope schema (what a generic validator costs).
//! - ours: `is_valid_envelope` and `validate_envelope` on bytes,
//!   `value_issues` on an already parsed `Value`, and `envelope_issues` on
//!   invalid input (collecting every issue).
//!
//! Envelopes: small (~300 B, `TYPING_INDICATOR`) and large (~2.5 KB,
//! `SESSION_SUMMARY_READY` with a dozen action items), valid and invalid;
//! and the hostile ones of issue 18: a `MESSAGE_ADDED` whose
//! `map<string, int>` field, or an unknown object in consumer mode, holds
//! 100,000 keys (`hostile/*`, `validate_envelope` then `is_valid_envelope`).
//! `tools/bench_ratios.py` turns the results into the ratio table.

use contracts_core::{
    envelope_issues, is_valid_envelope, validate_envelope, value_issues, ValidateOptions,
    CONTRACTS_VERSION,
};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use serde_json::Value;
use std::hint::black_box;
use std::path::Path;

fn vector(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/vectors")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let case: Value =
        serde_json::from_str(&text.replace("{{CONTRACTS_VERSION}}", CONTRACTS_VERSION)).unwrap();
    case["input"].clone()
}

fn small() -> Value {
    vector("valid-typing-indicator.json")
}

fn large() -> Value {
    let mut envelope = vector("valid-session-summary-ready.json");
    let items = envelope["payload"]["content"]["action_items"]
        .as_array()
        .unwrap()
        .clone();
    let grown: Vec<Value> = items.iter().cycle().take(12).cloned().collect();
    envelope["payload"]["content"]["action_items"] = Value::Array(grown);
    envelope
}

fn small_invalid() -> Value {
    let mut envelope = small();
    envelope["payload"]["is_typing"] = Value::from("yes");
    envelope["payload"]["user_id"] = Value::from("not-a-uuid");
    envelope
}

fn large_invalid() -> Value {
    let mut envelope = large();
    let items = envelope["payload"]["content"]["action_items"]
        .as_array_mut()
        .unwrap();
    for item in items.iter_mut().step_by(3) {
        item["owner"] = Value::from("NOBODY");
        item["due_date"] = Value::from("next week");
    }
    envelope["meta"]["timestamp"] = Value::from("yesterday");
    envelope
}

fn bench(c: &mut Criterion) {
    let schema: Value =
        serde_json::from_str(include_str!("../schemas/envelope.schema.json")).unwrap();
    let jsonschema = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    let options = ValidateOptions::default();
    for (name, envelope, valid) in [
        ("small_valid", small(), true),
        ("large_valid", large(), true),
        ("small_invalid", small_invalid(), false),
        ("large_invalid", large_invalid(), false),
    ] {
        let bytes = serde_json::to_vec(&envelope).unwrap();
        assert_eq!(
            is_valid_envelope(bytes.as_slice(), &options),
            valid,
            "{name}"
        );
        assert_eq!(
            jsonschema.is_valid(&envelope),
            valid,
            "{name}: jsonschema disagrees"
        );
        let mut group = c.benchmark_group(name);
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_function(BenchmarkId::new("floor_ignored_any", bytes.len()), |b| {
            b.iter(|| serde_json::from_slice::<serde::de::IgnoredAny>(black_box(&bytes)).unwrap());
        });
        group.bench_function(BenchmarkId::new("value_jsonschema", bytes.len()), |b| {
            b.iter(|| {
                let value: Value = serde_json::from_slice(black_box(&bytes)).unwrap();
                jsonschema.is_valid(&value)
            });
        });
        group.bench_function(BenchmarkId::new("is_valid_envelope", bytes.len()), |b| {
            b.iter(|| is_valid_envelope(black_box(bytes.as_slice()), &options));
        });
        group.bench_function(BenchmarkId::new("validate_envelope", bytes.len()), |b| {
            b.iter(|| validate_envelope(black_box(bytes.as_slice()), &options).is_ok());
        });
        group.bench_function(BenchmarkId::new("value_issues", bytes.len()), |b| {
            b.iter(|| value_issues(black_box(&envelope), &options).len());
        });
        if !valid {
            group.bench_function(BenchmarkId::new("envelope_issues_all", bytes.len()), |b| {
                b.iter(|| envelope_issues(black_box(bytes.as_slice()), &options).len());
            });
        }
        group.finish();
    }
}

fn hostile(c: &mut Criterion) {
    let mut group = c.benchmark_group("hostile");
    group.sample_size(10);
    for (name, field, mode) in [
        ("map_100k_keys", "reactions", contracts_core::Mode::Producer),
        (
            "unknown_object_100k_keys",
            "added_later",
            contracts_core::Mode::Consumer,
        ),
    ] {
        let mut envelope = vector("valid-message-added-text.json");
        envelope["payload"][field] = Value::Object(
            (0..100_000)
                .map(|i| (format!("key{i}"), Value::from(i)))
                .collect(),
        );
        let bytes = serde_json::to_vec(&envelope).unwrap();
        let options = ValidateOptions::with_mode(mode);
        assert!(is_valid_envelope(bytes.as_slice(), &options), "{name}");
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_function(BenchmarkId::new(name, bytes.len()), |b| {
            b.iter(|| {
                validate_envelope(black_box(bytes.as_slice()), &options).is_ok()
                    && is_valid_envelope(black_box(bytes.as_slice()), &options)
            });
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(std::time::Duration::from_millis(500))
        .measurement_time(std::time::Duration::from_secs(2))
        .sample_size(50);
    targets = bench, hostile
}
criterion_main!(benches);
