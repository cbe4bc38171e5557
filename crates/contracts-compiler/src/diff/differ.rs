//! The differ: pairs the declarations of two trees once and reports every
//! change under its [`RuleId`], with the location and subject it concerns.

use super::rules::RuleId;
use super::{Change, RENAME_HINT};
use crate::error::Location;
use crate::events::{self, EventBinding, EVENT_ENVELOPE_ALIAS, EVENT_TYPE_ENUM};
use crate::ir::{
    BlockKind, Class, Constraint, Enum, EnumValue, Field, Ir, Primitive, TypeAlias, TypeAttributes,
    TypeExpr,
};
use crate::parser::RawBlock;
use crate::source::Tree;
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// What classes and enums share besides their members: description, alias,
/// `@@dynamic`, constraints and `@stream` attributes.
#[derive(Clone, Copy)]
struct BlockMeta<'a> {
    description: Option<&'a String>,
    alias: Option<&'a String>,
    dynamic: bool,
    constraints: &'a [Constraint],
    stream: &'a [String],
}

/// The [`BlockMeta`] of a class or an enum (both have these fields).
macro_rules! block_meta {
    ($block:expr) => {
        BlockMeta {
            description: $block.description.as_ref(),
            alias: $block.alias.as_ref(),
            dynamic: $block.dynamic,
            constraints: &$block.constraints,
            stream: &$block.stream,
        }
    };
}

/// Every change from `old` to `new`, ordered by bump (largest first), then location.
pub fn diff(old: &Tree, new: &Tree) -> Vec<Change> {
    let mut d = Differ {
        old_events: events::event_bindings(&old.ir).unwrap_or_default(),
        new_events: events::event_bindings(&new.ir).unwrap_or_default(),
        out: Vec::new(),
    };
    d.events(old, new);
    d.classes(&old.ir, &new.ir);
    d.enums(&old.ir, &new.ir);
    d.aliases(&old.ir, &new.ir);
    d.functions(&old.ir, &new.ir);
    d.blocks(&old.blocks, &new.blocks);
    if d.out.is_empty() && old.files != new.files {
        let names: BTreeSet<&String> = old.files.keys().chain(new.files.keys()).collect();
        let first = names
            .into_iter()
            .find(|n| old.files.get(*n) != new.files.get(*n))
            .cloned()
            .unwrap_or_default();
        let file = if new.root.is_empty() {
            first.clone()
        } else {
            format!("{}/{first}", new.root)
        };
        d.push(
            RuleId::SourceChanged,
            Location::new(&file, 1, 1),
            first,
            "the BAML text changed (comments, layout or declarations moved between files) but no contract did",
        );
    }
    let mut out = d.out;
    out.sort_by(|a, b| {
        b.bump
            .cmp(&a.bump)
            .then_with(|| a.location.file.cmp(&b.location.file))
            .then_with(|| a.location.line.cmp(&b.location.line))
            .then_with(|| a.location.column.cmp(&b.location.column))
            .then_with(|| a.rule.as_str().cmp(b.rule.as_str()))
            .then_with(|| a.subject.cmp(&b.subject))
    });
    out
}

struct Differ {
    old_events: Vec<EventBinding>,
    new_events: Vec<EventBinding>,
    out: Vec<Change>,
}

/// `(optional?, inner)`: `T?` and `T | null` are optional `T`.
fn split_optional(ty: &TypeExpr) -> (bool, TypeExpr) {
    match ty {
        TypeExpr::Optional { inner } => (true, (**inner).clone()),
        TypeExpr::Union { members } => {
            let rest: Vec<TypeExpr> = members
                .iter()
                .filter(|m| !is_null(m))
                .map(|m| match m {
                    TypeExpr::Optional { inner } => (**inner).clone(),
                    other => other.clone(),
                })
                .collect();
            let optional = rest.len() != members.len()
                || members
                    .iter()
                    .any(|m| matches!(m, TypeExpr::Optional { .. }));
            if !optional {
                return (false, ty.clone());
            }
            match <[TypeExpr; 1]>::try_from(rest) {
                Ok([single]) => (true, single),
                Err(rest) => (true, TypeExpr::Union { members: rest }),
            }
        }
        other => (false, other.clone()),
    }
}

