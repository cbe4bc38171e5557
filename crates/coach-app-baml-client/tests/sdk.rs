//! The generated Rust SDK agrees with contracts-core on the shared vectors:
//! every valid envelope decodes into the generated types, and what the SDK
//! encodes again passes the core's producer validation.

use coach_app_baml_client::baml_client::types::{EventEnvelope, EventMeta};
use coach_app_baml_client::validation::{value_issues, ValidateOptions, CONTRACTS_VERSION};
use std::path::Path;

fn valid_producer_envelopes() -> Vec<(String, serde_json::Value)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/vectors");
    let mut found = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("testdata/vectors") {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let text = std::fs::read_to_string(&path)
            .unwrap()
            .replace("{{CONTRACTS_VERSION}}", CONTRACTS_VERSION);
        let case: serde_json::Value = serde_json::from_str(&text).unwrap();
        let producer = case.get("mode").is_none_or(|m| m == "producer")
            && case.get("target_version").is_none();
        if producer && case["expect"]["valid"] == true && case.get("input").is_some() {
            found.push((
                path.file_name().unwrap().to_string_lossy().into_owned(),
                case["input"].clone(),
            ));
        }
    }
    found
}

#[test]
fn sdk_version_is_the_workspace_version() {
    assert_eq!(coach_app_baml_client::CONTRACTS_VERSION, CONTRACTS_VERSION);
}

#[test]
fn valid_envelopes_round_trip_through_the_generated_types() {
    let envelopes = valid_producer_envelopes();
    assert!(
        envelopes.len() >= 18,
        "expected a valid vector per event type"
    );
    for (name, input) in envelopes {
        let meta: EventMeta = serde_json::from_value(input["meta"].clone())
            .unwrap_or_else(|e| panic!("{name}: meta: {e}"));
        assert_eq!(meta.event_id, input["meta"]["event_id"]);
        let decoded: EventEnvelope =
            serde_json::from_value(input.clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let encoded = serde_json::to_value(&decoded).unwrap();
        assert_eq!(encoded["type"], input["type"], "{name}");
        let issues = value_issues(&encoded, &ValidateOptions::default());
        assert!(
            issues.is_empty(),
            "{name}: the SDK re-encoded an envelope the core rejects: {issues:?}"
        );
    }
}
