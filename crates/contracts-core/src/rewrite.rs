//! Rewriting an envelope or a DTO from one contracts version of the history
//! to another: the walk [`crate::downgrade_envelope`] and
//! [`crate::upgrade_envelope`] share. It follows the *target* version's
//! types, so whatever comes out has the target's shape; it refuses, naming
//! the `contracts diff` rule and a JSON Pointer, whatever cannot be carried
//! over without losing data or inventing it. The result is validated against
//! the target registry before it is returned.

use crate::issue::{push_pointer, IssueCode, ValidationIssue};
use crate::options::ValidateOptions;
use crate::registries::{known_versions, registry_for};
use crate::schema::{Registry, Ty};
use crate::validate::{registry_value_issues, type_issues};
use contracts_policy::evolution::{RewriteRuleId, RuleId};
use serde_json::{Map, Value};
use std::fmt;

/// The rule id of a rewrite to or from a version this build does not know
/// ([`RewriteRuleId::UnknownVersion`]).
pub const UNKNOWN_VERSION: &str = RewriteRuleId::UnknownVersion.as_str();
/// The rule id of a rewrite whose input is not a valid envelope of the
/// version it comes from ([`RewriteRuleId::InvalidEnvelope`]).
pub const INVALID_ENVELOPE: &str = RewriteRuleId::InvalidEnvelope.as_str();
/// The rule id of a DTO rewrite naming a class the version does not have
/// ([`RewriteRuleId::UnknownClass`]).
pub const UNKNOWN_CLASS: &str = RewriteRuleId::UnknownClass.as_str();
/// The rule id of a DTO rewrite whose input is not a valid value of its
/// class ([`RewriteRuleId::InvalidValue`]).
pub const INVALID_VALUE: &str = RewriteRuleId::InvalidValue.as_str();

/// Why an envelope (or a DTO) cannot be rewritten to another contracts
/// version without loss: [`crate::DowngradeError`] and [`crate::UpgradeError`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RewriteError {
    /// The `contracts diff` rule of the change that makes the rewrite
    /// lossy (`event-type-added`, `enum-value-removed`, …), or what is wrong
    /// with the input (`unknown-version`, `invalid-envelope`,
    /// `unknown-class`, `invalid-value`). Compares with and prints as its
    /// id: `err.rule_id == "field-removed"`, `err.rule_id.as_str()`.
    pub rule_id: RewriteRuleId,
    /// RFC 6901 JSON Pointer into the input (`""` is the whole input).
    pub path: String,
    /// What is lost and what to do instead.
    pub message: String,
}

impl RewriteError {
    pub(crate) fn new(
        rule_id: impl Into<RewriteRuleId>,
        path: impl Into<String>,
        message: String,
    ) -> Self {
        Self {
            rule_id: rule_id.into(),
            path: path.into(),
            message,
        }
    }
}

impl fmt::Display for RewriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = if self.path.is_empty() {
            "(root)"
        } else {
            &self.path
        };
        write!(f, "{path}: {} ({})", self.message, self.rule_id)
    }
}

impl std::error::Error for RewriteError {}

/// The JSON value of bytes or text (a UTF-8 BOM is ignored); `rule_id` names
/// what the input should have been.
pub(crate) fn parse_json(input: &[u8], rule_id: RewriteRuleId) -> Result<Value, RewriteError> {
    let json = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    serde_json::from_slice(json).map_err(|e| {
        RewriteError::new(
            rule_id,
            "",
            format!("the input is not valid JSON: {e} (send one JSON value encoded as UTF-8)"),
        )
    })
}

/// The registry of `version`, or the `unknown-version` error.
pub(crate) fn registry(version: &str) -> Result<&'static Registry, RewriteError> {
    registry_for(version).ok_or_else(|| {
        RewriteError::new(
            RewriteRuleId::UnknownVersion,
            "",
            format!(
                "contracts {version:?} is not a version this build knows; known versions: {} (the history holds the released versions of this MAJOR and the previous one)",
                known_versions().collect::<Vec<_>>().join(", ")
            ),
        )
    })
}

/// Which way a rewrite goes: it decides the rule ids and the wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    /// From the current version to an older one, for an older client.
    Down,
    /// From an older version to the current one, for old data.
    Up,
}

impl Direction {
    const fn done(self) -> &'static str {
        match self {
            Self::Down => "downgraded",
            Self::Up => "upgraded",
        }
    }

    /// The rule of an event type only one side has.
    const fn event_rule(self) -> RuleId {
        match self {
            Self::Down => RuleId::EventTypeAdded,
            Self::Up => RuleId::EventTypeRemoved,
        }
    }

    /// The rule of an enum value only the source has.
    const fn enum_rule(self) -> RuleId {
        match self {
            Self::Down => RuleId::EnumValueAdded,
            Self::Up => RuleId::EnumValueRemoved,
        }
    }
}

/// One rewrite from the registry `from` to the registry `to`.
pub(crate) struct Rewrite {
    from: &'static Registry,
    to: &'static Registry,
    direction: Direction,
}

