//! The examples the compiler builds from the IR (`schemas/examples.json`,
//! what the testing kits of both packages hand out) are valid here, in the
//! core: every envelope in producer and consumer mode, every class value,
//! every enum value, for every version the file holds, and the file covers
//! every version and event type this build knows.

use contracts_core::{known_versions, registry_for, upgrade_dto_between, Mode, ValidateOptions};
use serde_json::Value;

fn document() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schemas/examples.json");
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{path}: {e} (run `make generate`)"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn the_examples_cover_every_known_version_and_event_type() {
    let document = document();
    let versions = document["versions"].as_object().expect("versions");
    let listed: Vec<&str> = versions.keys().map(String::as_str).collect();
    assert_eq!(listed, known_versions().collect::<Vec<_>>());
    assert_eq!(
        document["contracts_version"],
        contracts_core::CONTRACTS_VERSION
    );
    for (version, examples) in versions {
        let registry = registry_for(version).expect("a known version");
        let events = examples["events"].as_object().expect("events");
        let types: Vec<&str> = events.keys().map(String::as_str).collect();
        let expected: Vec<&str> = registry.events.iter().map(|e| e.event_type).collect();
        assert_eq!(types, expected, "event types of {version}");
        let classes = examples["classes"].as_object().expect("classes");
        assert_eq!(
            classes.len(),
            registry.classes.len(),
            "classes of {version}"
        );
    }
}

#[test]
fn every_example_is_valid_in_its_version() {
    let document = document();
    let mut checked = 0;
    for (version, examples) in document["versions"].as_object().expect("versions") {
        let registry = registry_for(version).expect("a known version");
        for (event_type, envelope) in examples["events"].as_object().expect("events") {
            assert_eq!(envelope["contracts_version"], version.as_str());
            for mode in [Mode::Producer, Mode::Consumer] {
                let options = ValidateOptions {
                    mode,
                    ..ValidateOptions::default()
                };
                let issues = registry.value_issues(envelope, &options);
                assert!(
                    issues.is_empty(),
                    "{version} {event_type} ({mode:?}): {issues:?}"
                );
            }
            checked += 1;
        }
        for (class, value) in examples["classes"].as_object().expect("classes") {
            let read = upgrade_dto_between(class, value, registry, registry)
                .unwrap_or_else(|e| panic!("{version} {class}: {e}"));
            assert_eq!(&read, value, "{version} {class}");
            checked += 1;
        }
        for (name, value) in examples["enums"].as_object().expect("enums") {
            let definition = registry
                .enums
                .iter()
                .find(|e| e.name == name)
                .unwrap_or_else(|| panic!("{version}: no enum {name}"));
            assert!(
                definition
                    .values
                    .contains(&value.as_str().expect("a string")),
                "{version} {name}: {value}"
            );
            checked += 1;
        }
    }
    assert!(checked > 50, "only {checked} examples");
}
