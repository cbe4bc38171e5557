//! Generates the contracts-core mirror types (`src/generated/mirror.rs`):
//! one serde + schemars Rust type per class, enum and alias of the contract,
//! and the `EventEnvelope` enum over every event.
//!
//! Wire rules the generated code follows:
//! - field names and enum values are the BAML names, exactly (`#[serde(rename)]`
//!   where the Rust identifier differs); `@alias` never reaches the wire and is
//!   only mentioned in the doc comment;
//! - classes are closed (`deny_unknown_fields`), optional fields are
//!   `Option<T>` that may be absent or `null` on input and are omitted when
//!   `None` on output;
//! - `Uuid` / `Timestamp` / `IsoDate` (the [`crate::wire::FORMAT_ALIASES`])
//!   become `uuid::Uuid`, `chrono::DateTime<FixedOffset>` and
//!   `chrono::NaiveDate`, which serialise canonically (lowercase hyphenated
//!   UUID; RFC 3339 with `T`, `Z` for a zero offset and 0/3/6/9 fraction
//!   digits; `YYYY-MM-DD`);
//! - literal types become unit types that (de)serialise exactly that literal;
//! - unions become `#[serde(untagged)]` enums (a union of string literals a
//!   plain string enum), named after where they occur (`ChatMessageContent`);
//! - a class reference that closes a cycle without a list or map in between
//!   is boxed.

use crate::check::EventBinding;
use crate::codegen::GENERATED_HEADER;
use crate::error::{CompileError, Location};
use crate::ir::{Class, Ir, Literal, TypeExpr};
use crate::wire::Format;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt::Write as _;

/// Names the generated code uses unqualified; a BAML type may not take them.
const RESERVED_TYPE_NAMES: &[&str] = &[
    "String",
    "Vec",
    "Option",
    "Box",
    "BTreeMap",
    "Result",
    "Some",
    "None",
    "Ok",
    "Err",
    "Default",
    "From",
    "Self",
    "Serialize",
    "Deserialize",
    "JsonSchema",
    "EventEnvelope",
];

const RUST_KEYWORDS: &[&str] = &[
    "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for",
    "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return",
    "self", "Self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where",
    "while", "async", "await", "dyn", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen",
];

/// Keywords that cannot be raw identifiers.
const NOT_RAW: &[&str] = &["crate", "self", "Self", "super", "_"];

const DERIVE_CLASS: &str = "#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]";
const DERIVE_ENUM: &str = "#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]";

/// Renders `mirror.rs` for contracts-core.
pub fn mirror_rs(ir: &Ir, events: &[EventBinding]) -> Result<String, CompileError> {
    let mut gen = Gen::new(ir, events)?;
    gen.render()?;
    Ok(gen.out)
}

/// An inline union waiting to be rendered as its own enum.
struct PendingUnion {
    name: String,
    members: Vec<TypeExpr>,
    /// The class or alias whose size the enum is part of (for boxing).
    container: Option<String>,
    doc: String,
    location: Location,
}

struct Gen<'a> {
    ir: &'a Ir,
    events: &'a [EventBinding],
    out: String,
    /// Every type name taken so far (IR names, generated names).
    used: HashSet<String>,
    /// Literal value (as JSON) -> generated unit type name.
    literals: BTreeMap<String, (Literal, String)>,
    pending: Vec<PendingUnion>,
    /// Direct (unboxed, not behind a list or map) references between classes and aliases.
    direct: BTreeMap<String, BTreeSet<String>>,
}

impl<'a> Gen<'a> {
    fn new(ir: &'a Ir, events: &'a [EventBinding]) -> Result<Self, CompileError> {
        let mut used = HashSet::new();
        for (name, location) in ir.declared_types() {
            let envelope_alias =
                name == crate::check::EVENT_ENVELOPE_ALIAS && ir.alias(name).is_some();
            if RESERVED_TYPE_NAMES.contains(&name.as_str()) && !envelope_alias {
                return Err(CompileError::new(
                    location.clone(),
                    format!("`{name}` cannot be a contracts-core mirror type name: the generated Rust uses it already; rename the type"),
                ));
            }
            if !is_rust_type_ident(name) {
                return Err(CompileError::new(
                    location.clone(),
                    format!("`{name}` is not usable as a Rust type name in the contracts-core mirror; use a PascalCase name"),
                ));
            }
            used.insert(name.clone());
        }
        for reserved in RESERVED_TYPE_NAMES {
            used.insert((*reserved).to_string());
        }
        let mut direct: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for class in &ir.classes {
            let entry = direct.entry(class.name.clone()).or_default();
            for field in &class.fields {
                direct_refs(&field.ty, entry);
            }
        }
        for alias in &ir.type_aliases {
            direct_refs(&alias.ty, direct.entry(alias.name.clone()).or_default());
        }
        let gen = Self {
            ir,
            events,
            out: String::new(),
            used,
            literals: BTreeMap::new(),
            pending: Vec::new(),
            direct,
        };
        gen.check_alias_cycles()?;
        Ok(gen)
    }

