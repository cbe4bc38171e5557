//! The event model: which envelope class and payload DTO each real-time event
//! type has ([`EventBinding`]), and the project's rules that derive it (every
//! `EventType` value has exactly one envelope class, and `EventEnvelope` is the
//! union of exactly those). It reads only the IR; the checks and every
//! generator read it.

use crate::codes::Code;
use crate::error::CompileError;
use crate::ir::{Class, Ir, Literal, Primitive, TypeExpr};
use std::collections::HashMap;

/// Name of the enum whose values are the real-time event types.
pub const EVENT_TYPE_ENUM: &str = "EventType";
/// Name of the union alias of all envelope classes.
pub const EVENT_ENVELOPE_ALIAS: &str = "EventEnvelope";
/// Name of the envelope metadata class.
pub const EVENT_META_CLASS: &str = "EventMeta";
/// The fields every envelope class has, in this order.
pub const ENVELOPE_FIELDS: [&str; 4] = ["type", "contracts_version", "payload", "meta"];

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
    let mut by_value: HashMap<&str, Vec<(&Class, &str)>> = HashMap::new();
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
            errors.push(CompileError::coded(
                Code::EnvelopeFields,
                class.location.clone(),
                format!("envelope class `{}` must have exactly the fields type, contracts_version, payload, meta (in this order); it has {}", class.name, names.join(", ")),
            ));
            continue;
        }
        let payload = class.fields[2].ty.as_named();
        let Some(payload) = payload.filter(|name| ir.class(name).is_some()) else {
            errors.push(CompileError::coded(
                Code::EnvelopePayload,
                class.fields[2].location.clone(),
                format!(
                    "the payload of envelope `{}` must be a class (the event's DTO)",
                    class.name
                ),
            ));
            continue;
        };
        if class.fields[1].ty
            != (TypeExpr::Primitive {
                name: Primitive::String,
            })
        {
            errors.push(CompileError::coded(
                Code::EnvelopeVersion,
                class.fields[1].location.clone(),
                "`contracts_version` must be `string`",
            ));
        }
        if class.fields[3].ty
            != (TypeExpr::Named {
                name: EVENT_META_CLASS.into(),
            })
        {
            errors.push(CompileError::coded(
                Code::EnvelopeMeta,
                class.fields[3].location.clone(),
                format!("`meta` must be `{EVENT_META_CLASS}`"),
            ));
        }
        if !event_type.values.iter().any(|v| &v.name == value) {
            errors.push(CompileError::coded(Code::EnvelopeUnknownType, type_field.location.clone(), format!("envelope `{}` has type \"{value}\", which is not a value of enum {EVENT_TYPE_ENUM}; add it to the enum or fix the literal", class.name)));
        }
        by_value
            .entry(value.as_str())
            .or_default()
            .push((class, payload));
    }
    let mut bindings = Vec::new();
    for value in &event_type.values {
        match by_value.get(value.name.as_str()).map(Vec::as_slice) {
            None | Some([]) => errors.push(CompileError::coded(
                Code::EventWithoutEnvelope,
                value.location.clone(),
                format!("event type {} has no envelope class: add `class …Event {{ type \"{}\" contracts_version string payload <Dto> meta {EVENT_META_CLASS} }}`", value.name, value.name),
            )),
            Some([(class, payload)]) => bindings.push(EventBinding {
                event_type: value.name.clone(),
                envelope_class: class.name.clone(),
                payload_class: (*payload).to_string(),
            }),
            Some(many) => errors.push(CompileError::coded(
                Code::EventWithManyEnvelopes,
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
        None => errors.push(CompileError::coded(
            Code::MissingEnvelopeUnion,
            event_type.location.clone(),
            format!(
                "missing `type {EVENT_ENVELOPE_ALIAS} = …Event | …` listing every envelope class"
            ),
        )),
        Some(alias) => {
            let members: Vec<&str> = match &alias.ty {
                TypeExpr::Union { members } => {
                    members.iter().filter_map(TypeExpr::as_named).collect()
                }
                TypeExpr::Named { name } => vec![name.as_str()],
                TypeExpr::Primitive { .. }
                | TypeExpr::Literal { .. }
                | TypeExpr::List { .. }
                | TypeExpr::Map { .. }
                | TypeExpr::Optional { .. } => Vec::new(),
            };
            for b in &bindings {
                if !members.contains(&b.envelope_class.as_str()) {
                    errors.push(CompileError::coded(
                        Code::EnvelopeUnionMembers,
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
                    errors.push(CompileError::coded(Code::EnvelopeUnionMembers, alias.location.clone(), format!("`{EVENT_ENVELOPE_ALIAS}` lists `{m}`, which is not an envelope class of any {EVENT_TYPE_ENUM} value")));
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
