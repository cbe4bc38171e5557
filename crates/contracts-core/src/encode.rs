//! JSON text of an [`Input`]: a binding's host values (a Python `dict` of a
//! payload) written as compact JSON in one pass, so that building an
//! envelope from host values needs no encoder of the host's own (Python's
//! `json.dumps` costs more than validating the text it writes).
//!
//! Writing is conversion, not validation: what is written is validated as
//! text afterwards ([`crate::make_envelope_json`]). A value JSON cannot hold
//! stops the writer at its path; so does an integer beyond 64 bits, whose
//! digits an [`Input`] does not carry (the caller encodes that rare value
//! with the host's encoder instead of writing a rounded float).

use crate::input::{Entries, Host, HostKey, Input, Items, Key, Num, Scalar, Stop, Use, Visit};
use crate::issue::push_token;
use std::io::Write as _;

/// Why a value could not be written.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Unwritable {
    /// A value JSON cannot hold, at `pointer` (relative to the value written).
    Host { pointer: String, host: Host },
    /// An integer beyond 64 bits: only the host has its digits.
    BigInt,
}

/// Appends the compact JSON text of `input` to `out`. On error `out` holds a
/// partial text, which the caller discards.
pub(crate) fn write_json<I: Input>(input: I, out: &mut Vec<u8>) -> Result<(), Unwritable> {
    let mut failure = Failure::default();
    match input.visit(Writer {
        out,
        failure: &mut failure,
    }) {
        Ok(()) => Ok(()),
        Err(Stop) => Err(failure.into_unwritable()),
    }
}

/// What stopped the writer, and the path back up to the value written (the
/// innermost token first: each container adds its own while unwinding, so a
/// write that succeeds never builds a path).
#[derive(Default)]
struct Failure {
    what: Option<Unwritable>,
    tokens: Vec<String>,
}

impl Failure {
    fn stop(&mut self, what: Unwritable) -> Stop {
        self.what = Some(what);
        Stop
    }

    fn into_unwritable(self) -> Unwritable {
        match self.what {
            Some(Unwritable::Host { host, .. }) => {
                let mut pointer = String::new();
                for token in self.tokens.iter().rev() {
                    push_token(&mut pointer, token);
                }
                Unwritable::Host { pointer, host }
            }
            Some(Unwritable::BigInt) => Unwritable::BigInt,
            None => unreachable!("the writer records why it stopped"),
        }
    }
}

struct Writer<'w> {
    out: &'w mut Vec<u8>,
    failure: &'w mut Failure,
}

impl Writer<'_> {
    fn child(&mut self) -> Writer<'_> {
        Writer {
            out: self.out,
            failure: self.failure,
        }
    }
}

impl Use for Writer<'_> {
    type Out = ();

    fn input<I: Input>(self, input: I) -> Result<(), Stop> {
        input.visit(self)
    }
}

impl Visit for Writer<'_> {
    type Out = ();

    fn scalar(self, value: Scalar<'_>) -> Result<(), Stop> {
        match value {
            Scalar::Null => self.out.extend_from_slice(b"null"),
            Scalar::Bool(true) => self.out.extend_from_slice(b"true"),
            Scalar::Bool(false) => self.out.extend_from_slice(b"false"),
            Scalar::Num(Num::Int(i)) => write!(self.out, "{i}").expect("a Vec takes every write"),
            Scalar::Num(Num::UInt(u)) => write!(self.out, "{u}").expect("a Vec takes every write"),
            Scalar::Num(Num::Float(f)) => {
                // Inputs hand over finite floats only (NaN and ±inf are host values).
                serde_json::to_writer(&mut *self.out, &f).expect("a Vec takes every write");
            }
            Scalar::Num(Num::BigInt(_)) => return Err(self.failure.stop(Unwritable::BigInt)),
            Scalar::Str(s) => push_string(self.out, s),
            Scalar::Host(host) => {
                return Err(self.failure.stop(Unwritable::Host {
                    pointer: String::new(),
                    host: host.clone(),
                }))
            }
        }
        Ok(())
    }

    fn array<It: Items>(mut self, mut items: It) -> Result<(), Stop> {
        self.out.push(b'[');
        let mut index = 0usize;
        loop {
            let before = self.out.len();
            if index > 0 {
                self.out.push(b',');
            }
            match items.next(self.child()) {
                Ok(Some(())) => index += 1,
                Ok(None) => {
                    self.out.truncate(before);
                    break;
                }
                Err(Stop) => {
                    self.failure.tokens.push(index.to_string());
                    return Err(Stop);
                }
            }
        }
        self.out.push(b']');
        Ok(())
    }

    fn object<E: Entries>(mut self, mut entries: E) -> Result<(), Stop> {
        self.out.push(b'{');
        let mut first = true;
        while let Some(key) = entries.next_key()? {
            if !first {
                self.out.push(b',');
            }
            first = false;
            let key = match key {
                Key::Str(key) => key,
                Key::Host(key) => {
                    let HostKey { token, host } = *key;
                    self.failure.tokens.push(token);
                    return Err(self.failure.stop(Unwritable::Host {
                        pointer: String::new(),
                        host,
                    }));
                }
            };
            push_string(self.out, key.as_ref());
            self.out.push(b':');
            if let Err(Stop) = entries.value(self.child()) {
                self.failure.tokens.push(key.as_ref().to_owned());
                return Err(Stop);
            }
        }
        self.out.push(b'}');
        Ok(())
    }
}

