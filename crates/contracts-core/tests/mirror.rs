//! The generated mirror types (`contracts_core::mirror`) against the wire:
//!
//! - every valid producer vector of `testdata/vectors` (the `input` form)
//!   deserialises into `mirror::EventEnvelope` and serialises back to the same
//!   JSON, up to the documented canonicalisations;
//! - a property test generates random valid instances of every class from the
//!   shipped JSON Schema (`schemas/envelope.schema.json`, `$defs`), checks that
//!   the core validator accepts them (schema vs validator) and that the mirror
//!   round-trips them exactly (schema vs mirror);
//! - `schemars` derives a schema for `EventEnvelope`.
//!
//! Canonicalisations the mirror applies (so a round trip may differ from the
//! input only in these ways):
//! - an optional field given as `null` is absent after the round trip
//!   (`None` is skipped when serialising; both mean the same on the wire);
//! - a `Timestamp` is re-written in the canonical RFC 3339 form: upper-case
//!   `T`, `Z` for a zero offset (also for `+00:00` and `-00:00`), and 0, 3, 6
//!   or 9 fraction digits; the instant and the offset are kept;
//! - a `float` given as an integral JSON number (`1`) comes back as `1.0`.

use contracts_core::literal::StrLiteral;
use contracts_core::mirror::{self, roundtrip_json, EventEnvelope};
use contracts_core::{value_issues, ValidateOptions};
use serde_json::{json, Value};
use std::fmt::Write as _;

mod support;
use support::{canonical_timestamp, shipped_schema, vector_files, Rng, SchemaGen};

const PLACEHOLDER: &str = "{{CONTRACTS_VERSION}}";

fn options(target_version: Option<&str>) -> ValidateOptions {
    ValidateOptions {
        target_version: target_version.map(str::to_string),
        ..ValidateOptions::default()
    }
}

// ---------------------------------------------------------------------------
// Vectors
// ---------------------------------------------------------------------------

/// Compares a round trip with its input, allowing only the canonicalisations
/// listed in the module doc. Returns the first difference.
fn wire_equal(input: &Value, output: &Value, path: &str) -> Result<(), String> {
    match (input, output) {
        (Value::Object(a), Value::Object(b)) => {
            for (key, value) in a {
                let child = format!("{path}/{key}");
                match b.get(key) {
                    Some(out) => wire_equal(value, out, &child)?,
                    None if value.is_null() => {} // optional field given as null
                    None => return Err(format!("{child}: missing after the round trip")),
                }
            }
            if let Some(key) = b.keys().find(|k| !a.contains_key(*k)) {
                return Err(format!("{path}/{key}: added by the round trip"));
            }
            Ok(())
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (index, (x, y)) in a.iter().zip(b).enumerate() {
                wire_equal(x, y, &format!("{path}/{index}"))?;
            }
            Ok(())
        }
        (Value::Number(a), Value::Number(b))
            if a != b && (a.is_i64() || a.is_u64()) && b.is_f64() =>
        {
            #[allow(clippy::cast_precision_loss)]
            let integral = a
                .as_i64()
                .map(|i| i as f64)
                .or(a.as_u64().map(|u| u as f64));
            if integral == b.as_f64() {
                Ok(())
            } else {
                Err(format!("{path}: {a} became {b}"))
            }
        }
        (Value::String(a), Value::String(b)) if a != b => {
            let (Ok(x), Ok(y)) = (
                chrono::DateTime::parse_from_rfc3339(a),
                chrono::DateTime::parse_from_rfc3339(b),
            ) else {
                return Err(format!("{path}: {a:?} became {b:?}"));
            };
            if x != y || x.offset() != y.offset() {
                return Err(format!(
                    "{path}: timestamp {a:?} became {b:?} (another instant or offset)"
                ));
            }
            if *b != canonical_timestamp(&x) {
                return Err(format!(
                    "{path}: timestamp {a:?} became {b:?}, not the canonical form {:?}",
                    canonical_timestamp(&x)
                ));
            }
            Ok(())
        }
        _ if input == output => Ok(()),
        _ => Err(format!("{path}: {input} became {output}")),
    }
}

