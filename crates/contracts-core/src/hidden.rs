//! What a reader of JSON into JavaScript values hides, found in one pass
//! over the text.
//!
//! `JSON.parse` accepts every text the core's parser accepts, but it keeps
//! the last value of a key given twice, rounds every number to a double,
//! and takes a `\uD800` escape without its pair; the core reports the
//! first, reads integers exactly and rejects the last
//! (`testdata/portable-differences.json` lists these cases). A binding that
//! checks the object `JSON.parse` returned (the generated JavaScript
//! validator, the same rules as the core) therefore has the core's verdict
//! whenever the text has none of them, and asks the core only when
//! [`hidden_by_json_parse`] names one.
//!
//! The scan is deliberately cheaper than exact: it flags some texts the
//! core reads exactly like `JSON.parse` (a key spelled with an escape, a
//! long decimal fraction, a deep nest below the parser's limit), because
//! for those the caller only pays for a full validation. It never misses a
//! text where the two readings differ.
//!
//! ```
//! use contracts_core::{hidden_by_json_parse, Hidden};
//! assert_eq!(hidden_by_json_parse(br#"{"a": 1, "b": [true, null]}"#), None);
//! assert_eq!(hidden_by_json_parse(br#"{"a": 1, "a": 2}"#), Some(Hidden::DuplicateKey));
//! assert_eq!(hidden_by_json_parse(b"{\"id\": 9223372036854775807}"), Some(Hidden::LongNumber));
//! assert_eq!(hidden_by_json_parse(br#"{"x": "\ud800"}"#), Some(Hidden::LoneSurrogate));
//! ```

use contracts_policy::limits::HIDDEN_SCAN_NESTING;

/// What [`hidden_by_json_parse`] found: a reason the core's reading of the
/// text may differ from `JSON.parse`'s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hidden {
    /// An object has the same key twice (`JSON.parse` keeps the last value;
    /// the core reports `duplicate_key`).
    DuplicateKey,
    /// An object key is spelled with an escape: `"t\u0079pe"` is `"type"`,
    /// so comparing spellings would not find a duplicate. Rare; asked of
    /// the core instead of unescaped here.
    EscapedKey,
    /// A number of 16 or more integer digits, or with an exponent other
    /// than a short negative one: it may be beyond 2^53 (rounded by
    /// `JSON.parse`, exact in the core), beyond the `int` range the
    /// core checks, or beyond a double (`Infinity` in JavaScript, a parse
    /// error in the core).
    LongNumber,
    /// A `\uD800`–`\uDFFF` escape that is not a high-low pair: `JSON.parse`
    /// takes it, the core's parser rejects the text.
    LoneSurrogate,
    /// Arrays and objects nested deeper than the scan follows
    /// ([`contracts_policy::limits::HIDDEN_SCAN_NESTING`]; the core's parser stops at
    /// [`contracts_policy::limits::MAX_JSON_NESTING`] and reports `too_deep`).
    TooDeep,
    /// Bytes the scan does not read as JSON. The caller has parsed the text
    /// already, so this only means "ask the core".
    NotJson,
}

/// Nesting the scan follows; deeper text is asked of the core (why 64:
/// `limits.rs`).
const DEPTH: usize = HIDDEN_SCAN_NESTING;

/// Keys of one object checked one by one as they come up to this many;
/// the keys of a wider object are sorted when it closes.
const WIDE: usize = 32;

/// Keys of the open objects kept on the stack before the scan moves them
/// to the heap: an envelope has a few dozen.
const STACK_KEYS: usize = 32;

/// The first thing in `json` (JSON text the caller has parsed with
/// `JSON.parse`) whose reading by `JSON.parse` may differ from the core's,
/// or `None` when the core reads exactly the value `JSON.parse` returned.
///
/// One loop over the text: the bytes between strings are read one by one
/// (a few per value), the bytes of strings eight at a time.
pub fn hidden_by_json_parse(json: &[u8]) -> Option<Hidden> {
    scan(json.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(json)).err()
}

