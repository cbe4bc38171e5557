//! The generated JSON Schema documents are valid 2020-12 schemas, and the
//! envelope schema agrees with the shared vector corpus.

use contracts_compiler::{events, load_dir, schema};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn generated() -> Vec<(String, Value)> {
    let ir = load_dir(&root().join("baml_src")).expect("baml_src parses");
    let events = events::event_bindings(&ir).expect("event rules hold");
    let prefix = format!("{}/", schema::SCHEMA_DIRS[0]);
    schema::outputs(&ir, &events)
        .expect("schemas generate")
        .into_iter()
        .filter_map(|o| {
            let name = o.path.strip_prefix(&prefix)?.to_string();
            Some((
                name,
                serde_json::from_str(&o.contents).expect("generated JSON parses"),
            ))
        })
        .collect()
}

#[test]
fn every_schema_is_valid_against_the_2020_12_metaschema() {
    let schemas: Vec<_> = generated()
        .into_iter()
        .filter(|(name, _)| name.ends_with(".schema.json"))
        .collect();
    assert!(
        schemas.len() >= 16,
        "envelope + one per event type, got {}",
        schemas.len()
    );
    for (name, schema) in &schemas {
        assert_eq!(schema["$schema"], schema::DIALECT, "{name}");
        if let Err(e) = jsonschema::meta::validate(schema) {
            panic!("{name} is not a valid JSON Schema 2020-12 document: {e}");
        }
    }
}

#[test]
fn each_event_schema_binds_its_payload() {
    let all = generated();
    let bundle = &all
        .iter()
        .find(|(n, _)| n == "envelope.schema.json")
        .expect("bundle")
        .1;
    let mapping = bundle["discriminator"]["mapping"]
        .as_object()
        .expect("discriminator mapping");
    for (event_type, target) in mapping {
        let (_, schema) = all
            .iter()
            .find(|(n, _)| *n == format!("events/{event_type}.schema.json"))
            .unwrap_or_else(|| panic!("no per-event schema for {event_type}"));
        assert_eq!(schema["properties"]["type"]["const"], event_type.as_str());
        let payload_ref = schema["properties"]["payload"]["$ref"]
            .as_str()
            .expect("payload is a $ref");
        let class = target.as_str().unwrap().trim_start_matches("#/$defs/");
        assert_eq!(
            bundle["$defs"][class]["properties"]["payload"]["$ref"], payload_ref,
            "{event_type}"
        );
        let def = payload_ref.trim_start_matches("#/$defs/");
        assert!(
            schema["$defs"].get(def).is_some(),
            "{event_type}: $defs lacks {def}"
        );
    }
}

/// Producer-mode vectors: the schema gives the same verdict as the corpus,
/// except for the rules that are the validator's, not the schema's (the
/// exact `contracts_version` a producer must emit, input size and depth
/// limits, and text-level cases that are not JSON at all).
#[test]
fn the_envelope_schema_agrees_with_the_vectors() {
    let bundle = generated()
        .into_iter()
        .find(|(n, _)| n == "envelope.schema.json")
        .unwrap()
        .1;
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(&bundle)
        .expect("the envelope schema compiles");
    let version = env!("CARGO_PKG_VERSION");
    let mut checked = 0;
    let mut disagreements = Vec::new();
    for entry in std::fs::read_dir(root().join("testdata/vectors")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let text = std::fs::read_to_string(&path)
            .unwrap()
            .replace("{{CONTRACTS_VERSION}}", version);
        let case: Value = serde_json::from_str(&text).unwrap();
        let producer = case.get("mode").is_none_or(|m| m == "producer")
            && case.get("target_version").is_none();
        let Some(input) = case.get("input").filter(|_| producer) else {
            continue;
        };
        let codes: Vec<&str> = case["expect"]["issues"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|i| i["code"].as_str())
            .collect();
        if codes
            .iter()
            .any(|c| matches!(*c, "unsupported_version" | "too_deep" | "too_large"))
        {
            continue;
        }
        checked += 1;
        let expected = case["expect"]["valid"] == true;
        if validator.is_valid(input) != expected {
            disagreements.push(format!(
                "{}: corpus says valid={expected}",
                path.file_name().unwrap().to_string_lossy()
            ));
        }
    }
    assert!(checked >= 50, "only {checked} vectors were comparable");
    assert!(
        disagreements.is_empty(),
        "schema and corpus disagree:\n{}",
        disagreements.join("\n")
    );
}