#[test]
fn every_valid_producer_vector_round_trips_through_the_mirror() {
    let mut failures = String::new();
    let mut checked = 0;
    for path in vector_files() {
        let raw = std::fs::read_to_string(&path).expect("readable vector");
        let doc: Value =
            serde_json::from_str(&raw.replace(PLACEHOLDER, contracts_core::CONTRACTS_VERSION))
                .expect("vector is JSON");
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let (Some(input), Some(true), Some("producer")) = (
            doc.get("input"),
            doc["expect"]["valid"].as_bool(),
            doc["mode"].as_str(),
        ) else {
            continue;
        };
        checked += 1;
        let issues = value_issues(input, &options(doc["target_version"].as_str()));
        assert!(
            issues.is_empty(),
            "{name}: the validator rejects a valid vector: {issues:?}"
        );
        match roundtrip_json("EventEnvelope", input.clone()).expect("EventEnvelope is known") {
            Err(e) => {
                let _ = writeln!(failures, "{name}: the mirror rejects it: {e}");
            }
            Ok(output) => {
                if let Err(diff) = wire_equal(input, &output, "") {
                    let _ = writeln!(failures, "{name}: {diff}");
                }
            }
        }
    }
    assert!(
        checked >= 25,
        "only {checked} valid producer vectors with `input` found"
    );
    assert!(
        failures.is_empty(),
        "mirror round-trip failures:\n{failures}"
    );
}

#[test]
fn timestamps_and_uuids_serialise_canonically() {
    let envelope = |sent_at: &str, event_id: &str| {
        json!({
            "type": "MESSAGE_DELETED",
            "contracts_version": contracts_core::CONTRACTS_VERSION,
            "payload": {
                "message_id": "0192f0c1-7a52-7cc3-8d1e-000000000009",
                "thread_id": "0192f0c1-7a52-7cc3-8d1e-000000000003",
                "deleted_by": "0192f0c1-7a52-7cc3-8d1e-000000000001",
                "deleted_at": sent_at,
            },
            "meta": {"event_id": event_id, "timestamp": "2026-11-25T10:00:00Z"},
        })
    };
    let id = "0192f0c1-7a52-7cc3-8d1e-000000000064";
    for (input, canonical) in [
        ("2026-11-25t10:01:00z", "2026-11-25T10:01:00Z"),
        ("2026-11-25T10:01:00+00:00", "2026-11-25T10:01:00Z"),
        ("2026-11-25T10:01:00-00:00", "2026-11-25T10:01:00Z"),
        (
            "2026-11-25T10:01:00.5+01:00",
            "2026-11-25T10:01:00.500+01:00",
        ),
        (
            "2026-11-25T10:01:00.1234-05:30",
            "2026-11-25T10:01:00.123400-05:30",
        ),
        ("2026-11-25T10:01:00.000Z", "2026-11-25T10:01:00Z"),
    ] {
        let out = roundtrip_json("EventEnvelope", envelope(input, id))
            .unwrap()
            .unwrap();
        assert_eq!(out["payload"]["deleted_at"], canonical, "{input}");
        assert!(
            value_issues(&out, &options(None)).is_empty(),
            "{input}: canonical output is valid"
        );
    }
    // More tolerant than the validator on input (which requires lowercase
    // 8-4-4-4-12): the output is always the canonical form.
    let upper = roundtrip_json(
        "EventEnvelope",
        envelope("2026-11-25T10:01:00Z", &id.to_uppercase()),
    )
    .unwrap()
    .unwrap();
    assert_eq!(upper["meta"]["event_id"], id);
}