/// An open array or object: for an object, its first key's index in the
/// key list and one bit per key seen (by a hash of its fingerprint), so
/// only a key whose bit is already set is compared with the keys before it.
#[derive(Clone, Copy, Default)]
struct Open {
    object: bool,
    first_key: u32,
    seen: u64,
}

fn scan(text: &[u8]) -> Result<(), Hidden> {
    let mut open = [Open::default(); DEPTH + 1];
    // open[0] is the document; open[depth] the innermost container.
    let mut depth = 0;
    let mut keys = Keys::new();
    let mut at = 0;
    while let Some(&byte) = text.get(at) {
        at += 1;
        match byte {
            b'"' => {
                let start = at;
                let (end, escaped) = string_end(text, at)?;
                at = end + 1;
                // A string followed by `:` is a key (the text is JSON).
                let mut colon = at;
                while matches!(text.get(colon), Some(b' ' | b'\n' | b'\r' | b'\t')) {
                    colon += 1;
                }
                if text.get(colon) != Some(&b':') {
                    continue;
                }
                at = colon + 1;
                if escaped {
                    return Err(Hidden::EscapedKey);
                }
                let inner = &mut open[depth];
                if !inner.object {
                    return Err(Hidden::NotJson);
                }
                let key = key(text, start, end);
                let first = inner.first_key as usize;
                if keys.len() - first < WIDE {
                    let bit = 1 << (key.print.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 58);
                    if inner.seen & bit != 0 && keys.from(first).iter().any(|k| same(text, k, &key))
                    {
                        return Err(Hidden::DuplicateKey);
                    }
                    inner.seen |= bit;
                }
                keys.push(key);
            }
            b',' | b' ' | b'\n' | b'\r' | b'\t' => {}
            b'{' | b'[' => {
                depth += 1;
                if depth > DEPTH {
                    return Err(Hidden::TooDeep);
                }
                open[depth] = Open {
                    object: byte == b'{',
                    // At most one key per byte of the text, and N-API
                    // lengths are 32-bit.
                    first_key: u32::try_from(keys.len()).map_err(|_| Hidden::NotJson)?,
                    seen: 0,
                };
            }
            b'}' | b']' => {
                let closed = open[depth];
                if depth == 0 || closed.object != (byte == b'}') {
                    return Err(Hidden::NotJson);
                }
                depth -= 1;
                if closed.object {
                    let first = closed.first_key as usize;
                    if keys.len() - first > WIDE && repeats(text, keys.from(first)) {
                        return Err(Hidden::DuplicateKey);
                    }
                    keys.truncate(first);
                }
            }
            b'-' | b'0'..=b'9' => at = number(text, at - 1)?,
            b't' | b'n' => at += 3,
            b'f' => at += 4,
            _ => return Err(Hidden::NotJson),
        }
    }
    if depth == 0 {
        Ok(())
    } else {
        Err(Hidden::NotJson)
    }
}

/// Where the string whose contents start at `at` ends (its closing quote),
/// and whether it has an escape.
#[inline]
fn string_end(text: &[u8], mut at: usize) -> Result<(usize, bool), Hidden> {
    let mut escaped = false;
    loop {
        at = special(text, at);
        match text.get(at) {
            Some(b'"') => return Ok((at, escaped)),
            Some(_) => {
                escaped = true;
                at = escape(text, at)?;
            }
            None => return Err(Hidden::NotJson),
        }
    }
}

/// Where the escape at `at` (a backslash) ends; a `\u` surrogate must be
/// a high-low pair.
#[cold]
#[inline(never)]
fn escape(text: &[u8], at: usize) -> Result<usize, Hidden> {
    let rest = &text[at..];
    if rest.get(1) != Some(&b'u') {
        return Ok(at + 2);
    }
    let unit = hex4(rest.get(2..6)).ok_or(Hidden::NotJson)?;
    if !(0xD800..0xE000).contains(&unit) {
        return Ok(at + 6);
    }
    if unit >= 0xDC00 || rest.get(6..8) != Some(b"\\u") {
        return Err(Hidden::LoneSurrogate);
    }
    match hex4(rest.get(8..12)) {
        Some(low) if (0xDC00..0xE000).contains(&low) => Ok(at + 12),
        _ => Err(Hidden::LoneSurrogate),
    }
}

