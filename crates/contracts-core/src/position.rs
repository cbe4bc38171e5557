//! Stamping a stream position into an envelope's `meta.position`, in its JSON
//! text: what a server does to every broadcast envelope as it sends it
//! (`docs/delivery.md`). The envelope's other bytes are kept as they are, so
//! the frame a client gets is the validated (or downgraded) text plus its
//! position.

use crate::issue::{IssueCode, ValidationErrors, ValidationIssue};
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;
use std::fmt::{self, Write as _};

/// Where an envelope sits in its stream: the `StreamPosition` of the contract.
///
/// ```
/// use contracts_core::StreamPosition;
/// let position = StreamPosition { stream: "session.42", epoch: "k3Jq", offset: 7 };
/// assert_eq!(position.to_json(), r#"{"stream":"session.42","epoch":"k3Jq","offset":7}"#);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamPosition<'a> {
    /// The stream: the group the envelope was broadcast to.
    pub stream: &'a str,
    /// The stream's epoch (changes when its history was lost).
    pub epoch: &'a str,
    /// The envelope's offset in the epoch, from 1.
    pub offset: u64,
}

impl StreamPosition<'_> {
    /// The position as compact JSON, fields in contract order.
    pub fn to_json(&self) -> String {
        let mut out = String::with_capacity(48 + self.stream.len() + self.epoch.len());
        out.push_str("{\"stream\":");
        push_json_string(&mut out, self.stream);
        out.push_str(",\"epoch\":");
        push_json_string(&mut out, self.epoch);
        let _ = write!(out, ",\"offset\":{}}}", self.offset);
        out
    }
}

/// The envelope `text` with `meta.position` set to `position` (replacing one
/// it carries), as JSON text. Every byte outside `meta` is kept; inside it,
/// the other entries keep their values and order, and `position` comes last.
///
/// `text` should be an envelope that was validated (or downgraded) already:
/// this checks only what it needs, that the text is one JSON object with a
/// `meta` object. Anything else is a [`ValidationErrors`] with the usual
/// codes (`invalid_json` at `""`, `not_an_object` at `""`, `missing_field` or
/// `wrong_type` at `/meta`).
///
/// ```
/// use contracts_core::{with_position, StreamPosition};
/// let position = StreamPosition { stream: "session.42", epoch: "k3Jq", offset: 7 };
/// let text = br#"{"type":"X","payload":{"meta":1},"meta":{"event_id":"e"}}"#;
/// assert_eq!(
///     with_position(text, &position).unwrap(),
///     r#"{"type":"X","payload":{"meta":1},"meta":{"event_id":"e","position":{"stream":"session.42","epoch":"k3Jq","offset":7}}}"#
/// );
/// let err = with_position(br#"{"meta":[]}"#, &position).unwrap_err();
/// assert_eq!((err.issues[0].path.as_str(), err.issues[0].code.as_str()), ("/meta", "wrong_type"));
/// ```
pub fn with_position(
    text: &[u8],
    position: &StreamPosition<'_>,
) -> Result<String, ValidationErrors> {
    let text = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text);
    let text = std::str::from_utf8(text).map_err(|e| {
        issue(
            "",
            IssueCode::InvalidJson,
            format!("the envelope is not UTF-8: {e}"),
        )
    })?;
    let meta = find_meta(text)?;
    let entries = meta_entries(meta)?;
    let start = meta.get().as_ptr() as usize - text.as_ptr() as usize;
    let end = start + meta.get().len();

    let position = position.to_json();
    let mut out = String::with_capacity(text.len() + position.len() + 16);
    out.push_str(&text[..start]);
    out.push('{');
    for (key, value) in &entries {
        push_json_string(&mut out, key);
        out.push(':');
        out.push_str(value.get());
        out.push(',');
    }
    out.push_str("\"position\":");
    out.push_str(&position);
    out.push('}');
    out.push_str(&text[end..]);
    Ok(out)
}

/// The raw text of the top-level `meta` value.
fn find_meta(text: &str) -> Result<&RawValue, ValidationErrors> {
    let mut de = serde_json::Deserializer::from_str(text);
    let (found, repeated) = (&mut de).deserialize_any(TopLevel).map_err(|e| {
        if e.is_data() {
            issue(
                "",
                IssueCode::NotAnObject,
                "the envelope is not a JSON object".into(),
            )
        } else {
            invalid_json(&e)
        }
    })?;
    de.end().map_err(|e| invalid_json(&e))?;
    if repeated {
        return Err(issue(
            "/meta",
            IssueCode::DuplicateKey,
            "`meta` appears more than once".into(),
        ));
    }
    found.ok_or_else(|| {
        issue(
            "/meta",
            IssueCode::MissingField,
            "the envelope has no `meta`: stamp positions on validated envelopes only".into(),
        )
    })
}

