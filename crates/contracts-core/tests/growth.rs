//! Validation time grows linearly with the input, on the shapes a hostile
//! client would send (issue 18: a 200,000-key map once took minutes).
//!
//! Each case times an input of size n and one of size 4n (n grown until a
//! run is long enough to time; best of three runs each, interleaved) and
//! asserts the ratio stays far below the 16 that quadratic growth gives (in
//! one of three such measurements: caches shared with other processes make
//! one vary up to twofold).
//! Time is the thread's CPU time where Linux tells it
//! (`/proc/thread-self/schedstat`), so other processes competing for the
//! cores do not stretch the longer runs more than the shorter ones.
//! Cases: wide maps and unknown objects (valid and with an issue per key),
//! unknown envelope fields, keys given twice (which send JSON text through
//! the tree path), escape-heavy strings and keys, and, on a contract of this
//! file's own, long arrays of many-member unions and unions nested through
//! recursion (which tried every member at every level of nesting).

mod support;

use contracts_core::schema::{ClassDef, EventDef, FieldDef, Registry, Ty};
use contracts_core::{envelope_issues, is_valid_envelope, value_issues, Mode, ValidateOptions};
use serde_json::{json, Value};
use std::fmt::Write as _;
use std::time::Instant;

/// Quadratic growth would be 16x; linear is 4x.
const LIMIT: f64 = 8.0;
/// Caches shared with other processes make one measurement vary up to ~2x;
/// quadratic growth gives ~16x every time. One of three must be below LIMIT.
const ATTEMPTS: usize = 3;
/// Grow n until one run of the small input takes this long.
const MEASURABLE: f64 = 0.012;

/// This thread's CPU time in nanoseconds, if the kernel tells it.
fn cpu_nanos() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    stat.split_whitespace().next()?.parse().ok()
}

#[allow(clippy::cast_precision_loss)]
fn seconds(run: &dyn Fn()) -> f64 {
    let (start, cpu) = (Instant::now(), cpu_nanos());
    run();
    match (cpu, cpu_nanos()) {
        (Some(before), Some(after)) => (after - before) as f64 / 1e9,
        _ => start.elapsed().as_secs_f64(),
    }
}

/// `prepare(n)` builds the input of size n and returns the run to time.
fn assert_linear(name: &str, prepare: &dyn Fn(usize) -> Box<dyn Fn()>) {
    let mut n = 512;
    let mut small = prepare(n);
    while n < 1 << 16 && seconds(&*small) < MEASURABLE {
        n *= 4;
        small = prepare(n);
    }
    let large = prepare(4 * n);
    let mut ratios = Vec::new();
    for _ in 0..ATTEMPTS {
        let (mut t_small, mut t_large) = (f64::INFINITY, f64::INFINITY);
        for _ in 0..3 {
            t_small = t_small.min(seconds(&*small));
            t_large = t_large.min(seconds(&*large));
        }
        let ratio = t_large / t_small;
        eprintln!("{name}: n = {n}: {t_small:.4} s, 4n: {t_large:.4} s, ratio {ratio:.2}");
        if ratio < LIMIT {
            return;
        }
        ratios.push(ratio);
    }
    panic!("{name}: 4x the input took {ratios:.1?} times as long (n = {n})");
}

fn message_added() -> Value {
    let path = support::manifest_dir().join("../../testdata/vectors/valid-message-added-text.json");
    let text = std::fs::read_to_string(path).unwrap();
    let case: Value = serde_json::from_str(
        &text.replace("{{CONTRACTS_VERSION}}", contracts_core::CONTRACTS_VERSION),
    )
    .unwrap();
    case["input"].clone()
}

fn keys(n: usize, value: impl Fn(usize) -> Value) -> Value {
    Value::Object((0..n).map(|i| (format!("key{i}"), value(i))).collect())
}

/// `envelope` as JSON text with the string `"MARK"` replaced by `n` entries
/// (`entry(i)` each, comma-separated) inside `open` and `close`.
fn spliced(
    envelope: &Value,
    n: usize,
    open: &str,
    close: &str,
    entry: impl Fn(usize) -> String,
) -> Vec<u8> {
    let mut inner = String::from(open);
    for i in 0..n {
        if i > 0 {
            inner.push(',');
        }
        inner.push_str(&entry(i));
    }
    inner.push_str(close);
    serde_json::to_string(envelope)
        .unwrap()
        .replace("\"MARK\"", &inner)
        .into_bytes()
}

/// Runs the explaining path and the fast path on `text`, checking the verdict.
fn text_run(text: Vec<u8>, mode: Mode, valid: bool) -> Box<dyn Fn()> {
    let options = ValidateOptions::with_mode(mode);
    Box::new(move || {
        assert_eq!(is_valid_envelope(text.as_slice(), &options), valid);
        assert_eq!(envelope_issues(text.as_slice(), &options).is_empty(), valid);
    })
}

