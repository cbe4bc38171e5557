//! Reliability: a mutation fuzzer over `validate_envelope(&[u8])`, seeded from
//! the shared vector corpus (`testdata/vectors/`), in both modes.
//!
//! Every input (a vector, or a mutant of one or two of them) must:
//! - not panic (each call runs under `catch_unwind`; a panic fails the test and
//!   prints the input),
//! - get the same verdict from the fast path and the explaining path:
//!   `is_valid_envelope(x) == envelope_issues(x).is_empty()`, and
//!   `validate_envelope(x).is_ok()` agrees with both,
//! - report at most `max_issues` issues, each with a JSON Pointer path.
//!
//! Mutations: byte-level (flip, insert, delete, duplicate a range, splice two
//! inputs, insert a hostile token: `1e400`, `NaN`, a lone surrogate escape,
//! invalid UTF-8, a BOM, unbalanced brackets ...) and structure-aware (parse,
//! replace / delete / add / duplicate one node, serialize; sometimes with a
//! duplicated key written by hand). Mutants that produce a new (verdict, set of
//! issue codes, path shape) signature join the corpus, a cheap form of feedback.
//!
//! `cargo test -p contracts-core --test reliability` runs 20,000 iterations (~2 s) with a
//! fixed seed. The long mode runs for a duration with a seed from the clock:
//! `RELIABILITY_SECONDS=600 cargo test -p contracts-core --test reliability fuzz -- --nocapture`
//! (debug build on purpose: overflow checks and the core's `debug_assert`s stay on)
//! (`RELIABILITY_SEED=<n>` replays a seed; the summary line prints it).

use contracts_core::{
    envelope_issues, is_valid_envelope, validate_envelope, Mode, ValidateOptions, CONTRACTS_VERSION,
};
use serde_json::{Map, Value};
use std::collections::HashSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::time::{Duration, Instant};

mod support;
use support::Rng;

const DEFAULT_ITERATIONS: u64 = 20_000;
const DEFAULT_SEED: u64 = 0x00C0_FFEE_2026_0010;
const MAX_CORPUS: usize = 4_000;
const MAX_INPUT: usize = 64 * 1024;

/// Byte strings that break parsers or sit on a rule's edge.
const TOKENS: &[&[u8]] = &[
    b"null",
    b"true",
    b"false",
    b"0",
    b"-0",
    b"1.0",
    b"1.5",
    b"1e400",
    b"-1e400",
    b"1e30",
    b"9223372036854775807",
    b"9223372036854775808",
    b"-9223372036854775809",
    b"NaN",
    b"Infinity",
    b"-Infinity",
    b"\"\\ud800\"",
    b"\"\\udc00x\"",
    b"\"\\u0000\"",
    b"\"\"",
    b"\xff",
    b"\xc3",
    b"\xed\xa0\x80",
    b"\xef\xbb\xbf",
    b"{",
    b"}",
    b"[",
    b"]",
    b"\"",
    b",",
    b":",
    b"\\",
    b" ",
    b"{}",
    b"[]",
    b"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
    b"\"type\"",
    b"\"payload\"",
    b"\"meta\"",
    b"\"contracts_version\"",
    b"\"2026-02-29\"",
    b"\"2026-11-25T23:59:60Z\"",
    b"\"0192f0c1-7a52-7cc3-8d1e-000000000001\"",
];

/// Leaf values for structure-aware mutations.
fn leaf(rng: &mut Rng) -> Value {
    let strings = [
        "",
        "x",
        "NOPE",
        "COACH",
        "CLIENT",
        "HIGH",
        "TYPING_INDICATOR",
        "SESSION_SUMMARY_READY",
        "text",
        "attachment",
        "0192f0c1-7a52-7cc3-8d1e-000000000001",
        "0192F0C1-7A52-7CC3-8D1E-000000000001",
        "2026-11-25T10:00:00Z",
        "2026-11-25T10:00:00+01:00",
        "2026-11-25 10:00:00Z",
        "2026-02-29",
        "2028-02-29",
        CONTRACTS_VERSION,
        "0.0.9",
        "1.0.0",
        "\u{0}",
        "~/",
        "\u{1F600}",
    ];
    match rng.below(9) {
        0 => Value::Null,
        1 => Value::Bool(rng.one_in(2)),
        2 => Value::from(rng.next().cast_signed()),
        3 => Value::from(rng.below(100)),
        4 => serde_json::Number::from_f64(f64::from_bits(rng.next()))
            .map_or(Value::Null, Value::Number),
        5 => Value::from(1.5),
        6 => Value::Array(vec![]),
        7 => Value::Object(Map::new()),
        _ => Value::from(*rng.pick(&strings)),
    }
}

