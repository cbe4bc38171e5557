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

use contracts_core::mirror::{self, roundtrip_json, EventEnvelope};
use contracts_core::{value_issues, ValidateOptions};
use serde_json::{json, Map, Value};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

const PLACEHOLDER: &str = "{{CONTRACTS_VERSION}}";

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn vector_files() -> Vec<PathBuf> {
    let dir = manifest_dir().join("../../testdata/vectors");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    files
}

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

/// The canonical form, computed independently of chrono's serialiser.
fn canonical_timestamp(t: &chrono::DateTime<chrono::FixedOffset>) -> String {
    use chrono::{Datelike, Timelike};
    let nanos = t.nanosecond();
    let fraction = if nanos == 0 {
        String::new()
    } else if nanos.is_multiple_of(1_000_000) {
        format!(".{:03}", nanos / 1_000_000)
    } else if nanos.is_multiple_of(1_000) {
        format!(".{:06}", nanos / 1_000)
    } else {
        format!(".{nanos:09}")
    };
    let offset = t.offset().local_minus_utc();
    let zone = if offset == 0 {
        "Z".to_string()
    } else {
        let sign = if offset < 0 { '-' } else { '+' };
        let minutes = offset.abs() / 60;
        format!("{sign}{:02}:{:02}", minutes / 60, minutes % 60)
    };
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{fraction}{zone}",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
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
    assert_eq!(EventEnvelope::from(standalone), envelope);
    let mut wrong = value;
    wrong["type"] = json!("MESSAGE_DELETED");
    assert!(serde_json::from_value::<mirror::TypingIndicatorEvent>(wrong).is_err());
}

// ---------------------------------------------------------------------------
// Property test: instances generated from the shipped JSON Schema
// ---------------------------------------------------------------------------

const INSTANCES: usize = 200;
const MAX_DEPTH: usize = 8;
const UUID_PATTERN: &str = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$";
const VERSION_PATTERN: &str = "^[0-9]+\\.[0-9]+\\.[0-9]+([-+].*)?$";

/// `SplitMix64`: a fixed-seed PRNG, enough for test data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    #[allow(clippy::cast_possible_truncation)]
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// A generated instance: what goes on the wire, and what the mirror must give back.
struct Instance {
    wire: Value,
    expected: Value,
}

impl Instance {
    fn same(value: Value) -> Self {
        Self {
            wire: value.clone(),
            expected: value,
        }
    }
}

struct SchemaGen<'a> {
    defs: &'a Map<String, Value>,
    rng: Rng,
}

