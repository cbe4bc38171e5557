//! Building an envelope straight as JSON text: the payload's JSON is checked
//! to be exactly one value and embedded as it is, `meta` is written around it,
//! and the whole text is validated once on the fast path. No `Value` tree is
//! built on the way, and what is validated is byte for byte what is sent.

use crate::issue::{IssueCode, ValidationErrors, ValidationIssue};
use crate::options::ValidateOptions;
use crate::validate::envelope_issues;
use crate::{MetaOverrides, CONTRACTS_VERSION};
use serde_json::value::RawValue;

/// The envelope of `event_type` around `payload_json` as compact JSON text
/// (`type`, `contracts_version`, `payload`, `meta` in that order), validated
/// in producer mode; see [`crate::make_envelope_json`].
pub(crate) fn make_envelope_text(
    event_type: &str,
    payload_json: &[u8],
    mut meta: MetaOverrides,
) -> Result<String, ValidationErrors> {
    let payload_json = payload_json
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(payload_json);
    // One JSON value and nothing else (no trailing `, "meta": …` smuggled in).
    let payload: &RawValue =
        serde_json::from_slice(payload_json).map_err(|e| ValidationErrors {
            issues: vec![ValidationIssue {
                path: "/payload".into(),
                code: IssueCode::InvalidJson,
                message: format!(
                    "the payload is not valid JSON: {e} (pass the DTO as one JSON object)"
                ),
            }],
        })?;
    let (event_id, timestamp) = meta.event_id_and_timestamp();
    let payload = payload.get();
    let mut out = Vec::with_capacity(payload.len() + 192);
    out.extend_from_slice(b"{\"type\":");
    push_json_string(&mut out, event_type);
    out.extend_from_slice(b",\"contracts_version\":");
    push_json_string(&mut out, CONTRACTS_VERSION);
    out.extend_from_slice(b",\"payload\":");
    out.extend_from_slice(payload.as_bytes());
    out.extend_from_slice(b",\"meta\":{\"event_id\":");
    push_json_string(&mut out, &event_id);
    out.extend_from_slice(b",\"timestamp\":");
    push_json_string(&mut out, &timestamp);
    for (key, value) in [
        ("correlation_id", meta.correlation_id),
        ("actor_id", meta.actor_id),
        ("request_id", meta.request_id),
    ] {
        if let Some(value) = value {
            out.extend_from_slice(b",\"");
            out.extend_from_slice(key.as_bytes());
            out.extend_from_slice(b"\":");
            push_json_string(&mut out, &value);
        }
    }
    out.extend_from_slice(b"}}");
    let issues = envelope_issues(out.as_slice(), &ValidateOptions::default());
    if !issues.is_empty() {
        return Err(ValidationErrors { issues });
    }
    Ok(String::from_utf8(out).expect("every part is UTF-8"))
}

fn push_json_string(out: &mut Vec<u8>, s: &str) {
    serde_json::to_writer(&mut *out, s).expect("writing a string to a Vec cannot fail");
}
