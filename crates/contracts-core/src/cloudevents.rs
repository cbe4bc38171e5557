//! The CloudEvents 1.0 binding of the envelopes: one envelope is one
//! CloudEvent in structured mode (JSON event format), and back.
//!
//! | CloudEvent | envelope |
//! |---|---|
//! | `specversion` | `"1.0"` |
//! | `id` | `meta.event_id` |
//! | `source` | given by the producer (a URI-reference, e.g. `/coach-app/backend`) |
//! | `type` | `com.coach-app.` + `type` |
//! | `time` | `meta.timestamp` |
//! | `datacontenttype` | `application/json` |
//! | `dataschema` | `urn:coach-app:contracts:<contracts_version>:events:<type>` ([`dataschema`]) |
//! | `data` | `payload` |
//! | `contractsversion`, `correlationid`, `actorid`, `requestid` | `contracts_version`, `meta.correlation_id`, `meta.actor_id`, `meta.request_id` ([`Extension`]) |
//!
//! CloudEvents extension names are lowercase letters and digits only, hence
//! `correlationid` for `correlation_id`. A CloudEvents attribute has no null
//! value: a `null` optional meta field is left out, and comes back absent.
//! `meta.position` is not carried: it is where the envelope sat in one
//! delivery stream (a WebSocket's), not part of the event; a broker that
//! carries CloudEvents orders them its own way.
//! Everything else round-trips exactly: [`from_cloudevent_json`] of
//! [`to_cloudevent_json`] gives the envelope back with its payload bytes
//! untouched.
//!
//! Both directions validate with the core's validator: [`to_cloudevent_json`]
//! refuses an invalid envelope, [`from_cloudevent_json`] returns a validated
//! envelope or every issue, with JSON Pointers into the CloudEvent
//! (`/data/title`, `/id`, `/correlationid`).
//!
//! ```
//! use contracts_core::cloudevents::{from_cloudevent_json, to_cloudevent_json, Source};
//! use contracts_core::{make_envelope, MetaOverrides, Mode, ValidateOptions};
//! let envelope = make_envelope(
//!     "TYPING_INDICATOR",
//!     serde_json::json!({"thread_id": "0192f0c1-7a52-7cc3-8d1e-000000000003",
//!                        "user_id": "0192f0c1-7a52-7cc3-8d1e-000000000001", "is_typing": true}),
//!     MetaOverrides::default(),
//! ).unwrap().to_string();
//! let source = Source::new("/coach-app/backend").unwrap();
//! let event = to_cloudevent_json(envelope.as_bytes(), &source, &ValidateOptions::default()).unwrap();
//! let parsed: serde_json::Value = serde_json::from_str(&event).unwrap();
//! assert_eq!(parsed["type"], "com.coach-app.TYPING_INDICATOR");
//! assert_eq!(parsed["specversion"], "1.0");
//! let back = from_cloudevent_json(event.as_bytes(), &ValidateOptions::with_mode(Mode::Consumer)).unwrap();
//! assert_eq!(back, envelope);
//! ```

use crate::issue::{IssueCode, ValidationErrors, ValidationIssue};
use crate::options::ValidateOptions;
use crate::validate::envelope_issues;
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::Value;
use std::fmt::{self, Write as _};

/// The CloudEvents version this binding speaks.
pub const SPEC_VERSION: &str = "1.0";
/// Every CloudEvent `type` is this prefix followed by the envelope's `type`.
pub const TYPE_PREFIX: &str = "com.coach-app.";
/// The `datacontenttype` of every event: the payload is JSON.
pub const DATA_CONTENT_TYPE: &str = "application/json";
/// The media type of a structured-mode event (HTTP `Content-Type`).
pub const STRUCTURED_CONTENT_TYPE: &str = "application/cloudevents+json";

