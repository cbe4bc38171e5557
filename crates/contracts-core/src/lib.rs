//! Validation of the coach-app real-time event envelopes.
//!
//! Every real-time message is an envelope `{type, contracts_version, payload,
//! meta}`; the backend validates each one before broadcasting it. The types
//! come from `baml_src/` through a generated registry (see
//! `crates/contracts-compiler`); this crate holds all validation logic, and
//! the Python and Node bindings only delegate to it.
//!
//! ```
//! use contracts_core::{envelope_issues, make_envelope, validate_envelope, MetaOverrides, ValidateOptions};
//!
//! let options = ValidateOptions::default();
//! assert!(validate_envelope(b"[]", &options).is_err());
//! let issues = envelope_issues(br#"{"type": 1}"#, &options);
//! assert_eq!(issues[0].path, "/type");
//! assert_eq!(issues[0].code.as_str(), "wrong_type");
//! # let _ = (make_envelope, MetaOverrides::default());
//! ```

mod fast;
mod issue;
mod rules;
#[allow(missing_docs, clippy::unreadable_literal)]
mod registry {
    include!("generated/registry.rs");
}
pub mod schema;
mod validate;

/// Rust types mirroring every class, enum and alias of the contract, with
/// serde and schemars derives, generated from `baml_src/` by `contracts gen`
/// (`src/generated/mirror.rs`).
///
/// Field names and enum values are exactly the wire names; classes reject
/// unknown fields (producer-exact); `Uuid`, `Timestamp` and `IsoDate` are
/// [`uuid::Uuid`], [`chrono::DateTime<chrono::FixedOffset>`] and
/// [`chrono::NaiveDate`], which serialise canonically. Deserialising is a
/// convenience, not validation: run [`validate_envelope`] on untrusted input
/// first (it reports every issue with a JSON Pointer, and knows the
/// producer/consumer rules), then deserialise.
///
/// ```
/// use contracts_core::mirror::{EventEnvelope, TypingIndicatorEvent};
///
/// let json = format!(
///     r#"{{"type": "TYPING_INDICATOR", "contracts_version": "{}",
///          "payload": {{"thread_id": "0192f0c1-7a52-7cc3-8d1e-000000000003",
///                       "user_id": "0192f0c1-7a52-7cc3-8d1e-000000000001", "is_typing": true}},
///          "meta": {{"event_id": "0192f0c1-7a52-7cc3-8d1e-000000000064",
///                    "timestamp": "2026-11-25T10:00:00Z"}}}}"#,
///     contracts_core::CONTRACTS_VERSION,
/// );
/// contracts_core::validate_envelope(json.as_bytes(), &Default::default()).unwrap();
/// let envelope: EventEnvelope = serde_json::from_str(&json).unwrap();
/// assert_eq!(envelope.event_type(), "TYPING_INDICATOR");
/// let EventEnvelope::TypingIndicator(TypingIndicatorEvent { payload, .. }) = &envelope else {
///     panic!("not a typing indicator");
/// };
/// assert!(payload.is_typing);
/// // Serialising gives back the wire form, `type` included.
/// let back = serde_json::to_value(&envelope).unwrap();
/// assert_eq!(back, serde_json::from_str::<serde_json::Value>(&json).unwrap());
/// ```
// Generated code: fields and variants without a BAML description have no
// doc, and descriptions are prose, not rustdoc (`<id>`, bare identifiers).
#[allow(
    missing_docs,
    clippy::doc_markdown,
    clippy::large_enum_variant,
    clippy::struct_excessive_bools,
    rustdoc::bare_urls,
    rustdoc::invalid_html_tags
)]
pub mod mirror {
    include!("generated/mirror.rs");
}

pub use issue::{IssueCode, ValidationErrors, ValidationIssue};
pub use validate::{
    envelope_issues, is_valid_envelope, validate_envelope, value_issues, EnvelopeInput, Mode,
    ValidEnvelope, ValidateOptions,
};

use serde_json::{Map, Value};

/// The version of the contracts this build was generated from; every
/// envelope a producer emits carries it as `contracts_version`.
pub const CONTRACTS_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The version of the contracts this build was generated from.
///
/// ```
/// assert_eq!(contracts_core::contracts_version(), contracts_core::CONTRACTS_VERSION);
/// ```
pub fn contracts_version() -> &'static str {
    CONTRACTS_VERSION
}

