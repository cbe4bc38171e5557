//! JSON Schema 2020-12 documents derived from the IR.
//!
//! The schemas describe what a **producer** must emit: closed objects
//! (`additionalProperties: false`), every required field, the formats of the
//! `Uuid` / `Timestamp` / `IsoDate` aliases. Rules that depend on who reads
//! the envelope (the exact `contracts_version`, consumer tolerance) belong to
//! the validator's modes, not to the schema.
//!
//! Files (relative to each schema directory):
//! - `envelope.schema.json` — the `EventEnvelope` union: `oneOf` every
//!   envelope class, with a `discriminator` on `type`, and `$defs` for every
//!   class, enum and alias.
//! - `events/<EVENT_TYPE>.schema.json` — one envelope, its `properties.payload`
//!   referencing that event's DTO, with only the `$defs` it reaches.
//! - `ir.json` — the IR itself.
//! - `history/<X.Y.Z>/` — the same three for every released version kept in
//!   the schema history (see [`crate::history`]).

use crate::error::CompileError;
use crate::events::EventBinding;
use crate::ir::visit;
use crate::ir::{Ir, JsonScalar, Literal, TypeExpr};
use crate::output::Output;
use crate::wire::Format;
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;

/// The dialect every generated schema declares.
pub const DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

/// Directories that receive a copy of the schema files: the Rust crate, the
/// Python package and the npm package each ship their own.
pub const SCHEMA_DIRS: [&str; 3] = [
    "crates/contracts-core/schemas",
    "packages/python/src/coach_app_baml_client/schemas",
    "packages/typescript/schemas",
];

/// Canonical lowercase UUID, as the validator requires.
pub const UUID_PATTERN: &str = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$";
/// RFC 3339 date-time shape (`T` separator, offset required); `format` adds the calendar check.
pub const TIMESTAMP_PATTERN: &str =
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})$";
/// `YYYY-MM-DD`.
pub const DATE_PATTERN: &str = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$";
/// SemVer `MAJOR.MINOR.PATCH` with optional pre-release and build metadata.
pub const VERSION_PATTERN: &str = "^[0-9]+\\.[0-9]+\\.[0-9]+([-+].*)?$";

/// Every schema file, once per directory in [`SCHEMA_DIRS`].
pub fn outputs(ir: &Ir, events: &[EventBinding]) -> Result<Vec<Output>, CompileError> {
    outputs_under("", ir, events)
}

/// The schema files of a released version, into `history/<version>/` of
/// every directory in [`SCHEMA_DIRS`].
pub fn history_outputs(
    version: &str,
    ir: &Ir,
    events: &[EventBinding],
) -> Result<Vec<Output>, CompileError> {
    outputs_under(&format!("history/{version}/"), ir, events)
}

fn outputs_under(
    prefix: &str,
    ir: &Ir,
    events: &[EventBinding],
) -> Result<Vec<Output>, CompileError> {
    let mut files = vec![(
        "envelope.schema.json".to_string(),
        envelope_schema(ir, events)?,
    )];
    for event in events {
        files.push((
            format!("events/{}.schema.json", event.event_type),
            event_schema(ir, event)?,
        ));
    }
    files.push((
        "ir.json".to_string(),
        serde_json::to_value(ir).expect("the IR serialises"),
    ));
    let mut outputs = Vec::new();
    for dir in SCHEMA_DIRS {
        for (name, value) in &files {
            outputs.push(Output {
                path: format!("{dir}/{prefix}{name}"),
                contents: serde_json::to_string_pretty(value).expect("JSON serialises") + "\n",
            });
        }
    }
    Ok(outputs)
}

/// The bundled envelope schema (`oneOf` every event, discriminated by `type`).
pub fn envelope_schema(ir: &Ir, events: &[EventBinding]) -> Result<Value, CompileError> {
    let all: BTreeSet<String> = ir.declared_types().map(|(name, _)| name.clone()).collect();
    let mapping: Map<String, Value> = events
        .iter()
        .map(|e| {
            (
                e.event_type.clone(),
                json!(format!("#/$defs/{}", e.envelope_class)),
            )
        })
        .collect();
    Ok(json!({
        "$schema": DIALECT,
        "title": "EventEnvelope",
        "description": "Every real-time message: one envelope class per EventType value, selected by `type`.",
        "oneOf": events.iter().map(|e| json!({"$ref": format!("#/$defs/{}", e.envelope_class)})).collect::<Vec<_>>(),
        "discriminator": {"propertyName": "type", "mapping": mapping},
        "$defs": defs(ir, &all)?,
    }))
}

/// One event's envelope schema, with the `$defs` it reaches.
pub fn event_schema(ir: &Ir, event: &EventBinding) -> Result<Value, CompileError> {
    let class = ir
        .class(&event.envelope_class)
        .expect("event bindings name real classes");
    let mut root = class_schema(class)?;
    let mut reached = BTreeSet::new();
    for field in &class.fields {
        collect_refs(ir, &field.ty, &mut reached);
    }
    let object = root.as_object_mut().expect("a class schema is an object");
    object.insert("$schema".into(), json!(DIALECT));
    object.insert("$defs".into(), Value::Object(defs(ir, &reached)?));
    Ok(root)
}

