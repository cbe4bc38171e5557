//! Frozen copy of the validator issue 18 replaced (`src/validate.rs`,
//! `src/fast.rs` and `src/rules.rs` of `main` at da49a0e): the oracle the
//! single-pass validator is compared with in `tests/single_pass.rs`. Do not
//! change it: it is what "the issues the core reported" means.
#![allow(dead_code, clippy::all, clippy::pedantic)]

mod fast;
mod rules;

use contracts_core::schema::{Registry, Ty};
use contracts_core::{IssueCode, Mode, ValidateOptions, ValidationIssue};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

fn push_pointer(path: &str, token: &str) -> String {
    let mut out = String::with_capacity(path.len() + token.len() + 1);
    out.push_str(path);
    out.push('/');
    for c in token.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            _ => out.push(c),
        }
    }
    out
}

/// The old `envelope_issues` on JSON bytes.
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
    let reg = match resolve(options) {
        Ok(reg) => reg,
        Err(unknown) => return vec![unknown],
    };
    let json = strip_bom(input);
    if fast::valid_type(reg, json, options).is_some() {
        return Vec::new();
    }
    slow_issues(reg, json, options)
}

/// The old `is_valid_envelope` on JSON bytes.
pub fn is_valid_envelope(input: &[u8], options: &ValidateOptions) -> bool {
    if input.len() > options.max_bytes {
        return false;
    }
    resolve(options).is_ok_and(|reg| fast::valid_type(reg, strip_bom(input), options).is_some())
}

/// The old `value_issues`.
pub fn value_issues(value: &Value, options: &ValidateOptions) -> Vec<ValidationIssue> {
    match resolve(options) {
        Ok(reg) => registry_value_issues(reg, value, options),
        Err(unknown) => vec![unknown],
    }
}

/// The registry `options` validate against: the current one, or in producer
/// mode the targeted version's; an unknown target version is the issue.
fn resolve(options: &ValidateOptions) -> Result<&'static Registry, ValidationIssue> {
    match (options.mode, options.target_version.as_deref()) {
        (Mode::Producer, Some(version)) => contracts_core::registry_for(version).ok_or_else(|| {
            issue(
                "/contracts_version".into(),
                IssueCode::UnsupportedVersion,
                format!(
                    "target_version {version:?} is not a contracts version this build knows; known versions: {} (the history holds the released versions of this MAJOR and the previous one)",
                    contracts_core::known_versions().collect::<Vec<_>>().join(", ")
                ),
            )
        }),
        _ => Ok(contracts_core::current_registry()),
    }
}

fn strip_bom(input: &[u8]) -> &[u8] {
    input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input)
}