/// A mutable reference to a random node of `value` (possibly the root).
fn random_node<'a>(value: &'a mut Value, rng: &mut Rng) -> &'a mut Value {
    let descend = match value {
        Value::Object(map) => !map.is_empty() && !rng.one_in(4),
        Value::Array(items) => !items.is_empty() && !rng.one_in(4),
        _ => false,
    };
    if !descend {
        return value;
    }
    match value {
        Value::Object(map) => {
            let i = rng.below(map.len());
            let child = map.values_mut().nth(i).unwrap();
            random_node(child, rng)
        }
        Value::Array(items) => {
            let i = rng.below(items.len());
            random_node(&mut items[i], rng)
        }
        _ => unreachable!(),
    }
}

fn structural(input: &[u8], rng: &mut Rng) -> Option<Vec<u8>> {
    let mut value: Value = serde_json::from_slice(input).ok()?;
    let node = random_node(&mut value, rng);
    match rng.below(6) {
        0 => *node = leaf(rng),
        1 => {
            if let Value::Object(map) = node {
                if !map.is_empty() {
                    let i = rng.below(map.len());
                    let key = map.keys().nth(i).unwrap().clone();
                    map.shift_remove(&key);
                }
            }
        }
        2 => {
            if let Value::Object(map) = node {
                let keys = ["type", "payload", "meta", "extra", "kind", "id", "~a/b"];
                map.insert((*rng.pick(&keys)).to_owned(), leaf(rng));
            }
        }
        3 => {
            if let Value::Array(items) = node {
                if let Some(first) = items.first().cloned() {
                    for _ in 0..=rng.below(20) {
                        items.push(first.clone());
                    }
                }
            } else {
                *node = Value::Array(vec![node.clone()]);
            }
        }
        4 => {
            // A duplicated key, written by hand (a `Value` cannot hold one).
            let mut text = serde_json::to_vec(&value).ok()?;
            let at = text.iter().position(|&b| b == b'{')?;
            text.splice(at + 1..=at, br#""type": "NOPE", "#.iter().copied());
            return Some(text);
        }
        _ => {
            if let Value::Object(map) = node {
                let keys: Vec<String> = map.keys().cloned().collect();
                for k in keys {
                    if rng.one_in(2) {
                        let v = map.shift_remove(&k).unwrap();
                        map.insert(k, v);
                    }
                }
            }
        }
    }
    Some(if rng.one_in(3) {
        serde_json::to_vec_pretty(&value).ok()?
    } else {
        serde_json::to_vec(&value).ok()?
    })
}

fn bytewise(input: &[u8], other: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..=rng.below(4) {
        let len = out.len();
        let at = rng.below(len + 1);
        match rng.below(7) {
            0 if len > 0 => out[at.min(len - 1)] ^= 1 << rng.below(8),
            1 => out.insert(at, u8::try_from(rng.below(256)).unwrap()),
            2 if len > 0 => {
                let end = (at + 1 + rng.below(16)).min(len);
                out.drain(at.min(len - 1)..end);
            }
            3 => {
                let end = (at + rng.below(32)).min(len);
                let chunk = out[at..end].to_vec();
                out.splice(at..at, chunk);
            }
            4 => {
                let cut = rng.below(other.len() + 1);
                out.truncate(at);
                out.extend_from_slice(&other[cut..]);
            }
            _ => {
                let token = rng.pick(TOKENS);
                if rng.one_in(2) && at < len {
                    let end = (at + 1 + rng.below(8)).min(len);
                    out.splice(at..end, token.iter().copied());
                } else {
                    out.splice(at..at, token.iter().copied());
                }
            }
        }
    }
    out
}

/// The seed corpus: every vector's input (compact and pretty) or input text.
fn seeds() -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/vectors");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    names.sort();
    let mut out = Vec::new();
    for path in names {
        let text = std::fs::read_to_string(&path).unwrap();
        let case: Value =
            serde_json::from_str(&text.replace("{{CONTRACTS_VERSION}}", CONTRACTS_VERSION))
                .unwrap();
        if let Some(input) = case.get("input") {
            out.push(serde_json::to_vec(input).unwrap());
            out.push(serde_json::to_vec_pretty(input).unwrap());
        }
        if let Some(text) = case.get("input_text").and_then(Value::as_str) {
            out.push(text.as_bytes().to_vec());
        }
    }
    assert!(out.len() > 50, "the vector corpus looks empty");
    out
}

