//! Cross-checks every BAML tree must pass, and the project lints that can be
//! turned off (`contracts check --no-lint`).

use crate::error::CompileError;
use crate::ir::{Ir, Literal, TypeExpr};
use std::collections::HashMap;

/// Name of the enum whose values are the real-time event types.
pub const EVENT_TYPE_ENUM: &str = "EventType";
/// Name of the union alias of all envelope classes.
pub const EVENT_ENVELOPE_ALIAS: &str = "EventEnvelope";
/// Name of the envelope metadata class.
pub const EVENT_META_CLASS: &str = "EventMeta";
/// The fields every envelope class has, in this order.
pub const ENVELOPE_FIELDS: [&str; 4] = ["type", "contracts_version", "payload", "meta"];

/// Checks that hold for any valid BAML tree: unique names, known references.
pub fn cross_check(ir: &Ir) -> Vec<CompileError> {
    let mut errors = Vec::new();
    let mut seen = HashMap::new();
    let declared = ir
        .classes
        .iter()
        .map(|c| (&c.name, &c.location))
        .chain(ir.enums.iter().map(|e| (&e.name, &e.location)))
        .chain(ir.type_aliases.iter().map(|a| (&a.name, &a.location)));
    for (name, location) in declared {
        if let Some(first) = seen.insert(name.as_str(), location) {
            errors.push(CompileError::new(
                location.clone(),
                format!("duplicate type name `{name}`: it is already declared at {first}; rename one of them"),
            ));
        }
    }
    for class in &ir.classes {
        let mut fields = HashMap::new();
        for field in &class.fields {
            if let Some(first) = fields.insert(field.name.as_str(), &field.location) {
                errors.push(CompileError::new(
                    field.location.clone(),
                    format!(
                        "duplicate field `{}` in class `{}` (first declared at {first})",
                        field.name, class.name
                    ),
                ));
            }
            check_refs(&field.ty, &seen, &field.location, &mut errors);
        }
    }
    for e in &ir.enums {
        let mut values = HashMap::new();
        for value in &e.values {
            if let Some(first) = values.insert(value.name.as_str(), &value.location) {
                errors.push(CompileError::new(
                    value.location.clone(),
                    format!(
                        "duplicate value `{}` in enum `{}` (first declared at {first})",
                        value.name, e.name
                    ),
                ));
            }
        }
    }
    for alias in &ir.type_aliases {
        check_refs(&alias.ty, &seen, &alias.location, &mut errors);
    }
    for function in &ir.functions {
        for param in &function.params {
            check_refs(&param.ty, &seen, &function.location, &mut errors);
        }
        check_refs(
            &function.return_type,
            &seen,
            &function.location,
            &mut errors,
        );
    }
    errors
}

fn check_refs(
    ty: &TypeExpr,
    declared: &HashMap<&str, &crate::error::Location>,
    location: &crate::error::Location,
    errors: &mut Vec<CompileError>,
) {
    match ty {
        TypeExpr::Named { name } if !declared.contains_key(name.as_str()) => {
            errors.push(CompileError::new(
                location.clone(),
                format!("unknown type `{name}`: declare a class, enum or `type {name} = …`, or fix the spelling"),
            ));
        }
        TypeExpr::List { items } => check_refs(items, declared, location, errors),
        TypeExpr::Optional { inner } => check_refs(inner, declared, location, errors),
        TypeExpr::Map { key, value } => {
            check_refs(key, declared, location, errors);
            check_refs(value, declared, location, errors);
        }
        TypeExpr::Union { members } => {
            for m in members {
                check_refs(m, declared, location, errors);
            }
        }
        _ => {}
    }
}

/// One real-time event: its type value, envelope class and payload class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventBinding {
    /// The `EventType` value (the wire `type`).
    pub event_type: String,
    /// The envelope class whose `type` literal is that value.
    pub envelope_class: String,
    /// The class of its `payload` field.
    pub payload_class: String,
}

