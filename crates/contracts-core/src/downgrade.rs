//! Downgrading an envelope made at the current version into one an older
//! client decodes, following that version's registry from the history.

use crate::issue::{push_pointer, IssueCode, ValidationIssue};
use crate::options::ValidateOptions;
use crate::schema::{Registry, Ty};
use crate::validate::{registry_value_issues, type_issues};
use serde_json::{Map, Value};
use std::fmt;

/// The rule id of a downgrade to a version this build does not know (not a
/// diff rule: nothing about the contracts, the target is simply absent).
pub const UNKNOWN_VERSION: &str = "unknown-version";
/// The rule id of a downgrade whose input is not a valid envelope of the
/// version it claims to come from.
pub const INVALID_ENVELOPE: &str = "invalid-envelope";

/// Why an envelope cannot be downgraded without loss for the older client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DowngradeError {
    /// The `contracts diff` rule id of the change that makes the downgrade
    /// lossy (`event-type-added`, `enum-value-added`, `field-added-required`,
    /// `field-optional-to-required`, `field-type-changed`), or
    /// [`UNKNOWN_VERSION`] / [`INVALID_ENVELOPE`].
    pub rule_id: &'static str,
    /// RFC 6901 JSON Pointer into the envelope (`""` is the whole envelope).
    pub path: String,
    /// What is lost and what to do instead.
    pub message: String,
}

impl fmt::Display for DowngradeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = if self.path.is_empty() {
            "(root)"
        } else {
            &self.path
        };
        write!(f, "{path}: {} ({})", self.message, self.rule_id)
    }
}

impl std::error::Error for DowngradeError {}

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
    let current = crate::current_registry();
    if to == current.version {
        return Ok(envelope.clone());
    }
    let Some(target) = crate::registry_for(to) else {
        return Err(DowngradeError {
            rule_id: UNKNOWN_VERSION,
            path: String::new(),
            message: format!(
                "cannot downgrade to contracts {to:?}: not a version this build knows; known versions: {}",
                crate::known_versions().collect::<Vec<_>>().join(", ")
            ),
        });
    };
    downgrade_between(envelope, current, target)
}

/// [`downgrade_envelope`] for JSON given as bytes or text (a UTF-8 BOM is
/// ignored), returning JSON text: what the Python and Node bindings call.
///
/// ```
/// let err = contracts_core::downgrade_envelope_json(b"not json", contracts_core::CONTRACTS_VERSION).unwrap_err();
/// assert_eq!(err.rule_id, "invalid-envelope");
/// ```
pub fn downgrade_envelope_json(input: &[u8], to: &str) -> Result<String, DowngradeError> {
    let json = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    let envelope: Value = serde_json::from_slice(json).map_err(|e| DowngradeError {
        rule_id: INVALID_ENVELOPE,
        path: String::new(),
        message: format!(
            "the input is not valid JSON: {e} (send one JSON envelope encoded as UTF-8)"
        ),
    })?;
    downgrade_envelope(&envelope, to).map(|downgraded| downgraded.to_string())
}

/// [`downgrade_envelope`] between two explicit registries: `envelope` must
/// be a valid producer envelope of `from`, the result is one of `to`.
pub fn downgrade_between(
    envelope: &Value,
    from: &'static Registry,
    to: &'static Registry,
) -> Result<Value, DowngradeError> {
    let options = ValidateOptions::default();
    if let Some(first) = registry_value_issues(from, envelope, &options).first() {
        return Err(DowngradeError {
            rule_id: INVALID_ENVELOPE,
            path: first.path.clone(),
            message: format!(
                "only a valid contracts {} envelope can be downgraded: {} ({})",
                from.version, first.message, first.code
            ),
        });
    }
    let object = envelope.as_object().expect("a valid envelope is an object");
    let event_type = object["type"].as_str().expect("a valid type is a string");
    let Some(event) = to.event(event_type) else {
        return Err(DowngradeError {
            rule_id: "event-type-added",
            path: "/type".into(),
            message: format!(
                "event type {event_type:?} was added after contracts {}: a {} client does not know it; do not send this event to that client",
                to.version, to.version
            ),
        });
    };
    let d = Downgrade { from, to };
    let mut out = Map::new();
    for (key, value) in object {
        let converted = match key.as_str() {
            "contracts_version" => Value::String(to.version.into()),
            "payload" => d.convert(value, &Ty::Class(event.payload_class), "/payload".into())?,
            "meta" => match to.event_meta_class {
                Some(meta) => d.convert(value, &Ty::Class(meta), "/meta".into())?,
                None => value.clone(),
            },
            _ => value.clone(),
        };
        out.insert(key.clone(), converted);
    }
    let out = Value::Object(out);
    // The promise: what comes out is a valid `to` envelope.
    if let Some(first) = registry_value_issues(to, &out, &options).first() {
        return Err(from_issue(first, to));
    }
    Ok(out)
}