/// Where the number starting at `start` ends. Up to 15 integer digits every
/// double holds exactly and every `int` check takes alike; fractions are
/// read to the nearest double by both readers (the core parses with
/// `float_roundtrip`). An exponent may reach any magnitude, so only a short
/// negative one passes.
fn number(text: &[u8], start: usize) -> Result<usize, Hidden> {
    let sign = usize::from(text[start] == b'-');
    let integer = digits(&text[start + sign..]);
    if integer == 0 {
        return Err(Hidden::NotJson);
    }
    if integer >= 16 {
        return Err(Hidden::LongNumber);
    }
    let mut at = start + sign + integer;
    if text.get(at) == Some(&b'.') {
        at += 1 + digits(&text[at + 1..]);
    }
    if matches!(text.get(at), Some(b'e' | b'E')) {
        let exponent = &text[at + 1..];
        if exponent.first() != Some(&b'-') || digits(&exponent[1..]) > 2 {
            return Err(Hidden::LongNumber);
        }
        at += 2 + digits(&exponent[1..]);
    }
    Ok(at)
}

/// One object key: where its spelling is in the text, and a fingerprint
/// that tells most different keys apart without reading them again.
#[derive(Clone, Copy, Default)]
struct Key {
    print: u64,
    start: u32,
    len: u32,
}

/// The keys of the open objects, innermost last: on the stack while few
/// (no allocation for an envelope), on the heap beyond.
struct Keys {
    stack: [Key; STACK_KEYS],
    len: usize,
    heap: Vec<Key>,
}

impl Keys {
    fn new() -> Self {
        Self {
            stack: [Key::default(); STACK_KEYS],
            len: 0,
            heap: Vec::new(),
        }
    }

    fn len(&self) -> usize {
        if self.heap.is_empty() {
            self.len
        } else {
            self.heap.len()
        }
    }

    fn push(&mut self, key: Key) {
        if self.heap.is_empty() {
            if let Some(slot) = self.stack.get_mut(self.len) {
                *slot = key;
                self.len += 1;
                return;
            }
            self.heap.extend_from_slice(&self.stack);
        }
        self.heap.push(key);
    }

    /// The keys from index `first` on.
    fn from(&mut self, first: usize) -> &mut [Key] {
        if self.heap.is_empty() {
            &mut self.stack[first..self.len]
        } else {
            &mut self.heap[first..]
        }
    }

    fn truncate(&mut self, len: usize) {
        if self.heap.is_empty() {
            self.len = len;
        } else {
            self.heap.truncate(len);
        }
    }
}

/// The key spelled by `text[start..end]`. Its fingerprint is its bytes
/// when it has at most 8 (most keys of an envelope), else a mix of its
/// first and last 8 bytes; with its length, equal fingerprints are rare
/// among different keys, and only they are compared byte by byte.
#[inline]
fn key(text: &[u8], start: usize, end: usize) -> Key {
    let len = end - start;
    let word = |at: usize, n: usize| {
        let mut w = [0; 8];
        match text.get(at..at + 8) {
            // The bytes after a key (`":` and a value) are there to load.
            Some(eight) => w.copy_from_slice(eight),
            None => w[..n].copy_from_slice(&text[at..at + n]),
        }
        u64::from_le_bytes(w) & (u64::MAX >> (8 * (8 - n)))
    };
    let print = match len {
        0 => 0,
        1..=8 => word(start, len),
        _ => word(start, 8) ^ word(end - 8, 8).rotate_left(31),
    };
    // A key of a text under 4 GiB (N-API lengths are 32-bit).
    let narrow = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    Key {
        print,
        start: narrow(start),
        len: narrow(len),
    }
}