impl SchemaGen<'_> {
    fn resolve<'s>(&'s self, schema: &'s Value) -> &'s Value {
        match schema.get("$ref").and_then(Value::as_str) {
            Some(reference) => {
                let name = reference
                    .strip_prefix("#/$defs/")
                    .unwrap_or_else(|| panic!("unsupported $ref {reference}"));
                self.resolve(&self.defs[name])
            }
            None => schema,
        }
    }

    fn gen(&mut self, schema: &Value, depth: usize) -> Instance {
        let schema = self.resolve(schema).clone();
        if let Some(value) = schema.get("const") {
            return Instance::same(value.clone());
        }
        if let Some(Value::Array(values)) = schema.get("enum") {
            return Instance::same(self.rng.pick(values).clone());
        }
        if let Some(Value::Array(members)) = schema.get("anyOf").or_else(|| schema.get("oneOf")) {
            let deep = depth >= MAX_DEPTH;
            let null = members
                .iter()
                .position(|m| m.get("type") == Some(&json!("null")));
            let member = match null {
                Some(i) if deep => &members[i],
                _ => self.rng.pick(members),
            };
            return self.gen(member, depth);
        }
        match schema.get("type").and_then(Value::as_str) {
            Some("null") => Instance::same(Value::Null),
            Some("boolean") => Instance::same(json!(self.rng.one_in(2))),
            Some("integer") => Instance::same(json!(self.integer())),
            Some("number") => self.number(),
            Some("string") => self.string(&schema),
            Some("array") => {
                let n = if depth >= MAX_DEPTH {
                    0
                } else {
                    self.rng.below(4)
                };
                let items: Vec<Instance> = (0..n)
                    .map(|_| self.gen(&schema["items"], depth + 1))
                    .collect();
                Instance {
                    wire: Value::Array(items.iter().map(|i| i.wire.clone()).collect()),
                    expected: Value::Array(items.into_iter().map(|i| i.expected).collect()),
                }
            }
            Some("object") => self.object(&schema, depth),
            other => panic!("the generator does not know schema type {other:?} in {schema}"),
        }
    }

    fn object(&mut self, schema: &Value, depth: usize) -> Instance {
        let mut wire = Map::new();
        let mut expected = Map::new();
        if let Some(Value::Object(properties)) = schema.get("properties") {
            let required: Vec<&str> = schema["required"]
                .as_array()
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            for (key, property) in properties {
                let is_required = required.contains(&key.as_str());
                if !is_required && (depth >= MAX_DEPTH || self.rng.one_in(3)) {
                    continue; // optional field absent
                }
                let instance = self.gen(property, depth + 1);
                wire.insert(key.clone(), instance.wire);
                // An optional field sent as null is absent after the round trip.
                if is_required || !instance.expected.is_null() {
                    expected.insert(key.clone(), instance.expected);
                }
            }
        }
        match schema.get("additionalProperties") {
            None | Some(Value::Bool(false)) => {}
            Some(values) if values.is_object() => {
                let n = if depth >= MAX_DEPTH {
                    0
                } else {
                    self.rng.below(4)
                };
                let key_enum = schema
                    .get("propertyNames")
                    .map(|p| self.resolve(p).clone())
                    .and_then(|p| p.get("enum").cloned());
                for _ in 0..n {
                    let key = match &key_enum {
                        Some(Value::Array(keys)) => {
                            self.rng.pick(keys).as_str().unwrap().to_string()
                        }
                        _ => self.text(),
                    };
                    let instance = self.gen(values, depth + 1);
                    wire.insert(key.clone(), instance.wire);
                    expected.insert(key, instance.expected);
                }
            }
            Some(other) => panic!("unsupported additionalProperties {other}"),
        }
        Instance {
            wire: Value::Object(wire),
            expected: Value::Object(expected),
        }
    }

    fn integer(&mut self) -> i64 {
        #[allow(clippy::cast_possible_wrap)]
        match self.rng.below(6) {
            0 => *self.rng.pick(&[0, 1, -1, i64::MAX, i64::MIN, 100]),
            1 => self.rng.next() as i64,
            2 => -(self.rng.below(1000) as i64),
            _ => self.rng.below(100_000) as i64,
        }
    }

    #[allow(
        clippy::cast_precision_loss,
        clippy::cast_possible_wrap,
        clippy::cast_possible_truncation
    )]
    fn number(&mut self) -> Instance {
        match self.rng.below(5) {
            // An integral JSON number for a float field comes back as a float.
            0 => {
                let n = self.rng.below(1000) as i64 - 500;
                Instance {
                    wire: json!(n),
                    expected: json!(n as f64),
                }
            }
            1 => Instance::same(json!(*self
                .rng
                .pick(&[0.0, 0.5, 1.0, 100.0, 1e-7, 1e300, -2.5]))),
            _ => {
                let mantissa = (self.rng.next() >> 11) as f64 / (1u64 << 53) as f64;
                let exponent = self.rng.below(12) as i32 - 6;
                let sign = if self.rng.one_in(4) { -1.0 } else { 1.0 };
                Instance::same(json!(sign * mantissa * 10f64.powi(exponent)))
            }
        }
    }

    fn text(&mut self) -> String {
        const POOL: &[&str] = &[
            "a", "Z", "0", " ", "\"", "\\", "/", "~", "é", "💬", "\n", "\u{0}", "日本", "-", "_",
        ];
        let n = self.rng.below(8);
        (0..n).map(|_| *self.rng.pick(POOL)).collect()
    }

    fn string(&mut self, schema: &Value) -> Instance {
        let format = schema.get("format").and_then(Value::as_str);
        let pattern = schema.get("pattern").and_then(Value::as_str);
        match (format, pattern) {
            (Some("uuid"), Some(UUID_PATTERN)) => Instance::same(json!(self.uuid())),
            (Some("date-time"), Some(_)) => self.timestamp(),
            (Some("date"), Some(_)) => {
                Instance::same(json!(self.date().format("%Y-%m-%d").to_string()))
            }
            (None, Some(VERSION_PATTERN)) => Instance::same(json!(self.version())),
            (None, None) => Instance::same(json!(self.text())),
            other => panic!("the generator does not know string format/pattern {other:?}"),
        }
    }

    fn uuid(&mut self) -> String {
        let bits: u128 = match self.rng.below(10) {
            0 => 0,
            1 => u128::MAX,
            _ => (u128::from(self.rng.next()) << 64) | u128::from(self.rng.next()),
        };
        let hex = format!("{bits:032x}");
        format!(
            "{}-{}-{}-{}-{}",
            &hex[..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..]
        )
    }

    #[allow(clippy::cast_possible_truncation, clippy::cast_possible_wrap)]
    fn date(&mut self) -> chrono::NaiveDate {
        if self.rng.one_in(8) {
            let year = *self.rng.pick(&[2024, 2000, 1600, 2028]);
            return chrono::NaiveDate::from_ymd_opt(year, 2, 29).unwrap();
        }
        let year = match self.rng.below(4) {
            0 => 1 + self.rng.below(9999) as i32,
            _ => 1970 + self.rng.below(100) as i32,
        };
        let base = chrono::NaiveDate::from_ymd_opt(year, 1, 1).unwrap();
        let days = self.rng.below(365) as u64;
        base.checked_add_days(chrono::Days::new(days))
            .unwrap_or(base)
    }

    /// A valid RFC 3339 date-time in one of the forms the schema pattern allows;
    /// `expected` is the canonical form the mirror must write.
    #[allow(clippy::cast_possible_truncation, clippy::cast_possible_wrap)]
    fn timestamp(&mut self) -> Instance {
        let date = loop {
            let d = self.date();
            // Keep the UTC instant within years 0001..=9999 for any offset.
            if (1000..9999).contains(&chrono::Datelike::year(&d)) {
                break d;
            }
        };
        let (h, m, s) = (self.rng.below(24), self.rng.below(60), self.rng.below(60));
        let digits = *self.rng.pick(&[0usize, 0, 3, 3, 6, 9, 1, 2, 4]);
        let fraction_value = self.rng.next() % 10u64.pow(digits as u32);
        let fraction = if digits == 0 {
            String::new()
        } else {
            format!(".{fraction_value:0digits$}")
        };
        let offset_minutes: i32 = match self.rng.below(4) {
            0 | 1 => 0,
            _ => (self.rng.below(113) as i32 - 56) * 15, // -14:00 ..= +14:00
        };
        let zone = if offset_minutes == 0 {
            (*self.rng.pick(&["Z", "Z", "Z", "z", "+00:00", "-00:00"])).to_string()
        } else {
            let sign = if offset_minutes < 0 { '-' } else { '+' };
            let abs = offset_minutes.abs();
            format!("{sign}{:02}:{:02}", abs / 60, abs % 60)
        };
        let t = if self.rng.one_in(10) { 't' } else { 'T' };
        let wire = format!("{date}{t}{h:02}:{m:02}:{s:02}{fraction}{zone}");
        let parsed = chrono::DateTime::parse_from_rfc3339(&wire)
            .unwrap_or_else(|e| panic!("generated an invalid timestamp {wire}: {e}"));
        Instance {
            wire: json!(wire),
            expected: json!(canonical_timestamp(&parsed)),
        }
    }

    fn version(&mut self) -> String {
        let core = format!(
            "{}.{}.{}",
            self.rng.below(3),
            self.rng.below(20),
            self.rng.below(20)
        );
        match self.rng.below(4) {
            0 => format!("{core}-beta.{}", self.rng.below(9)),
            1 => format!("{core}+build.{}", self.rng.below(9)),
            _ => core,
        }
    }
}

fn shipped_schema() -> Value {
    let path = manifest_dir().join("schemas/envelope.schema.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e} (run `contracts gen`)", path.display()));
    serde_json::from_str(&text).expect("the shipped schema is JSON")
}

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
                let version = instance.wire["contracts_version"]
                    .as_str()
                    .unwrap()
                    .to_string();
                Some((instance.wire.clone(), options(Some(&version))))
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