/// The CloudEvents `dataschema` of `event_type` at contracts `version`: a
/// URN naming the JSON Schema every package ships for it, at
/// `schemas/events/<type>.schema.json` for the current version and
/// `schemas/history/<version>/events/<type>.schema.json` for an older one
/// (in Rust, `registry_for(version)?.event_schema(event_type)`).
///
/// ```
/// assert_eq!(
///     contracts_core::cloudevents::dataschema("GOAL_CREATED", "1.4.0"),
///     "urn:coach-app:contracts:1.4.0:events:GOAL_CREATED"
/// );
/// ```
pub fn dataschema(event_type: &str, version: &str) -> String {
    format!("urn:coach-app:contracts:{version}:events:{event_type}")
}

/// The extension attributes that carry the envelope fields CloudEvents has
/// no attribute for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Extension {
    /// `contractsversion` = `contracts_version` (required).
    ContractsVersion,
    /// `correlationid` = `meta.correlation_id` (optional).
    CorrelationId,
    /// `actorid` = `meta.actor_id` (optional).
    ActorId,
    /// `requestid` = `meta.request_id` (optional).
    RequestId,
}

impl Extension {
    /// Every extension, in the order events carry them.
    pub const ALL: [Extension; 4] = [
        Self::ContractsVersion,
        Self::CorrelationId,
        Self::ActorId,
        Self::RequestId,
    ];

    /// The CloudEvents attribute name.
    pub const fn attribute(self) -> &'static str {
        match self {
            Self::ContractsVersion => "contractsversion",
            Self::CorrelationId => "correlationid",
            Self::ActorId => "actorid",
            Self::RequestId => "requestid",
        }
    }

    /// Where the value lives in the envelope (a JSON Pointer).
    pub const fn envelope_pointer(self) -> &'static str {
        match self {
            Self::ContractsVersion => "/contracts_version",
            Self::CorrelationId => "/meta/correlation_id",
            Self::ActorId => "/meta/actor_id",
            Self::RequestId => "/meta/request_id",
        }
    }

    /// The `meta` field it carries; `None` for `contractsversion`.
    const fn meta_field(self) -> Option<&'static str> {
        match self {
            Self::ContractsVersion => None,
            Self::CorrelationId => Some("correlation_id"),
            Self::ActorId => Some("actor_id"),
            Self::RequestId => Some("request_id"),
        }
    }
}

/// A CloudEvents `source`: a non-empty URI-reference (RFC 3986), such as
/// `/coach-app/backend` or `https://api.coach-app.example/`.
///
/// ```
/// use contracts_core::cloudevents::Source;
/// assert!(Source::new("/coach-app/backend").is_ok());
/// let err = Source::new("not a uri").unwrap_err();
/// assert!(err.to_string().contains("position 3"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source(String);

impl Source {
    /// Checks `source` is a non-empty URI-reference.
    pub fn new(source: impl Into<String>) -> Result<Source, InvalidSource> {
        let source = source.into();
        if source.is_empty() {
            return Err(InvalidSource(
                "the CloudEvents source must not be empty: pass a URI-reference naming the producer, e.g. \"/coach-app/backend\"".into(),
            ));
        }
        let bytes = source.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            let ok = b.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=".contains(&b);
            if b == b'%' {
                let hex = |j: usize| bytes.get(j).is_some_and(u8::is_ascii_hexdigit);
                if !(hex(i + 1) && hex(i + 2)) {
                    return Err(InvalidSource(format!(
                        "the CloudEvents source {source:?} has a `%` at position {i} not followed by two hex digits"
                    )));
                }
                i += 3;
                continue;
            }
            if !ok {
                let c = source[i..].chars().next().unwrap_or_default();
                return Err(InvalidSource(format!(
                    "the CloudEvents source {source:?} is not a URI-reference: {c:?} at position {i} must be percent-encoded"
                )));
            }
            i += 1;
        }
        Ok(Source(source))
    }

    /// The source as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for Source {
    type Err = InvalidSource;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Source::new(s)
    }
}

/// Why a string is not a CloudEvents source (an argument error, not an
/// envelope issue).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidSource(String);

