//! JSON text as an [`Input`] for the fast path (`is_valid_envelope`): a
//! scanner of its own, which reads the bytes straight into the validator's
//! [`Visit`]s, where `serde_json`'s deserializer (`json.rs`) goes through
//! serde's visitor and seed traits for every key and value. Strings without
//! escapes are borrowed from the text (whose UTF-8 was checked once, up
//! front), found eight bytes at a time; they are never copied.
//!
//! It accepts exactly the text `serde_json` accepts (the explaining path
//! reads with `serde_json`, and the vectors, the differential tests and the
//! `validate` fuzz target compare the two paths): the same grammar and
//! whitespace, no trailing commas, no control characters in strings, the
//! recursion limit of 128 nested containers (`limits.rs`). The rare parts where exactness
//! is subtle are handed to `serde_json` itself: a string with an escape
//! (lone surrogates are errors) and any number that is not a plain integer
//! of at most 18 digits (`-0`, fractions, exponents, integers beyond `i64`
//! become what `serde_json` makes of them).
//!
//! A syntax error is a [`Stop`], as an issue is: the fast path only answers
//! whether the text is a valid envelope.

use crate::input::{number, Entries, Input, Items, Key, Never, Num, Scalar, Stop, Use, Visit};
use contracts_policy::limits::JSON_RECURSION_LIMIT;
use std::borrow::Cow;

/// The text being read and where the reader is.
pub(crate) struct Scanner<'s> {
    text: &'s str,
    bytes: &'s [u8],
    pos: usize,
    /// Containers open around `pos`.
    depth: usize,
}

// The helpers every string and token goes through are inlined into each
// visitor's walk: left to itself the compiler called `string` out of line,
// and the calls cost a twentieth of the fast path (cachegrind).
#[allow(clippy::inline_always)]
impl<'s> Scanner<'s> {
    pub(crate) fn new(text: &'s str) -> Self {
        Self {
            text,
            bytes: text.as_bytes(),
            pos: 0,
            depth: 0,
        }
    }

    /// The one JSON value the text must hold.
    pub(crate) fn value(&mut self) -> Scan<'_, 's> {
        Scan { sc: self }
    }

    /// True when only whitespace follows the value read.
    pub(crate) fn end(&mut self) -> bool {
        self.ws().is_none()
    }

    /// Skips whitespace (JSON's four bytes); the next byte, if any.
    #[inline(always)]
    fn ws(&mut self) -> Option<u8> {
        // Compact text has none: one comparison (whitespace is below `!`).
        match self.bytes.get(self.pos) {
            Some(&b) if b > b' ' => return Some(b),
            None => return None,
            Some(_) => {}
        }
        while let Some(&b) = self.bytes.get(self.pos) {
            if !matches!(b, b' ' | b'\n' | b'\t' | b'\r') {
                return Some(b);
            }
            self.pos += 1;
        }
        None
    }

    /// Opens a container at `pos` (`[` or `{`).
    /// `out` of the container entered at `depth`, if the visitor read it to its
    /// end: one that stopped early left it open, and `serde_json` would find the
    /// rest where it expects the end.
    #[inline]
    fn closed<T>(&self, depth: usize, out: T) -> Result<T, Stop> {
        if self.depth == depth - 1 {
            Ok(out)
        } else {
            Err(Stop)
        }
    }

    #[inline]
    fn enter(&mut self) -> Result<usize, Stop> {
        self.pos += 1;
        self.depth += 1;
        if self.depth >= JSON_RECURSION_LIMIT {
            return Err(Stop);
        }
        Ok(self.depth)
    }