/// Runs every check on `input`; returns a signature of the answer, or the failure.
fn check(input: &[u8], options: &ValidateOptions) -> Result<String, String> {
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let fast = is_valid_envelope(input, options);
        let issues = envelope_issues(input, options);
        let validated = validate_envelope(input, options);
        (fast, issues, validated.is_ok())
    }));
    let (fast, issues, validated) = outcome.map_err(|panic| {
        let message = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_default();
        format!("panic: {message}")
    })?;
    if fast != issues.is_empty() || validated != fast {
        return Err(format!(
            "paths disagree: is_valid_envelope={fast}, validate_envelope ok={validated}, envelope_issues={:?}",
            issues
                .iter()
                .map(|i| format!("{} {}", i.path, i.code.as_str()))
                .collect::<Vec<_>>()
        ));
    }
    if issues.len() > options.max_issues {
        return Err(format!(
            "{} issues above max_issues {}",
            issues.len(),
            options.max_issues
        ));
    }
    if let Some(bad) = issues
        .iter()
        .find(|i| !(i.path.is_empty() || i.path.starts_with('/')))
    {
        return Err(format!("not a JSON Pointer: {:?}", bad.path));
    }
    let mut codes: Vec<&str> = issues.iter().map(|i| i.code.as_str()).collect();
    codes.sort_unstable();
    codes.dedup();
    let depth = issues
        .iter()
        .map(|i| i.path.matches('/').count())
        .max()
        .unwrap_or(0);
    Ok(format!("{fast} {depth} {}", codes.join(",")))
}

fn options_for(rng: &mut Rng) -> ValidateOptions {
    let mut options = ValidateOptions::with_mode(if rng.one_in(2) {
        Mode::Producer
    } else {
        Mode::Consumer
    });
    if rng.one_in(8) {
        options.max_issues = 1 + rng.below(3);
    }
    if rng.one_in(16) {
        options.max_depth = 1 + rng.below(8);
    }
    if rng.one_in(32) {
        options.max_bytes = rng.below(400);
    }
    if rng.one_in(32) {
        options.target_version = Some("0.0.9".to_owned());
    }
    options
}

fn fail(input: &[u8], options: &ValidateOptions, why: &str, seed: u64, iteration: u64) -> ! {
    panic!(
        "reliability failure (seed {seed}, iteration {iteration}, {options:?}): {why}\ninput ({} bytes): {}",
        input.len(),
        String::from_utf8_lossy(&input[..input.len().min(4096)])
    );
}