impl fmt::Display for InvalidSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InvalidSource {}

/// Why [`to_cloudevent_json`] refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CloudEventError {
    /// The `source` argument is not a URI-reference.
    InvalidSource(InvalidSource),
    /// The envelope is invalid; every issue, with paths into the envelope.
    InvalidEnvelope(ValidationErrors),
}

impl fmt::Display for CloudEventError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidSource(e) => e.fmt(f),
            Self::InvalidEnvelope(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for CloudEventError {}

/// The members of one JSON object, values left as raw JSON text, in order.
struct Members<'a>(Vec<(String, &'a RawValue)>);

impl<'a> Members<'a> {
    fn get(&self, key: &str) -> Option<&'a RawValue> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| *v)
    }

    /// The members, or the one issue that makes `json` no object at all.
    fn parse(json: &'a [u8]) -> Result<Self, ValidationIssue> {
        let json = json.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(json);
        serde_json::from_slice::<Members<'a>>(json).map_err(|e| {
            if serde_json::from_slice::<&RawValue>(json).is_ok() {
                issue(
                    "",
                    IssueCode::NotAnObject,
                    "a CloudEvent must be a JSON object".into(),
                )
            } else {
                issue(
                    "",
                    IssueCode::InvalidJson,
                    format!("the CloudEvent is not valid JSON: {e}"),
                )
            }
        })
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Members<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MembersVisitor<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for MembersVisitor<'a> {
            type Value = Members<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut members = Vec::new();
                while let Some(entry) = map.next_entry::<String, &'de RawValue>()? {
                    members.push(entry);
                }
                Ok(Members(members))
            }
        }
        deserializer.deserialize_map(MembersVisitor(std::marker::PhantomData))
    }
}

fn issue(path: &str, code: IssueCode, message: String) -> ValidationIssue {
    ValidationIssue {
        path: path.to_string(),
        code,
        message,
    }
}

/// `value` when it is a JSON string.
fn as_str(value: &RawValue) -> Option<String> {
    serde_json::from_str::<String>(value.get()).ok()
}

fn is_null(value: &RawValue) -> bool {
    value.get() == "null"
}

/// Converts an envelope (JSON bytes or text) into a structured-mode
/// CloudEvent, as JSON text. The envelope is validated first with
/// `options` (producer mode by default); the payload's bytes become `data`
/// unchanged.
///
/// ```
/// use contracts_core::cloudevents::{to_cloudevent_json, CloudEventError, Source};
/// let source = Source::new("/backend").unwrap();
/// let err = to_cloudevent_json(b"{}", &source, &Default::default()).unwrap_err();
/// assert!(matches!(err, CloudEventError::InvalidEnvelope(_)));
/// ```
pub fn to_cloudevent_json(
    envelope: &[u8],
    source: &Source,
    options: &ValidateOptions,
) -> Result<String, CloudEventError> {
    let issues = envelope_issues(envelope, options);
    if !issues.is_empty() {
        return Err(CloudEventError::InvalidEnvelope(ValidationErrors {
            issues,
        }));
    }
    let members = Members::parse(envelope).map_err(|issue| {
        CloudEventError::InvalidEnvelope(ValidationErrors {
            issues: vec![issue],
        })
    })?;
    let raw = |key: &str| members.get(key).expect("a valid envelope has every field");
    let event_type = as_str(raw("type")).expect("a valid envelope's type is a string");
    let version = as_str(raw("contracts_version")).expect("a valid version is a string");
    let meta =
        Members::parse(raw("meta").get().as_bytes()).expect("a valid envelope's meta is an object");
    let meta_raw = |key: &str| meta.get(key).filter(|v| !is_null(v));
    let json = |s: &str| Value::String(s.to_string()).to_string();
    let mut out = String::with_capacity(envelope.len() + 256);
    let _ = write!(
        out,
        "{{\"specversion\":{},\"id\":{},\"source\":{},\"type\":{},\"time\":{},\"datacontenttype\":{},\"dataschema\":{}",
        json(SPEC_VERSION),
        meta_raw("event_id").expect("event_id is required").get(),
        json(source.as_str()),
        json(&format!("{TYPE_PREFIX}{event_type}")),
        meta_raw("timestamp").expect("timestamp is required").get(),
        json(DATA_CONTENT_TYPE),
        json(&dataschema(&event_type, &version)),
    );
    for extension in Extension::ALL {
        let value = match extension.meta_field() {
            None => Some(raw("contracts_version")),
            Some(field) => meta_raw(field),
        };
        if let Some(value) = value {
            let _ = write!(out, ",{}:{}", json(extension.attribute()), value.get());
        }
    }
    let _ = write!(out, ",\"data\":{}}}", raw("payload").get());
    Ok(out)
}

