//! Envelope validation against the generated registry.

use crate::issue::{push_pointer, IssueCode, ValidationErrors, ValidationIssue};
use crate::registry::{CLASSES, ENUMS, EVENTS, EVENT_META_CLASS};
use crate::schema::{EventDef, Ty};
use serde_json::{Map, Value};

/// Who is validating, which decides how strict the check is.
///
/// | | producer (backend, before broadcast) | consumer (client, on receipt) |
/// |---|---|---|
/// | unknown fields | `unknown_field` | ignored |
/// | `contracts_version` | equal to this package's version (or `target_version`) | same MAJOR as this package |
/// | unknown `type` | `unknown_event_type` | `unknown_event_type` (skip the event) |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Strict: exactly the current contract.
    #[default]
    Producer,
    /// Tolerant: what a client decoding a possibly newer envelope accepts.
    Consumer,
}

impl std::str::FromStr for Mode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "producer" => Ok(Self::Producer),
            "consumer" => Ok(Self::Consumer),
            other => Err(format!(
                "unknown mode {other:?}: use \"producer\" or \"consumer\""
            )),
        }
    }
}

/// Options for [`validate_envelope`].
#[derive(Debug, Clone)]
pub struct ValidateOptions {
    /// Producer (strict) or consumer (tolerant).
    pub mode: Mode,
    /// In producer mode, the version the envelope must carry instead of
    /// [`crate::CONTRACTS_VERSION`] (an explicitly targeted older version).
    pub target_version: Option<String>,
    /// Stop after this many issues.
    pub max_issues: usize,
    /// Maximum nesting depth of objects and arrays.
    pub max_depth: usize,
    /// Maximum input size in bytes.
    pub max_bytes: usize,
}

impl Default for ValidateOptions {
    fn default() -> Self {
        Self {
            mode: Mode::Producer,
            target_version: None,
            max_issues: 100,
            max_depth: 128,
            max_bytes: 16 * 1024 * 1024,
        }
    }
}

impl ValidateOptions {
    /// Default options in `mode`.
    pub fn with_mode(mode: Mode) -> Self {
        Self {
            mode,
            ..Self::default()
        }
    }
}

/// Validates a JSON envelope given as bytes.
///
/// ```
/// use contracts_core::{validate_envelope, ValidateOptions};
/// let err = validate_envelope(br#"{"type": "NOPE"}"#, &ValidateOptions::default()).unwrap_err();
/// assert_eq!(err.issues[0].code.as_str(), "unknown_event_type");
/// assert_eq!(err.issues[0].path, "/type");
/// ```
pub fn validate_envelope(input: &[u8], options: &ValidateOptions) -> Result<(), ValidationErrors> {
    let issues = envelope_issues(input, options);
    if issues.is_empty() {
        Ok(())
    } else {
        Err(ValidationErrors { issues })
    }
}

/// True when `input` is a valid envelope.
pub fn is_valid_envelope(input: &[u8], options: &ValidateOptions) -> bool {
    envelope_issues(input, options).is_empty()
}

/// Every issue in `input` (empty when valid), up to `options.max_issues`.
pub fn envelope_issues(input: &[u8], options: &ValidateOptions) -> Vec<ValidationIssue> {
    if input.len() > options.max_bytes {
        return vec![issue(
            String::new(),
            IssueCode::TooLarge,
            format!(
                "the input is {} bytes; the limit is {} bytes (raise max_bytes if this is expected)",
                input.len(),
                options.max_bytes
            ),
        )];
    }
    let text = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    match serde_json::from_slice::<Value>(text) {
        Ok(value) => value_issues(&value, options),
        Err(e) => {
            let code = if e.to_string().contains("recursion limit") {
                IssueCode::TooDeep
            } else {
                IssueCode::InvalidJson
            };
            vec![issue(
                String::new(),
                code,
                format!("the input is not valid JSON: {e} (send one JSON object encoded as UTF-8)"),
            )]
        }
    }
}

/// Every issue in an already parsed envelope.
pub fn value_issues(value: &Value, options: &ValidateOptions) -> Vec<ValidationIssue> {
    let mut walker = Walker {
        options,
        issues: Vec::new(),
    };
    walker.envelope(value);
    walker.issues
}

/// Finds an event type's definition.
pub(crate) fn event(event_type: &str) -> Option<&'static EventDef> {
    EVENTS.iter().find(|e| e.event_type == event_type)
}