impl Rewrite {
    /// A rewrite from the current version to an older one.
    pub(crate) const fn down(from: &'static Registry, to: &'static Registry) -> Self {
        Self {
            from,
            to,
            direction: Direction::Down,
        }
    }

    /// A rewrite from an older version to the current one.
    pub(crate) const fn up(from: &'static Registry, to: &'static Registry) -> Self {
        Self {
            from,
            to,
            direction: Direction::Up,
        }
    }

    /// `envelope` (a valid producer envelope of `from`) as an envelope of `to`.
    pub(crate) fn envelope(&self, envelope: &Value) -> Result<Value, RewriteError> {
        let (from, to) = (self.from, self.to);
        let options = ValidateOptions::default();
        if let Some(first) = registry_value_issues(from, envelope, &options).first() {
            return Err(RewriteError::new(
                RewriteRuleId::InvalidEnvelope,
                first.path.clone(),
                format!(
                    "only a valid contracts {} envelope can be {}: {} ({})",
                    from.version,
                    self.direction.done(),
                    first.message,
                    first.code
                ),
            ));
        }
        let object = envelope.as_object().expect("a valid envelope is an object");
        let event_type = object["type"].as_str().expect("a valid type is a string");
        let Some(event) = to.event(event_type) else {
            let message = match self.direction {
                Direction::Down => format!(
                    "event type {event_type:?} was added after contracts {}: a {} client does not know it; do not send this event to that client",
                    to.version, to.version
                ),
                Direction::Up => format!(
                    "event type {event_type:?} of contracts {} was removed in contracts {}: there is no current envelope for it; keep reading it with the {} models, or migrate it by hand",
                    from.version, to.version, from.version
                ),
            };
            return Err(RewriteError::new(
                self.direction.event_rule(),
                "/type",
                message,
            ));
        };
        let mut out = Map::new();
        for (key, value) in object {
            let converted = match key.as_str() {
                "contracts_version" => Value::String(to.version.into()),
                "payload" => {
                    self.convert(value, &Ty::Class(event.payload_class), "/payload".into())?
                }
                "meta" => match to.event_meta_class {
                    Some(meta) => self.convert(value, &Ty::Class(meta), "/meta".into())?,
                    None => value.clone(),
                },
                _ => value.clone(),
            };
            out.insert(key.clone(), converted);
        }
        let out = Value::Object(out);
        // The promise: what comes out is a valid `to` envelope.
        if let Some(first) = registry_value_issues(to, &out, &options).first() {
            return Err(self.leftover(first));
        }
        Ok(out)
    }

    /// `value` (a valid value of the class `class_name` in `from`) as a value
    /// of the class of that name in `to`.
    pub(crate) fn dto(&self, class_name: &str, value: &Value) -> Result<Value, RewriteError> {
        let (from, to) = (self.from, self.to);
        let options = ValidateOptions::default();
        let Some((from_index, _)) = from.class_named(class_name) else {
            return Err(RewriteError::new(
                RewriteRuleId::UnknownClass,
                "",
                format!(
                    "contracts {} has no class {class_name:?}; pass the BAML class name of the value (e.g. the generated model's class name)",
                    from.version
                ),
            ));
        };
        let Some((to_index, _)) = to.class_named(class_name) else {
            return Err(RewriteError::new(
                RuleId::ClassRemoved,
                "",
                format!(
                    "class {class_name:?} of contracts {} is not in contracts {}: there is no model to read it with",
                    from.version, to.version
                ),
            ));
        };
        if let Some(first) = type_issues(from, value, &Ty::Class(from_index), &options).first() {
            return Err(RewriteError::new(
                RewriteRuleId::InvalidValue,
                first.path.clone(),
                format!(
                    "only a valid contracts {} {class_name} can be {}: {} ({})",
                    from.version,
                    self.direction.done(),
                    first.message,
                    first.code
                ),
            ));
        }
        let out = self.convert(value, &Ty::Class(to_index), String::new())?;
        if let Some(first) = type_issues(to, &out, &Ty::Class(to_index), &options).first() {
            return Err(self.leftover(first));
        }
        Ok(out)
    }

    /// The rule of a validation issue left after the rewrite (a shape the
    /// rewrite does not map).
    fn leftover(&self, issue: &ValidationIssue) -> RewriteError {
        let rule_id = match issue.code {
            IssueCode::MissingField => RuleId::FieldAddedRequired,
            IssueCode::InvalidEnumValue => self.direction.enum_rule(),
            IssueCode::UnknownEventType => self.direction.event_rule(),
            IssueCode::UnknownField => RuleId::FieldRemoved,
            IssueCode::InvalidJson
            | IssueCode::NotAnObject
            | IssueCode::WrongType
            | IssueCode::InvalidLiteral
            | IssueCode::InvalidTimestamp
            | IssueCode::InvalidDate
            | IssueCode::InvalidUuid
            | IssueCode::UnsupportedVersion
            | IssueCode::DuplicateKey
            | IssueCode::TooDeep
            | IssueCode::TooLarge => RuleId::FieldTypeChanged,
        };
        let to = self.to.version;
        let message = match self.direction {
            Direction::Down => format!(
                "a contracts {to} client cannot decode this value: {}",
                issue.message
            ),
            Direction::Up => format!(
                "the value is not valid in contracts {to}: {}",
                issue.message
            ),
        };
        RewriteError::new(rule_id, issue.path.clone(), message)
    }