    /// A Rust `type` alias cannot be recursive; only union aliases (enums) may be.
    fn check_alias_cycles(&self) -> Result<(), CompileError> {
        for alias in &self.ir.type_aliases {
            if self.alias_is_enum(&alias.name) || self.format_alias(&alias.name).is_some() {
                continue;
            }
            let mut stack = vec![&alias.ty];
            let mut seen = BTreeSet::new();
            while let Some(ty) = stack.pop() {
                let mut names = BTreeSet::new();
                all_refs(ty, &mut names);
                for name in names {
                    if name == alias.name {
                        return Err(CompileError::new(alias.location.clone(), format!("type alias `{}` is recursive; the contracts-core mirror cannot express a recursive non-union alias (make it a class or a union)", alias.name)));
                    }
                    if let Some(next) = self.ir.alias(&name) {
                        if !self.alias_is_enum(&name) && seen.insert(name.clone()) {
                            stack.push(&next.ty);
                        }
                    }
                }
            }
        }
        Ok(())
    }

    fn alias_is_enum(&self, name: &str) -> bool {
        self.ir
            .alias(name)
            .is_some_and(|a| matches!(a.ty, TypeExpr::Union { .. }))
            || (name == crate::check::EVENT_ENVELOPE_ALIAS && !self.events.is_empty())
    }

