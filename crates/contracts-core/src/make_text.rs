//! Building an envelope straight as JSON text: the payload's JSON is checked
//! to be exactly one value and embedded as it is (or written from a binding's
//! host values, [`crate::encode`]), `meta` is written around it, and the
//! whole text is validated once on the fast path. No `Value` tree is built on
//! the way, and what is validated is byte for byte what is sent.

use crate::encode::{write_json, Unwritable};
use crate::envelope::MetaOverrides;
use crate::input::Input;
use crate::issue::{IssueCode, ValidationErrors, ValidationIssue};
use crate::options::ValidateOptions;
use crate::problem::Problem;
use crate::registries::{current_registry, CONTRACTS_VERSION};
use crate::validate::envelope_issues;
use serde_json::value::RawValue;

/// Why [`make_envelope_from_input`] made no envelope.
#[derive(Debug, Clone, PartialEq)]
pub enum MakeError {
    /// The envelope is invalid; a payload value JSON cannot hold is an
    /// issue at its path (as [`crate::input_issues`] reports it).
    Invalid(ValidationErrors),
    /// The payload holds an integer beyond 64 bits, whose digits the input
    /// does not carry: encode the payload as JSON text with the host's own
    /// encoder and call [`make_envelope_json`] instead (nothing is
    /// written as a rounded float).
    IntegerBeyond64Bits,
}

/// [`crate::make_envelope`] for a payload given as JSON bytes or text, returning the
/// envelope as compact JSON text (`type`, `contracts_version`, `payload`,
/// `meta`, in that order): what the Python and Node bindings call. The
/// payload's JSON is embedded as given (after checking that it is exactly one
/// JSON value) and the whole text is validated once, on the fast path, so the
/// text returned is exactly the text validated. A payload that is not JSON is
/// an `invalid_json` issue at `/payload`.
///
/// ```
/// use contracts_core::{make_envelope_json, MetaOverrides};
/// let err = make_envelope_json("TYPING_INDICATOR", b"{oops", MetaOverrides::default()).unwrap_err();
/// assert_eq!((err.issues[0].path.as_str(), err.issues[0].code.as_str()), ("/payload", "invalid_json"));
/// // One value only: nothing can be smuggled in after it.
/// let err = make_envelope_json("TYPING_INDICATOR", br#"{}, "meta": {}"#, MetaOverrides::default()).unwrap_err();
/// assert_eq!(err.issues[0].code.as_str(), "invalid_json");
/// ```
pub fn make_envelope_json(
    event_type: &str,
    payload_json: &[u8],
    meta: MetaOverrides,
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
    let payload = payload.get().as_bytes();
    let mut out = Vec::with_capacity(payload.len() + 192);
    start_envelope(&mut out, event_type);
    out.extend_from_slice(payload);
    finish_envelope(out, meta)
}

/// [`make_envelope_json`] for a payload a binding holds as host values (a
/// Python `dict`): the payload is written as JSON text by the core, in one
/// pass with no encoder of the host's, then the envelope is validated as
/// text, so what is returned is exactly what was validated. A payload value
/// JSON cannot hold is an issue at its path ([`MakeError::Invalid`]); an
/// integer beyond 64 bits is [`MakeError::IntegerBeyond64Bits`] (encode that
/// payload as text and call [`make_envelope_json`]).
///
/// ```
/// use contracts_core::{make_envelope_from_input, make_envelope_json, MetaOverrides};
/// let payload = serde_json::json!({
///     "thread_id": "0192f0c1-7a52-7cc3-8d1e-2b6f4f0e9a10",
///     "user_id": "0192f0c1-7a52-7cc3-8d1e-2b6f4f0e9a11",
///     "is_typing": true,
/// });
/// let meta = || MetaOverrides {
///     event_id: Some("0190a8e4-7b6a-7c3d-8e2f-1a2b3c4d5e6f".into()),
///     timestamp: Some("2026-12-02T10:00:00Z".into()),
///     ..Default::default()
/// };
/// let written = make_envelope_from_input("TYPING_INDICATOR", &payload, meta()).unwrap();
/// let embedded = make_envelope_json("TYPING_INDICATOR", payload.to_string().as_bytes(), meta()).unwrap();
/// assert_eq!(written, embedded);
/// // A payload that breaks a rule is an issue, as for text.
/// let bad = serde_json::json!({"thread_id": "t-1"});
/// assert!(make_envelope_from_input("TYPING_INDICATOR", &bad, meta()).is_err());
/// ```
pub fn make_envelope_from_input<I: Input>(
    event_type: &str,
    payload: I,
    meta: MetaOverrides,
) -> Result<String, MakeError> {
    let mut out = Vec::with_capacity(512);
    start_envelope(&mut out, event_type);
    match write_json(payload, &mut out) {
        Ok(()) => finish_envelope(out, meta).map_err(MakeError::Invalid),
        Err(Unwritable::BigInt) => Err(MakeError::IntegerBeyond64Bits),
        Err(Unwritable::Host { pointer, host }) => {
            let problem = Problem::Host(&host);
            Err(MakeError::Invalid(ValidationErrors {
                issues: vec![ValidationIssue {
                    path: format!("/payload{pointer}"),
                    code: problem.code(),
                    message: problem.message(current_registry(), &ValidateOptions::default()),
                }],
            }))
        }
    }
}

/// `{"type":<event_type>,"contracts_version":<this version>,"payload":`
fn start_envelope(out: &mut Vec<u8>, event_type: &str) {
    out.extend_from_slice(b"{\"type\":");
    push_json_string(out, event_type);
    out.extend_from_slice(b",\"contracts_version\":");
    push_json_string(out, CONTRACTS_VERSION);
    out.extend_from_slice(b",\"payload\":");
}

/// Writes `meta` after the payload in `out`, closes the envelope and
/// validates the whole text.
fn finish_envelope(mut out: Vec<u8>, mut meta: MetaOverrides) -> Result<String, ValidationErrors> {
    let (event_id, timestamp) = meta.event_id_and_timestamp();
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