/// [`to_cloudevent_json`] for an envelope already parsed into a `Value`.
///
/// ```
/// use contracts_core::cloudevents::{to_cloudevent, Source};
/// let err = to_cloudevent(&serde_json::json!({}), &Source::new("/b").unwrap(), &Default::default());
/// assert!(err.is_err());
/// ```
pub fn to_cloudevent(
    envelope: &Value,
    source: &Source,
    options: &ValidateOptions,
) -> Result<Value, CloudEventError> {
    let text = to_cloudevent_json(envelope.to_string().as_bytes(), source, options)?;
    Ok(serde_json::from_str(&text).expect("the CloudEvent is JSON"))
}

/// Converts a structured-mode CloudEvent (JSON bytes or text) back into an
/// envelope, validated with `options`, as JSON text (`type`,
/// `contracts_version`, `payload`, `meta`, with `data`'s bytes unchanged).
///
/// The CloudEvent must be CloudEvents 1.0 with a `source`, a `type` starting
/// with [`TYPE_PREFIX`], JSON `data` (`datacontenttype` absent or
/// `application/json`) and, when it has a `dataschema`, the one
/// [`dataschema`] gives for its type and `contractsversion`. Other
/// attributes (`subject`, extensions a broker adds) are ignored. Issues
/// point into the CloudEvent: an envelope issue at `/payload/title` is
/// reported at `/data/title`, one at `/meta/event_id` at `/id`.
///
/// ```
/// use contracts_core::cloudevents::from_cloudevent_json;
/// let err = from_cloudevent_json(br#"{"specversion": "0.3"}"#, &Default::default()).unwrap_err();
/// assert!(err.issues.iter().any(|i| i.path == "/specversion" && i.code.as_str() == "unsupported_version"));
/// assert!(err.issues.iter().any(|i| i.path == "/source" && i.code.as_str() == "missing_field"));
/// ```
pub fn from_cloudevent_json(
    event: &[u8],
    options: &ValidateOptions,
) -> Result<String, ValidationErrors> {
    if event.len() > options.max_bytes {
        return Err(ValidationErrors {
            issues: vec![issue(
                "",
                IssueCode::TooLarge,
                format!(
                    "the CloudEvent is {} bytes, more than the limit of {} (max_bytes)",
                    event.len(),
                    options.max_bytes
                ),
            )],
        });
    }
    let members = Members::parse(event).map_err(|i| ValidationErrors { issues: vec![i] })?;
    let mut issues = attribute_issues(&members);
    let envelope = envelope_text(&members);
    let own: Vec<String> = issues.iter().map(|i| i.path.clone()).collect();
    for found in envelope_issues(envelope.as_bytes(), options) {
        let path = event_pointer(&found.path);
        if own.contains(&path) {
            continue;
        }
        let message = if path == found.path {
            found.message
        } else {
            format!("{} (envelope field {})", found.message, found.path)
        };
        issues.push(ValidationIssue {
            path,
            code: found.code,
            message,
        });
    }
    issues.truncate(options.max_issues.max(1));
    if issues.is_empty() {
        Ok(envelope)
    } else {
        Err(ValidationErrors { issues })
    }
}