/// Whether `a` and `b` are the same key.
fn same(text: &[u8], a: &Key, b: &Key) -> bool {
    let spelling = |k: &Key| text.get(k.start as usize..(k.start + k.len) as usize);
    a.print == b.print && a.len == b.len && spelling(a) == spelling(b)
}

/// True when one key of a wide object appears twice: equal keys have equal
/// fingerprints, so they are neighbours once sorted by them.
fn repeats(text: &[u8], keys: &mut [Key]) -> bool {
    keys.sort_unstable_by_key(|k| (k.print, k.len));
    keys.iter().enumerate().any(|(i, a)| {
        keys[i + 1..]
            .iter()
            .take_while(|b| (b.print, b.len) == (a.print, a.len))
            .any(|b| same(text, a, b))
    })
}

/// How many ASCII digits `bytes` starts with.
fn digits(bytes: &[u8]) -> usize {
    bytes.iter().take_while(|b| b.is_ascii_digit()).count()
}

/// The value of four hex digits.
fn hex4(bytes: Option<&[u8]>) -> Option<u32> {
    bytes?.iter().try_fold(0, |acc, &b| {
        let d = char::from(b).to_digit(16)?;
        Some(acc * 16 + d)
    })
}

/// Where the first `"` or `\` of `text` from `at` on is (or the end):
/// eight bytes at a time, as string contents are most of an envelope.
#[inline]
fn special(text: &[u8], mut at: usize) -> usize {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    const QUOTES: u64 = u64::from_ne_bytes([b'"'; 8]);
    const BACKSLASHES: u64 = u64::from_ne_bytes([b'\\'; 8]);
    let has_zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS;
    while let Some(eight) = text.get(at..at + 8) {
        let word = u64::from_le_bytes(eight.try_into().unwrap_or_default());
        let found = has_zero(word ^ QUOTES) | has_zero(word ^ BACKSLASHES);
        if found != 0 {
            // The lowest flagged byte is the first match (bytes above it may
            // be false positives of the borrow, never bytes below).
            return at + (found.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    while let Some(&byte) = text.get(at) {
        if byte == b'"' || byte == b'\\' {
            break;
        }
        at += 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::{hidden_by_json_parse as scan, special, Hidden};

    #[test]
    fn plain_envelopes_hide_nothing() {
        for text in [
            r#"{"type":"TYPING_INDICATOR","payload":{"is_typing":true,"n":-12.5,"m":0,"k":1e-7},"meta":{}}"#,
            "\u{feff} { \"a\" : [ 1 , 2.25 , -3 , \"x\\\"y\\\\z\\n\" , null , false ] , \"b\" : { } } ",
            r#"{"emoji":"\ud83d\ude00","é":"ü","a":{"a":{"a":1}},"b":[{"a":1},{"a":2}]}"#,
            r#"{"n":999999999999999,"f":0.1234567890123456789,"e":2.5E-10}"#,
            "[]",
            "\"just a string\"",
            "123456789012345",
        ] {
            assert_eq!(scan(text.as_bytes()), None, "{text}");
        }
    }

    #[test]
    fn duplicate_keys_anywhere() {
        for text in [
            r#"{"type":"A","type":"B"}"#,
            r#"{"meta":{"timestamp":"x","event_id":"y","timestamp":"z"}}"#,
            r#"{"payload":{"reactions":{"x":1,"y":2,"x":3}}}"#,
            r#"{"x_extra":{"a":1,"a":2}}"#,
            r#"{"list":[{"a":1},{"b":2,"b":3}]}"#,
            r#"{"x":1 , "x" :2}"#,
        ] {
            assert_eq!(scan(text.as_bytes()), Some(Hidden::DuplicateKey), "{text}");
        }
        // Keys of different objects never collide.
        assert_eq!(scan(br#"{"a":{"a":1},"b":{"a":2}}"#), None);
        // Values equal to keys are no keys.
        assert_eq!(scan(br#"{"a":"a","b":["a","b"]}"#), None);
    }

    #[test]
    fn duplicates_in_wide_objects() {
        let wide = |repeat: bool| {
            let mut keys: Vec<String> = (0..100).map(|i| format!("\"k{i}\":{i}")).collect();
            if repeat {
                keys.push("\"k57\":0".into());
            }
            format!("{{{}}}", keys.join(","))
        };
        assert_eq!(scan(wide(false).as_bytes()), None);
        assert_eq!(scan(wide(true).as_bytes()), Some(Hidden::DuplicateKey));
    }

    #[test]
    fn escaped_keys_are_asked_of_the_core() {
        // duplicate-key-escaped-spelling.json: `type` twice, once escaped.
        assert_eq!(
            scan(br#"{"type":"A","t\u0079pe":"B"}"#),
            Some(Hidden::EscapedKey)
        );
        assert_eq!(scan(br#"{"a\"b":1}"#), Some(Hidden::EscapedKey));
        // An escape in a value is read past.
        assert_eq!(scan(br#"{"a":"\u0074\"\\"}"#), None);
    }

    #[test]
    fn numbers_a_double_may_not_hold() {
        for text in [
            "9223372036854775807",      // int-i64-max-accepted.json
            "{\"n\":9007199254740993}", // 2^53 + 1
            "{\"n\":-1234567890123456}",
            "{\"n\":18446744073709551616}",
            "{\"n\":1234567890123456.5}",
            "{\"n\":1e400}",
            "{\"n\":1E2}",
            "{\"n\":9.2e18}",
            "{\"n\":1e+2}",
            "{\"n\":1e-400}",
        ] {
            assert_eq!(scan(text.as_bytes()), Some(Hidden::LongNumber), "{text}");
        }
        // Digits inside strings are text.
        assert_eq!(
            scan(br#"{"id":"92233720368547758079223372036854775807"}"#),
            None
        );
    }

    #[test]
    fn lone_surrogates() {
        for text in [
            r#"{"x":"\ud800"}"#, // text-lone-surrogate.json
            r#"{"x":"\uDBFF."}"#,
            r#"{"x":"\udc00"}"#,
            r#"{"x":"\ud800\u0041"}"#,
            r#"{"x":"\ud800\ud800"}"#,
            r#"["\ud83d"]"#,
        ] {
            assert_eq!(scan(text.as_bytes()), Some(Hidden::LoneSurrogate), "{text}");
        }
        assert_eq!(scan(br#"{"x":"\uD83D\uDE00"}"#), None);
    }

    #[test]
    fn deep_nesting() {
        let nest = |depth: usize| format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        assert_eq!(scan(nest(64).as_bytes()), None);
        assert_eq!(scan(nest(65).as_bytes()), Some(Hidden::TooDeep));
        let objects = format!("{}1{}", "{\"a\":".repeat(130), "}".repeat(130));
        assert_eq!(scan(objects.as_bytes()), Some(Hidden::TooDeep));
    }

    #[test]
    fn what_is_not_json_is_asked_of_the_core() {
        for text in [
            "{",
            "}",
            "[}",
            "{]",
            "\"open",
            "\"\\u12\"",
            "#",
            "{\"a\":1}]",
        ] {
            assert_eq!(scan(text.as_bytes()), Some(Hidden::NotJson), "{text}");
        }
    }

    #[test]
    fn the_word_scan_finds_the_first_quote_or_backslash() {
        let text = b"abcdefghijklmnopqrstuvwxyz0123456789";
        for at in 0..text.len() {
            for special_byte in [b'"', b'\\'] {
                let mut t = text.to_vec();
                t[at] = special_byte;
                // A second one later never wins.
                if at + 3 < t.len() {
                    t[at + 3] = b'"';
                }
                assert_eq!(special(&t, 0), at);
            }
        }
        assert_eq!(special(text, 0), text.len());
        assert_eq!(special(text, 5), text.len());
        // Bytes above 0x7f and just off the two are not matches.
        let plain = "ü#[]!\u{2022}\u{5c5c}\u{225c}";
        assert_eq!(special(plain.as_bytes(), 0), plain.len());
    }
}