/// The explaining path: parse into a `Value` (recording duplicate keys,
/// which a `Value` would silently collapse) and walk it.
fn slow_issues(
    reg: &'static Registry,
    json: &[u8],
    options: &ValidateOptions,
) -> Vec<ValidationIssue> {
    let mut duplicates = Vec::new();
    let mut deserializer = serde_json::Deserializer::from_slice(json);
    let parsed = TrackedValue {
        at: &Segment::Root,
        duplicates: &mut duplicates,
    }
    .deserialize(&mut deserializer)
    .and_then(|value| deserializer.end().map(|()| value));
    match parsed {
        Ok(value) => {
            let mut walker = Walker::new(reg, options);
            for (path, key) in duplicates {
                walker.push(
                    path,
                    IssueCode::DuplicateKey,
                    format!("key {key:?} appears more than once in this object; JSON parsers disagree on which value wins, so send it once"),
                );
            }
            walker.envelope(&value);
            walker.issues
        }
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

/// Where a value sits, as a chain of borrowed segments: a JSON Pointer is
/// only built when a duplicate key needs reporting.
enum Segment<'a> {
    Root,
    Key(&'a Segment<'a>, &'a str),
    Index(&'a Segment<'a>, usize),
}

impl Segment<'_> {
    fn pointer(&self) -> String {
        match self {
            Segment::Root => String::new(),
            Segment::Key(parent, key) => push_pointer(&parent.pointer(), key),
            Segment::Index(parent, index) => push_pointer(&parent.pointer(), &index.to_string()),
        }
    }
}

/// Builds a `Value` like `serde_json` does (the last duplicate wins) and
/// records the pointer of every duplicated key.
struct TrackedValue<'p, 'd> {
    at: &'p Segment<'p>,
    duplicates: &'d mut Vec<(String, String)>,
}

impl<'de> DeserializeSeed<'de> for TrackedValue<'_, '_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for TrackedValue<'_, '_> {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        loop {
            let at = Segment::Index(self.at, items.len());
            let seed = TrackedValue {
                at: &at,
                duplicates: &mut *self.duplicates,
            };
            match seq.next_element_seed(seed)? {
                Some(item) => items.push(item),
                None => return Ok(Value::Array(items)),
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = access.next_key::<String>()? {
            let at = Segment::Key(self.at, &key);
            if object.contains_key(&key) {
                self.duplicates.push((at.pointer(), key.clone()));
            }
            let value = access.next_value_seed(TrackedValue {
                at: &at,
                duplicates: &mut *self.duplicates,
            })?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

/// Every issue in an already parsed envelope checked against `reg` (whose
/// version the envelope must carry in producer mode); `target_version` is
/// not consulted.
fn registry_value_issues(
    reg: &'static Registry,
    value: &Value,
    options: &ValidateOptions,
) -> Vec<ValidationIssue> {
    let mut walker = Walker::new(reg, options);
    walker.envelope(value);
    walker.issues
}

/// True when the JSON text `json` is a valid envelope of `reg` (the fast
/// path only); `target_version` is not consulted.
fn registry_is_valid(reg: &'static Registry, json: &[u8], options: &ValidateOptions) -> bool {
    json.len() <= options.max_bytes && fast::valid_type(reg, strip_bom(json), options).is_some()
}

/// Every issue of `value` against one type of `reg` (pointers relative to
/// the value).
fn type_issues(
    reg: &'static Registry,
    value: &Value,
    ty: &Ty,
    options: &ValidateOptions,
) -> Vec<ValidationIssue> {
    let mut walker = Walker::new(reg, options);
    walker.check(value, ty, &Segment::Root, 1);
    walker.issues
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

fn describe(reg: &Registry, ty: &Ty) -> String {
    let describe = |ty: &Ty| describe(reg, ty);
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
        Ty::Enum(i) => reg.enums[*i].name.into(),
        Ty::Class(i) => reg.classes[*i].name.into(),
        Ty::List(inner) => format!("{}[]", describe(inner)),
        Ty::Map(key, value) => format!("map<{}, {}>", describe(key), describe(value)),
        Ty::Union(members) => members.iter().map(describe).collect::<Vec<_>>().join(" | "),
        Ty::Optional(inner) => format!("{}?", describe(inner)),
    }
}

struct Walker<'a> {
    reg: &'static Registry,
    options: &'a ValidateOptions,
    issues: Vec<ValidationIssue>,
}

impl<'a> Walker<'a> {
    fn new(reg: &'static Registry, options: &'a ValidateOptions) -> Self {
        Self {
            reg,
            options,
            issues: Vec::new(),
        }
    }

    fn full(&self) -> bool {
        self.issues.len() >= self.options.max_issues.max(1)
    }

    /// Records an issue at a lazily built pointer (only when there is room).
    fn push_at(&mut self, at: &Segment<'_>, code: IssueCode, message: String) {
        if !self.full() {
            self.issues.push(issue(at.pointer(), code, message));
        }
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
                let found = self.reg.event(t);
                if found.is_none() {
                    self.push(
                        "/type".into(),
                        IssueCode::UnknownEventType,
                        format!("unknown event type {t:?}; expected one of the EventType values of contracts {}", self.reg.version),
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
                &Segment::Key(&Segment::Root, "payload"),
                1,
            ),
            (Some(_), None) => {}
        }
        match (object.get("meta"), self.reg.event_meta_class) {
            (None, _) => self.push(
                "/meta".into(),
                IssueCode::MissingField,
                "missing required field `meta` (event_id, timestamp, …)".into(),
            ),
            (Some(meta), Some(class)) => {
                self.check(
                    meta,
                    &Ty::Class(class),
                    &Segment::Key(&Segment::Root, "meta"),
                    1,
                );
            }
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
                        self.reg.version,
                        type_name(other)
                    ),
                );
                return;
            }
        };
        if let Err(message) = rules::check_version(version, self.options.mode, self.reg.version) {
            self.push(path, IssueCode::UnsupportedVersion, message);
        }
    }

    fn check(&mut self, value: &Value, ty: &Ty, at: &Segment<'_>, depth: usize) {
        if self.full() {
            return;
        }
        if depth > self.options.max_depth {
            self.push_at(
                at,
                IssueCode::TooDeep,
                format!("nesting deeper than {} levels", self.options.max_depth),
            );
            return;
        }
        let reg = self.reg;
        let describe = |ty: &Ty| describe(reg, ty);
        let wrong =
            |value: &Value, ty: &Ty| format!("expected {}, got {}", describe(ty), type_name(value));
        match (ty, value) {
            (Ty::Optional(_) | Ty::Null, Value::Null)
            | (Ty::String, Value::String(_))
            | (Ty::Float, Value::Number(_))
            | (Ty::Bool, Value::Bool(_)) => {}
            (Ty::Optional(inner), _) => self.check(value, inner, at, depth),
            (Ty::Int, Value::Number(n)) => {
                let integral = n.is_i64() || n.as_f64().is_some_and(rules::is_integral);
                if !integral {
                    self.push_at(
                        at,
                        IssueCode::WrongType,
                        format!("expected int, got the non-integer number {n}"),
                    );
                }
            }
            (Ty::Uuid, Value::String(s)) => {
                if !rules::is_canonical_uuid(s) {
                    self.push_at(at, IssueCode::InvalidUuid, format!("{s:?} is not a UUID in canonical form (expected lowercase 8-4-4-4-12 hex, e.g. \"0192f0c1-7a52-7cc3-8d1e-2b6f4f0e9a10\")"));
                }
            }
            (Ty::Timestamp, Value::String(s)) => {
                if !rules::is_timestamp(s) {
                    self.push_at(at, IssueCode::InvalidTimestamp, format!("{s:?} is not an RFC 3339 date-time with offset (expected e.g. \"2026-11-25T10:00:00Z\")"));
                }
            }
            (Ty::Date, Value::String(s)) => {
                if !rules::is_iso_date(s) {
                    self.push_at(at, IssueCode::InvalidDate, format!("{s:?} is not a calendar date (expected YYYY-MM-DD, e.g. \"2026-11-25\")"));
                }
            }
            (Ty::StringLiteral(expected), Value::String(s)) => {
                if s != expected {
                    self.push_at(
                        at,
                        IssueCode::InvalidLiteral,
                        format!("expected exactly {expected:?}, got {s:?}"),
                    );
                }
            }
            (Ty::IntLiteral(expected), Value::Number(n)) => {
                if n.as_i64() != Some(*expected) {
                    self.push_at(
                        at,
                        IssueCode::InvalidLiteral,
                        format!("expected exactly {expected}, got {n}"),
                    );
                }
            }
            (Ty::BoolLiteral(expected), Value::Bool(b)) => {
                if b != expected {
                    self.push_at(
                        at,
                        IssueCode::InvalidLiteral,
                        format!("expected exactly {expected}, got {b}"),
                    );
                }
            }
            (Ty::Enum(i), Value::String(s)) => {
                let def = &reg.enums[*i];
                if !def.values.contains(&s.as_str()) {
                    self.push_at(
                        at,
                        IssueCode::InvalidEnumValue,
                        format!(
                            "{s:?} is not a value of {}; expected one of {}",
                            def.name,
                            def.values.join(", ")
                        ),
                    );
                }
            }
            (Ty::Class(i), Value::Object(object)) => self.class(*i, object, at, depth),
            (Ty::Class(i), _) => {
                self.push_at(
                    at,
                    IssueCode::NotAnObject,
                    format!(
                        "expected a {} object, got {}",
                        reg.classes[*i].name,
                        type_name(value)
                    ),
                );
            }
            (Ty::List(inner), Value::Array(items)) => {
                for (index, item) in items.iter().enumerate() {
                    self.check(item, inner, &Segment::Index(at, index), depth + 1);
                }
            }
            (Ty::Map(key_ty, value_ty), Value::Object(object)) => {
                for (key, item) in object {
                    let item_at = Segment::Key(at, key);
                    if let Ty::Enum(i) = key_ty {
                        let def = &reg.enums[*i];
                        if !def.values.contains(&key.as_str()) {
                            self.push_at(
                                &item_at,
                                IssueCode::InvalidEnumValue,
                                format!(
                                    "map key {key:?} is not a value of {}; expected one of {}",
                                    def.name,
                                    def.values.join(", ")
                                ),
                            );
                        }
                    }
                    self.check(item, value_ty, &item_at, depth + 1);
                }
            }
            (Ty::Union(members), _) => self.union(value, members, at, depth),
            _ => self.push_at(at, IssueCode::WrongType, wrong(value, ty)),
        }
    }

    fn class(&mut self, index: usize, object: &Map<String, Value>, at: &Segment<'_>, depth: usize) {
        let def = &self.reg.classes[index];
        for field in def.fields {
            let field_at = Segment::Key(at, field.name);
            match object.get(field.name) {
                Some(value) => self.check(value, &field.ty, &field_at, depth + 1),
                None if matches!(field.ty, Ty::Optional(_)) => {}
                None => self.push_at(
                    &field_at,
                    IssueCode::MissingField,
                    format!(
                        "missing required field `{}` ({}.{}: {})",
                        field.name,
                        def.name,
                        field.name,
                        describe(self.reg, &field.ty)
                    ),
                ),
            }
        }
        if self.options.mode == Mode::Producer {
            for key in object.keys() {
                if !def.fields.iter().any(|f| f.name == key) {
                    self.push_at(
                        &Segment::Key(at, key),
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
    fn union(&mut self, value: &Value, members: &[Ty], at: &Segment<'_>, depth: usize) {
        let mut best: Option<Vec<ValidationIssue>> = None;
        for member in members {
            let mut trial = Walker::new(self.reg, self.options);
            trial.check(value, member, at, depth);
            if trial.issues.is_empty() {
                return;
            }
            if best.as_ref().is_none_or(|b| trial.issues.len() < b.len()) {
                best = Some(trial.issues);
            }
        }
        let only_type_mismatch = best
            .as_ref()
            .is_some_and(|b| b.len() == 1 && b[0].path == at.pointer());
        if only_type_mismatch || best.is_none() {
            let expected = members
                .iter()
                .map(|m| describe(self.reg, m))
                .collect::<Vec<_>>()
                .join(" | ");
            self.push_at(
                at,
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