/// [`from_cloudevent_json`] for a CloudEvent already parsed into a `Value`;
/// returns the envelope as a `Value`.
///
/// ```
/// use contracts_core::cloudevents::from_cloudevent;
/// let err = from_cloudevent(&serde_json::json!([]), &Default::default()).unwrap_err();
/// assert_eq!(err.issues[0].code.as_str(), "not_an_object");
/// ```
pub fn from_cloudevent(
    event: &Value,
    options: &ValidateOptions,
) -> Result<Value, ValidationErrors> {
    let text = from_cloudevent_json(event.to_string().as_bytes(), options)?;
    Ok(serde_json::from_str(&text).expect("the envelope is JSON"))
}

/// The CloudEvents-level problems: what the envelope validation cannot see.
fn attribute_issues(members: &Members<'_>) -> Vec<ValidationIssue> {
    let mut issues = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (key, _) in &members.0 {
        if !seen.insert(key.as_str()) {
            issues.push(issue(
                &crate::issue::push_pointer("", key),
                IssueCode::DuplicateKey,
                format!("the attribute `{key}` is given more than once; give it once"),
            ));
        }
    }
    match members.get("specversion") {
        None => issues.push(issue(
            "/specversion",
            IssueCode::MissingField,
            format!("missing `specversion`: this binding reads CloudEvents {SPEC_VERSION} (\"specversion\": \"{SPEC_VERSION}\")"),
        )),
        Some(v) => match as_str(v) {
            Some(s) if s == SPEC_VERSION => {}
            Some(s) => issues.push(issue(
                "/specversion",
                IssueCode::UnsupportedVersion,
                format!("CloudEvents {s:?} is not supported: this binding reads CloudEvents {SPEC_VERSION} only"),
            )),
            None => issues.push(issue(
                "/specversion",
                IssueCode::WrongType,
                format!("`specversion` must be the string \"{SPEC_VERSION}\", got {}", v.get()),
            )),
        },
    }
    match members.get("source").map(|v| (v, as_str(v))) {
        None => issues.push(issue(
            "/source",
            IssueCode::MissingField,
            "missing `source`: every CloudEvent names its producer with a URI-reference".into(),
        )),
        Some((_, Some(s))) if !s.is_empty() => {}
        Some((v, _)) => issues.push(issue(
            "/source",
            IssueCode::WrongType,
            format!(
                "`source` must be a non-empty URI-reference string, got {}",
                v.get()
            ),
        )),
    }
    if let Some(s) = members.get("type").and_then(as_str) {
        if !s.starts_with(TYPE_PREFIX) {
            issues.push(issue(
                "/type",
                IssueCode::UnknownEventType,
                format!("the CloudEvent type {s:?} is not a coach-app event: expected {TYPE_PREFIX}<EVENT_TYPE>, e.g. {TYPE_PREFIX}GOAL_CREATED"),
            ));
        }
    }
    if let Some(v) = members.get("datacontenttype") {
        let json_type = as_str(v).is_some_and(|s| {
            let essence = s.split(';').next().unwrap_or_default().trim();
            essence.eq_ignore_ascii_case(DATA_CONTENT_TYPE)
        });
        if !json_type {
            issues.push(issue(
                "/datacontenttype",
                IssueCode::InvalidLiteral,
                format!("`datacontenttype` must be \"{DATA_CONTENT_TYPE}\" (the payload is a JSON object), got {}", v.get()),
            ));
        }
    }
    if let Some(v) = members.get("dataschema") {
        let expected = members
            .get("type")
            .and_then(as_str)
            .and_then(|t| t.strip_prefix(TYPE_PREFIX).map(str::to_string))
            .zip(members.get("contractsversion").and_then(as_str))
            .map(|(t, version)| dataschema(&t, &version));
        if let Some(expected) = expected {
            if as_str(v).as_deref() != Some(expected.as_str()) {
                issues.push(issue(
                    "/dataschema",
                    IssueCode::InvalidLiteral,
                    format!("`dataschema` {} does not name this event's schema: expected {expected:?} (or leave it out)", v.get()),
                ));
            }
        }
    }
    if members.get("data").is_none() && members.get("data_base64").is_some() {
        issues.push(issue(
            "/data_base64",
            IssueCode::WrongType,
            "the payload arrived as `data_base64`: send it as a JSON object in `data` (datacontenttype application/json)".into(),
        ));
    }
    issues
}