    /// The string starting at `pos` (a `"`): borrowed unless it has escapes.
    #[inline(always)]
    fn string(&mut self) -> Result<Cow<'s, str>, Stop> {
        match self.borrowed()? {
            Some(s) => Ok(Cow::Borrowed(s)),
            None => self.escaped(),
        }
    }

    /// The string starting at `pos` (a `"`) when it has no escape; `None`
    /// (not moving) when it has one.
    #[inline(always)]
    fn borrowed(&mut self) -> Result<Option<&'s str>, Stop> {
        let start = self.pos + 1;
        let end = special(self.bytes, start);
        match self.bytes.get(end) {
            Some(b'"') => {
                self.pos = end + 1;
                // `start` and `end` sit next to ASCII quotes: char boundaries.
                self.text.get(start..end).map(Some).ok_or(Stop)
            }
            Some(b'\\') => Ok(None),
            _ => Err(Stop),
        }
    }

    /// A string with an escape (at `from`): `serde_json` decodes it, with
    /// its rules for `\u` escapes and surrogates.
    #[cold]
    fn escaped(&mut self) -> Result<Cow<'s, str>, Stop> {
        let start = self.pos;
        let mut from = special(self.bytes, start + 1);
        loop {
            match self.bytes.get(from) {
                Some(b'"') => break,
                // The escaped byte is never the closing quote.
                Some(b'\\') => from = special(self.bytes, from + 2),
                _ => return Err(Stop),
            }
        }
        let quoted = self.text.get(start..=from).ok_or(Stop)?;
        let decoded: String = serde_json::from_str(quoted).map_err(|_| Stop)?;
        self.pos = from + 1;
        Ok(Cow::Owned(decoded))
    }

    /// The number starting at `pos`.
    #[inline]
    fn number(&mut self) -> Result<Num, Stop> {
        let bytes = self.bytes;
        let start = self.pos;
        let negative = bytes[start] == b'-';
        let first = start + usize::from(negative);
        let mut i = first;
        let mut n: i64 = 0;
        while let Some(&c) = bytes.get(i) {
            if !c.is_ascii_digit() {
                break;
            }
            if i - first == 18 {
                return self.long_number();
            }
            n = n * 10 + i64::from(c - b'0');
            i += 1;
        }
        let digits = i - first;
        let plain = digits > 0
            && (bytes[first] != b'0' || (digits == 1 && !negative))
            && !matches!(bytes.get(i), Some(b'.' | b'e' | b'E' | b'0'..=b'9'));
        if !plain {
            return self.long_number();
        }
        self.pos = i;
        Ok(Num::Int(if negative { -n } else { n }))
    }

    /// Any other number (or what looks like the start of one): the run of
    /// number bytes, read by `serde_json`. Whatever follows a number must
    /// be punctuation or whitespace, so a run that is not exactly one number
    /// is an error for `serde_json` reading the whole text too.
    #[cold]
    fn long_number(&mut self) -> Result<Num, Stop> {
        let start = self.pos;
        let end = self.bytes[start..]
            .iter()
            .position(|c| !matches!(c, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
            .map_or(self.bytes.len(), |len| start + len);
        let run = self.text.get(start..end).ok_or(Stop)?;
        let parsed: serde_json::Number = serde_json::from_str(run).map_err(|_| Stop)?;
        self.pos = end;
        Ok(number(&parsed))
    }

    /// The literal `word` at `pos`.
    #[inline]
    fn literal(&mut self, word: &[u8]) -> Result<(), Stop> {
        if self.bytes.get(self.pos..self.pos + word.len()) == Some(word) {
            self.pos += word.len();
            Ok(())
        } else {
            Err(Stop)
        }
    }
}

/// The first `"`, `\` or control character at or after `from` (or the end).
#[allow(clippy::inline_always)]
#[inline(always)]
fn special(bytes: &[u8], mut from: usize) -> usize {
    const ONES: u64 = u64::from_le_bytes([1; 8]);
    const HIGH: u64 = ONES << 7;
    // Eight bytes at a time (`serde_json` does the same). A byte below 0x20,
    // or equal to `"` or `\`, sets its high bit; the lowest one set is exact
    // (the text is UTF-8, so bytes above 0x7F are never taken for one).
    while let Some(chunk) = bytes.get(from..from + 8) {
        let word = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
        let control = word.wrapping_sub(ONES * 0x20) & !word;
        let quote = word ^ (ONES * u64::from(b'"'));
        let quote = quote.wrapping_sub(ONES) & !quote;
        let backslash = word ^ (ONES * u64::from(b'\\'));
        let backslash = backslash.wrapping_sub(ONES) & !backslash;
        let found = (control | quote | backslash) & HIGH;
        if found != 0 {
            return from + (found.trailing_zeros() / 8) as usize;
        }
        from += 8;
    }
    while let Some(&b) = bytes.get(from) {
        if b == b'"' || b == b'\\' || b < 0x20 {
            return from;
        }
        from += 1;
    }
    from
}

/// One JSON value still to be read by the scanner.
pub(crate) struct Scan<'a, 's> {
    sc: &'a mut Scanner<'s>,
}

impl Input for Scan<'_, '_> {
    type Tree = Never;

    #[inline]
    fn visit<V: Visit>(self, visit: V) -> Result<V::Out, Stop> {
        let sc = self.sc;
        match sc.ws() {
            Some(b'"') => match sc.borrowed()? {
                Some(s) => visit.scalar(Scalar::Str(s)),
                None => visit.scalar(Scalar::Str(&sc.escaped()?)),
            },
            Some(b'{') => {
                let depth = sc.enter()?;
                let out = visit.object(ScanEntries {
                    sc: &mut *sc,
                    first: true,
                })?;
                sc.closed(depth, out)
            }
            Some(b'[') => {
                let depth = sc.enter()?;
                let out = visit.array(ScanItems {
                    sc: &mut *sc,
                    first: true,
                })?;
                sc.closed(depth, out)
            }
            Some(b'-' | b'0'..=b'9') => {
                let n = sc.number()?;
                visit.scalar(Scalar::Num(n))
            }
            Some(b't') => {
                sc.literal(b"true")?;
                visit.scalar(Scalar::Bool(true))
            }
            Some(b'f') => {
                sc.literal(b"false")?;
                visit.scalar(Scalar::Bool(false))
            }
            Some(b'n') => {
                sc.literal(b"null")?;
                visit.scalar(Scalar::Null)
            }
            _ => Err(Stop),
        }
    }

    fn into_tree(self) -> Result<Never, Self> {
        Err(self)
    }
}

struct ScanItems<'a, 's> {
    sc: &'a mut Scanner<'s>,
    first: bool,
}

impl Items for ScanItems<'_, '_> {
    #[inline]
    fn next<U: Use>(&mut self, with: U) -> Result<Option<U::Out>, Stop> {
        let sc = &mut *self.sc;
        match sc.ws() {
            Some(b']') => {
                sc.pos += 1;
                sc.depth -= 1;
                return Ok(None);
            }
            Some(_) if self.first => self.first = false,
            Some(b',') => {
                sc.pos += 1;
                if matches!(sc.ws(), Some(b']') | None) {
                    return Err(Stop);
                }
            }
            // The end of the text, or anything but a comma after an item.
            Some(_) | None => return Err(Stop),
        }
        with.input(Scan { sc }).map(Some)
    }
}

struct ScanEntries<'a, 's> {
    sc: &'a mut Scanner<'s>,
    first: bool,
}

impl<'s> Entries for ScanEntries<'_, 's> {
    type Key = Cow<'s, str>;
    const REPEATS: bool = true;

    #[inline]
    fn next_key(&mut self) -> Result<Option<Key<Cow<'s, str>>>, Stop> {
        let sc = &mut *self.sc;
        match sc.ws() {
            Some(b'}') => {
                sc.pos += 1;
                sc.depth -= 1;
                return Ok(None);
            }
            Some(b'"') if self.first => self.first = false,
            Some(b',') if !self.first => {
                sc.pos += 1;
                if sc.ws() != Some(b'"') {
                    return Err(Stop);
                }
            }
            _ => return Err(Stop),
        }
        let key = sc.string()?;
        if sc.ws() != Some(b':') {
            return Err(Stop);
        }
        sc.pos += 1;
        Ok(Some(Key::Str(key)))
    }

    #[inline]
    fn value<U: Use>(&mut self, with: U) -> Result<U::Out, Stop> {
        with.input(Scan { sc: &mut *self.sc })
    }
}