/// The rule of a validation issue left after the rewrite (a shape the
/// rewrite does not map).
fn from_issue(issue: &ValidationIssue, to: &Registry) -> DowngradeError {
    let rule_id = match issue.code {
        IssueCode::MissingField => "field-added-required",
        IssueCode::InvalidEnumValue => "enum-value-added",
        IssueCode::UnknownEventType => "event-type-added",
        _ => "field-type-changed",
    };
    DowngradeError {
        rule_id,
        path: issue.path.clone(),
        message: format!(
            "a contracts {} client cannot decode this value: {}",
            to.version, issue.message
        ),
    }
}

struct Downgrade {
    from: &'static Registry,
    to: &'static Registry,
}

impl Downgrade {
    /// `value` rewritten to `ty` of the target registry, at `path`.
    fn convert(&self, value: &Value, ty: &Ty, path: String) -> Result<Value, DowngradeError> {
        let to = self.to;
        match (ty, value) {
            (Ty::Optional(_), Value::Null) => Ok(Value::Null),
            (Ty::Optional(inner), _) => self.convert(value, inner, path),
            (Ty::Class(index), Value::Object(object)) => {
                let def = &to.classes[*index];
                let mut out = Map::new();
                for (key, item) in object {
                    // Fields the older version did not have are dropped.
                    if let Some(field) = def.fields.iter().find(|f| f.name == key) {
                        let converted = self.convert(item, &field.ty, push_pointer(&path, key))?;
                        out.insert(key.clone(), converted);
                    }
                }
                for field in def.fields {
                    if object.contains_key(field.name) || matches!(field.ty, Ty::Optional(_)) {
                        continue;
                    }
                    let optional_now = self
                        .from
                        .class_named(def.name)
                        .is_some_and(|(_, c)| c.fields.iter().any(|f| f.name == field.name));
                    let (rule_id, now) = if optional_now {
                        (
                            "field-optional-to-required",
                            "is optional now and absent here",
                        )
                    } else {
                        ("field-added-required", "is not in the current contract")
                    };
                    return Err(DowngradeError {
                        rule_id,
                        path: push_pointer(&path, field.name),
                        message: format!(
                            "contracts {} requires {}.{}, which {now}; a {} client would reject the envelope",
                            to.version, def.name, field.name, to.version
                        ),
                    });
                }
                Ok(Value::Object(out))
            }
            (Ty::List(inner), Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, item)| self.convert(item, inner, push_pointer(&path, &i.to_string())))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array),
            (Ty::Map(key_ty, value_ty), Value::Object(object)) => {
                let mut out = Map::new();
                for (key, item) in object {
                    let item_path = push_pointer(&path, key);
                    if let Ty::Enum(e) = key_ty {
                        self.enum_value(*e, key, &item_path)?;
                    }
                    out.insert(key.clone(), self.convert(item, value_ty, item_path)?);
                }
                Ok(Value::Object(out))
            }
            (Ty::Enum(e), Value::String(s)) => {
                self.enum_value(*e, s, &path)?;
                Ok(value.clone())
            }
            (Ty::Union(members), _) => {
                let mut closest: Option<DowngradeError> = None;
                for member in *members {
                    match self.convert(value, member, path.clone()) {
                        Ok(converted) if self.fits(&converted, member) => return Ok(converted),
                        Ok(_) => {}
                        Err(e) => {
                            // The member that got furthest explains best.
                            if closest.as_ref().is_none_or(|c| e.path.len() > c.path.len()) {
                                closest = Some(e);
                            }
                        }
                    }
                }
                Err(closest.unwrap_or_else(|| self.type_changed(value, ty, &path)))
            }
            _ if self.fits(value, ty) => Ok(value.clone()),
            _ => Err(self.type_changed(value, ty, &path)),
        }
    }

    fn fits(&self, value: &Value, ty: &Ty) -> bool {
        type_issues(self.to, value, ty, &ValidateOptions::default()).is_empty()
    }

    fn enum_value(&self, index: usize, value: &str, path: &str) -> Result<(), DowngradeError> {
        let def = &self.to.enums[index];
        if def.values.contains(&value) {
            return Ok(());
        }
        Err(DowngradeError {
            rule_id: "enum-value-added",
            path: path.to_string(),
            message: format!(
                "{value:?} was added to {} after contracts {}: a {} client knows only {}",
                def.name,
                self.to.version,
                self.to.version,
                def.values.join(", ")
            ),
        })
    }

    fn type_changed(&self, value: &Value, ty: &Ty, path: &str) -> DowngradeError {
        let issues = type_issues(self.to, value, ty, &ValidateOptions::default());
        let detail = issues.first().map_or_else(
            || "the value does not match".to_string(),
            |i| i.message.clone(),
        );
        DowngradeError {
            rule_id: "field-type-changed",
            path: format!("{path}{}", issues.first().map_or("", |i| i.path.as_str())),
            message: format!(
                "contracts {} declares this value with another type: {detail}",
                self.to.version
            ),
        }
    }
}