#[test]
fn fuzz_fast_and_explaining_paths_agree_and_never_panic() {
    let seconds: Option<u64> = std::env::var("RELIABILITY_SECONDS")
        .ok()
        .map(|s| s.parse().expect("RELIABILITY_SECONDS is a number"));
    let seed = std::env::var("RELIABILITY_SEED").ok().map_or_else(
        || {
            if seconds.is_some() {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_secs()
            } else {
                DEFAULT_SEED
            }
        },
        |s| s.parse().expect("RELIABILITY_SEED is a number"),
    );
    let mut rng = Rng(seed);
    // Panics are caught and reported with their input; keep the default hook quiet.
    std::panic::set_hook(Box::new(|_| {}));

    let mut corpus = seeds();
    let seeded = corpus.len();
    let mut signatures = HashSet::new();
    for (i, input) in corpus.iter().enumerate() {
        for mode in [Mode::Producer, Mode::Consumer] {
            let options = ValidateOptions::with_mode(mode);
            match check(input, &options) {
                Ok(sig) => {
                    signatures.insert(sig);
                }
                Err(why) => fail(input, &options, &why, seed, i as u64),
            }
        }
    }

    let start = Instant::now();
    let deadline = seconds.map(|s| start + Duration::from_secs(s));
    let mut iterations = 0_u64;
    let mut valid = 0_u64;
    loop {
        match deadline {
            Some(d) if Instant::now() >= d => break,
            None if iterations >= DEFAULT_ITERATIONS => break,
            _ => {}
        }
        iterations += 1;
        let base = rng.pick(&corpus).clone();
        let other = rng.pick(&corpus).clone();
        let mut input = if rng.one_in(2) {
            structural(&base, &mut rng).unwrap_or_else(|| bytewise(&base, &other, &mut rng))
        } else {
            bytewise(&base, &other, &mut rng)
        };
        input.truncate(MAX_INPUT);
        let options = options_for(&mut rng);
        match check(&input, &options) {
            Ok(sig) => {
                if sig.starts_with("true") {
                    valid += 1;
                }
                if signatures.insert(sig) {
                    if corpus.len() >= MAX_CORPUS {
                        let i = seeded + rng.below(corpus.len() - seeded);
                        corpus[i] = input;
                    } else {
                        corpus.push(input);
                    }
                }
            }
            Err(why) => fail(&input, &options, &why, seed, iterations),
        }
    }
    let _ = std::panic::take_hook();
    println!(
        "reliability: seed {seed}, {iterations} iterations in {:.1}s ({valid} valid), {seeded} seeds, corpus {}, {} signatures, 0 failures",
        start.elapsed().as_secs_f64(),
        corpus.len(),
        signatures.len()
    );
}

#[test]
fn hostile_inputs_get_a_clear_code() {
    let options = ValidateOptions::default();
    let code = |input: &[u8]| -> Vec<&'static str> {
        let mut codes: Vec<_> = envelope_issues(input, &options)
            .iter()
            .map(|i| i.code.as_str())
            .collect();
        codes.dedup();
        codes
    };
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert_eq!(code(deep.as_bytes()), ["too_deep"]);
    let deep_obj = format!(
        r#"{{"type":"TYPING_INDICATOR","payload":{}1{}}}"#,
        r#"{"a":"#.repeat(100_000),
        "}".repeat(100_000)
    );
    assert_eq!(code(deep_obj.as_bytes()), ["too_deep"]);
    assert!(!is_valid_envelope(deep_obj.as_bytes(), &options));
    let big = vec![b' '; 17 * 1024 * 1024];
    assert_eq!(code(&big), ["too_large"]);
    assert_eq!(code(b"{\"type\": \"\xff\"}"), ["invalid_json"]);
    assert_eq!(code(br#"{"type": "\ud800"}"#), ["invalid_json"]);
    for token in ["NaN", "Infinity", "-Infinity"] {
        assert_eq!(
            code(format!(r#"{{"type": {token}}}"#).as_bytes()),
            ["invalid_json"]
        );
    }
    assert!(
        code(br#"{"type": "TYPING_INDICATOR", "type": "TYPING_INDICATOR"}"#)
            .contains(&"duplicate_key")
    );
    let million = format!(
        r#"{{"type":"TYPING_INDICATOR","payload":[{}0]}}"#,
        "0,".repeat(999_999)
    );
    assert!(!is_valid_envelope(million.as_bytes(), &options));
    assert!(code(million.as_bytes()).contains(&"not_an_object"));
}