#[cfg(test)]
mod tests {
    use super::Scanner;
    use crate::input::{Entries, Input, Items, Key, Num, Scalar, Stop, Use, Visit};
    use contracts_policy::limits::{JSON_RECURSION_LIMIT, MAX_JSON_NESTING};
    use serde_json::{Map, Value};

    /// Reads a whole value into a `serde_json::Value` (a repeated key's
    /// last value wins, as in `serde_json`).
    struct ToValue;

    impl Use for ToValue {
        type Out = Value;
        fn input<I: Input>(self, input: I) -> Result<Value, Stop> {
            input.visit(self)
        }
    }

    impl Visit for ToValue {
        type Out = Value;

        fn scalar(self, value: Scalar<'_>) -> Result<Value, Stop> {
            Ok(match value {
                Scalar::Null => Value::Null,
                Scalar::Bool(b) => Value::Bool(b),
                Scalar::Num(Num::Int(i)) => Value::from(i),
                Scalar::Num(Num::UInt(u)) => Value::from(u),
                Scalar::Num(Num::Float(f) | Num::BigInt(f)) => Value::from(f),
                Scalar::Str(s) => Value::from(s),
                Scalar::Host(_) => unreachable!("no host values in text"),
            })
        }

        fn array<I: Items>(self, mut items: I) -> Result<Value, Stop> {
            let mut out = Vec::new();
            while let Some(item) = items.next(ToValue)? {
                out.push(item);
            }
            Ok(Value::Array(out))
        }

        fn object<E: Entries>(self, mut entries: E) -> Result<Value, Stop> {
            let mut out = Map::new();
            while let Some(key) = entries.next_key()? {
                let Key::Str(key) = key else {
                    unreachable!("no host keys in text")
                };
                let value = entries.value(ToValue)?;
                out.insert(key.as_ref().to_owned(), value);
            }
            Ok(Value::Object(out))
        }
    }