/// Appends `s` as a JSON string, escaped as `serde_json` escapes it.
///
/// Most strings (ids, names, prose) need no escaping: they are checked a
/// block at a time (without a branch per byte, so the check vectorises) and
/// copied whole, where `serde_json` looks each byte up in its table.
fn push_string(out: &mut Vec<u8>, s: &str) {
    if needs_escaping(s.as_bytes()) {
        serde_json::to_writer(&mut *out, s).expect("a Vec takes every write");
    } else {
        out.reserve(s.len() + 2);
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    }
}

/// True when `bytes` holds a byte JSON escapes: a control character, `"` or `\`.
fn needs_escaping(bytes: &[u8]) -> bool {
    let escaped = |b: u8| b < 0x20 || b == b'"' || b == b'\\';
    let mut blocks = bytes.chunks_exact(16);
    let found = blocks
        .by_ref()
        .any(|block| block.iter().fold(false, |found, &b| found | escaped(b)));
    found || blocks.remainder().iter().any(|&b| escaped(b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::HostKind;
    use serde_json::{json, Value};

    fn written(value: &Value) -> String {
        let mut out = Vec::new();
        write_json(value, &mut out).expect("a Value is JSON");
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_value_is_written_as_serde_json_writes_it() {
        for value in [
            json!({}),
            json!([]),
            json!({"a": [1, -2, 3.5, 1e300, null, true, false], "b": {"c": "é\"\\\n\u{1F600}\u{7f}"}}),
            json!([[[]], {}, [{}], u64::MAX, i64::MIN, 0.1, -0.0]),
        ] {
            assert_eq!(written(&value), serde_json::to_string(&value).unwrap());
        }
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        let plain = "0123456789abcdef0123456789abcdef-é\u{1F600}\u{7f}";
        for special in ["", "\"", "\\", "\n", "\u{1}", "\u{1f}"] {
            for at in 0..=plain.len() {
                if !plain.is_char_boundary(at) {
                    continue;
                }
                let s = format!("{}{special}{}", &plain[..at], &plain[at..]);
                let mut out = Vec::new();
                push_string(&mut out, &s);
                assert_eq!(out, serde_json::to_vec(&s).unwrap(), "{s:?}");
            }
        }
    }

    const BYTES: Host = Host {
        kind: HostKind::Bytes,
        type_name: String::new(),
    };

    /// A `Value` as a binding with host values hands it over: the string
    /// `"<bytes>"` is a host value, a key starting with `!` a host key.
    #[derive(Clone, Copy)]
    struct Hosted<'a>(&'a Value);

    struct HostedItems<'a>(std::slice::Iter<'a, Value>);
    struct HostedEntries<'a>(serde_json::map::Iter<'a>, Option<&'a Value>);

    impl Input for Hosted<'_> {
        type Tree = Self;
        fn visit<V: Visit>(self, visit: V) -> Result<V::Out, Stop> {
            match self.0 {
                Value::String(s) if s == "<bytes>" => visit.scalar(Scalar::Host(&BYTES)),
                Value::Array(items) => visit.array(HostedItems(items.iter())),
                Value::Object(map) => visit.object(HostedEntries(map.iter(), None)),
                other => other.visit(visit),
            }
        }
        fn into_tree(self) -> Result<Self, Self> {
            Ok(self)
        }
    }

    impl Items for HostedItems<'_> {
        fn next<U: Use>(&mut self, with: U) -> Result<Option<U::Out>, Stop> {
            Iterator::next(&mut self.0)
                .map(|item| with.input(Hosted(item)))
                .transpose()
        }
    }

    impl<'a> Entries for HostedEntries<'a> {
        type Key = &'a str;
        const REPEATS: bool = false;
        fn next_key(&mut self) -> Result<Option<Key<&'a str>>, Stop> {
            Ok(self.0.next().map(|(key, value)| {
                self.1 = Some(value);
                match key.strip_prefix('!') {
                    Some(token) => Key::Host(Box::new(HostKey {
                        token: token.to_owned(),
                        host: BYTES,
                    })),
                    None => Key::Str(key.as_str()),
                }
            }))
        }
        fn value<U: Use>(&mut self, with: U) -> Result<U::Out, Stop> {
            with.input(Hosted(self.1.take().expect("a value after its key")))
        }
    }

    fn failure(value: &Value) -> Unwritable {
        write_json(Hosted(value), &mut Vec::new()).unwrap_err()
    }

    #[test]
    fn a_host_value_stops_the_writer_at_its_path() {
        for (value, pointer) in [
            (json!("<bytes>"), ""),
            (json!({"a": [0, {"b/c": "<bytes>"}]}), "/a/1/b~1c"),
            (json!([1, 2, [3, "<bytes>"]]), "/2/1"),
            (json!({"ok": 1, "deep": {"!k~": 1}}), "/deep/k~0"),
        ] {
            assert_eq!(
                failure(&value),
                Unwritable::Host {
                    pointer: pointer.into(),
                    host: BYTES
                },
                "{value}"
            );
        }
        assert_eq!(written(&json!({"a": ["<bytes>"]})), r#"{"a":["<bytes>"]}"#);
    }
}