#[test]
fn the_mirror_rejects_what_the_contract_forbids() {
    let text = json!({"kind": "text", "text": "hi"});
    assert!(roundtrip_json("TextContent", text.clone()).unwrap().is_ok());
    let mut wrong_literal = text.clone();
    wrong_literal["kind"] = json!("attachment");
    assert!(roundtrip_json("TextContent", wrong_literal)
        .unwrap()
        .is_err());
    let mut unknown = text.clone();
    unknown["extra"] = json!(1);
    assert!(roundtrip_json("TextContent", unknown).unwrap().is_err());
    assert!(roundtrip_json("TextContent", json!({"kind": "text"}))
        .unwrap()
        .is_err());
    assert!(roundtrip_json("Priority", json!("low")).unwrap().is_err());
    assert!(roundtrip_json("Priority", json!("LOW")).unwrap().is_ok());
    assert!(roundtrip_json("NoSuchClass", json!({})).is_none());
    let wrong_type =
        json!({"type": "NOPE", "contracts_version": "0.1.0", "payload": {}, "meta": {}});
    assert!(serde_json::from_value::<EventEnvelope>(wrong_type).is_err());
}

/// A known difference, kept visible: the validator accepts an integral number
/// written with a fraction (`3522.0`) for an `int` field, serde's `i64` does
/// not. Producers never emit that form (the mirror writes `3522`).
#[test]
fn integral_floats_in_int_fields_are_rejected_by_the_mirror() {
    let payload = json!({"word": "hi", "start_ms": 0, "end_ms": 3522.0});
    assert!(roundtrip_json("WordTiming", payload).unwrap().is_err());
}

#[test]
fn schemars_describes_every_event() {
    let schema = serde_json::to_value(schemars::schema_for!(EventEnvelope)).unwrap();
    let text = schema.to_string();
    for event_type in contracts_core::event_types() {
        assert!(
            text.contains(&format!("\"{event_type}\"")),
            "{event_type} missing from {text}"
        );
    }
    let _ = schemars::schema_for!(mirror::ChatMessage);
}

#[test]
fn envelope_accessors() {
    let value = json!({
        "type": "TYPING_INDICATOR",
        "contracts_version": contracts_core::CONTRACTS_VERSION,
        "payload": {
            "thread_id": "0192f0c1-7a52-7cc3-8d1e-000000000003",
            "user_id": "0192f0c1-7a52-7cc3-8d1e-000000000001",
            "is_typing": false,
        },
        "meta": {"event_id": "0192f0c1-7a52-7cc3-8d1e-000000000064", "timestamp": "2026-11-25T10:00:00Z"},
    });
    let envelope: EventEnvelope = serde_json::from_value(value.clone()).unwrap();
    assert_eq!(envelope.event_type(), "TYPING_INDICATOR");
    assert_eq!(
        envelope.contracts_version(),
        contracts_core::CONTRACTS_VERSION
    );
    assert_eq!(
        envelope.meta().event_id.to_string(),
        "0192f0c1-7a52-7cc3-8d1e-000000000064"
    );
    // The envelope struct alone has the same wire form as the enum.
    let EventEnvelope::TypingIndicator(inner) = &envelope else {
        panic!()
    };
    assert_eq!(serde_json::to_value(inner).unwrap(), value);
    let standalone: mirror::TypingIndicatorEvent = serde_json::from_value(value.clone()).unwrap();
    // The `type` field is the core's generic literal type over the mirror's marker.
    let literal: StrLiteral<mirror::TypingIndicatorLiteral> = standalone.r#type;
    assert_eq!(
        serde_json::to_value(literal).unwrap(),
        json!("TYPING_INDICATOR")
    );
    assert_eq!(EventEnvelope::from(standalone), envelope);
    let mut wrong = value;
    wrong["type"] = json!("MESSAGE_DELETED");
    let error = serde_json::from_value::<mirror::TypingIndicatorEvent>(wrong).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("expected exactly \"TYPING_INDICATOR\""),
        "{error}"
    );
}

// ---------------------------------------------------------------------------
// Property test: instances generated from the shipped JSON Schema
// ---------------------------------------------------------------------------

const INSTANCES: usize = 200;

