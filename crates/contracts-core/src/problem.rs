//! Every issue the validator can find, as data: its [`IssueCode`] and its
//! message are derived here and nowhere else, and only for the issues that
//! are kept (a message is formatted when an issue makes it into the list).

use crate::input::{Host, HostKind, Num, Scalar};
use crate::issue::IssueCode;
use crate::options::ValidateOptions;
use crate::schema::{Registry, Ty};
use contracts_policy::limits::JSON_RECURSION_LIMIT;
use std::fmt;

/// The JSON kind of a value, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Null,
    Bool,
    Number,
    String,
    Array,
    Object,
}

impl Kind {
    /// The kind of a scalar, or the host value it is.
    pub(crate) fn of<'a>(value: &Scalar<'a>) -> Result<Kind, &'a Host> {
        match *value {
            Scalar::Null => Ok(Kind::Null),
            Scalar::Bool(_) => Ok(Kind::Bool),
            Scalar::Num(_) => Ok(Kind::Number),
            Scalar::Str(_) => Ok(Kind::String),
            Scalar::Host(host) => Err(host),
        }
    }

    /// How messages name the kind.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::Null => "null",
            Kind::Bool => "a boolean",
            Kind::Number => "a number",
            Kind::String => "a string",
            Kind::Array => "an array",
            Kind::Object => "an object",
        }
    }
}

