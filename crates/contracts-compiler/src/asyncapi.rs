//! The AsyncAPI 3.0 document of the real-time events, derived from the IR.
//!
//! It describes the backend as the application: one WebSocket channel
//! (`events`) on which it **sends** one JSON envelope per text frame, one
//! message per event type whose payload is that event's envelope class, and
//! every class, enum and alias the envelopes reach under
//! `components/schemas`. The schemas are the ones [`crate::schema`] ships
//! (the same mapping from BAML types), inlined so the document stands alone:
//! AsyncAPI tools (Studio, Modelina, the generators) read one file. Each
//! message carries the envelopes of the vector corpus as examples
//! ([`crate::examples`]) and the `@description`s as summary and description;
//! `info.version` is the contracts version.
//!
//! `EventMeta` travels in the envelope (`meta`), not in protocol headers: a
//! WebSocket text frame has none. The document therefore points the
//! message's `correlationId` into the payload (`$message.payload#/meta/correlation_id`).
//!
//! ```
//! # let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../baml_src");
//! let ir = contracts_compiler::load_dir(&dir).unwrap();
//! let events = contracts_compiler::events::event_bindings(&ir).unwrap();
//! let examples = contracts_compiler::examples::Examples::default();
//! let doc = contracts_compiler::asyncapi::document(&ir, &events, "1.2.3", &examples).unwrap();
//! assert_eq!(doc["asyncapi"], "3.0.0");
//! assert_eq!(doc["info"]["version"], "1.2.3");
//! assert_eq!(
//!     doc["components"]["messages"].as_object().unwrap().len(),
//!     events.len()
//! );
//! ```

use crate::error::CompileError;
use crate::events::{EventBinding, EVENT_META_CLASS, EVENT_TYPE_ENUM};
use crate::examples::Examples;
use crate::ir::Ir;
use crate::output::Output;
use crate::schema::SCHEMA_DIRS;
use serde_json::{json, Map, Value};
use std::collections::{BTreeSet, VecDeque};

/// The AsyncAPI version the document follows.
pub const ASYNCAPI_VERSION: &str = "3.0.0";
/// The document's file name in every schema directory.
pub const FILE_NAME: &str = "asyncapi.json";
/// The one channel's key.
pub const CHANNEL: &str = "events";
/// The one operation's key.
pub const OPERATION: &str = "sendEvents";
/// The AsyncAPI WebSocket binding version the channel declares.
const WS_BINDING_VERSION: &str = "0.1.0";

const SCHEMAS_REF: &str = "#/components/schemas/";

/// `asyncapi.json` in every directory of [`SCHEMA_DIRS`].
pub fn outputs(
    ir: &Ir,
    events: &[EventBinding],
    version: &str,
    examples: &Examples,
) -> Result<Vec<Output>, CompileError> {
    let text = serde_json::to_string_pretty(&document(ir, events, version, examples)?)
        .expect("JSON serialises")
        + "\n";
    Ok(SCHEMA_DIRS
        .iter()
        .map(|dir| Output {
            path: format!("{dir}/{FILE_NAME}"),
            contents: text.clone(),
        })
        .collect())
}

/// The AsyncAPI 3.0 document (see the module documentation).
pub fn document(
    ir: &Ir,
    events: &[EventBinding],
    version: &str,
    examples: &Examples,
) -> Result<Value, CompileError> {
    let descriptions = event_descriptions(ir);
    let mut messages = Map::new();
    let mut channel_messages = Map::new();
    let mut operation_messages = Vec::new();
    for event in events {
        let name = &event.event_type;
        messages.insert(
            name.clone(),
            message(ir, event, descriptions.get(name), examples),
        );
        channel_messages.insert(
            name.clone(),
            json!({"$ref": format!("#/components/messages/{name}")}),
        );
        operation_messages.push(json!({"$ref": format!("#/channels/{CHANNEL}/messages/{name}")}));
    }
    let roots = events.iter().map(|e| e.envelope_class.clone()).collect();
    Ok(json!({
        "asyncapi": ASYNCAPI_VERSION,
        "info": {
            "title": "coach-app real-time events",
            "version": version,
            "description": INFO_DESCRIPTION,
            "license": {"name": "MIT"},
            "tags": [{"name": "coach-app"}, {"name": "contracts"}],
        },
        "defaultContentType": "application/json",
        "channels": {
            CHANNEL: {
                "address": null,
                "title": "Real-time events",
                "description": CHANNEL_DESCRIPTION,
                "messages": channel_messages,
                "bindings": {"ws": {"bindingVersion": WS_BINDING_VERSION}},
            }
        },
        "operations": {
            OPERATION: {
                "action": "send",
                "channel": {"$ref": format!("#/channels/{CHANNEL}")},
                "title": "Broadcast an event",
                "summary": "The backend sends every event as one envelope, validated in producer mode first.",
                "messages": operation_messages,
            }
        },
        "components": {
            "schemas": reachable_schemas(ir, events, roots)?,
            "messages": messages,
        },
    }))
}