fn defs(ir: &Ir, names: &BTreeSet<String>) -> Result<Map<String, Value>, CompileError> {
    let mut defs = Map::new();
    for name in names {
        let schema = if let Some(class) = ir.class(name) {
            class_schema(class)?
        } else if let Some(e) = ir.enum_named(name) {
            let mut schema = json!({
                "title": e.name,
                "type": "string",
                "enum": e.values.iter().map(|v| v.name.clone()).collect::<Vec<_>>(),
            });
            if let Some(d) = &e.description {
                schema["description"] = json!(d);
            }
            schema
        } else if let Some(alias) = ir.alias(name) {
            let mut schema = match format_schema(ir, name) {
                Some(s) => s,
                None => type_schema(&alias.ty, &alias.location)?,
            };
            if let Some(d) = &alias.description {
                schema["description"] = json!(d);
            }
            schema["title"] = json!(alias.name);
            schema
        } else {
            continue;
        };
        defs.insert(name.clone(), schema);
    }
    Ok(defs)
}

fn format_schema(ir: &Ir, alias: &str) -> Option<Value> {
    Some(match crate::wire::format_alias(ir, alias)? {
        Format::Uuid => json!({"type": "string", "format": "uuid", "pattern": UUID_PATTERN}),
        Format::Timestamp => {
            json!({"type": "string", "format": "date-time", "pattern": TIMESTAMP_PATTERN})
        }
        Format::Date => json!({"type": "string", "format": "date", "pattern": DATE_PATTERN}),
    })
}

fn class_schema(class: &crate::ir::Class) -> Result<Value, CompileError> {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for field in &class.fields {
        let mut schema = if field.name == "contracts_version" && is_envelope(class) {
            json!({"type": "string", "pattern": VERSION_PATTERN})
        } else {
            type_schema(&field.ty, &field.location)?
        };
        if let Some(d) = &field.description {
            schema["description"] = json!(d);
        }
        if !matches!(field.ty, TypeExpr::Optional { .. }) {
            required.push(json!(field.name));
        }
        properties.insert(field.name.clone(), schema);
    }
    let mut schema = json!({
        "title": class.name,
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    });
    if let Some(d) = &class.description {
        schema["description"] = json!(d);
    }
    Ok(schema)
}

fn is_envelope(class: &crate::ir::Class) -> bool {
    class
        .fields
        .iter()
        .map(|f| f.name.as_str())
        .eq(crate::events::ENVELOPE_FIELDS)
}

fn type_schema(ty: &TypeExpr, location: &crate::error::Location) -> Result<Value, CompileError> {
    Ok(match ty {
        TypeExpr::Primitive { name } => match name.json() {
            Some(JsonScalar::String) => json!({"type": "string"}),
            Some(JsonScalar::Int) => json!({"type": "integer"}),
            Some(JsonScalar::Float) => json!({"type": "number"}),
            Some(JsonScalar::Bool) => json!({"type": "boolean"}),
            Some(JsonScalar::Null) => json!({"type": "null"}),
            None => {
                let media = name;
                return Err(CompileError::new(
                    location.clone(),
                    format!("`{media}` has no JSON Schema: media values cannot cross the wire boundary; use a URL string"),
                ));
            }
        },
        TypeExpr::Literal { value } => match value {
            Literal::String(s) => json!({"const": s}),
            Literal::Int(i) => json!({"const": i}),
            Literal::Bool(b) => json!({"const": b}),
        },
        TypeExpr::Named { name } => json!({"$ref": format!("#/$defs/{name}")}),
        TypeExpr::List { items } => {
            json!({"type": "array", "items": type_schema(items, location)?})
        }
        TypeExpr::Map { key, value } => {
            let mut schema =
                json!({"type": "object", "additionalProperties": type_schema(value, location)?});
            if let Some(name) = key.as_named() {
                schema["propertyNames"] = json!({"$ref": format!("#/$defs/{name}")});
            }
            schema
        }
        TypeExpr::Union { members } => {
            let members: Result<Vec<_>, _> =
                members.iter().map(|m| type_schema(m, location)).collect();
            json!({"anyOf": members?})
        }
        TypeExpr::Optional { inner } => {
            json!({"anyOf": [type_schema(inner, location)?, {"type": "null"}]})
        }
    })
}

/// Adds every class, enum and alias `ty` reaches (transitively) to `out`.
fn collect_refs(ir: &Ir, ty: &TypeExpr, out: &mut BTreeSet<String>) {
    visit::each_name(ty, |name| {
        if !out.insert(name.to_string()) {
            return;
        }
        if let Some(class) = ir.class(name) {
            for field in &class.fields {
                collect_refs(ir, &field.ty, out);
            }
        } else if let Some(alias) = ir.alias(name) {
            collect_refs(ir, &alias.ty, out);
        }
    });
}