fn value_run(value: Value, mode: Mode, valid: bool) -> Box<dyn Fn()> {
    let options = ValidateOptions::with_mode(mode);
    Box::new(move || assert_eq!(value_issues(&value, &options).is_empty(), valid))
}

fn with_payload_field(field: &str, value: Value) -> Value {
    let mut envelope = message_added();
    envelope["payload"][field] = value;
    envelope
}

#[test]
fn wide_maps_and_objects_are_linear() {
    let map = with_payload_field("reactions", json!("MARK"));
    assert_linear("map<string, int> field, JSON text", &|n| {
        let text = spliced(&map, n, "{", "}", |i| format!(r#""key{i}":{i}"#));
        text_run(text, Mode::Producer, true)
    });
    assert_linear(
        "map<string, int> field, a wrong value per key, JSON text",
        &|n| {
            let text = spliced(&map, n, "{", "}", |i| format!(r#""key{i}":"x""#));
            text_run(text, Mode::Producer, false)
        },
    );
    assert_linear("map<string, int> field, serde_json::Value", &|n| {
        value_run(
            with_payload_field("reactions", keys(n, |i| json!(i))),
            Mode::Producer,
            true,
        )
    });
    let unknown = with_payload_field("added_later", json!("MARK"));
    assert_linear("unknown object, consumer, JSON text", &|n| {
        let text = spliced(&unknown, n, "{", "}", |i| {
            format!(r#""key{i}":[{i},{{"k":{i}}}]"#)
        });
        text_run(text, Mode::Consumer, true)
    });
    let mut fields = message_added();
    fields["payload"]["reply_to_id"] = json!("MARK");
    assert_linear("unknown payload fields, producer, JSON text", &|n| {
        let text = spliced(&fields, n, "null,", "", |i| format!(r#""extra{i}":{i}"#));
        text_run(text, Mode::Producer, false)
    });
    let mut envelope = message_added();
    envelope["extra"] = json!("MARK");
    assert_linear("unknown envelope fields, producer, JSON text", &|n| {
        let text = spliced(&envelope, n, "0,", "", |i| format!(r#""extra{i}":{i}"#));
        text_run(text, Mode::Producer, false)
    });
}

/// `text` with the object `{"key0": 0, ...}` at `marker` and every key written twice.
fn repeated_keys(marker: &str, n: usize, envelope: &Value) -> Vec<u8> {
    let mut object = String::from("{");
    for i in 0..n {
        let _ = write!(object, r#""key{i}":{i},"key{i}":{i},"#);
    }
    object.pop();
    object.push('}');
    serde_json::to_string(envelope)
        .unwrap()
        .replace(&format!("\"{marker}\""), &object)
        .into_bytes()
}

#[test]
fn keys_given_twice_are_linear() {
    assert_linear("map field, every key twice (the tree path)", &|n| {
        let e = with_payload_field("reactions", json!("MARK"));
        text_run(repeated_keys("MARK", n, &e), Mode::Producer, false)
    });
    assert_linear("unknown object, consumer, every key twice", &|n| {
        let e = with_payload_field("added_later", json!("MARK"));
        text_run(repeated_keys("MARK", n, &e), Mode::Consumer, false)
    });
}

#[test]
fn escape_heavy_strings_are_linear() {
    assert_linear("a text field of escapes", &|n| {
        let text = "é\n\"\\\u{1}".repeat(n);
        let mut e = message_added();
        e["payload"]["content"]["text"] = json!(text);
        let json = serde_json::to_string(&e).unwrap().replace('é', "\\u00e9");
        text_run(json.into_bytes(), Mode::Producer, true)
    });
    assert_linear("a wrong, escaped map key and value", &|n| {
        let key = "/~\u{1}".repeat(n);
        let e = with_payload_field("reactions", json!({ key: "not an int" }));
        text_run(serde_json::to_vec(&e).unwrap(), Mode::Producer, false)
    });
}

// A contract of this file's own: a list of a six-member union, and a union
// nested in itself through optional fields (`Node | Leaf`).
const KINDS: [Ty; 6] = [
    Ty::Class(1),
    Ty::Class(2),
    Ty::Class(3),
    Ty::Class(4),
    Ty::Class(5),
    Ty::Class(6),
];
const TREE: [Ty; 2] = [Ty::Class(7), Ty::Class(8)];

/// A class `{kind: "<literal>", value: int}`.
macro_rules! kind {
    ($name:literal, $literal:literal) => {
        ClassDef {
            name: $name,
            fields: &[
                FieldDef {
                    name: "kind",
                    ty: Ty::StringLiteral($literal),
                },
                FieldDef {
                    name: "value",
                    ty: Ty::Int,
                },
            ],
        }
    };
}

static CLASSES: [ClassDef; 10] = [
    ClassDef {
        name: "Payload",
        fields: &[
            FieldDef {
                name: "items",
                ty: Ty::Optional(&Ty::List(&Ty::Union(&KINDS))),
            },
            FieldDef {
                name: "trees",
                ty: Ty::Optional(&Ty::List(&Ty::Union(&TREE))),
            },
        ],
    },
    kind!("K1", "k1"),
    kind!("K2", "k2"),
    kind!("K3", "k3"),
    kind!("K4", "k4"),
    kind!("K5", "k5"),
    kind!("K6", "k6"),
    ClassDef {
        name: "Node",
        fields: &[
            FieldDef {
                name: "kind",
                ty: Ty::StringLiteral("node"),
            },
            FieldDef {
                name: "child",
                ty: Ty::Optional(&Ty::Union(&TREE)),
            },
        ],
    },
    ClassDef {
        name: "Leaf",
        fields: &[
            FieldDef {
                name: "kind",
                ty: Ty::StringLiteral("leaf"),
            },
            FieldDef {
                name: "child",
                ty: Ty::Optional(&Ty::Union(&TREE)),
            },
        ],
    },
    ClassDef {
        name: "Meta",
        fields: &[FieldDef {
            name: "event_id",
            ty: Ty::String,
        }],
    },
];

static EVENTS: [EventDef; 1] = [EventDef {
    event_type: "E",
    envelope_class: "EEvent",
    payload_class: 0,
}];

static REGISTRY: Registry = Registry {
    version: "1.0.0",
    classes: &CLASSES,
    enums: &[],
    events: &EVENTS,
    event_meta_class: Some(9),
    envelope_schema: "{}",
    event_schemas: &[],
};

fn synthetic(payload: &Value) -> Value {
    json!({"type": "E", "contracts_version": "1.0.0", "payload": payload, "meta": {"event_id": "x"}})
}

/// A chain of `depth` nodes whose bottom fails both members.
fn chain(depth: usize) -> Value {
    let mut tree = json!({"kind": "neither"});
    for level in 0..depth {
        let kind = if level % 2 == 0 { "leaf" } else { "node" };
        tree = json!({"kind": kind, "child": tree});
    }
    tree
}

fn synthetic_run(envelope: &Value, valid: bool) -> Box<dyn Fn()> {
    let text = serde_json::to_vec(envelope).unwrap();
    let value = envelope.clone();
    let options = ValidateOptions::default();
    Box::new(move || {
        assert_eq!(REGISTRY.is_valid_envelope(&text, &options), valid);
        assert_eq!(REGISTRY.envelope_issues(&text, &options).is_empty(), valid);
        assert_eq!(REGISTRY.value_issues(&value, &options).is_empty(), valid);
    })
}

#[test]
fn unions_are_linear() {
    assert_linear(
        "a list of six-member unions, every other item wrong",
        &|n| {
            let items: Vec<Value> = (0..n)
                .map(|i| {
                    let member = i % 6 + 1;
                    let value = if i % 2 == 0 { json!(i) } else { json!("x") };
                    json!({"kind": format!("k{member}"), "value": value})
                })
                .collect();
            synthetic_run(&synthetic(&json!({"items": items})), false)
        },
    );
    assert_linear(
        "a list of recursive unions 6 deep, each failing at the bottom",
        &|n| {
            let trees: Vec<Value> = (0..n).map(|_| chain(6)).collect();
            synthetic_run(&synthetic(&json!({"trees": trees})), false)
        },
    );
    assert_linear("recursive unions nested n deep", &|n| {
        // JSON text nests at most 127 deep; grow the count of chains beyond that.
        let depth = n.min(24);
        let trees: Vec<Value> = (0..n.div_ceil(24)).map(|_| chain(depth)).collect();
        synthetic_run(&synthetic(&json!({"trees": trees})), false)
    });
}

#[test]
fn recursive_unions_deep_as_json_allows_finish_quickly() {
    // Every level tried both members, each trying both at the next level:
    // 2^100 member checks for this input before nested decisions were
    // remembered.
    let envelope = synthetic(&json!({"trees": [chain(100)]}));
    let run = synthetic_run(&envelope, false);
    let took = seconds(&*run);
    assert!(took < 5.0, "a union nested 100 deep took {took:.1} s");
    let issues = REGISTRY.value_issues(&envelope, &ValidateOptions::default());
    let deepest = issues.iter().map(|i| i.path.matches('/').count()).max();
    assert!(
        deepest > Some(100),
        "the issue is reported at the bottom: {issues:?}"
    );
}