#[test]
fn generated_instances_pass_the_validator_and_round_trip_through_the_mirror() {
    let root = shipped_schema();
    let defs = root["$defs"].as_object().expect("$defs");
    // Envelope classes and the payload class each binds.
    let mut payload_of: Vec<(String, String)> = Vec::new(); // (payload class, envelope class)
    let mut envelopes = Vec::new();
    for member in root["oneOf"].as_array().expect("oneOf") {
        let envelope = member["$ref"]
            .as_str()
            .unwrap()
            .trim_start_matches("#/$defs/");
        let payload = defs[envelope]["properties"]["payload"]["$ref"]
            .as_str()
            .unwrap()
            .trim_start_matches("#/$defs/");
        payload_of.push((payload.to_string(), envelope.to_string()));
        envelopes.push(envelope.to_string());
    }
    let mut gen = SchemaGen {
        defs,
        rng: Rng(0x00C0_ACE5_2026),
    };
    let mut disagreements = String::new();
    let mut record = |what: String| {
        if disagreements.lines().count() < 40 {
            disagreements.push_str(&what);
            disagreements.push('\n');
        }
    };
    let (mut classes, mut validated, mut mirror_only) = (0, 0, Vec::new());
    let mut targets: Vec<(String, Value)> = defs
        .iter()
        .filter(|(_, d)| d.get("properties").is_some())
        .map(|(name, d)| (name.clone(), d.clone()))
        .collect();
    targets.push(("EventEnvelope".into(), json!({"oneOf": root["oneOf"]})));
    for (name, schema) in &targets {
        classes += 1;
        let envelope_of = payload_of
            .iter()
            .filter(|(p, _)| p == name)
            .map(|(_, e)| e.clone())
            .collect::<Vec<_>>();
        let is_envelope = name == "EventEnvelope" || envelopes.contains(name);
        if envelope_of.is_empty() && !is_envelope {
            mirror_only.push(name.clone());
        }
        for i in 0..INSTANCES {
            let instance = gen.gen(schema, 0);
            // Schema vs validator.
            let checked = if is_envelope {
                // The schema accepts any SemVer; which version an envelope
                // may carry is the validator's mode rule (see the vectors),
                // and a target version must be a known one.
                let mut envelope = instance.wire.clone();
                envelope["contracts_version"] = json!(contracts_core::CONTRACTS_VERSION);
                Some((envelope, options(None)))
            } else if envelope_of.is_empty() {
                None
            } else {
                let envelope_class = gen.rng.pick(&envelope_of).clone();
                let mut envelope = gen.gen(&defs[&envelope_class], 0).wire;
                envelope["payload"] = instance.wire.clone();
                envelope["contracts_version"] = json!(contracts_core::CONTRACTS_VERSION);
                Some((envelope, options(None)))
            };
            if let Some((envelope, options)) = checked {
                validated += 1;
                let issues = value_issues(&envelope, &options);
                if !issues.is_empty() {
                    record(format!(
                        "schema vs validator: {name} #{i}: the validator rejects a schema-valid instance: {:?}\n  {envelope}",
                        issues.iter().map(|i| format!("{} {}: {}", i.path, i.code.as_str(), i.message)).collect::<Vec<_>>()
                    ));
                }
            }
            // Schema vs mirror.
            match roundtrip_json(name, instance.wire.clone()) {
                None => record(format!("no mirror type for {name}")),
                Some(Err(e)) => record(format!("schema vs mirror: {name} #{i}: the mirror rejects it: {e}\n  {}", instance.wire)),
                Some(Ok(out)) if out != instance.expected => record(format!(
                    "schema vs mirror: {name} #{i}: round trip differs\n  wire:     {}\n  expected: {}\n  got:      {out}",
                    instance.wire, instance.expected
                )),
                Some(Ok(_)) => {}
            }
        }
    }
    assert!(disagreements.is_empty(), "disagreements:\n{disagreements}");
    assert!(classes > 40, "only {classes} classes in the schema");
    let mut payloads: Vec<&String> = payload_of.iter().map(|(p, _)| p).collect();
    payloads.sort();
    payloads.dedup();
    assert_eq!(
        validated,
        INSTANCES * (envelopes.len() + 1 + payloads.len()),
        "every envelope class, EventEnvelope and every payload class is checked by the validator"
    );
    eprintln!(
        "{classes} schemas x {INSTANCES} instances; {validated} checked by the validator; round trip only (no event binds them as payload; the validator sees them only nested in payloads): {}",
        mirror_only.join(", ")
    );
}
