//! Shared by the integration tests: a fixed-seed generator of instances
//! from the shipped JSON Schema (`schemas/envelope.schema.json`).
#![allow(dead_code)]

use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};

pub fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every case file of the shared corpus `testdata/vectors/*.json`, sorted.
pub fn vector_files() -> Vec<PathBuf> {
    let dir = manifest_dir().join("../../testdata/vectors");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    files
}

const MAX_DEPTH: usize = 8;
const UUID_PATTERN: &str = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$";
const VERSION_PATTERN: &str = "^[0-9]+\\.[0-9]+\\.[0-9]+([-+].*)?$";

/// `SplitMix64`: a fixed-seed PRNG, enough for test data.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    #[allow(clippy::cast_possible_truncation)]
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    pub fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// A generated instance: what goes on the wire, and what the mirror must give back.
pub struct Instance {
    pub wire: Value,
    pub expected: Value,
}

impl Instance {
    fn same(value: Value) -> Self {
        Self {
            wire: value.clone(),
            expected: value,
        }
    }
}

pub struct SchemaGen<'a> {
    pub defs: &'a Map<String, Value>,
    pub rng: Rng,
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

    pub fn gen(&mut self, schema: &Value, depth: usize) -> Instance {
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
        uuid::Uuid::from_u128(bits).to_string()
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

pub fn shipped_schema() -> Value {
    let path = manifest_dir().join("schemas/envelope.schema.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e} (run `contracts gen`)", path.display()));
    serde_json::from_str(&text).expect("the shipped schema is JSON")
}

/// The canonical form, computed independently of chrono's serialiser.
pub fn canonical_timestamp(t: &chrono::DateTime<chrono::FixedOffset>) -> String {
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

/// The envelope classes the shipped schema's `oneOf` names, in its order.
pub fn envelope_classes(root: &Value) -> Vec<String> {
    root["oneOf"]
        .as_array()
        .expect("the shipped schema is a oneOf of envelopes")
        .iter()
        .map(|m| {
            m["$ref"]
                .as_str()
                .expect("each envelope is a $ref")
                .trim_start_matches("#/$defs/")
                .to_string()
        })
        .collect()
}

/// The JSON Pointer of every node below `at` in `value`, parents first.
pub fn pointers(value: &Value, at: &str, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let p = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                out.push(p.clone());
                pointers(v, &p, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                let p = format!("{at}/{i}");
                out.push(p.clone());
                pointers(v, &p, out);
            }
        }
        _ => {}
    }
}