/// One issue, before it has a path and a message.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Problem<'a> {
    /// The envelope is not an object.
    NotAnEnvelope(Kind),
    /// The envelope has no `type`.
    MissingType,
    /// `type` is a string but no event type of the registry.
    UnknownEventType(&'a str),
    /// `type` is not a string.
    TypeNotAString(Kind),
    /// The envelope has no `contracts_version`.
    MissingVersion,
    /// `contracts_version` is not a string.
    VersionNotAString(Kind),
    /// `contracts_version` is a string this mode does not accept; the
    /// message comes from [`crate::rules::check_version`].
    UnsupportedVersion(&'a str),
    /// The envelope has no `payload`.
    MissingPayload,
    /// The envelope has no `meta`.
    MissingMeta,
    /// A producer's envelope has a field besides the four.
    UnknownEnvelopeField(&'a str),
    /// Nesting deeper than `max_depth`.
    TooDeep,
    /// A number that is not an `int`.
    NotAnInteger(Num),
    /// A string that is not a canonical UUID.
    InvalidUuid(&'a str),
    /// A string that is not an RFC 3339 date-time.
    InvalidTimestamp(&'a str),
    /// A string that is not a calendar date.
    InvalidDate(&'a str),
    /// A string other than the literal.
    StringLiteral { expected: &'a str, got: &'a str },
    /// A number other than the literal.
    IntLiteral { expected: i64, got: Num },
    /// A boolean other than the literal.
    BoolLiteral { expected: bool, got: bool },
    /// A string that is not a value of the enum.
    EnumValue { enum_index: usize, got: &'a str },
    /// A map key that is not a value of the key enum.
    EnumKey { enum_index: usize, key: &'a str },
    /// A class value that is not an object.
    NotAnObject { class: usize, got: Kind },
    /// A value of another JSON kind than `ty`.
    WrongType { ty: Ty, got: Kind },
    /// A required field is absent.
    MissingField { class: usize, field: usize },
    /// A producer's class value has a field its class does not declare.
    UnknownField { class: usize, key: &'a str },
    /// No union member matches, and the closest one fails at the union's
    /// own path.
    NoUnionMember { members: &'a [Ty], got: Kind },
    /// A host value JSON cannot hold.
    Host(&'a Host),
}

impl Problem<'_> {
    /// The wire code of this problem.
    pub(crate) fn code(&self) -> IssueCode {
        match self {
            Problem::NotAnEnvelope(_) | Problem::NotAnObject { .. } => IssueCode::NotAnObject,
            Problem::MissingType
            | Problem::MissingVersion
            | Problem::MissingPayload
            | Problem::MissingMeta
            | Problem::MissingField { .. } => IssueCode::MissingField,
            Problem::UnknownEventType(_) => IssueCode::UnknownEventType,
            Problem::TypeNotAString(_)
            | Problem::VersionNotAString(_)
            | Problem::NotAnInteger(_)
            | Problem::WrongType { .. }
            | Problem::NoUnionMember { .. } => IssueCode::WrongType,
            Problem::UnsupportedVersion(_) => IssueCode::UnsupportedVersion,
            Problem::UnknownEnvelopeField(_) | Problem::UnknownField { .. } => {
                IssueCode::UnknownField
            }
            Problem::TooDeep => IssueCode::TooDeep,
            Problem::InvalidUuid(_) => IssueCode::InvalidUuid,
            Problem::InvalidTimestamp(_) => IssueCode::InvalidTimestamp,
            Problem::InvalidDate(_) => IssueCode::InvalidDate,
            Problem::StringLiteral { .. }
            | Problem::IntLiteral { .. }
            | Problem::BoolLiteral { .. } => IssueCode::InvalidLiteral,
            Problem::EnumValue { .. } | Problem::EnumKey { .. } => IssueCode::InvalidEnumValue,
            Problem::Host(host) => match host.kind {
                HostKind::TooDeep => IssueCode::TooDeep,
                HostKind::TooLarge => IssueCode::TooLarge,
                HostKind::Bytes
                | HostKind::Set
                | HostKind::Tuple
                | HostKind::NotFinite(_)
                | HostKind::IntBeyondFloat
                | HostKind::LoneSurrogate
                | HostKind::NonStringKey
                | HostKind::Object => IssueCode::InvalidJson,
            },
        }
    }

    /// What is wrong and how to fix it.
    pub(crate) fn message(&self, reg: &Registry, options: &ValidateOptions) -> String {
        match *self {
            Problem::NotAnEnvelope(got) => format!(
                "an envelope must be a JSON object with type, contracts_version, payload and meta; got {}",
                got.name()
            ),
            Problem::MissingType => "missing required field `type` (an EventType value)".into(),
            Problem::UnknownEventType(t) => format!(
                "unknown event type {t:?}; expected one of the EventType values of contracts {}",
                reg.version
            ),
            Problem::TypeNotAString(got) => format!(
                "`type` must be a string (an EventType value); got {}",
                got.name()
            ),
            Problem::MissingVersion => "missing required field `contracts_version`".into(),
            Problem::VersionNotAString(got) => format!(
                "`contracts_version` must be a string like \"{}\"; got {}",
                reg.version,
                got.name()
            ),
            Problem::UnsupportedVersion(message) => message.to_owned(),
            Problem::MissingPayload => "missing required field `payload` (the event's DTO)".into(),
            Problem::MissingMeta => {
                "missing required field `meta` (event_id, timestamp, …)".into()
            }
            Problem::UnknownEnvelopeField(key) => format!(
                "unknown envelope field `{key}`; an envelope has only type, contracts_version, payload and meta"
            ),
            Problem::TooDeep => format!("nesting deeper than {} levels", options.max_depth),
            Problem::NotAnInteger(n) => match n {
                Num::BigInt(_) => "expected int, got an integer beyond the 64-bit range (int fields hold 64-bit integers)".into(),
                Num::Int(_) | Num::UInt(_) | Num::Float(_) => {
                    format!("expected int, got the non-integer number {}", number_text(n))
                }
            },
            Problem::InvalidUuid(s) => format!(
                "{s:?} is not a UUID in canonical form (expected lowercase 8-4-4-4-12 hex, e.g. \"0192f0c1-7a52-7cc3-8d1e-2b6f4f0e9a10\")"
            ),
            Problem::InvalidTimestamp(s) => format!(
                "{s:?} is not an RFC 3339 date-time with offset (expected e.g. \"2026-11-25T10:00:00Z\")"
            ),
            Problem::InvalidDate(s) => format!(
                "{s:?} is not a calendar date (expected YYYY-MM-DD, e.g. \"2026-11-25\")"
            ),
            Problem::StringLiteral { expected, got } => {
                format!("expected exactly {expected:?}, got {got:?}")
            }
            Problem::IntLiteral { expected, got } => {
                format!("expected exactly {expected}, got {}", number_text(got))
            }
            Problem::BoolLiteral { expected, got } => {
                format!("expected exactly {expected}, got {got}")
            }
            Problem::EnumValue { enum_index, got } => {
                let def = &reg.enums[enum_index];
                format!(
                    "{got:?} is not a value of {}; expected one of {}",
                    def.name,
                    Joined(def.values)
                )
            }
            Problem::EnumKey { enum_index, key } => {
                let def = &reg.enums[enum_index];
                format!(
                    "map key {key:?} is not a value of {}; expected one of {}",
                    def.name,
                    Joined(def.values)
                )
            }
            Problem::NotAnObject { class, got } => format!(
                "expected a {} object, got {}",
                reg.classes[class].name,
                got.name()
            ),
            Problem::WrongType { ty, got } => {
                format!("expected {}, got {}", Described(reg, &ty), got.name())
            }
            Problem::MissingField { class, field } => {
                let def = &reg.classes[class];
                let field = &def.fields[field];
                format!(
                    "missing required field `{}` ({}.{}: {})",
                    field.name,
                    def.name,
                    field.name,
                    Described(reg, &field.ty)
                )
            }
            Problem::UnknownField { class, key } => {
                let def = &reg.classes[class];
                format!(
                    "unknown field `{key}` in {}; it declares {}",
                    def.name,
                    FieldNames(def.fields)
                )
            }
            Problem::NoUnionMember { members, got } => format!(
                "expected one of {}, got {}",
                Members(reg, members),
                got.name()
            ),
            Problem::Host(host) => host_message(host, options),
        }
    }
}

/// A number as `serde_json` prints it (the messages quote the value read).
fn number_text(n: Num) -> String {
    match n {
        Num::Int(i) => i.to_string(),
        Num::UInt(u) => u.to_string(),
        Num::Float(f) | Num::BigInt(f) => {
            serde_json::Number::from_f64(f).map_or_else(|| f.to_string(), |n| n.to_string())
        }
    }
}

fn host_message(host: &Host, options: &ValidateOptions) -> String {
    let name = &host.type_name;
    match host.kind {
        HostKind::Bytes => format!(
            "a {name} value is not JSON; decode it to a str (base64-encode binary data)"
        ),
        HostKind::Set => format!(
            "a {name} is not JSON; pass a list (e.g. sorted(value)) so the order is yours, not the hash's"
        ),
        HostKind::Tuple => format!(
            "a {name} is not a JSON list and is not converted silently; pass a list (list(value))"
        ),
        HostKind::NotFinite(f) => format!(
            "the float {f} is not a JSON number (JSON has no NaN or infinity); send null or a finite number"
        ),
        HostKind::IntBeyondFloat => format!(
            "this {name} is too large for a JSON number (beyond ±1.8e308); send it as a string"
        ),
        HostKind::LoneSurrogate => format!(
            "this {name} holds an unpaired surrogate, which UTF-8 (and so JSON text) cannot encode; fix how the text was decoded"
        ),
        HostKind::NonStringKey => format!(
            "this key is a {name}, not a string; JSON object keys are strings, so convert it with str()"
        ),
        HostKind::Object => format!(
            "a {name} object is not JSON; pass its JSON form: a str, number, bool, None, list or dict (e.g. str(value) for a UUID, value.isoformat() for a datetime)"
        ),
        HostKind::TooDeep => format!(
            "this {name} nests deeper than the {JSON_RECURSION_LIMIT} levels JSON text may (or contains itself); flatten it"
        ),
        HostKind::TooLarge => format!(
            "the envelope holds more values than {} bytes of JSON text can (max_bytes); reading stopped at this {name}",
            options.max_bytes
        ),
    }
}

/// The contract's name for a type, e.g. `Uuid (UUID string)` or
/// `TextContent | AttachmentContent`, written where it is formatted.
pub(crate) struct Described<'a>(pub(crate) &'a Registry, pub(crate) &'a Ty);

impl fmt::Display for Described<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Described(reg, ty) = *self;
        match ty {
            Ty::String => f.write_str("string"),
            Ty::Int => f.write_str("int"),
            Ty::Float => f.write_str("float"),
            Ty::Bool => f.write_str("bool"),
            Ty::Null => f.write_str("null"),
            Ty::Uuid => f.write_str("Uuid (UUID string)"),
            Ty::Timestamp => f.write_str("Timestamp (RFC 3339 string)"),
            Ty::Date => f.write_str("IsoDate (YYYY-MM-DD string)"),
            Ty::StringLiteral(s) => write!(f, "{s:?}"),
            Ty::IntLiteral(i) => write!(f, "{i}"),
            Ty::BoolLiteral(b) => write!(f, "{b}"),
            Ty::Enum(i) => f.write_str(reg.enums[*i].name),
            Ty::Class(i) => f.write_str(reg.classes[*i].name),
            Ty::List(inner) => write!(f, "{}[]", Described(reg, inner)),
            Ty::Map(key, value) => {
                write!(f, "map<{}, {}>", Described(reg, key), Described(reg, value))
            }
            Ty::Union(members) => Members(reg, members).fmt(f),
            Ty::Optional(inner) => write!(f, "{}?", Described(reg, inner)),
        }
    }
}

/// Union members described, `A | B`.
struct Members<'a>(&'a Registry, &'a [Ty]);

impl fmt::Display for Members<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, member) in self.1.iter().enumerate() {
            if i > 0 {
                f.write_str(" | ")?;
            }
            Described(self.0, member).fmt(f)?;
        }
        Ok(())
    }
}

/// Names joined by `, `.
struct Joined<'a, T>(&'a [T]);

impl<T: fmt::Display> fmt::Display for Joined<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, item) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            item.fmt(f)?;
        }
        Ok(())
    }
}

/// A class's field names, joined by `, `.
struct FieldNames<'a>(&'a [crate::schema::FieldDef]);

impl fmt::Display for FieldNames<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, field) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(field.name)?;
        }
        Ok(())
    }
}