    fn scanned(text: &str) -> Option<Value> {
        let mut scanner = Scanner::new(text);
        let value = scanner.value().visit(ToValue).ok()?;
        scanner.end().then_some(value)
    }

    fn agrees(text: &str) {
        let ours = scanned(text);
        let theirs = serde_json::from_str::<Value>(text).ok();
        assert_eq!(ours, theirs, "{text:?}");
        if let (Some(Value::Number(a)), Some(Value::Number(b))) = (&ours, &theirs) {
            // `-0.0 == 0.0`: the sign, the kind of number.
            assert_eq!(a.to_string(), b.to_string(), "{text:?}");
        }
    }

    /// The scanner accepts exactly the text `serde_json` accepts, and reads
    /// the same values from it.
    #[test]
    fn accepts_what_serde_json_accepts() {
        let nested = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        let cases = [
            "",
            " ",
            "null",
            " true ",
            "false",
            "nul",
            "nulll",
            "tru",
            "[]",
            "{}",
            "[1,]",
            "[,1]",
            "[1 2]",
            "{\"a\":1,}",
            "{,}",
            "{\"a\" 1}",
            "{\"a\":}",
            "{1:2}",
            "{\"a\":1 \"b\":2}",
            "{\"a\":1}x",
            "[1]]",
            "{\"a\":[1,{\"b\":null}],\"a\":2}",
            "0",
            "-0",
            "00",
            "01",
            "-",
            "-a",
            "1.",
            ".5",
            "1.5",
            "-1.5e3",
            "1e",
            "1e+",
            "1E-2",
            "1e400",
            "-1e400",
            "123456789012345678",
            "1234567890123456789",
            "9223372036854775807",
            "9223372036854775808",
            "18446744073709551615",
            "18446744073709551616",
            "-9223372036854775808",
            "-9223372036854775809",
            "1.0",
            "-0.0",
            "0e0",
            "1-2",
            "1+2",
            "[1.5.3]",
            "\"\"",
            "\"abc\"",
            "\"a\\\"b\"",
            "\"\\\\\"",
            "\"\\/\\b\\f\\n\\r\\t\"",
            "\"\\u0041\"",
            "\"\\u00e9\"",
            "\"\\ud83d\\ude00\"",
            "\"\\ud83d\"",
            "\"\\ude00\"",
            "\"\\ud83dx\"",
            "\"\\ud83d\\n\"",
            "\"\\u12\"",
            "\"\\u12g4\"",
            "\"\\x\"",
            "\"a\nb\"",
            "\"a\tb\"",
            "\"\u{7f}\"",
            "\"é漢😀\"",
            "\"abc",
            "\"abc\\",
            "\"abc\\\"",
            "[\"a\",\"b\\\"\"]",
            "{\"k\\u0065y\":1}",
            "{\"\":\"\"}",
            "\t\n\r [ 1 , 2 ] \r\n",
            "\u{a0}1",
            "[1]\u{0}",
            "\"0123456789abcdef0123456789abcdef\\\"0123456789\"",
        ];
        for case in cases {
            agrees(case);
        }
        for depth in [
            1,
            MAX_JSON_NESTING,
            JSON_RECURSION_LIMIT,
            JSON_RECURSION_LIMIT + 1,
        ] {
            agrees(&nested(depth));
            agrees(&format!(
                "{}1{}",
                "{\"a\":".repeat(depth),
                "}".repeat(depth)
            ));
        }
    }

    /// Byte-level mutants of an envelope: the same verdicts and values.
    #[test]
    fn mutants_agree() {
        let text = r#"{"type":"MESSAGE_ADDED","contracts_version":"0.2.0","payload":{"id":"0192f0c1-7a52-7cc3-8d1e-000000000003","n":[1,-2,3.5,1e2,true,false,null],"s":"a\"b\\c\u00e9\ud83d\ude00","o":{}},"meta":{"event_id":"x","t":"2026-11-25T10:00:00Z"}}"#;
        let alphabet = b"{}[],:\"\\ -+.eE0123456789untrfalsx\t\n\x01";
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = |bound: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            usize::try_from(state % bound as u64).unwrap()
        };
        for _ in 0..20_000 {
            let mut bytes = text.as_bytes().to_vec();
            for _ in 0..=next(3) {
                let at = next(bytes.len());
                match next(3) {
                    0 => {
                        bytes.remove(at);
                    }
                    1 => bytes.insert(at, alphabet[next(alphabet.len())]),
                    _ => bytes[at] = alphabet[next(alphabet.len())],
                }
            }
            if let Ok(mutant) = std::str::from_utf8(&bytes) {
                agrees(mutant);
            }
        }
    }
}
