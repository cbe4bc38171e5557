//! Generates the contracts-core mirror types (`src/generated/mirror.rs`):
//! one serde + schemars Rust type per class, enum and alias of the contract,
//! and the `EventEnvelope` enum over every event. The Rust is built as tokens
//! with `quote!` and printed with `prettyplease`, as oxc's `ast_tools` do.
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
//! - literal types are the core's generic `contracts_core::literal` types
//!   (`IntLiteral<42>`, `BoolLiteral<true>`, `StrLiteral<Marker>`, with one
//!   marker type per string literal), which (de)serialise exactly that literal;
//! - unions become `#[serde(untagged)]` enums (a union of string literals a
//!   plain string enum), named after where they occur (`ChatMessageContent`);
//! - a class reference that closes a cycle without a list or map in between
//!   is boxed.

mod envelope;
mod idents;
mod print;

use crate::codegen::GENERATED_HEADER;
use crate::error::{CompileError, Location};
use crate::events::{EventBinding, EVENT_ENVELOPE_ALIAS};
use crate::ir::{visit, Class, Enum, Ir, JsonScalar, Literal, Primitive, TypeExpr};
use crate::wire::Format;
use idents::{field_ident, ident, is_rust_type_ident, pascal_case, unique, RESERVED_TYPE_NAMES};
use print::{alias_note, constraint_note, doc_attrs, print, push_para};
use proc_macro2::TokenStream;
use quote::quote;
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// Renders `mirror.rs` for contracts-core.
pub fn mirror_rs(ir: &Ir, events: &[EventBinding]) -> Result<String, CompileError> {
    let mut gen = Gen::new(ir, events)?;
    let items = gen.render()?;
    let file: syn::File = syn::parse2(items).expect("the mirror generator builds valid Rust");
    Ok(format!("{GENERATED_HEADER}\n{}", print(file)))
}

/// Derives of a type whose values are names (enums, literal unions).
fn derive_names() -> TokenStream {
    quote! {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[derive(Serialize, Deserialize, JsonSchema)]
    }
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

/// Which of the core's generic literal types the mirror uses (and so imports).
#[derive(Default)]
struct LiteralKinds {
    string: bool,
    int: bool,
    bool: bool,
}

struct Gen<'a> {
    ir: &'a Ir,
    events: &'a [EventBinding],
    /// Every type name taken so far (IR names, generated names).
    used: HashSet<String>,
    /// String literal value -> the name of its marker type.
    string_literals: BTreeMap<String, String>,
    literal_kinds: LiteralKinds,
    pending: Vec<PendingUnion>,
    /// Direct (unboxed, not behind a list or map) references between classes and aliases.
    direct: BTreeMap<String, BTreeSet<String>>,
}