fn is_null(ty: &TypeExpr) -> bool {
    *ty == TypeExpr::Primitive {
        name: Primitive::Null,
    }
}

fn members(ty: &TypeExpr) -> Vec<&TypeExpr> {
    match ty {
        TypeExpr::Union { members } => members.iter().collect(),
        other => vec![other],
    }
}

/// The finer rules for a change of shape from `old` to `new` (both non-optional);
/// `generic` is the rule for any other change.
fn shape_changes(old: &TypeExpr, new: &TypeExpr, generic: RuleId) -> Vec<(RuleId, String)> {
    if old == new {
        return Vec::new();
    }
    match (old, new) {
        (TypeExpr::List { items: a }, TypeExpr::List { items: b }) => vec![(
            RuleId::ListElementChanged,
            format!("list element {a} -> {b}"),
        )],
        (TypeExpr::Map { key: ka, value: va }, TypeExpr::Map { key: kb, value: vb }) => {
            let mut out = Vec::new();
            if ka != kb {
                out.push((generic, format!("map key {ka} -> {kb}")));
            }
            if va != vb {
                out.push((RuleId::MapValueChanged, format!("map value {va} -> {vb}")));
            }
            out
        }
        (TypeExpr::Literal { .. }, TypeExpr::Literal { .. }) => {
            vec![(RuleId::LiteralChanged, format!("literal {old} -> {new}"))]
        }
        _ => {
            let (a, b) = (members(old), members(new));
            let unionish =
                matches!(old, TypeExpr::Union { .. }) || matches!(new, TypeExpr::Union { .. });
            if unionish && a.iter().any(|m| b.contains(m)) {
                let mut out: Vec<(RuleId, String)> = b
                    .iter()
                    .filter(|m| !a.contains(m))
                    .map(|m| (RuleId::UnionMemberAdded, format!("union member {m} added")))
                    .collect();
                out.extend(a.iter().filter(|m| !b.contains(m)).map(|m| {
                    (
                        RuleId::UnionMemberRemoved,
                        format!("union member {m} removed"),
                    )
                }));
                if out.is_empty() {
                    // Same members in another order: the wire accepts the same values.
                    return Vec::new();
                }
                out
            } else {
                vec![(generic, format!("type {old} -> {new}"))]
            }
        }
    }
}

fn constraints_text(constraints: &[Constraint]) -> Vec<String> {
    constraints
        .iter()
        .map(|c| match &c.name {
            Some(name) => format!("@{}({name}, {})", c.kind, c.expression),
            None => format!("@{}({})", c.kind, c.expression),
        })
        .collect()
}

fn quoted(text: Option<&String>) -> String {
    text.map_or_else(|| "none".to_string(), |t| format!("{t:?}"))
}

impl Differ {
    fn push(
        &mut self,
        rule: RuleId,
        location: Location,
        subject: impl Into<String>,
        detail: impl Into<String>,
    ) {
        let bump = rule.bump();
        self.out.push(Change {
            rule,
            bump,
            location,
            subject: subject.into(),
            detail: detail.into(),
            hint: None,
        });
    }

    fn envelope_classes(&self) -> HashSet<&str> {
        self.old_events
            .iter()
            .chain(&self.new_events)
            .map(|b| b.envelope_class.as_str())
            .collect()
    }