    /// The Rust type of a format alias (`Uuid` → `::uuid::Uuid`), when `name` is one.
    fn format_alias(&self, name: &str) -> Option<&'static str> {
        Some(match crate::wire::format_alias(self.ir, name)? {
            Format::Uuid => "::uuid::Uuid",
            Format::Timestamp => "::chrono::DateTime<::chrono::FixedOffset>",
            Format::Date => "::chrono::NaiveDate",
        })
    }

    /// True when `from` reaches `to` through direct references (so a direct
    /// reference from `to` to `from` closes an infinitely sized cycle).
    fn reaches(&self, from: &str, to: &str) -> bool {
        let mut stack = vec![from.to_string()];
        let mut seen = BTreeSet::new();
        while let Some(name) = stack.pop() {
            if name == to {
                return true;
            }
            if !seen.insert(name.clone()) {
                continue;
            }
            if let Some(next) = self.direct.get(&name) {
                stack.extend(next.iter().cloned());
            }
        }
        false
    }

    fn fresh(&mut self, base: &str) -> String {
        let mut name = base.to_string();
        let mut n = 2;
        while self.used.contains(&name) {
            name = format!("{base}{n}");
            n += 1;
        }
        self.used.insert(name.clone());
        name
    }

    fn render(&mut self) -> Result<(), CompileError> {
        self.out.push_str(GENERATED_HEADER);
        self.out.push_str(
            "\nuse schemars::JsonSchema;\nuse serde::{Deserialize, Serialize};\nuse std::collections::BTreeMap;\n",
        );
        for alias in &self.ir.type_aliases {
            if let Some(rust) = self.format_alias(&alias.name) {
                self.out.push('\n');
                let mut doc = alias.description.clone().unwrap_or_default();
                push_para(
                    &mut doc,
                    &format!("BAML `type {} = string` with a wire format: serialises canonically, may accept more forms on input than the validator.", alias.name),
                );
                push_doc(&mut self.out, "", &doc);
                let _ = writeln!(self.out, "pub type {} = {rust};", alias.name);
            }
        }
        for e in &self.ir.enums {
            self.render_enum(e);
        }
        for class in &self.ir.classes {
            self.render_class(class)?;
            self.flush_pending()?;
        }
        for alias in &self.ir.type_aliases {
            if self.format_alias(&alias.name).is_some()
                || (alias.name == crate::check::EVENT_ENVELOPE_ALIAS && !self.events.is_empty())
            {
                continue;
            }
            let doc = alias.description.clone().unwrap_or_default();
            if let TypeExpr::Union { members } = &alias.ty {
                self.pending.push(PendingUnion {
                    name: alias.name.clone(),
                    members: members.clone(),
                    container: Some(alias.name.clone()),
                    doc,
                    location: alias.location.clone(),
                });
            } else {
                let ty =
                    self.rust_ty(&alias.ty, Some(&alias.name), &alias.name, &alias.location)?;
                self.out.push('\n');
                push_doc(&mut self.out, "", &doc);
                let _ = writeln!(self.out, "pub type {} = {ty};", alias.name);
            }
            self.flush_pending()?;
        }
        self.render_literals();
        if !self.events.is_empty() {
            self.render_envelope();
        }
        self.render_roundtrip();
        Ok(())
    }

    fn render_enum(&mut self, e: &crate::ir::Enum) {
        self.out.push('\n');
        let mut doc = e.description.clone().unwrap_or_default();
        if let Some(alias) = &e.alias {
            push_para(&mut doc, &alias_note(alias));
        }
        if e.dynamic {
            push_para(
                &mut doc,
                "`@@dynamic` in BAML: values added at runtime are not part of this type.",
            );
        }
        push_doc(&mut self.out, "", &doc);
        let _ = writeln!(self.out, "{DERIVE_ENUM}\npub enum {} {{", e.name);
        let mut variants = HashSet::new();
        for value in &e.values {
            let mut doc = value.description.clone().unwrap_or_default();
            if let Some(alias) = &value.alias {
                push_para(&mut doc, &alias_note(alias));
            }
            push_doc(&mut self.out, "    ", &doc);
            let variant = unique(&mut variants, &pascal_case(&value.name, "Value"));
            if variant != value.name {
                let _ = writeln!(self.out, "    #[serde(rename = {:?})]", value.name);
            }
            let _ = writeln!(self.out, "    {variant},");
        }
        self.out.push_str("}\n");
        let _ = writeln!(
            self.out,
            "\nimpl {} {{\n    /// The wire value.\n    pub const fn as_str(self) -> &'static str {{\n        match self {{",
            e.name
        );
        let mut variants = HashSet::new();
        for value in &e.values {
            let variant = unique(&mut variants, &pascal_case(&value.name, "Value"));
            let _ = writeln!(self.out, "            Self::{variant} => {:?},", value.name);
        }
        self.out.push_str("        }\n    }\n}\n");
    }

    fn is_envelope_class(&self, name: &str) -> bool {
        self.events.iter().any(|b| b.envelope_class == name)
    }

    fn render_class(&mut self, class: &Class) -> Result<(), CompileError> {
        let mut body = String::new();
        let mut idents = HashSet::new();
        let envelope = self.is_envelope_class(&class.name);
        for field in &class.fields {
            let mut doc = field.description.clone().unwrap_or_default();
            if envelope && field.name == "type" {
                push_para(&mut doc, "The event type. May be absent on input: inside [`EventEnvelope`] serde takes the `type` tag before this struct sees the object, and the literal's one value is filled in.");
            }
            if let Some(alias) = &field.alias {
                push_para(&mut doc, &alias_note(alias));
            }
            for c in &field.constraints {
                push_para(&mut doc, &constraint_note(c));
            }
            push_doc(&mut body, "    ", &doc);
            let hint = format!("{}{}", class.name, pascal_case(&field.name, "Field"));
            let (ident, raw_ok) = field_ident(&field.name, &mut idents);
            let mut attrs = Vec::new();
            if !raw_ok {
                attrs.push(format!("rename = {:?}", field.name));
            }
            let ty = match &field.ty {
                TypeExpr::Optional { inner } => {
                    attrs.push("default".into());
                    attrs.push("skip_serializing_if = \"Option::is_none\"".into());
                    let inner = strip_optional(inner);
                    format!(
                        "Option<{}>",
                        self.rust_ty(inner, Some(&class.name), &hint, &field.location)?
                    )
                }
                ty => {
                    let rust = self.rust_ty(ty, Some(&class.name), &hint, &field.location)?;
                    if envelope && field.name == "type" {
                        attrs.push("default".into());
                    }
                    rust
                }
            };
            if !attrs.is_empty() {
                let _ = writeln!(body, "    #[serde({})]", attrs.join(", "));
            }
            let _ = writeln!(body, "    pub {ident}: {ty},");
        }
        self.out.push('\n');
        let mut doc = class.description.clone().unwrap_or_default();
        if let Some(alias) = &class.alias {
            push_para(&mut doc, &alias_note(alias));
        }
        if class.dynamic {
            push_para(&mut doc, "`@@dynamic` in BAML: fields added at runtime are not part of this type (and are rejected, like every unknown field).");
        }
        for c in &class.constraints {
            push_para(&mut doc, &constraint_note(c));
        }
        push_doc(&mut self.out, "", &doc);
        let _ = writeln!(
            self.out,
            "{DERIVE_CLASS}\n#[serde(deny_unknown_fields)]\npub struct {} {{\n{body}}}",
            class.name
        );
        Ok(())
    }

    fn flush_pending(&mut self) -> Result<(), CompileError> {
        while !self.pending.is_empty() {
            let union = self.pending.remove(0);
            self.render_union(&union)?;
        }
        Ok(())
    }

    fn render_union(&mut self, union: &PendingUnion) -> Result<(), CompileError> {
        let mut members = Vec::new();
        flatten_union(&union.members, &mut members);
        // serde's untagged enums take the first variant that matches: an
        // integral number must be tried as `int` before `float`.
        if let (Some(i), Some(f)) = (
            members.iter().position(|m| is_primitive(m, "int")),
            members.iter().position(|m| is_primitive(m, "float")),
        ) {
            if f < i {
                let int = members.remove(i);
                members.insert(f, int);
            }
        }
        self.out.push('\n');
        let all_string_literals = members.iter().all(|m| {
            matches!(
                m,
                TypeExpr::Literal {
                    value: Literal::String(_)
                }
            )
        });
        let mut doc = union.doc.clone();
        if all_string_literals {
            push_doc(&mut self.out, "", &doc);
            let _ = writeln!(self.out, "{DERIVE_ENUM}\npub enum {} {{", union.name);
            let mut variants = HashSet::new();
            for m in &members {
                if let TypeExpr::Literal {
                    value: Literal::String(s),
                } = m
                {
                    let variant = unique(&mut variants, &pascal_case(s, "Value"));
                    if &variant != s {
                        let _ = writeln!(self.out, "    #[serde(rename = {s:?})]");
                    }
                    let _ = writeln!(self.out, "    {variant},");
                }
            }
            self.out.push_str("}\n");
            return Ok(());
        }
        push_para(
            &mut doc,
            "A BAML union: deserialising tries the variants in this order and takes the first that matches.",
        );
        let mut body = String::new();
        let mut variants = HashSet::new();
        for m in &members {
            let variant = unique(&mut variants, &self.variant_name(m));
            if is_primitive(m, "null") {
                let _ = writeln!(body, "    /// JSON `null`.\n    {variant},");
                continue;
            }
            let ty = self.rust_ty(
                m,
                union.container.as_deref(),
                &format!("{}{variant}", union.name),
                &union.location,
            )?;
            let _ = writeln!(body, "    {variant}({ty}),");
        }
        push_doc(&mut self.out, "", &doc);
        let _ = writeln!(
            self.out,
            "{DERIVE_CLASS}\n#[serde(untagged)]\npub enum {} {{\n{body}}}",
            union.name
        );
        Ok(())
    }

    fn variant_name(&mut self, ty: &TypeExpr) -> String {
        match ty {
            TypeExpr::Primitive { name } => pascal_case(name, "Value"),
            TypeExpr::Named { name } => name.clone(),
            TypeExpr::Literal { value } => {
                let name = self.literal_type(value);
                name.strip_suffix("Literal")
                    .filter(|s| !s.is_empty())
                    .unwrap_or(&name)
                    .to_string()
            }
            TypeExpr::List { items } => format!("{}List", self.variant_name(items)),
            TypeExpr::Map { value, .. } => format!("{}Map", self.variant_name(value)),
            TypeExpr::Optional { inner } => format!("Optional{}", self.variant_name(inner)),
            TypeExpr::Union { .. } => "Union".into(),
        }
    }

    /// The Rust type of `ty`. `container` is the class or alias whose size
    /// the value is part of (`None` behind a list or map).
    fn rust_ty(
        &mut self,
        ty: &TypeExpr,
        container: Option<&str>,
        hint: &str,
        location: &Location,
    ) -> Result<String, CompileError> {
        Ok(match ty {
            TypeExpr::Primitive { name } => match name.as_str() {
                "string" => "String".into(),
                "int" => "i64".into(),
                "float" => "f64".into(),
                "bool" => "bool".into(),
                "null" => "()".into(),
                media => {
                    return Err(CompileError::new(
                        location.clone(),
                        format!("`{media}` cannot cross the wire boundary: envelopes and DTOs must be JSON; use a URL string instead"),
                    ))
                }
            },
            TypeExpr::Literal { value } => self.literal_type(value),
            TypeExpr::Named { name } => {
                let known = self.ir.class(name).is_some()
                    || self.ir.enum_named(name).is_some()
                    || self.ir.alias(name).is_some();
                if !known {
                    return Err(CompileError::new(
                        location.clone(),
                        format!("unknown type `{name}`"),
                    ));
                }
                let boxed = self.ir.enum_named(name).is_none()
                    && self.format_alias(name).is_none()
                    && container.is_some_and(|c| self.reaches(name, c));
                if boxed {
                    format!("Box<{name}>")
                } else {
                    name.clone()
                }
            }
            TypeExpr::List { items } => format!(
                "Vec<{}>",
                self.rust_ty(items, None, &format!("{hint}Item"), location)?
            ),
            TypeExpr::Map { key, value } => {
                let key = match key.as_ref() {
                    TypeExpr::Primitive { name } if name == "string" => "String".to_string(),
                    TypeExpr::Named { name } if self.ir.enum_named(name).is_some() => name.clone(),
                    _ => {
                        return Err(CompileError::new(
                            location.clone(),
                            "map keys must be `string` or an enum (JSON object keys are strings)",
                        ))
                    }
                };
                format!(
                    "BTreeMap<{key}, {}>",
                    self.rust_ty(value, None, &format!("{hint}Value"), location)?
                )
            }
            TypeExpr::Optional { inner } => format!(
                "Option<{}>",
                self.rust_ty(strip_optional(inner), container, hint, location)?
            ),
            TypeExpr::Union { members } => {
                let name = self.fresh(hint);
                self.pending.push(PendingUnion {
                    name: name.clone(),
                    members: members.clone(),
                    container: container.map(str::to_string),
                    doc: String::new(),
                    location: location.clone(),
                });
                name
            }
        })
    }

    fn literal_type(&mut self, value: &Literal) -> String {
        let key = match value {
            Literal::String(s) => format!("s{s}"),
            Literal::Int(i) => format!("i{i}"),
            Literal::Bool(b) => format!("b{b}"),
        };
        if let Some((_, name)) = self.literals.get(&key) {
            return name.clone();
        }
        let base = match value {
            Literal::String(s) => format!("{}Literal", pascal_case(s, "Str")),
            Literal::Int(i) if *i < 0 => format!("IntMinus{}Literal", i.unsigned_abs()),
            Literal::Int(i) => format!("Int{i}Literal"),
            Literal::Bool(true) => "TrueLiteral".into(),
            Literal::Bool(false) => "FalseLiteral".into(),
        };
        let name = self.fresh(&base);
        self.literals.insert(key, (value.clone(), name.clone()));
        name
    }

    fn render_literals(&mut self) {
        let literals: Vec<(Literal, String)> = self.literals.values().cloned().collect();
        for (value, name) in literals {
            self.out.push('\n');
            match value {
                Literal::String(s) => {
                    let _ = writeln!(
                        self.out,
                        "/// The BAML literal type `{s:?}`: (de)serialises exactly this string.\n#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]\npub enum {name} {{\n    /// {s:?}\n    #[default]\n    #[serde(rename = {s:?})]\n    Value,\n}}"
                    );
                }
                Literal::Int(_) | Literal::Bool(_) => {
                    let (rust, shown, method, schema) = match value {
                        Literal::Int(i) => ("i64", i.to_string(), "serialize_i64", i.to_string()),
                        Literal::Bool(b) => {
                            ("bool", b.to_string(), "serialize_bool", b.to_string())
                        }
                        Literal::String(_) => unreachable!(),
                    };
                    let _ = writeln!(
                        self.out,
                        "/// The BAML literal type `{shown}`: (de)serialises exactly this value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct {name};

impl {name} {{
    /// The literal value.
    pub const VALUE: {rust} = {shown};
}}

impl Serialize for {name} {{
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {{
        serializer.{method}(Self::VALUE)
    }}
}}

impl<'de> Deserialize<'de> for {name} {{
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {{
        let value = {rust}::deserialize(deserializer)?;
        if value == Self::VALUE {{
            Ok(Self)
        }} else {{
            Err(serde::de::Error::custom(format_args!(\"expected exactly {shown}, got {{value}}\")))
        }}
    }}
}}

impl JsonSchema for {name} {{
    fn schema_name() -> std::borrow::Cow<'static, str> {{
        {name:?}.into()
    }}

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {{
        schemars::json_schema!({{ \"const\": {schema} }})
    }}
}}"
                    );
                }
            }
        }
    }

    fn render_envelope(&mut self) {
        let doc_of = |event_type: &str| {
            self.ir
                .enum_named(crate::check::EVENT_TYPE_ENUM)
                .and_then(|e| e.values.iter().find(|v| v.name == event_type))
                .and_then(|v| v.description.clone())
                .unwrap_or_default()
        };
        let variants: Vec<(String, &EventBinding, String)> = self
            .events
            .iter()
            .map(|b| {
                (
                    pascal_case(&b.event_type, "Event"),
                    b,
                    doc_of(&b.event_type),
                )
            })
            .collect();
        self.out.push_str("\n/// Every real-time event envelope, selected by its `type`.\n///\n/// Deserialising uses serde's internally tagged representation, which\n/// buffers the whole envelope (into serde's private content tree) before it\n/// can pick the variant: this is the convenience API, not the validator's\n/// fast path. Validate untrusted input with [`crate::validate_envelope`]\n/// (exact JSON Pointer issues, producer or consumer rules) and deserialise\n/// afterwards. Serialising writes the variant's envelope struct, `type`\n/// first, so the wire form round-trips.\n");
        let _ = writeln!(
            self.out,
            "#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]\n#[serde(tag = \"type\")]\npub enum EventEnvelope {{"
        );
        for (variant, b, doc) in &variants {
            push_doc(&mut self.out, "    ", doc);
            let _ = writeln!(
                self.out,
                "    #[serde(rename = {:?})]\n    {variant}({}),",
                b.event_type, b.envelope_class
            );
        }
        self.out.push_str("}\n\nimpl Serialize for EventEnvelope {\n    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {\n        match self {\n");
        for (variant, _, _) in &variants {
            let _ = writeln!(
                self.out,
                "            Self::{variant}(envelope) => envelope.serialize(serializer),"
            );
        }
        self.out.push_str("        }\n    }\n}\n\nimpl EventEnvelope {\n    /// The wire `type` (an `EventType` value).\n    pub const fn event_type(&self) -> &'static str {\n        match self {\n");
        for (variant, b, _) in &variants {
            let _ = writeln!(
                self.out,
                "            Self::{variant}(_) => {:?},",
                b.event_type
            );
        }
        self.out.push_str("        }\n    }\n\n    /// The `contracts_version` the producer put in the envelope.\n    pub fn contracts_version(&self) -> &str {\n        match self {\n");
        for (variant, _, _) in &variants {
            let _ = writeln!(
                self.out,
                "            Self::{variant}(envelope) => &envelope.contracts_version,"
            );
        }
        let _ = write!(
            self.out,
            "        }}\n    }}\n\n    /// The envelope metadata.\n    pub const fn meta(&self) -> &{} {{\n        match self {{\n",
            crate::check::EVENT_META_CLASS
        );
        for (variant, _, _) in &variants {
            let _ = writeln!(
                self.out,
                "            Self::{variant}(envelope) => &envelope.meta,"
            );
        }
        self.out.push_str("        }\n    }\n}\n");
        for (variant, b, _) in &variants {
            let _ = writeln!(
                self.out,
                "\nimpl From<{class}> for EventEnvelope {{\n    fn from(envelope: {class}) -> Self {{\n        Self::{variant}(envelope)\n    }}\n}}",
                class = b.envelope_class
            );
        }
    }

    fn render_roundtrip(&mut self) {
        self.out.push_str("\n/// Deserialises `value` as the mirror type of the BAML class, enum or alias\n/// `name` (or `\"EventEnvelope\"`) and serialises it back; `None` when\n/// `name` is not a type of the contract. Used by the round-trip tests.\npub fn roundtrip_json(\n    name: &str,\n    value: serde_json::Value,\n) -> Option<Result<serde_json::Value, serde_json::Error>> {\n    fn roundtrip<T: serde::de::DeserializeOwned + Serialize>(\n        value: serde_json::Value,\n    ) -> Result<serde_json::Value, serde_json::Error> {\n        serde_json::to_value(serde_json::from_value::<T>(value)?)\n    }\n    Some(match name {\n");
        let mut names: Vec<&str> = self
            .ir
            .classes
            .iter()
            .map(|c| c.name.as_str())
            .chain(self.ir.enums.iter().map(|e| e.name.as_str()))
            .chain(self.ir.type_aliases.iter().map(|a| a.name.as_str()))
            .collect();
        if !self.events.is_empty() && !names.contains(&crate::check::EVENT_ENVELOPE_ALIAS) {
            names.push(crate::check::EVENT_ENVELOPE_ALIAS);
        }
        names.sort_unstable();
        for name in names {
            let _ = writeln!(self.out, "        {name:?} => roundtrip::<{name}>(value),");
        }
        self.out.push_str("        _ => return None,\n    })\n}\n");
    }
}

/// Class and alias names `ty` refers to without a list or map in between.
fn direct_refs(ty: &TypeExpr, out: &mut BTreeSet<String>) {
    match ty {
        TypeExpr::Named { name } => {
            out.insert(name.clone());
        }
        TypeExpr::Optional { inner } => direct_refs(inner, out),
        TypeExpr::Union { members } => {
            for m in members {
                direct_refs(m, out);
            }
        }
        TypeExpr::Primitive { .. }
        | TypeExpr::Literal { .. }
        | TypeExpr::List { .. }
        | TypeExpr::Map { .. } => {}
    }
}

/// Every name `ty` refers to.
fn all_refs(ty: &TypeExpr, out: &mut BTreeSet<String>) {
    out.extend(ty.names().into_iter().map(String::from));
}

fn flatten_union(members: &[TypeExpr], out: &mut Vec<TypeExpr>) {
    for m in members {
        match m {
            TypeExpr::Union { members } => flatten_union(members, out),
            m if !out.contains(m) => out.push(m.clone()),
            _ => {}
        }
    }
}

/// `T??` is `T?` on the wire.
fn strip_optional(ty: &TypeExpr) -> &TypeExpr {
    match ty {
        TypeExpr::Optional { inner } => strip_optional(inner),
        ty => ty,
    }
}

fn is_primitive(ty: &TypeExpr, primitive: &str) -> bool {
    matches!(ty, TypeExpr::Primitive { name } if name == primitive)
}

fn is_rust_type_ident(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !RUST_KEYWORDS.contains(&name)
}

/// `UPPER_SNAKE`, `snake_case`, `kebab-case` or `camelCase` → `PascalCase`;
/// `prefix` is prepended when the result would not start with a letter.
fn pascal_case(s: &str, prefix: &str) -> String {
    let mut out = String::new();
    for segment in s.split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut chars = segment.chars();
        let Some(first) = chars.next() else { continue };
        out.push(first.to_ascii_uppercase());
        let rest: String = chars.collect();
        if segment.chars().any(|c| c.is_ascii_lowercase()) {
            out.push_str(&rest);
        } else {
            out.push_str(&rest.to_ascii_lowercase());
        }
    }
    if !out.starts_with(|c: char| c.is_ascii_alphabetic()) {
        out.insert_str(0, prefix);
    }
    out
}

/// `camelCase` / anything → `snake_case`.
fn snake_case(s: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in s.chars() {
        if c.is_ascii_uppercase() {
            if prev_lower {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            prev_lower = false;
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        } else {
            out.push('_');
            prev_lower = false;
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert_str(0, "field_");
    }
    out
}

/// The Rust identifier of a field, and whether serde derives the wire name
/// from it (else it needs `rename`).
fn field_ident(name: &str, used: &mut HashSet<String>) -> (String, bool) {
    let snake = snake_case(name);
    let (ident, exact) = if NOT_RAW.contains(&snake.as_str()) {
        (format!("{snake}_"), false)
    } else if RUST_KEYWORDS.contains(&snake.as_str()) {
        (format!("r#{snake}"), snake == name)
    } else {
        (snake.clone(), snake == name)
    };
    let unique_ident = unique(used, &ident);
    let exact = exact && unique_ident == ident;
    (unique_ident, exact)
}

fn unique(used: &mut HashSet<String>, base: &str) -> String {
    let mut name = base.to_string();
    let mut n = 2;
    while used.contains(&name) {
        name = format!("{base}{n}");
        n += 1;
    }
    used.insert(name.clone());
    name
}

fn alias_note(alias: &str) -> String {
    format!("BAML `@alias({alias:?})`: the name the LLM sees; the wire name is unchanged.")
}

fn constraint_note(c: &crate::ir::Constraint) -> String {
    let name = c
        .name
        .as_deref()
        .map(|n| format!("{n}, "))
        .unwrap_or_default();
    format!(
        "BAML `@{}({name}{{{{ {} }}}})`: not enforced by this type.",
        c.kind, c.expression
    )
}

fn push_para(doc: &mut String, text: &str) {
    if !doc.trim().is_empty() {
        doc.push_str("\n\n");
    }
    doc.push_str(text);
}

/// Writes `doc` as `///` lines. Lines are trimmed (an indented line would be
/// a rustdoc code block, i.e. a doctest) and code fences are broken up.
fn push_doc(out: &mut String, indent: &str, doc: &str) {
    let doc = doc.trim();
    if doc.is_empty() {
        return;
    }
    for line in doc.lines() {
        let line = line.trim().replace("```", "`\u{200b}`\u{200b}`");
        if line.is_empty() {
            let _ = writeln!(out, "{indent}///");
        } else {
            let _ = writeln!(out, "{indent}/// {line}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ir(src: &str) -> Ir {
        let mut ir = Ir::default();
        crate::parser::parse_file("t.baml", src, &mut ir).unwrap();
        assert!(crate::check::cross_check(&ir).is_empty());
        ir
    }

    const SRC: &str = r#"
type Uuid = string
type Timestamp = string

enum Color {
  @@description("A colour.")
  DARK_RED @description("Deep red.")
  BLUE @alias("azure")
  GONE @skip
}

/// A node of a tree.
class Node {
  id Uuid
  type "node" @description("Discriminator.")
  label string? @alias("name")
  parent Node?
  children Node[]
  weight int | float | null
  tags map<string, Color>
  by_color map<Color, int>
  at Timestamp
  next Node | Leaf
}

class Leaf {
  answer 42
  yes true
  mood "happy" | "sad"
}
"#;

    #[test]
    fn renders_every_kind_of_type() {
        let ir = ir(SRC);
        let out = mirror_rs(&ir, &[]).unwrap();
        assert!(out.starts_with(GENERATED_HEADER));
        for expected in [
            "pub type Uuid = ::uuid::Uuid;",
            "pub type Timestamp = ::chrono::DateTime<::chrono::FixedOffset>;",
            // enums: PascalCase variants renamed to the exact wire value; @skip values kept (prompt-only)
            "/// A colour.\n#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]\npub enum Color {",
            "    /// Deep red.\n    #[serde(rename = \"DARK_RED\")]\n    DarkRed,",
            "    /// BAML `@alias(\"azure\")`: the name the LLM sees; the wire name is unchanged.\n    #[serde(rename = \"BLUE\")]\n    Blue,",
            // classes: closed, doc comments, keyword fields, optional fields
            "/// A node of a tree.\n#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]\n#[serde(deny_unknown_fields)]\npub struct Node {",
            "    /// Discriminator.\n    pub r#type: NodeLiteral,",
            "    #[serde(default, skip_serializing_if = \"Option::is_none\")]\n    pub label: Option<String>,",
            // recursion: boxed when direct, not behind a list
            "    pub parent: Option<Box<Node>>,",
            "    pub children: Vec<Node>,",
            "    pub tags: BTreeMap<String, Color>,",
            "    pub by_color: BTreeMap<Color, i64>,",
            "    pub at: Timestamp,",
            // unions: untagged, int before float, null as a unit variant, boxed member
            "    pub weight: NodeWeight,",
            "#[serde(untagged)]\npub enum NodeWeight {\n    Int(i64),\n    Float(f64),\n    /// JSON `null`.\n    Null,\n}",
            "    pub next: NodeNext,",
            "#[serde(untagged)]\npub enum NodeNext {\n    Node(Box<Node>),\n    Leaf(Leaf),\n}",
            // a union of string literals is a plain enum
            "pub enum LeafMood {\n    #[serde(rename = \"happy\")]\n    Happy,\n    #[serde(rename = \"sad\")]\n    Sad,\n}",
            // literals
            "pub enum NodeLiteral {\n    /// \"node\"\n    #[default]\n    #[serde(rename = \"node\")]\n    Value,\n}",
            "pub struct Int42Literal;",
            "pub const VALUE: i64 = 42;",
            "pub struct TrueLiteral;",
            "        \"Node\" => roundtrip::<Node>(value),",
        ] {
            assert!(out.contains(expected), "missing:\n{expected}\n--- in ---\n{out}");
        }
        assert!(
            out.contains("Gone"),
            "@skip only hides a value from the LLM; the wire keeps it"
        );
        assert!(
            !out.contains("pub enum EventEnvelope"),
            "no events, no envelope"
        );
    }

    #[test]
    fn renders_the_event_envelope() {
        let src = r#"
enum EventType {
  PING @description("A ping.")
}
class EventMeta {
  event_id string
}
class Ping {
  n int
}
class PingEvent {
  type "PING"
  contracts_version string
  payload Ping
  meta EventMeta
}
type EventEnvelope = PingEvent
"#;
        let ir = ir(src);
        let events = crate::check::event_bindings(&ir).unwrap();
        let out = mirror_rs(&ir, &events).unwrap();
        for expected in [
            "#[serde(tag = \"type\")]\npub enum EventEnvelope {\n    /// A ping.\n    #[serde(rename = \"PING\")]\n    Ping(PingEvent),\n}",
            "    #[serde(default)]\n    pub r#type: PingLiteral,",
            "    /// The event type. May be absent on input",
            "            Self::Ping(envelope) => envelope.serialize(serializer),",
            "impl From<PingEvent> for EventEnvelope {",
            "        \"EventEnvelope\" => roundtrip::<EventEnvelope>(value),",
        ] {
            assert!(out.contains(expected), "missing:\n{expected}\n--- in ---\n{out}");
        }
        assert!(
            !out.contains("pub type EventEnvelope"),
            "the alias is replaced by the tagged enum"
        );
    }

    #[test]
    fn rejects_names_the_generated_code_uses() {
        let ir = ir("class String {\n  a int\n}");
        let err = mirror_rs(&ir, &[]).unwrap_err();
        assert!(err.message.contains("`String` cannot be"), "{err:?}");
    }

    #[test]
    fn identifiers() {
        assert_eq!(pascal_case("AI_ASSISTANT", "V"), "AiAssistant");
        assert_eq!(pascal_case("inProgress", "V"), "InProgress");
        assert_eq!(pascal_case("2fa", "V"), "V2fa");
        let mut used = HashSet::new();
        assert_eq!(field_ident("type", &mut used), ("r#type".into(), true));
        assert_eq!(field_ident("self", &mut used), ("self_".into(), false));
        assert_eq!(field_ident("fooBar", &mut used), ("foo_bar".into(), false));
        assert_eq!(
            field_ident("foo_bar", &mut used),
            ("foo_bar2".into(), false)
        );
    }
}
