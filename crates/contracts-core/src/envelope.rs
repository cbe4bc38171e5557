//! Building an envelope around a payload as a `serde_json::Value`: the
//! `meta` a producer may set ([`MetaOverrides`]) and the `event_id` /
//! `timestamp` filled in when it does not. The JSON-text builders the
//! bindings call are in `make_text.rs`.

use crate::issue::ValidationErrors;
use crate::options::ValidateOptions;
use crate::registries::CONTRACTS_VERSION;
use crate::validate::value_issues;
use serde_json::{Map, Value};

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

impl MetaOverrides {
    /// `event_id` and `timestamp`, or a new UUIDv7 and the current UTC time
    /// (RFC 3339, milliseconds) where not given.
    pub(crate) fn event_id_and_timestamp(&mut self) -> (String, String) {
        let event_id = self
            .event_id
            .take()
            .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
        let timestamp = self.timestamp.take().unwrap_or_else(|| {
            chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
        });
        (event_id, timestamp)
    }
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
    mut meta: MetaOverrides,
) -> Result<Value, ValidationErrors> {
    let mut meta_object = Map::new();
    let (event_id, timestamp) = meta.event_id_and_timestamp();
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