    fn events(&mut self, old: &Tree, new: &Tree) {
        let value_location = |ir: &Ir, value: &str| {
            ir.enum_named(EVENT_TYPE_ENUM)
                .and_then(|e| e.values.iter().find(|v| v.name == value))
                .map(|v| v.location.clone())
        };
        let olds = self.old_events.clone();
        let news = self.new_events.clone();
        for b in &olds {
            match news.iter().find(|n| n.event_type == b.event_type) {
                None => {
                    let location = value_location(&old.ir, &b.event_type)
                        .unwrap_or_else(|| Location::new("?", 1, 1));
                    self.push(
                        RuleId::EventTypeRemoved,
                        location,
                        format!("event {}", b.event_type),
                        format!(
                            "event type {} (envelope {}) removed",
                            b.event_type, b.envelope_class
                        ),
                    );
                }
                Some(n) if n.payload_class != b.payload_class => {
                    let location = new
                        .ir
                        .class(&n.envelope_class)
                        .and_then(|c| c.fields.iter().find(|f| f.name == "payload"))
                        .map_or_else(|| Location::new("?", 1, 1), |f| f.location.clone());
                    self.push(
                        RuleId::EventPayloadChanged,
                        location,
                        format!("event {}", b.event_type),
                        format!("payload {} -> {}", b.payload_class, n.payload_class),
                    );
                }
                Some(_) => {}
            }
        }
        for n in &news {
            if !olds.iter().any(|b| b.event_type == n.event_type) {
                let location = value_location(&new.ir, &n.event_type)
                    .unwrap_or_else(|| Location::new("?", 1, 1));
                self.push(
                    RuleId::EventTypeAdded,
                    location,
                    format!("event {}", n.event_type),
                    format!(
                        "event type {} added (envelope {}, payload {})",
                        n.event_type, n.envelope_class, n.payload_class
                    ),
                );
            }
        }
    }

    fn classes(&mut self, old: &Ir, new: &Ir) {
        let envelopes: HashSet<String> = self
            .envelope_classes()
            .into_iter()
            .map(str::to_string)
            .collect();
        for class in &old.classes {
            match new.class(&class.name) {
                Some(now) => self.class(class, now, envelopes.contains(&class.name)),
                None if envelopes.contains(&class.name) => {}
                None => self.push(
                    RuleId::ClassRemoved,
                    class.location.clone(),
                    &class.name,
                    format!("class {} removed", class.name),
                ),
            }
        }
        for class in &new.classes {
            if old.class(&class.name).is_none() && !envelopes.contains(&class.name) {
                self.push(
                    RuleId::ClassAdded,
                    class.location.clone(),
                    &class.name,
                    format!("class {} added", class.name),
                );
            }
        }
    }

    /// Description, alias, dynamic, constraints and streaming of a class or enum.
    fn block_meta(
        &mut self,
        what: &str,
        name: &str,
        location: &Location,
        old: BlockMeta<'_>,
        new: BlockMeta<'_>,
    ) {
        if old.description != new.description {
            self.push(
                RuleId::DescriptionChanged,
                location.clone(),
                name,
                format!(
                    "{what} description {} -> {}",
                    quoted(old.description),
                    quoted(new.description)
                ),
            );
        }
        if old.alias != new.alias {
            self.push(
                RuleId::AliasChanged,
                location.clone(),
                name,
                format!(
                    "{what} @@alias {} -> {}",
                    quoted(old.alias),
                    quoted(new.alias)
                ),
            );
        }
        match (old.dynamic, new.dynamic) {
            (false, true) => self.push(
                RuleId::DynamicAdded,
                location.clone(),
                name,
                format!("{what} is now @@dynamic"),
            ),
            (true, false) => self.push(
                RuleId::DynamicRemoved,
                location.clone(),
                name,
                format!("{what} is no longer @@dynamic"),
            ),
            _ => {}
        }
        self.constraints(name, location, old.constraints, new.constraints);
        self.stream(name, location, old.stream, new.stream);
    }

    fn constraints(
        &mut self,
        subject: &str,
        location: &Location,
        old: &[Constraint],
        new: &[Constraint],
    ) {
        let (a, b) = (constraints_text(old), constraints_text(new));
        if a != b {
            self.push(
                RuleId::ConstraintChanged,
                location.clone(),
                subject,
                format!("constraints [{}] -> [{}]", a.join(" "), b.join(" ")),
            );
        }
    }

