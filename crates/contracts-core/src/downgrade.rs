//! Downgrading an envelope made at the current version into one an older
//! client decodes, following that version's registry from the history (the
//! walk is [`crate::rewrite`]'s, shared with [`crate::upgrade_envelope`]).

use crate::registries::current_registry;
use crate::rewrite::{parse_json, registry, Rewrite, RewriteError};
use crate::schema::Registry;
use contracts_policy::evolution::RewriteRuleId;
use serde_json::Value;

/// Why an envelope cannot be downgraded without loss for the older client:
/// the `contracts diff` rule id of the change that makes the downgrade lossy
/// (`event-type-added`, `enum-value-added`, `field-added-required`,
/// `field-optional-to-required`, `field-type-changed`), or
/// [`crate::UNKNOWN_VERSION`] / [`crate::INVALID_ENVELOPE`]; a JSON Pointer;
/// a message.
pub type DowngradeError = RewriteError;

/// Rewrites `envelope` (a valid envelope of [`crate::CONTRACTS_VERSION`])
/// into one a client built against the older version `to` decodes: drops
/// every field `to` did not have (recursively, following `to`'s types) and
/// sets `contracts_version` to `to`. The result validates in producer mode
/// against `to`'s registry (checked before it is returned).
///
/// `to == CONTRACTS_VERSION` returns the envelope unchanged. Errors name the
/// diff rule of the change that makes the downgrade lossy and where it is:
///
/// | rule id | when |
/// |---|---|
/// | `event-type-added` | `to` has no such event type (path `/type`) |
/// | `enum-value-added` | a value (or map key) `to`'s enum does not know |
/// | `field-added-required` | `to` requires a field the current contract does not have |
/// | `field-optional-to-required` | `to` requires a field that is optional now and absent here |
/// | `field-type-changed` | a value whose type `to` declares differently |
/// | `unknown-version` | `to` is neither current nor in [`crate::history`] |
/// | `invalid-envelope` | the input is not a valid current envelope |
///
/// ```
/// use contracts_core::{downgrade_envelope, make_envelope, MetaOverrides, CONTRACTS_VERSION};
/// let envelope = make_envelope(
///     "TYPING_INDICATOR",
///     serde_json::json!({"thread_id": "0192f0c1-7a52-7cc3-8d1e-000000000003",
///                        "user_id": "0192f0c1-7a52-7cc3-8d1e-000000000001", "is_typing": true}),
///     MetaOverrides::default(),
/// ).unwrap();
/// assert_eq!(downgrade_envelope(&envelope, CONTRACTS_VERSION).unwrap(), envelope);
/// let err = downgrade_envelope(&envelope, "0.0.0-unknown").unwrap_err();
/// assert_eq!(err.rule_id, "unknown-version");
/// ```
pub fn downgrade_envelope(envelope: &Value, to: &str) -> Result<Value, DowngradeError> {
    let current = current_registry();
    if to == current.version {
        return Ok(envelope.clone());
    }
    downgrade_between(envelope, current, registry(to)?)
}

/// [`downgrade_envelope`] for JSON given as bytes or text (a UTF-8 BOM is
/// ignored), returning JSON text: what the Python and Node bindings call.
///
/// ```
/// let err = contracts_core::downgrade_envelope_json(b"not json", contracts_core::CONTRACTS_VERSION).unwrap_err();
/// assert_eq!(err.rule_id, "invalid-envelope");
/// ```
pub fn downgrade_envelope_json(input: &[u8], to: &str) -> Result<String, DowngradeError> {
    let envelope = parse_json(input, RewriteRuleId::InvalidEnvelope)?;
    downgrade_envelope(&envelope, to).map(|downgraded| downgraded.to_string())
}

/// [`downgrade_envelope`] between two explicit registries: `envelope` must
/// be a valid producer envelope of `from`, the result is one of `to`.
pub fn downgrade_between(
    envelope: &Value,
    from: &'static Registry,
    to: &'static Registry,
) -> Result<Value, DowngradeError> {
    Rewrite::down(from, to).envelope(envelope)
}