    /// `value` rewritten to `ty` of the target registry, at `path`.
    fn convert(&self, value: &Value, ty: &Ty, path: String) -> Result<Value, RewriteError> {
        match (ty, value) {
            (Ty::Optional(_), Value::Null) => Ok(Value::Null),
            (Ty::Optional(inner), _) => self.convert(value, inner, path),
            (Ty::Class(index), Value::Object(object)) => self.class(*index, object, &path),
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
                let mut closest: Option<RewriteError> = None;
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

    fn class(
        &self,
        index: usize,
        object: &Map<String, Value>,
        path: &str,
    ) -> Result<Value, RewriteError> {
        let (from, to) = (self.from, self.to);
        let def = &to.classes[index];
        let mut out = Map::new();
        for (key, item) in object {
            if let Some(field) = def.fields.iter().find(|f| f.name == key) {
                let converted = self.convert(item, &field.ty, push_pointer(path, key))?;
                out.insert(key.clone(), converted);
                continue;
            }
            match self.direction {
                // Fields the older version did not have are dropped: that is the point.
                Direction::Down => {}
                // A removed field holding `null` loses nothing (stored records hold
                // every absent optional field as `null`): dropped.
                Direction::Up if item.is_null() => {}
                Direction::Up => {
                    return Err(RewriteError::new(
                        RuleId::FieldRemoved,
                        push_pointer(path, key),
                        format!(
                            "contracts {} has no {}.{key}: upgrading from {} would lose its value; remove it from the data first if it is no longer needed",
                            to.version, def.name, from.version
                        ),
                    ));
                }
            }
        }
        for field in def.fields {
            if object.contains_key(field.name) || matches!(field.ty, Ty::Optional(_)) {
                continue;
            }
            let source_has_it = from
                .class_named(def.name)
                .is_some_and(|(_, c)| c.fields.iter().any(|f| f.name == field.name));
            let (rule_id, here) = match (self.direction, source_has_it) {
                (Direction::Down, true) => (
                    RuleId::FieldOptionalToRequired,
                    "is optional now and absent here".to_string(),
                ),
                (Direction::Down, false) => (
                    RuleId::FieldAddedRequired,
                    "is not in the current contract".to_string(),
                ),
                (Direction::Up, true) => (
                    RuleId::FieldOptionalToRequired,
                    format!("was optional in {} and is absent here", from.version),
                ),
                (Direction::Up, false) => (
                    RuleId::FieldAddedRequired,
                    format!("contracts {} did not have", from.version),
                ),
            };
            let consequence = match self.direction {
                Direction::Down => format!("a {} client would reject the envelope", to.version),
                Direction::Up => "there is no value to carry forward".to_string(),
            };
            return Err(RewriteError::new(
                rule_id,
                push_pointer(path, field.name),
                format!(
                    "contracts {} requires {}.{}, which {here}; {consequence}",
                    to.version, def.name, field.name
                ),
            ));
        }
        Ok(Value::Object(out))
    }

    fn fits(&self, value: &Value, ty: &Ty) -> bool {
        type_issues(self.to, value, ty, &ValidateOptions::default()).is_empty()
    }

    fn enum_value(&self, index: usize, value: &str, path: &str) -> Result<(), RewriteError> {
        let def = &self.to.enums[index];
        if def.values.contains(&value) {
            return Ok(());
        }
        let (from, to) = (self.from.version, self.to.version);
        let message = match self.direction {
            Direction::Down => format!(
                "{value:?} was added to {} after contracts {to}: a {to} client knows only {}",
                def.name,
                def.values.join(", ")
            ),
            Direction::Up => format!(
                "{value:?} of {} in contracts {from} was removed in contracts {to}, which knows only {}; map it to one of them before upgrading",
                def.name,
                def.values.join(", ")
            ),
        };
        Err(RewriteError::new(self.direction.enum_rule(), path, message))
    }

    fn type_changed(&self, value: &Value, ty: &Ty, path: &str) -> RewriteError {
        let issues = type_issues(self.to, value, ty, &ValidateOptions::default());
        let detail = issues.first().map_or_else(
            || "the value does not match".to_string(),
            |i| i.message.clone(),
        );
        RewriteError::new(
            RuleId::FieldTypeChanged,
            format!("{path}{}", issues.first().map_or("", |i| i.path.as_str())),
            format!(
                "contracts {} declares this value with another type: {detail}",
                self.to.version
            ),
        )
    }
}