/// The entries of `meta` other than `position`, in order.
fn meta_entries(meta: &RawValue) -> Result<Vec<(String, &RawValue)>, ValidationErrors> {
    let mut de = serde_json::Deserializer::from_str(meta.get());
    de.deserialize_any(MetaEntries).map_err(|_| {
        issue(
            "/meta",
            IssueCode::WrongType,
            "`meta` is not a JSON object: stamp positions on validated envelopes only".into(),
        )
    })
}

/// Visits the top-level object, keeping the raw `meta` value (and whether
/// there was more than one).
struct TopLevel;

impl<'de> Visitor<'de> for TopLevel {
    type Value = (Option<&'de RawValue>, bool);

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an envelope object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let (mut meta, mut repeated) = (None, false);
        while let Some(is_meta) = map.next_key_seed(KeyIs("meta"))? {
            if is_meta {
                repeated |= meta.is_some();
                meta = Some(map.next_value::<&RawValue>()?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok((meta, repeated))
    }
}

/// Visits `meta`, keeping every entry but `position`.
struct MetaEntries;

impl<'de> Visitor<'de> for MetaEntries {
    type Value = Vec<(String, &'de RawValue)>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the meta object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut entries = Vec::with_capacity(6);
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value::<&RawValue>()?;
            if key != "position" {
                entries.push((key, value));
            }
        }
        Ok(entries)
    }
}

/// Deserialises an object key as whether it equals the name, without
/// allocating for keys that need no unescaping.
struct KeyIs(&'static str);

impl<'de> DeserializeSeed<'de> for KeyIs {
    type Value = bool;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for KeyIs {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_str<E>(self, key: &str) -> Result<bool, E> {
        Ok(key == self.0)
    }
}

fn issue(path: &str, code: IssueCode, message: String) -> ValidationErrors {
    ValidationErrors {
        issues: vec![ValidationIssue {
            path: path.into(),
            code,
            message,
        }],
    }
}

fn invalid_json(e: &serde_json::Error) -> ValidationErrors {
    issue(
        "",
        IssueCode::InvalidJson,
        format!("the envelope is not valid JSON: {e}"),
    )
}

fn push_json_string(out: &mut String, s: &str) {
    out.push_str(&serde_json::to_string(s).expect("a string always serialises"));
}

#[cfg(test)]
mod tests {
    use super::*;

    const POSITION: StreamPosition<'static> = StreamPosition {
        stream: "session.\"q\"",
        epoch: "e1",
        offset: 18_446_744_073_709_551_615,
    };

    #[test]
    fn replaces_a_position_and_keeps_every_other_byte() {
        let text = "{ \"meta\" : {\"position\":{\"old\":true}, \"event_id\" : \"a\"} , \"payload\": {\"x\": [1, 2]} }";
        let out = with_position(text.as_bytes(), &POSITION).unwrap();
        assert_eq!(
            out,
            "{ \"meta\" : {\"event_id\":\"a\",\"position\":{\"stream\":\"session.\\\"q\\\"\",\"epoch\":\"e1\",\"offset\":18446744073709551615}} , \"payload\": {\"x\": [1, 2]} }"
        );
        let value: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(value["meta"]["position"]["stream"], "session.\"q\"");
    }

    #[test]
    fn an_escaped_meta_key_is_found_and_a_bom_dropped() {
        let out = with_position(b"\xEF\xBB\xBF{\"me\\u0074a\":{}}", &POSITION).unwrap();
        assert!(out.starts_with("{\"me\\u0074a\":{\"position\":"), "{out}");
    }

    #[test]
    fn what_is_not_an_envelope_with_meta_is_an_issue() {
        for (text, path, code) in [
            (&b"{oops"[..], "", "invalid_json"),
            (b"{} trailing", "", "invalid_json"),
            (b"\xff", "", "invalid_json"),
            (b"[1]", "", "not_an_object"),
            (b"{\"type\":\"X\"}", "/meta", "missing_field"),
            (b"{\"meta\":null}", "/meta", "wrong_type"),
            (b"{\"meta\":{},\"meta\":{}}", "/meta", "duplicate_key"),
        ] {
            let err = with_position(text, &POSITION).unwrap_err();
            let got = (err.issues[0].path.as_str(), err.issues[0].code.as_str());
            assert_eq!(got, (path, code), "{}", String::from_utf8_lossy(text));
        }
    }
}