/// Every event type (`EventType` values), in declaration order.
///
/// ```
/// assert!(contracts_core::event_types().len() >= 15);
/// ```
pub fn event_types() -> impl ExactSizeIterator<Item = &'static str> {
    registry::EVENTS.iter().map(|e| e.event_type)
}

/// The payload class name bound to `event_type`, if it is a known event type.
pub fn payload_class(event_type: &str) -> Option<&'static str> {
    validate::event(event_type).map(|e| registry::CLASSES[e.payload_class].name)
}

/// The shipped JSON Schema 2020-12 of the `EventEnvelope` union (`oneOf`
/// every envelope, discriminated by `type`, with `$defs` for every DTO).
///
/// ```
/// let schema: serde_json::Value = serde_json::from_str(contracts_core::envelope_schema()).unwrap();
/// assert_eq!(schema["$schema"], "https://json-schema.org/draft/2020-12/schema");
/// ```
pub fn envelope_schema() -> &'static str {
    registry::ENVELOPE_SCHEMA
}

/// The shipped JSON Schema of one event's envelope, whose `properties.payload`
/// is that event's DTO; `None` for an unknown event type.
///
/// ```
/// let first = contracts_core::event_types().next().unwrap();
/// assert!(contracts_core::event_schema(first).is_some());
/// assert!(contracts_core::event_schema("NOT_AN_EVENT").is_none());
/// ```
pub fn event_schema(event_type: &str) -> Option<&'static str> {
    registry::EVENT_SCHEMAS
        .iter()
        .find(|(t, _)| *t == event_type)
        .map(|(_, s)| *s)
}

/// Optional `meta` fields for [`make_envelope`]; `event_id` and `timestamp`
/// are filled in when not given.
#[derive(Debug, Clone, Default)]
pub struct MetaOverrides {
    /// Defaults to a new UUIDv7.
    pub event_id: Option<String>,
    /// Defaults to the current UTC time, RFC 3339.
    pub timestamp: Option<String>,
    /// Ties the event to the request or workflow that caused it.
    pub correlation_id: Option<String>,
    /// The user or service that caused the event.
    pub actor_id: Option<String>,
    /// The inbound request id.
    pub request_id: Option<String>,
}

/// Builds an envelope for `event_type` around `payload`, fills `event_id`
/// (UUIDv7), `timestamp` (UTC now) and `contracts_version`, and validates the
/// result in producer mode.
///
/// ```
/// use contracts_core::{make_envelope, MetaOverrides};
/// let err = make_envelope("NOT_AN_EVENT", serde_json::json!({}), MetaOverrides::default()).unwrap_err();
/// assert_eq!(err.issues[0].code.as_str(), "unknown_event_type");
/// ```
pub fn make_envelope(
    event_type: &str,
    payload: Value,
    meta: MetaOverrides,
) -> Result<Value, ValidationErrors> {
    let mut meta_object = Map::new();
    let event_id = meta
        .event_id
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    let timestamp = meta
        .timestamp
        .unwrap_or_else(|| chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true));
    meta_object.insert("event_id".into(), Value::String(event_id));
    meta_object.insert("timestamp".into(), Value::String(timestamp));
    for (key, value) in [
        ("correlation_id", meta.correlation_id),
        ("actor_id", meta.actor_id),
        ("request_id", meta.request_id),
    ] {
        if let Some(v) = value {
            meta_object.insert(key.into(), Value::String(v));
        }
    }
    let mut envelope = Map::new();
    envelope.insert("type".into(), Value::String(event_type.to_string()));
    envelope.insert(
        "contracts_version".into(),
        Value::String(CONTRACTS_VERSION.into()),
    );
    envelope.insert("payload".into(), payload);
    envelope.insert("meta".into(), Value::Object(meta_object));
    let envelope = Value::Object(envelope);
    let issues = value_issues(&envelope, &ValidateOptions::default());
    if issues.is_empty() {
        Ok(envelope)
    } else {
        Err(ValidationErrors { issues })
    }
}