    fn stream(&mut self, subject: &str, location: &Location, old: &[String], new: &[String]) {
        let set = |s: &[String]| s.iter().cloned().collect::<BTreeSet<_>>();
        if set(old) != set(new) {
            let show = |s: &[String]| {
                s.iter()
                    .map(|a| format!("@stream.{a}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            self.push(
                RuleId::StreamChanged,
                location.clone(),
                subject,
                format!("streaming [{}] -> [{}]", show(old), show(new)),
            );
        }
    }

    fn class(&mut self, old: &Class, new: &Class, envelope: bool) {
        self.block_meta(
            "class",
            &new.name,
            &new.location,
            block_meta!(old),
            block_meta!(new),
        );
        let removed: Vec<&Field> = old
            .fields
            .iter()
            .filter(|f| !new.fields.iter().any(|n| n.name == f.name))
            .collect();
        let added: Vec<&Field> = new
            .fields
            .iter()
            .filter(|f| !old.fields.iter().any(|o| o.name == f.name))
            .collect();
        // Rename heuristic: a removed field and an added field of the same
        // type that match each other and nothing else.
        let mut renamed: Vec<(&Field, &Field)> = Vec::new();
        for r in &removed {
            let candidates: Vec<&&Field> = added.iter().filter(|a| a.ty == r.ty).collect();
            if let [a] = candidates[..] {
                if removed.iter().filter(|o| o.ty == a.ty).count() == 1 {
                    renamed.push((r, a));
                }
            }
        }
        for (r, a) in &renamed {
            self.push(
                RuleId::FieldRenamed,
                a.location.clone(),
                format!("{}.{}", new.name, a.name),
                format!(
                    "field {} ({}) looks renamed to {}: the wire name changes",
                    r.name, r.ty, a.name
                ),
            );
            if let Some(last) = self.out.last_mut() {
                last.hint = Some(RENAME_HINT.to_string());
            }
        }
        for r in removed {
            if renamed.iter().any(|(o, _)| o.name == r.name) {
                continue;
            }
            self.push(
                RuleId::FieldRemoved,
                r.location.clone(),
                format!("{}.{}", old.name, r.name),
                format!("field {}: {} removed", r.name, r.ty),
            );
        }
        for a in added {
            if renamed.iter().any(|(_, n)| n.name == a.name) {
                continue;
            }
            let (optional, _) = split_optional(&a.ty);
            let (rule, kind) = if optional {
                (RuleId::FieldAddedOptional, "optional")
            } else {
                (RuleId::FieldAddedRequired, "required")
            };
            self.push(
                rule,
                a.location.clone(),
                format!("{}.{}", new.name, a.name),
                format!("added {kind} field {}: {}", a.name, a.ty),
            );
        }
        for o in &old.fields {
            let Some(n) = new.fields.iter().find(|n| n.name == o.name) else {
                continue;
            };
            // An envelope's `type` and `payload` are covered by the event rules.
            let skip_type = envelope && (n.name == "type" || n.name == "payload");
            self.field(&new.name, o, n, skip_type);
        }
    }

    fn field(&mut self, class: &str, old: &Field, new: &Field, skip_type: bool) {
        let subject = format!("{class}.{}", new.name);
        let at = &new.location;
        if old.alias != new.alias {
            self.push(
                RuleId::FieldAliasChanged,
                at.clone(),
                &subject,
                format!(
                    "@alias {} -> {} (the wire name stays {})",
                    quoted(old.alias.as_ref()),
                    quoted(new.alias.as_ref()),
                    new.name
                ),
            );
        }
        if old.description != new.description {
            self.push(
                RuleId::FieldDescriptionChanged,
                at.clone(),
                &subject,
                format!(
                    "description {} -> {}",
                    quoted(old.description.as_ref()),
                    quoted(new.description.as_ref())
                ),
            );
        }
        if old.skip != new.skip {
            self.push(
                RuleId::SkipChanged,
                at.clone(),
                &subject,
                if new.skip {
                    "now @skip (hidden from the LLM; still on the wire)"
                } else {
                    "no longer @skip"
                },
            );
        }
        self.constraints(&subject, at, &old.constraints, &new.constraints);
        self.stream(&subject, at, &old.stream, &new.stream);
        if !skip_type {
            for (rule, detail) in field_type_changes(&old.ty, &new.ty) {
                self.push(rule, at.clone(), &subject, detail);
            }
        }
    }

    fn enums(&mut self, old: &Ir, new: &Ir) {
        let event_values: HashSet<String> = self
            .old_events
            .iter()
            .chain(&self.new_events)
            .map(|b| b.event_type.clone())
            .collect();
        for e in &old.enums {
            match new.enum_named(&e.name) {
                Some(now) => {
                    let skip: HashSet<String> = if e.name == EVENT_TYPE_ENUM {
                        event_values.clone()
                    } else {
                        HashSet::new()
                    };
                    self.enumeration(e, now, &skip);
                }
                None => self.push(
                    RuleId::EnumRemoved,
                    e.location.clone(),
                    &e.name,
                    format!("enum {} removed", e.name),
                ),
            }
        }
        for e in &new.enums {
            if old.enum_named(&e.name).is_none() {
                self.push(
                    RuleId::EnumAdded,
                    e.location.clone(),
                    &e.name,
                    format!("enum {} added", e.name),
                );
            }
        }
    }

    /// `skip`: values whose addition or removal the event rules report.
    fn enumeration(&mut self, old: &Enum, new: &Enum, skip: &HashSet<String>) {
        self.block_meta(
            "enum",
            &new.name,
            &new.location,
            block_meta!(old),
            block_meta!(new),
        );
        let find = |e: &'_ Enum, name: &str| -> Option<EnumValue> {
            e.values.iter().find(|v| v.name == name).cloned()
        };
        for v in &old.values {
            let subject = format!("{}.{}", new.name, v.name);
            let Some(n) = find(new, &v.name) else {
                if !skip.contains(&v.name) {
                    self.push(
                        RuleId::EnumValueRemoved,
                        v.location.clone(),
                        subject,
                        format!("value {} removed", v.name),
                    );
                }
                continue;
            };
            if v.alias != n.alias {
                self.push(
                    RuleId::EnumValueAliasChanged,
                    n.location.clone(),
                    &subject,
                    format!(
                        "@alias {} -> {} (the wire value stays {})",
                        quoted(v.alias.as_ref()),
                        quoted(n.alias.as_ref()),
                        n.name
                    ),
                );
            }
            if v.description != n.description {
                self.push(
                    RuleId::DescriptionChanged,
                    n.location.clone(),
                    &subject,
                    format!(
                        "value description {} -> {}",
                        quoted(v.description.as_ref()),
                        quoted(n.description.as_ref())
                    ),
                );
            }
            if v.skip != n.skip {
                self.push(
                    RuleId::SkipChanged,
                    n.location.clone(),
                    &subject,
                    if n.skip {
                        "now @skip (hidden from the LLM; still valid on the wire)"
                    } else {
                        "no longer @skip"
                    },
                );
            }
            self.stream(&subject, &n.location, &v.stream, &n.stream);
        }
        for n in &new.values {
            if find(old, &n.name).is_none() && !skip.contains(&n.name) {
                self.push(
                    RuleId::EnumValueAdded,
                    n.location.clone(),
                    format!("{}.{}", new.name, n.name),
                    format!("value {} added", n.name),
                );
            }
        }
    }

    fn aliases(&mut self, old: &Ir, new: &Ir) {
        let envelopes: HashSet<String> = self
            .envelope_classes()
            .into_iter()
            .map(str::to_string)
            .collect();
        for a in &old.type_aliases {
            match new.alias(&a.name) {
                Some(now) => self.alias(a, now, &envelopes),
                None => self.push(
                    RuleId::TypeAliasRemoved,
                    a.location.clone(),
                    &a.name,
                    format!("type alias {} removed", a.name),
                ),
            }
        }
        for a in &new.type_aliases {
            if old.alias(&a.name).is_none() {
                self.push(
                    RuleId::TypeAliasAdded,
                    a.location.clone(),
                    &a.name,
                    format!("type alias {} = {} added", a.name, a.ty),
                );
            }
        }
    }

    fn alias(&mut self, old: &TypeAlias, new: &TypeAlias, envelopes: &HashSet<String>) {
        if old.description != new.description {
            self.push(
                RuleId::DescriptionChanged,
                new.location.clone(),
                &new.name,
                format!(
                    "type alias description {} -> {}",
                    quoted(old.description.as_ref()),
                    quoted(new.description.as_ref())
                ),
            );
        }
        self.constraints(&new.name, &new.location, &old.constraints, &new.constraints);
        self.stream(&new.name, &new.location, &old.stream, &new.stream);
        let (mut a, mut b) = (old.ty.clone(), new.ty.clone());
        if new.name == EVENT_ENVELOPE_ALIAS {
            // Envelope members come and go with their event types.
            let keep = |ty: &TypeExpr| -> TypeExpr {
                let kept: Vec<TypeExpr> = members(ty)
                    .into_iter()
                    .filter(|m| !matches!(m, TypeExpr::Named { name } if envelopes.contains(name)))
                    .cloned()
                    .collect();
                TypeExpr::Union { members: kept }
            };
            a = keep(&a);
            b = keep(&b);
        }
        let (oa, ia) = split_optional(&a);
        let (ob, ib) = split_optional(&b);
        if oa != ob {
            self.push(
                RuleId::TypeAliasChanged,
                new.location.clone(),
                &new.name,
                format!("type {} -> {}", old.ty, new.ty),
            );
            return;
        }
        for (rule, detail) in shape_changes(&ia, &ib, RuleId::TypeAliasChanged) {
            self.push(rule, new.location.clone(), &new.name, detail);
        }
    }

    fn functions(&mut self, old: &Ir, new: &Ir) {
        for f in &old.functions {
            match new.functions.iter().find(|n| n.name == f.name) {
                None => self.push(
                    RuleId::FunctionRemoved,
                    f.location.clone(),
                    &f.name,
                    format!("function {} removed", f.name),
                ),
                Some(n) => {
                    let signature = |f: &crate::ir::Function| {
                        format!(
                            "({}) -> {}",
                            f.params
                                .iter()
                                .map(|p| format!("{}: {}", p.name, p.ty))
                                .collect::<Vec<_>>()
                                .join(", "),
                            f.return_type
                        )
                    };
                    let (a, b) = (signature(f), signature(n));
                    if a != b {
                        self.push(
                            RuleId::FunctionSignatureChanged,
                            n.location.clone(),
                            &n.name,
                            format!("{a} => {b}"),
                        );
                    }
                    for param in &n.params {
                        if let Some(before) = f.params.iter().find(|p| p.name == param.name) {
                            self.type_attributes(
                                &format!("{}({})", n.name, param.name),
                                &param.location,
                                &before.attributes,
                                &param.attributes,
                            );
                        }
                    }
                    self.type_attributes(
                        &format!("{} -> return", n.name),
                        &n.location,
                        &f.return_attributes,
                        &n.return_attributes,
                    );
                }
            }
        }
        for n in &new.functions {
            if !old.functions.iter().any(|f| f.name == n.name) {
                self.push(
                    RuleId::FunctionAdded,
                    n.location.clone(),
                    &n.name,
                    format!("function {} added", n.name),
                );
            }
        }
    }

    /// The attributes after a parameter's or the return type: descriptions
    /// and aliases reach the prompt only; constraints and streaming change
    /// what the generated clients do.
    fn type_attributes(
        &mut self,
        subject: &str,
        location: &Location,
        old: &TypeAttributes,
        new: &TypeAttributes,
    ) {
        if old.description != new.description {
            self.push(
                RuleId::DescriptionChanged,
                location.clone(),
                subject,
                format!(
                    "description {} -> {}",
                    quoted(old.description.as_ref()),
                    quoted(new.description.as_ref())
                ),
            );
        }
        if old.alias != new.alias {
            self.push(
                RuleId::FieldAliasChanged,
                location.clone(),
                subject,
                format!(
                    "@alias {} -> {}",
                    quoted(old.alias.as_ref()),
                    quoted(new.alias.as_ref())
                ),
            );
        }
        if old.skip != new.skip {
            self.push(
                RuleId::SkipChanged,
                location.clone(),
                subject,
                if new.skip {
                    "now @skip"
                } else {
                    "no longer @skip"
                },
            );
        }
        self.constraints(subject, location, &old.constraints, &new.constraints);
        self.stream(subject, location, &old.stream, &new.stream);
    }

    fn blocks(&mut self, old: &[RawBlock], new: &[RawBlock]) {
        // Keyed by the keyword's text: the report lists blocks in that order.
        let key = |b: &RawBlock| (b.kind.keyword(), b.name.clone());
        let index = |blocks: &[RawBlock]| -> BTreeMap<(&'static str, String), RawBlock> {
            blocks.iter().map(|b| (key(b), b.clone())).collect()
        };
        let (a, b) = (index(old), index(new));
        let rule_for = |kind: BlockKind| match kind {
            BlockKind::Function | BlockKind::TemplateString => RuleId::PromptChanged,
            BlockKind::Test => RuleId::TestChanged,
            BlockKind::Generator => RuleId::GeneratorConfigChanged,
            BlockKind::Client | BlockKind::RetryPolicy => RuleId::ClientConfigChanged,
        };
        let label = |block: &RawBlock| match block.kind {
            BlockKind::Function => block.name.clone(),
            kind @ (BlockKind::Test
            | BlockKind::Client
            | BlockKind::Generator
            | BlockKind::RetryPolicy
            | BlockKind::TemplateString) => format!("{kind} {}", block.name),
        };
        for (k, o) in &a {
            match b.get(k) {
                Some(n) if n.text != o.text => {
                    let what = if o.kind == BlockKind::Function {
                        format!("the body (client or prompt) of function {} changed", n.name)
                    } else {
                        format!("{} {} changed", n.kind, n.name)
                    };
                    self.push(rule_for(n.kind), n.location.clone(), label(n), what);
                }
                Some(_) => {}
                // Removed functions are reported by `function-removed`.
                None if o.kind == BlockKind::Function => {}
                None => self.push(
                    rule_for(o.kind),
                    o.location.clone(),
                    label(o),
                    format!("{} {} removed", o.kind, o.name),
                ),
            }
        }
        for (k, n) in &b {
            if n.kind != BlockKind::Function && !a.contains_key(k) {
                self.push(
                    rule_for(n.kind),
                    n.location.clone(),
                    label(n),
                    format!("{} {} added", n.kind, n.name),
                );
            }
        }
    }
}

/// The rules for a field whose type changed from `old` to `new`.
fn field_type_changes(old: &TypeExpr, new: &TypeExpr) -> Vec<(RuleId, String)> {
    if old == new {
        return Vec::new();
    }
    let (oa, ia) = split_optional(old);
    let (ob, ib) = split_optional(new);
    let mut out = Vec::new();
    match (oa, ob) {
        (true, false) => out.push((
            RuleId::FieldOptionalToRequired,
            format!("{old} -> {new}: old producers may omit it"),
        )),
        (false, true) => out.push((
            RuleId::FieldRequiredToOptional,
            format!("{old} -> {new}: new producers may omit it"),
        )),
        _ => {}
    }
    out.extend(shape_changes(&ia, &ib, RuleId::FieldTypeChanged));
    out
}