/// The envelope the CloudEvent carries, as JSON text; absent attributes
/// leave their envelope field out (the validation then reports it).
fn envelope_text(members: &Members<'_>) -> String {
    let mut out = String::from("{");
    let mut first = true;
    let mut field = |out: &mut String, key: &str, value: &str| {
        if !first {
            out.push(',');
        }
        first = false;
        let _ = write!(out, "{}:{value}", Value::String(key.to_string()));
    };
    if let Some(t) = members.get("type") {
        match as_str(t) {
            Some(s) => {
                let name = s.strip_prefix(TYPE_PREFIX).unwrap_or(&s);
                field(
                    &mut out,
                    "type",
                    &Value::String(name.to_string()).to_string(),
                );
            }
            None => field(&mut out, "type", t.get()),
        }
    }
    if let Some(v) = members.get("contractsversion") {
        field(&mut out, "contracts_version", v.get());
    }
    if let Some(data) = members.get("data") {
        field(&mut out, "payload", data.get());
    }
    out.push_str(if first { "\"meta\":{" } else { ",\"meta\":{" });
    let mut meta_first = true;
    let mut meta = |key: &str, value: Option<&RawValue>| {
        if let Some(value) = value.filter(|v| !is_null(v)) {
            if !meta_first {
                out.push(',');
            }
            meta_first = false;
            let _ = write!(out, "{}:{}", Value::String(key.to_string()), value.get());
        }
    };
    meta("event_id", members.get("id"));
    meta("timestamp", members.get("time"));
    for extension in Extension::ALL {
        if let Some(field) = extension.meta_field() {
            meta(field, members.get(extension.attribute()));
        }
    }
    out.push_str("}}");
    out
}

/// The CloudEvent pointer of an envelope pointer.
fn event_pointer(envelope_path: &str) -> String {
    let fixed = [
        ("/meta/event_id", "/id"),
        ("/meta/timestamp", "/time"),
        ("/payload", "/data"),
    ];
    for (from, to) in fixed {
        if let Some(rest) = envelope_path.strip_prefix(from) {
            if rest.is_empty() || rest.starts_with('/') {
                return format!("{to}{rest}");
            }
        }
    }
    for extension in Extension::ALL {
        if let Some(rest) = envelope_path.strip_prefix(extension.envelope_pointer()) {
            if rest.is_empty() || rest.starts_with('/') {
                return format!("/{}{rest}", extension.attribute());
            }
        }
    }
    envelope_path.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_pointers_map_to_cloudevent_attributes() {
        assert_eq!(
            event_pointer("/payload/items/0/title"),
            "/data/items/0/title"
        );
        assert_eq!(event_pointer("/meta/event_id"), "/id");
        assert_eq!(event_pointer("/meta/correlation_id"), "/correlationid");
        assert_eq!(event_pointer("/contracts_version"), "/contractsversion");
        assert_eq!(event_pointer("/type"), "/type");
        assert_eq!(event_pointer("/payloadx"), "/payloadx");
    }

    #[test]
    fn sources_are_uri_references() {
        for ok in [
            "/backend",
            "https://api.example/x?y=1#z",
            "urn:coach:backend",
            "a%20b",
        ] {
            assert!(Source::new(ok).is_ok(), "{ok}");
        }
        for bad in ["", "a b", "a%2", "naïve", "a\"b"] {
            assert!(Source::new(bad).is_err(), "{bad}");
        }
    }
}