const INFO_DESCRIPTION: &str = "Every real-time message the coach-app backend pushes to the frontend is an envelope \
`{type, contracts_version, payload, meta}`: `type` is the event type (one message below each), `payload` the DTO \
bound to it, `meta` the `EventMeta` (event id, timestamp, correlation, actor and request ids).\n\n\
Generated by `contracts gen` from `baml_src/`; the same JSON Schemas ship as `schemas/` in the \
`coach-app-baml-client` wheel, the `@coach-app/coach-app-baml-client` npm package and the `contracts-core` crate. \
Producers validate every envelope in `producer` mode before sending (unknown fields rejected, \
`contracts_version` equal to this version); clients validate in `consumer` mode (unknown fields ignored, \
any version of the same MAJOR).";

const CHANNEL_DESCRIPTION: &str =
    "The WebSocket connection a client opens to the backend; it carries one JSON \
envelope per text frame, server to client. The URL is the application's (the Django example serves \
`ws/sessions/{session_id}/`), so the channel has no fixed address.";

/// `EventType` value → its `@description`.
fn event_descriptions(ir: &Ir) -> std::collections::BTreeMap<String, String> {
    ir.enum_named(EVENT_TYPE_ENUM)
        .map(|e| {
            e.values
                .iter()
                .filter_map(|v| Some((v.name.clone(), v.description.clone()?)))
                .collect()
        })
        .unwrap_or_default()
}

fn message(ir: &Ir, event: &EventBinding, summary: Option<&String>, examples: &Examples) -> Value {
    let envelope = ir.class(&event.envelope_class);
    let payload = ir.class(&event.payload_class);
    let mut description = envelope
        .and_then(|c| c.description.clone())
        .unwrap_or_default();
    let payload_description = payload.and_then(|c| c.description.as_deref());
    let _ = std::fmt::Write::write_fmt(
        &mut description,
        format_args!(
            "\n\nPayload: `{}`{}. Metadata: `{EVENT_META_CLASS}` in `meta`.",
            event.payload_class,
            payload_description.map_or_else(String::new, |d| format!(" ({d})"))
        ),
    );
    let mut message = json!({
        "name": event.event_type,
        "title": event.event_type,
        "description": description.trim_start(),
        "contentType": "application/json",
        "correlationId": {
            "description": "Groups the events caused by the same user action or job (`meta.correlation_id`, optional).",
            "location": "$message.payload#/meta/correlation_id",
        },
        "payload": {"$ref": format!("{SCHEMAS_REF}{}", event.envelope_class)},
    });
    if let Some(summary) = summary {
        message["summary"] = json!(summary);
    }
    if let Some(tag) = payload.and_then(|c| file_stem(&c.location.file)) {
        message["tags"] = json!([{"name": tag}]);
    }
    let list: Vec<Value> = examples
        .of(&event.event_type)
        .iter()
        .map(|e| json!({"name": e.name, "summary": e.summary, "payload": e.envelope}))
        .collect();
    if !list.is_empty() {
        message["examples"] = Value::Array(list);
    }
    message
}

/// `baml_src/types/sessions.baml` → `sessions`: the domain a payload belongs to.
fn file_stem(file: &str) -> Option<String> {
    let name = file.rsplit(['/', '\\']).next()?;
    Some(name.strip_suffix(".baml").unwrap_or(name).to_string())
}

/// The shipped `$defs` of every type the envelopes reach, with their
/// references pointed at `#/components/schemas/`.
fn reachable_schemas(
    ir: &Ir,
    events: &[EventBinding],
    roots: Vec<String>,
) -> Result<Map<String, Value>, CompileError> {
    let bundle = crate::schema::envelope_schema(ir, events)?;
    let Some(Value::Object(defs)) = bundle.get("$defs") else {
        return Ok(Map::new());
    };
    let mut seen = BTreeSet::new();
    let mut queue: VecDeque<String> = roots.into();
    let mut out = Map::new();
    while let Some(name) = queue.pop_front() {
        if !seen.insert(name.clone()) {
            continue;
        }
        let Some(schema) = defs.get(&name) else {
            continue;
        };
        let mut schema = schema.clone();
        retarget_refs(&mut schema, &mut |target| {
            queue.push_back(target.to_string());
        });
        out.insert(name, schema);
    }
    out.sort_keys();
    Ok(out)
}

/// Rewrites every `"$ref": "#/$defs/X"` in `value` to `#/components/schemas/X`
/// and reports `X`.
fn retarget_refs(value: &mut Value, found: &mut impl FnMut(&str)) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(target)) = map.get_mut("$ref") {
                if let Some(name) = target.strip_prefix("#/$defs/") {
                    found(name);
                    *target = format!("{SCHEMAS_REF}{name}");
                }
            }
            for v in map.values_mut() {
                retarget_refs(v, found);
            }
        }
        Value::Array(items) => {
            for v in items {
                retarget_refs(v, found);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refs_point_into_components_and_report_their_targets() {
        let mut schema = json!({"properties": {"a": {"$ref": "#/$defs/A"}, "b": {"items": {"$ref": "#/$defs/B"}}}});
        let mut found = Vec::new();
        retarget_refs(&mut schema, &mut |t| found.push(t.to_string()));
        assert_eq!(found, ["A", "B"]);
        assert_eq!(
            schema["properties"]["b"]["items"]["$ref"],
            "#/components/schemas/B"
        );
    }

    #[test]
    fn the_tag_is_the_payload_file_stem() {
        assert_eq!(
            file_stem("baml_src/types/sessions.baml").as_deref(),
            Some("sessions")
        );
    }
}