impl<'a> Gen<'a> {
    fn new(ir: &'a Ir, events: &'a [EventBinding]) -> Result<Self, CompileError> {
        let mut used = HashSet::new();
        for (name, location) in ir.declared_types() {
            let envelope_alias = name == EVENT_ENVELOPE_ALIAS && ir.alias(name).is_some();
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
                entry.extend(visit::direct_names(&field.ty).into_iter().map(String::from));
            }
        }
        for alias in &ir.type_aliases {
            let entry = direct.entry(alias.name.clone()).or_default();
            entry.extend(visit::direct_names(&alias.ty).into_iter().map(String::from));
        }
        let gen = Self {
            ir,
            events,
            used,
            string_literals: BTreeMap::new(),
            literal_kinds: LiteralKinds::default(),
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
                let names: BTreeSet<&str> = ty.names().into_iter().collect();
                for name in names {
                    if name == alias.name {
                        return Err(CompileError::new(alias.location.clone(), format!("type alias `{}` is recursive; the contracts-core mirror cannot express a recursive non-union alias (make it a class or a union)", alias.name)));
                    }
                    if let Some(next) = self.ir.alias(name) {
                        if !self.alias_is_enum(name) && seen.insert(name) {
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
            || self.is_envelope_alias(name)
    }

    /// True for `EventEnvelope` when there are events: the mirror replaces
    /// the alias with a tagged enum.
    fn is_envelope_alias(&self, name: &str) -> bool {
        name == EVENT_ENVELOPE_ALIAS && !self.events.is_empty()
    }

    /// The Rust type of a format alias (`Uuid` → `::uuid::Uuid`), when `name` is one.
    fn format_alias(&self, name: &str) -> Option<TokenStream> {
        Some(match crate::wire::format_alias(self.ir, name)? {
            Format::Uuid => quote!(::uuid::Uuid),
            Format::Timestamp => quote!(::chrono::DateTime<::chrono::FixedOffset>),
            Format::Date => quote!(::chrono::NaiveDate),
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
        unique(&mut self.used, base)
    }

    fn render(&mut self) -> Result<TokenStream, CompileError> {
        let mut items = Vec::new();
        for alias in &self.ir.type_aliases {
            if let Some(rust) = self.format_alias(&alias.name) {
                let mut doc = alias.description.clone().unwrap_or_default();
                push_para(
                    &mut doc,
                    &format!("BAML `type {} = string` with a wire format: serialises canonically, may accept more forms on input than the validator.", alias.name),
                );
                let (doc, name) = (doc_attrs(&doc), ident(&alias.name));
                items.push(quote! { #doc pub type #name = #rust; });
            }
        }
        for e in &self.ir.enums {
            items.push(render_enum(e));
        }
        for class in &self.ir.classes {
            items.push(self.render_class(class)?);
            items.extend(self.flush_pending()?);
        }
        for alias in &self.ir.type_aliases {
            if self.format_alias(&alias.name).is_some() || self.is_envelope_alias(&alias.name) {
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
                let (doc, name) = (doc_attrs(&doc), ident(&alias.name));
                items.push(quote! { #doc pub type #name = #ty; });
            }
            items.extend(self.flush_pending()?);
        }
        items.extend(self.render_string_literals());
        if !self.events.is_empty() {
            items.push(self.render_envelope());
        }
        items.push(self.render_roundtrip());
        let literals = self.literal_imports();
        Ok(quote! {
            #literals
            use schemars::JsonSchema;
            use serde::{Deserialize, Serialize};
            use std::collections::BTreeMap;
            #(#items)*
        })
    }

    /// `use crate::literal::{…};` for the literal types the mirror uses.
    fn literal_imports(&self) -> TokenStream {
        let kinds = &self.literal_kinds;
        let mut names = Vec::new();
        if kinds.bool {
            names.push(quote!(BoolLiteral));
        }
        if kinds.int {
            names.push(quote!(IntLiteral));
        }
        if kinds.string {
            names.push(quote!(StrLiteral));
            names.push(quote!(StrValue));
        }
        if names.is_empty() {
            TokenStream::new()
        } else {
            quote! { use crate::literal::{#(#names),*}; }
        }
    }

    fn is_envelope_class(&self, name: &str) -> bool {
        self.events.iter().any(|b| b.envelope_class == name)
    }

    fn render_class(&mut self, class: &Class) -> Result<TokenStream, CompileError> {
        let mut fields = Vec::new();
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
            let hint = format!("{}{}", class.name, pascal_case(&field.name, "Field"));
            let (name, raw_ok) = field_ident(&field.name, &mut idents);
            let mut serde = Vec::new();
            if !raw_ok {
                let wire = &field.name;
                serde.push(quote!(rename = #wire));
            }
            let ty = match &field.ty {
                TypeExpr::Optional { inner } => {
                    serde.push(quote!(default));
                    serde.push(quote!(skip_serializing_if = "Option::is_none"));
                    let inner = strip_optional(inner);
                    let inner = self.rust_ty(inner, Some(&class.name), &hint, &field.location)?;
                    quote!(Option<#inner>)
                }
                ty => {
                    let rust = self.rust_ty(ty, Some(&class.name), &hint, &field.location)?;
                    if envelope && field.name == "type" {
                        serde.push(quote!(default));
                    }
                    rust
                }
            };
            let serde = (!serde.is_empty()).then(|| quote! { #[serde(#(#serde),*)] });
            let (doc, name) = (doc_attrs(&doc), ident(&name));
            fields.push(quote! { #doc #serde pub #name: #ty });
        }
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
        let (doc, name) = (doc_attrs(&doc), ident(&class.name));
        Ok(quote! {
            #doc
            #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
            #[serde(deny_unknown_fields)]
            pub struct #name { #(#fields,)* }
        })
    }

    fn flush_pending(&mut self) -> Result<Vec<TokenStream>, CompileError> {
        let mut items = Vec::new();
        while !self.pending.is_empty() {
            let union = self.pending.remove(0);
            items.push(self.render_union(&union)?);
        }
        Ok(items)
    }

    fn render_union(&mut self, union: &PendingUnion) -> Result<TokenStream, CompileError> {
        let mut members = Vec::new();
        flatten_union(&union.members, &mut members);
        // serde's untagged enums take the first variant that matches: an
        // integral number must be tried as `int` before `float`.
        if let (Some(i), Some(f)) = (
            members.iter().position(|m| is_primitive(m, Primitive::Int)),
            members
                .iter()
                .position(|m| is_primitive(m, Primitive::Float)),
        ) {
            if f < i {
                let int = members.remove(i);
                members.insert(f, int);
            }
        }
        let name = ident(&union.name);
        let strings: Option<Vec<&String>> = members.iter().map(string_literal).collect();
        if let Some(strings) = strings {
            // A union of string literals is a plain string enum.
            let mut used = HashSet::new();
            let variants = strings.into_iter().map(|s| {
                let variant = unique(&mut used, &pascal_case(s, "Value"));
                let rename = (&variant != s).then(|| quote! { #[serde(rename = #s)] });
                let variant = ident(&variant);
                quote! { #rename #variant }
            });
            let (doc, derive) = (doc_attrs(&union.doc), derive_names());
            return Ok(quote! {
                #doc
                #derive
                pub enum #name { #(#variants,)* }
            });
        }
        let mut doc = union.doc.clone();
        push_para(
            &mut doc,
            "A BAML union: deserialising tries the variants in this order and takes the first that matches.",
        );
        let mut variants = Vec::new();
        let mut used = HashSet::new();
        for m in &members {
            let variant = unique(&mut used, &self.variant_name(m));
            let hint = format!("{}{variant}", union.name);
            let variant = ident(&variant);
            if is_primitive(m, Primitive::Null) {
                variants.push(quote! {
                    /// JSON `null`.
                    #variant
                });
                continue;
            }
            let ty = self.rust_ty(m, union.container.as_deref(), &hint, &union.location)?;
            variants.push(quote! { #variant(#ty) });
        }
        let doc = doc_attrs(&doc);
        Ok(quote! {
            #doc
            #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
            #[serde(untagged)]
            pub enum #name { #(#variants,)* }
        })
    }

    fn variant_name(&mut self, ty: &TypeExpr) -> String {
        match ty {
            TypeExpr::Primitive { name } => pascal_case(name.as_str(), "Value"),
            TypeExpr::Named { name } => name.clone(),
            TypeExpr::Literal { value } => {
                let name = match value {
                    Literal::String(s) => self.string_literal_marker(s),
                    Literal::Int(_) | Literal::Bool(_) => literal_base_name(value),
                };
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
    ) -> Result<TokenStream, CompileError> {
        Ok(match ty {
            TypeExpr::Primitive { name } => match name.json() {
                Some(JsonScalar::String) => quote!(String),
                Some(JsonScalar::Int) => quote!(i64),
                Some(JsonScalar::Float) => quote!(f64),
                Some(JsonScalar::Bool) => quote!(bool),
                Some(JsonScalar::Null) => quote!(()),
                None => {
                    return Err(CompileError::new(
                        location.clone(),
                        format!("`{name}` cannot cross the wire boundary: envelopes and DTOs must be JSON; use a URL string instead"),
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
                let name = ident(name);
                if boxed {
                    quote!(Box<#name>)
                } else {
                    quote!(#name)
                }
            }
            TypeExpr::List { items } => {
                let items = self.rust_ty(items, None, &format!("{hint}Item"), location)?;
                quote!(Vec<#items>)
            }
            TypeExpr::Map { key, value } => {
                let enum_key = key.as_named().filter(|n| self.ir.enum_named(n).is_some());
                let key = if let Some(name) = enum_key {
                    let name = ident(name);
                    quote!(#name)
                } else if is_primitive(key, Primitive::String) {
                    quote!(String)
                } else {
                    return Err(CompileError::new(
                        location.clone(),
                        "map keys must be `string` or an enum (JSON object keys are strings)",
                    ));
                };
                let value = self.rust_ty(value, None, &format!("{hint}Value"), location)?;
                quote!(BTreeMap<#key, #value>)
            }
            TypeExpr::Optional { inner } => {
                let inner = self.rust_ty(strip_optional(inner), container, hint, location)?;
                quote!(Option<#inner>)
            }
            TypeExpr::Union { members } => {
                let name = self.fresh(hint);
                self.pending.push(PendingUnion {
                    name: name.clone(),
                    members: members.clone(),
                    container: container.map(str::to_string),
                    doc: String::new(),
                    location: location.clone(),
                });
                let name = ident(&name);
                quote!(#name)
            }
        })
    }

    /// The core's literal type for `value`: `IntLiteral<42>`,
    /// `BoolLiteral<true>` or `StrLiteral<Marker>`.
    fn literal_type(&mut self, value: &Literal) -> TokenStream {
        match value {
            Literal::String(s) => {
                self.literal_kinds.string = true;
                let marker = ident(&self.string_literal_marker(s));
                quote!(StrLiteral<#marker>)
            }
            Literal::Int(i) => {
                self.literal_kinds.int = true;
                let magnitude = proc_macro2::Literal::u64_unsuffixed(i.unsigned_abs());
                if *i < 0 {
                    quote!(IntLiteral<-#magnitude>)
                } else {
                    quote!(IntLiteral<#magnitude>)
                }
            }
            Literal::Bool(b) => {
                self.literal_kinds.bool = true;
                quote!(BoolLiteral<#b>)
            }
        }
    }

    /// The marker type naming the string literal `s` (declared once by
    /// [`Self::render_string_literals`]).
    fn string_literal_marker(&mut self, s: &str) -> String {
        if let Some(name) = self.string_literals.get(s) {
            return name.clone();
        }
        let name = self.fresh(&literal_base_name(&Literal::String(s.to_string())));
        self.string_literals.insert(s.to_string(), name.clone());
        name
    }

    fn render_string_literals(&self) -> Vec<TokenStream> {
        self.string_literals
            .iter()
            .map(|(value, marker)| {
                let doc = doc_attrs(&format!(
                    "The BAML literal type `{value:?}` is `StrLiteral<{marker}>`: it (de)serialises exactly this string."
                ));
                let marker = ident(marker);
                quote! {
                    #doc
                    pub enum #marker {}
                    impl StrValue for #marker {
                        const VALUE: &'static str = #value;
                    }
                }
            })
            .collect()
    }
}

fn render_enum(e: &Enum) -> TokenStream {
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
    let mut used = HashSet::new();
    let mut variants = Vec::new();
    let mut declared = Vec::new();
    for value in &e.values {
        let mut doc = value.description.clone().unwrap_or_default();
        if let Some(alias) = &value.alias {
            push_para(&mut doc, &alias_note(alias));
        }
        let variant = unique(&mut used, &pascal_case(&value.name, "Value"));
        let wire = &value.name;
        let rename = (variant != *wire).then(|| quote! { #[serde(rename = #wire)] });
        let (doc, variant) = (doc_attrs(&doc), ident(&variant));
        declared.push(quote! { #doc #rename #variant });
        variants.push(variant);
    }
    let wire = e.values.iter().map(|v| &v.name);
    let (doc, name, derive) = (doc_attrs(&doc), ident(&e.name), derive_names());
    quote! {
        #doc
        #derive
        pub enum #name { #(#declared,)* }

        impl #name {
            /// The wire value.
            pub const fn as_str(self) -> &'static str {
                match self {
                    #(Self::#variants => #wire,)*
                }
            }
        }
    }
}

/// The name a literal's type had when the mirror declared one per literal
/// (`PingLiteral`, `Int42Literal`, `TrueLiteral`): the marker of a string
/// literal, and the base of a union variant's name.
fn literal_base_name(value: &Literal) -> String {
    match value {
        Literal::String(s) => format!("{}Literal", pascal_case(s, "Str")),
        Literal::Int(i) if *i < 0 => format!("IntMinus{}Literal", i.unsigned_abs()),
        Literal::Int(i) => format!("Int{i}Literal"),
        Literal::Bool(true) => "TrueLiteral".into(),
        Literal::Bool(false) => "FalseLiteral".into(),
    }
}

fn string_literal(ty: &TypeExpr) -> Option<&String> {
    match ty {
        TypeExpr::Literal { value } => match value {
            Literal::String(s) => Some(s),
            Literal::Int(_) | Literal::Bool(_) => None,
        },
        TypeExpr::Primitive { .. }
        | TypeExpr::Named { .. }
        | TypeExpr::List { .. }
        | TypeExpr::Map { .. }
        | TypeExpr::Union { .. }
        | TypeExpr::Optional { .. } => None,
    }
}

/// The members of a union with nested unions flattened and repeats dropped.
fn flatten_union(members: &[TypeExpr], out: &mut Vec<TypeExpr>) {
    for m in members {
        if let TypeExpr::Union { members } = m {
            flatten_union(members, out);
        } else if !out.contains(m) {
            out.push(m.clone());
        }
    }
}

/// `T??` is `T?` on the wire.
fn strip_optional(ty: &TypeExpr) -> &TypeExpr {
    match ty {
        TypeExpr::Optional { inner } => strip_optional(inner),
        TypeExpr::Primitive { .. }
        | TypeExpr::Named { .. }
        | TypeExpr::Literal { .. }
        | TypeExpr::List { .. }
        | TypeExpr::Map { .. }
        | TypeExpr::Union { .. } => ty,
    }
}

fn is_primitive(ty: &TypeExpr, primitive: Primitive) -> bool {
    *ty == TypeExpr::Primitive { name: primitive }
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
  floor -3
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
            "/// A colour.\n#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]\n#[derive(Serialize, Deserialize, JsonSchema)]\npub enum Color {",
            "    /// Deep red.\n    #[serde(rename = \"DARK_RED\")]\n    DarkRed,",
            "    /// BAML `@alias(\"azure\")`: the name the LLM sees; the wire name is unchanged.\n    #[serde(rename = \"BLUE\")]\n    Blue,",
            // classes: closed, doc comments, keyword fields, optional fields
            "/// A node of a tree.\n#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]\n#[serde(deny_unknown_fields)]\npub struct Node {",
            "    /// Discriminator.\n    pub r#type: StrLiteral<NodeLiteral>,",
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
            // literals: the core's generic types, a marker per string literal
            "pub enum NodeLiteral {}\n\nimpl StrValue for NodeLiteral {\n    const VALUE: &'static str = \"node\";\n}",
            "    pub answer: IntLiteral<42>,",
            "    pub floor: IntLiteral<-3>,",
            "    pub yes: BoolLiteral<true>,",
            "use crate::literal::{BoolLiteral, IntLiteral, StrLiteral, StrValue};",
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
        let events = crate::events::event_bindings(&ir).unwrap();
        let out = mirror_rs(&ir, &events).unwrap();
        for expected in [
            "#[serde(tag = \"type\")]\npub enum EventEnvelope {\n    /// A ping.\n    #[serde(rename = \"PING\")]\n    Ping(PingEvent),\n}",
            "    #[serde(default)]\n    pub r#type: StrLiteral<PingLiteral>,",
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
}