fn issue(path: String, code: IssueCode, message: String) -> ValidationIssue {
    ValidationIssue {
        path,
        code,
        message,
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn describe(ty: &Ty) -> String {
    match ty {
        Ty::String => "string".into(),
        Ty::Int => "int".into(),
        Ty::Float => "float".into(),
        Ty::Bool => "bool".into(),
        Ty::Null => "null".into(),
        Ty::Uuid => "Uuid (UUID string)".into(),
        Ty::Timestamp => "Timestamp (RFC 3339 string)".into(),
        Ty::Date => "IsoDate (YYYY-MM-DD string)".into(),
        Ty::StringLiteral(s) => format!("{s:?}"),
        Ty::IntLiteral(i) => i.to_string(),
        Ty::BoolLiteral(b) => b.to_string(),
        Ty::Enum(i) => ENUMS[*i].name.into(),
        Ty::Class(i) => CLASSES[*i].name.into(),
        Ty::List(inner) => format!("{}[]", describe(inner)),
        Ty::Map(inner) => format!("map<string, {}>", describe(inner)),
        Ty::Union(members) => members.iter().map(describe).collect::<Vec<_>>().join(" | "),
        Ty::Optional(inner) => format!("{}?", describe(inner)),
    }
}

/// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` in lowercase hex, the one form producers emit.
fn is_canonical_uuid(s: &str) -> bool {
    s.len() == 36
        && s.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_digit() || (b'a'..=b'f').contains(&b),
        })
}

/// `YYYY-MM-DD` with exactly these digits, and a real calendar date.
fn is_iso_date(s: &str) -> bool {
    let shape = s.len() == 10
        && s.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    shape && chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()
}

/// Parses `MAJOR.MINOR.PATCH` (pre-release/build suffixes ignored).
fn parse_version(v: &str) -> Option<(u64, u64, u64)> {
    let core = v.split(['-', '+']).next()?;
    let mut parts = core.split('.').map(|p| p.parse::<u64>().ok());
    let version = (parts.next()??, parts.next()??, parts.next()??);
    parts.next().is_none().then_some(version)
}

struct Walker<'a> {
    options: &'a ValidateOptions,
    issues: Vec<ValidationIssue>,
}