/// The project's event rules: every `EventType` value has exactly one envelope
/// class (fields `type "VALUE"`, `contracts_version string`, `payload Dto`,
/// `meta EventMeta`), and `EventEnvelope` is the union of exactly those classes.
pub fn event_bindings(ir: &Ir) -> Result<Vec<EventBinding>, Vec<CompileError>> {
    let mut errors = Vec::new();
    let Some(event_type) = ir.enum_named(EVENT_TYPE_ENUM) else {
        return Ok(Vec::new());
    };
    let mut by_value: HashMap<&str, Vec<(&crate::ir::Class, &str)>> = HashMap::new();
    for class in &ir.classes {
        let Some(type_field) = class.fields.iter().find(|f| f.name == "type") else {
            continue;
        };
        let TypeExpr::Literal {
            value: Literal::String(value),
        } = &type_field.ty
        else {
            continue;
        };
        let names: Vec<&str> = class.fields.iter().map(|f| f.name.as_str()).collect();
        if names != ENVELOPE_FIELDS {
            errors.push(CompileError::new(
                class.location.clone(),
                format!("envelope class `{}` must have exactly the fields type, contracts_version, payload, meta (in this order); it has {}", class.name, names.join(", ")),
            ));
            continue;
        }
        let payload = match &class.fields[2].ty {
            TypeExpr::Named { name } if ir.class(name).is_some() => name.as_str(),
            _ => {
                errors.push(CompileError::new(
                    class.fields[2].location.clone(),
                    format!(
                        "the payload of envelope `{}` must be a class (the event's DTO)",
                        class.name
                    ),
                ));
                continue;
            }
        };
        if class.fields[1].ty
            != (TypeExpr::Primitive {
                name: "string".into(),
            })
        {
            errors.push(CompileError::new(
                class.fields[1].location.clone(),
                "`contracts_version` must be `string`",
            ));
        }
        if class.fields[3].ty
            != (TypeExpr::Named {
                name: EVENT_META_CLASS.into(),
            })
        {
            errors.push(CompileError::new(
                class.fields[3].location.clone(),
                format!("`meta` must be `{EVENT_META_CLASS}`"),
            ));
        }
        if !event_type.values.iter().any(|v| &v.name == value) {
            errors.push(CompileError::new(type_field.location.clone(), format!("envelope `{}` has type \"{value}\", which is not a value of enum {EVENT_TYPE_ENUM}; add it to the enum or fix the literal", class.name)));
        }
        by_value
            .entry(value.as_str())
            .or_default()
            .push((class, payload));
    }
    let mut bindings = Vec::new();
    for value in &event_type.values {
        match by_value.get(value.name.as_str()).map(Vec::as_slice) {
            None | Some([]) => errors.push(CompileError::new(
                value.location.clone(),
                format!("event type {} has no envelope class: add `class …Event {{ type \"{}\" contracts_version string payload <Dto> meta {EVENT_META_CLASS} }}`", value.name, value.name),
            )),
            Some([(class, payload)]) => bindings.push(EventBinding {
                event_type: value.name.clone(),
                envelope_class: class.name.clone(),
                payload_class: (*payload).to_string(),
            }),
            Some(many) => errors.push(CompileError::new(
                value.location.clone(),
                format!(
                    "event type {} has {} envelope classes ({}); keep exactly one",
                    value.name,
                    many.len(),
                    many.iter().map(|(c, _)| c.name.as_str()).collect::<Vec<_>>().join(", ")
                ),
            )),
        }
    }
    match ir.alias(EVENT_ENVELOPE_ALIAS) {
        None => errors.push(CompileError::new(
            event_type.location.clone(),
            format!(
                "missing `type {EVENT_ENVELOPE_ALIAS} = …Event | …` listing every envelope class"
            ),
        )),
        Some(alias) => {
            let members: Vec<&str> = match &alias.ty {
                TypeExpr::Union { members } => members
                    .iter()
                    .filter_map(|m| {
                        if let TypeExpr::Named { name } = m {
                            Some(name.as_str())
                        } else {
                            None
                        }
                    })
                    .collect(),
                TypeExpr::Named { name } => vec![name.as_str()],
                _ => Vec::new(),
            };
            for b in &bindings {
                if !members.contains(&b.envelope_class.as_str()) {
                    errors.push(CompileError::new(
                        alias.location.clone(),
                        format!(
                            "`{EVENT_ENVELOPE_ALIAS}` does not list `{}`; add it to the union",
                            b.envelope_class
                        ),
                    ));
                }
            }
            for m in members {
                if !bindings.iter().any(|b| b.envelope_class == m) {
                    errors.push(CompileError::new(alias.location.clone(), format!("`{EVENT_ENVELOPE_ALIAS}` lists `{m}`, which is not an envelope class of any {EVENT_TYPE_ENUM} value")));
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(bindings)
    } else {
        Err(errors)
    }
}
