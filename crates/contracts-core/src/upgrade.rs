//! Upgrading an envelope or a DTO of an older released version into the
//! current one: what older producers sent, or what was persisted
//! (`parsed_output` + `contracts_version`), read with the current contract.
//! The walk is [`crate::rewrite`]'s, shared with [`crate::downgrade_envelope`].

use crate::registries::current_registry;
use crate::rewrite::{parse_json, registry, Rewrite, RewriteError};
use crate::schema::Registry;
use contracts_policy::evolution::RewriteRuleId;
use serde_json::Value;

/// Why an envelope or a DTO of an older version cannot be carried forward:
/// the `contracts diff` rule id of the change in the way, a JSON Pointer and
/// a message (see [`upgrade_envelope`] for the rule ids).
pub type UpgradeError = RewriteError;

/// Rewrites `envelope`, a valid producer envelope of the released version its
/// `contracts_version` names, into an envelope of [`crate::CONTRACTS_VERSION`]:
/// fields added since stay absent (they are optional, or the upgrade is
/// refused), `contracts_version` becomes the current one, and the result
/// validates in producer mode against the current contract (checked before it
/// is returned). An envelope of the current version is returned unchanged
/// once it validates.
///
/// Errors name the diff rule of the change that cannot be carried forward,
/// and where:
///
/// | rule id | when |
/// |---|---|
/// | `event-type-removed` | the current contract has no such event type (path `/type`) |
/// | `enum-value-removed` | a value (or map key) the current enum does not have |
/// | `field-added-required` | the current contract requires a field the old one did not have |
/// | `field-optional-to-required` | the current contract requires a field that was optional and is absent |
/// | `field-removed` | a field the current class no longer has, holding a value other than `null` (it would be lost; a `null` one is dropped) |
/// | `field-type-changed` | a value whose type the current contract declares differently |
/// | `unknown-version` | `contracts_version` is neither current nor in [`crate::history`] |
/// | `invalid-envelope` | the input is not a valid envelope of the version it names |
///
/// ```
/// use contracts_core::{make_envelope, upgrade_envelope, MetaOverrides};
/// let envelope = make_envelope(
///     "TYPING_INDICATOR",
///     serde_json::json!({"thread_id": "0192f0c1-7a52-7cc3-8d1e-000000000003",
///                        "user_id": "0192f0c1-7a52-7cc3-8d1e-000000000001", "is_typing": true}),
///     MetaOverrides::default(),
/// ).unwrap();
/// assert_eq!(upgrade_envelope(&envelope).unwrap(), envelope);
/// let mut old = envelope.clone();
/// old["contracts_version"] = "0.0.1".into();
/// assert_eq!(upgrade_envelope(&old).unwrap_err().rule_id, "unknown-version");
/// ```
pub fn upgrade_envelope(envelope: &Value) -> Result<Value, UpgradeError> {
    let Some(version) = envelope.get("contracts_version").and_then(Value::as_str) else {
        return Err(RewriteError::new(
            RewriteRuleId::InvalidEnvelope,
            "/contracts_version",
            "an envelope to upgrade must be a JSON object whose contracts_version (a string) names the version it was made with".into(),
        ));
    };
    upgrade_between(envelope, registry(version)?, current_registry())
}

/// [`upgrade_envelope`] for JSON given as bytes or text (a UTF-8 BOM is
/// ignored), returning JSON text: what the Python and Node bindings call.
///
/// ```
/// let err = contracts_core::upgrade_envelope_json(b"{oops").unwrap_err();
/// assert_eq!(err.rule_id, "invalid-envelope");
/// ```
pub fn upgrade_envelope_json(input: &[u8]) -> Result<String, UpgradeError> {
    let envelope = parse_json(input, RewriteRuleId::InvalidEnvelope)?;
    upgrade_envelope(&envelope).map(|upgraded| upgraded.to_string())
}

/// [`upgrade_envelope`] between two explicit registries: `envelope` must be
/// a valid producer envelope of `from`, the result is one of `to`.
pub fn upgrade_between(
    envelope: &Value,
    from: &'static Registry,
    to: &'static Registry,
) -> Result<Value, UpgradeError> {
    Rewrite::up(from, to).envelope(envelope)
}

/// Rewrites `value`, a valid value of the class `class_name` as the released
/// contracts `version` declared it (a persisted `parsed_output` and its
/// `contracts_version`, say), into a value of that class in
/// [`crate::CONTRACTS_VERSION`], so the current models read it. The rules are
/// [`upgrade_envelope`]'s, with paths relative to the value, plus
/// `unknown-class` (`version` has no such class), `class-removed` (the current
/// contract has none) and `invalid-value` (the input is not a valid value of
/// its class). `version == CONTRACTS_VERSION` returns the value unchanged once
/// it validates.
///
/// ```
/// use contracts_core::{upgrade_dto, CONTRACTS_VERSION};
/// let draft = serde_json::json!({"title": "Book the gym", "owner": "CLIENT", "priority": "HIGH"});
/// assert_eq!(upgrade_dto("ActionItemDraft", &draft, CONTRACTS_VERSION).unwrap(), draft);
/// let err = upgrade_dto("ActionItemDraft", &serde_json::json!({}), CONTRACTS_VERSION).unwrap_err();
/// assert_eq!((err.rule_id.as_str(), err.path.as_str()), ("invalid-value", "/title"));
/// ```
pub fn upgrade_dto(class_name: &str, value: &Value, version: &str) -> Result<Value, UpgradeError> {
    upgrade_dto_between(class_name, value, registry(version)?, current_registry())
}

/// [`upgrade_dto`] between two explicit registries: `value` must be a valid
/// value of `class_name` in `from`, the result is one of that class in `to`.
pub fn upgrade_dto_between(
    class_name: &str,
    value: &Value,
    from: &'static Registry,
    to: &'static Registry,
) -> Result<Value, UpgradeError> {
    Rewrite::up(from, to).dto(class_name, value)
}

/// [`upgrade_dto`] for JSON given as bytes or text, returning JSON text.
///
/// ```
/// let err = contracts_core::upgrade_dto_json("Goal", b"[", contracts_core::CONTRACTS_VERSION).unwrap_err();
/// assert_eq!(err.rule_id, "invalid-value");
/// ```
pub fn upgrade_dto_json(
    class_name: &str,
    input: &[u8],
    version: &str,
) -> Result<String, UpgradeError> {
    let value = parse_json(input, RewriteRuleId::InvalidValue)?;
    upgrade_dto(class_name, &value, version).map(|upgraded| upgraded.to_string())
}