impl Walker<'_> {
    fn full(&self) -> bool {
        self.issues.len() >= self.options.max_issues.max(1)
    }

    fn push(&mut self, path: String, code: IssueCode, message: String) {
        if !self.full() {
            self.issues.push(issue(path, code, message));
        }
    }

    fn envelope(&mut self, value: &Value) {
        let Value::Object(object) = value else {
            self.push(
                String::new(),
                IssueCode::NotAnObject,
                format!("an envelope must be a JSON object with type, contracts_version, payload and meta; got {}", type_name(value)),
            );
            return;
        };
        let event = match object.get("type") {
            None => {
                self.push(
                    "/type".into(),
                    IssueCode::MissingField,
                    "missing required field `type` (an EventType value)".into(),
                );
                None
            }
            Some(Value::String(t)) => {
                let found = event(t);
                if found.is_none() {
                    self.push(
                        "/type".into(),
                        IssueCode::UnknownEventType,
                        format!("unknown event type {t:?}; expected one of the EventType values of contracts {}", crate::CONTRACTS_VERSION),
                    );
                }
                found
            }
            Some(other) => {
                self.push(
                    "/type".into(),
                    IssueCode::WrongType,
                    format!(
                        "`type` must be a string (an EventType value); got {}",
                        type_name(other)
                    ),
                );
                None
            }
        };
        self.contracts_version(object.get("contracts_version"));
        match (object.get("payload"), event) {
            (None, _) => self.push(
                "/payload".into(),
                IssueCode::MissingField,
                "missing required field `payload` (the event's DTO)".into(),
            ),
            (Some(payload), Some(event)) => self.check(
                payload,
                &Ty::Class(event.payload_class),
                "/payload".into(),
                1,
            ),
            (Some(_), None) => {}
        }
        match (object.get("meta"), EVENT_META_CLASS) {
            (None, _) => self.push(
                "/meta".into(),
                IssueCode::MissingField,
                "missing required field `meta` (event_id, timestamp, …)".into(),
            ),
            (Some(meta), Some(class)) => self.check(meta, &Ty::Class(class), "/meta".into(), 1),
            (Some(_), None) => {}
        }
        if self.options.mode == Mode::Producer {
            for key in object.keys() {
                if !["type", "contracts_version", "payload", "meta"].contains(&key.as_str()) {
                    self.push(
                        push_pointer("", key),
                        IssueCode::UnknownField,
                        format!("unknown envelope field `{key}`; an envelope has only type, contracts_version, payload and meta"),
                    );
                }
            }
        }
    }

    fn contracts_version(&mut self, value: Option<&Value>) {
        let path = "/contracts_version".to_string();
        let version = match value {
            None => {
                self.push(
                    path,
                    IssueCode::MissingField,
                    "missing required field `contracts_version`".into(),
                );
                return;
            }
            Some(Value::String(v)) => v,
            Some(other) => {
                self.push(
                    path,
                    IssueCode::WrongType,
                    format!(
                        "`contracts_version` must be a string like \"{}\"; got {}",
                        crate::CONTRACTS_VERSION,
                        type_name(other)
                    ),
                );
                return;
            }
        };
        let ours = crate::CONTRACTS_VERSION;
        match self.options.mode {
            Mode::Producer => {
                let expected = self.options.target_version.as_deref().unwrap_or(ours);
                if version != expected {
                    self.push(
                        path,
                        IssueCode::UnsupportedVersion,
                        format!("producers must emit contracts_version {expected:?}; got {version:?} (set it from CONTRACTS_VERSION, or pass target_version for an older client)"),
                    );
                }
            }
            Mode::Consumer => {
                let our_major = parse_version(ours).map(|v| v.0);
                match parse_version(version) {
                    Some((major, _, _)) if Some(major) == our_major => {}
                    Some(_) => self.push(
                        path,
                        IssueCode::UnsupportedVersion,
                        format!("contracts_version {version:?} has another MAJOR than this client's {ours:?}; upgrade the client package"),
                    ),
                    None => self.push(path, IssueCode::UnsupportedVersion, format!("contracts_version {version:?} is not a SemVer version MAJOR.MINOR.PATCH")),
                }
            }
        }
    }

    fn check(&mut self, value: &Value, ty: &Ty, path: String, depth: usize) {
        if self.full() {
            return;
        }
        if depth > self.options.max_depth {
            self.push(
                path,
                IssueCode::TooDeep,
                format!("nesting deeper than {} levels", self.options.max_depth),
            );
            return;
        }
        let wrong =
            |value: &Value, ty: &Ty| format!("expected {}, got {}", describe(ty), type_name(value));
        match (ty, value) {
            (Ty::Optional(_) | Ty::Null, Value::Null)
            | (Ty::String, Value::String(_))
            | (Ty::Float, Value::Number(_))
            | (Ty::Bool, Value::Bool(_)) => {}
            (Ty::Optional(inner), _) => self.check(value, inner, path, depth),
            (Ty::Int, Value::Number(n)) => {
                let integral = n.is_i64()
                    || n.as_f64()
                        .is_some_and(|f| f.fract() == 0.0 && f.abs() < 9.2e18);
                if !integral {
                    self.push(
                        path,
                        IssueCode::WrongType,
                        format!("expected int, got the non-integer number {n}"),
                    );
                }
            }
            (Ty::Uuid, Value::String(s)) => {
                if !is_canonical_uuid(s) {
                    self.push(path, IssueCode::InvalidUuid, format!("{s:?} is not a UUID in canonical form (expected lowercase 8-4-4-4-12 hex, e.g. \"0192f0c1-7a52-7cc3-8d1e-2b6f4f0e9a10\")"));
                }
            }
            (Ty::Timestamp, Value::String(s)) => {
                if !matches!(s.as_bytes().get(10), Some(b'T' | b't'))
                    || chrono::DateTime::parse_from_rfc3339(s).is_err()
                {
                    self.push(path, IssueCode::InvalidTimestamp, format!("{s:?} is not an RFC 3339 date-time with offset (expected e.g. \"2026-11-25T10:00:00Z\")"));
                }
            }
            (Ty::Date, Value::String(s)) => {
                if !is_iso_date(s) {
                    self.push(path, IssueCode::InvalidDate, format!("{s:?} is not a calendar date (expected YYYY-MM-DD, e.g. \"2026-11-25\")"));
                }
            }
            (Ty::StringLiteral(expected), Value::String(s)) => {
                if s != expected {
                    self.push(
                        path,
                        IssueCode::InvalidLiteral,
                        format!("expected exactly {expected:?}, got {s:?}"),
                    );
                }
            }
            (Ty::IntLiteral(expected), Value::Number(n)) => {
                if n.as_i64() != Some(*expected) {
                    self.push(
                        path,
                        IssueCode::InvalidLiteral,
                        format!("expected exactly {expected}, got {n}"),
                    );
                }
            }
            (Ty::BoolLiteral(expected), Value::Bool(b)) => {
                if b != expected {
                    self.push(
                        path,
                        IssueCode::InvalidLiteral,
                        format!("expected exactly {expected}, got {b}"),
                    );
                }
            }
            (Ty::Enum(i), Value::String(s)) => {
                let def = &ENUMS[*i];
                if !def.values.contains(&s.as_str()) {
                    self.push(
                        path,
                        IssueCode::InvalidEnumValue,
                        format!(
                            "{s:?} is not a value of {}; expected one of {}",
                            def.name,
                            def.values.join(", ")
                        ),
                    );
                }
            }
            (Ty::Class(i), Value::Object(object)) => self.class(*i, object, &path, depth),
            (Ty::Class(i), _) => {
                self.push(
                    path,
                    IssueCode::NotAnObject,
                    format!(
                        "expected a {} object, got {}",
                        CLASSES[*i].name,
                        type_name(value)
                    ),
                );
            }
            (Ty::List(inner), Value::Array(items)) => {
                for (index, item) in items.iter().enumerate() {
                    self.check(
                        item,
                        inner,
                        push_pointer(&path, &index.to_string()),
                        depth + 1,
                    );
                }
            }
            (Ty::Map(inner), Value::Object(object)) => {
                for (key, item) in object {
                    self.check(item, inner, push_pointer(&path, key), depth + 1);
                }
            }
            (Ty::Union(members), _) => self.union(value, members, path, depth),
            _ => self.push(path, IssueCode::WrongType, wrong(value, ty)),
        }
    }

    fn class(&mut self, index: usize, object: &Map<String, Value>, path: &str, depth: usize) {
        let def = &CLASSES[index];
        for field in def.fields {
            let field_path = push_pointer(path, field.name);
            match object.get(field.name) {
                Some(value) => self.check(value, &field.ty, field_path, depth + 1),
                None if matches!(field.ty, Ty::Optional(_)) => {}
                None => self.push(
                    field_path,
                    IssueCode::MissingField,
                    format!(
                        "missing required field `{}` ({}.{}: {})",
                        field.name,
                        def.name,
                        field.name,
                        describe(&field.ty)
                    ),
                ),
            }
        }
        if self.options.mode == Mode::Producer {
            for key in object.keys() {
                if !def.fields.iter().any(|f| f.name == key) {
                    self.push(
                        push_pointer(path, key),
                        IssueCode::UnknownField,
                        format!(
                            "unknown field `{key}` in {}; it declares {}",
                            def.name,
                            def.fields
                                .iter()
                                .map(|f| f.name)
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    );
                }
            }
        }
    }

    /// A union matches when any member matches; otherwise report the issues
    /// of the member that came closest (fewest issues).
    fn union(&mut self, value: &Value, members: &[Ty], path: String, depth: usize) {
        let mut best: Option<Vec<ValidationIssue>> = None;
        for member in members {
            let mut trial = Walker {
                options: self.options,
                issues: Vec::new(),
            };
            trial.check(value, member, path.clone(), depth);
            if trial.issues.is_empty() {
                return;
            }
            if best.as_ref().is_none_or(|b| trial.issues.len() < b.len()) {
                best = Some(trial.issues);
            }
        }
        let only_type_mismatch = best
            .as_ref()
            .is_some_and(|b| b.len() == 1 && b[0].path == path);
        if only_type_mismatch || best.is_none() {
            let expected = members.iter().map(describe).collect::<Vec<_>>().join(" | ");
            self.push(
                path,
                IssueCode::WrongType,
                format!("expected one of {expected}, got {}", type_name(value)),
            );
        } else {
            for i in best.unwrap_or_default() {
                self.push(i.path, i.code, i.message);
            }
        }
    }
}
