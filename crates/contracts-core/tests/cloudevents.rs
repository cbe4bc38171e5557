//! The CloudEvents binding: every valid envelope of the corpus survives the
//! round trip exactly, and the shared CloudEvents cases of
//! `testdata/cloudevents/` (also run by pytest and node:test) give the
//! expected issues.

use contracts_core::cloudevents::{
    from_cloudevent_json, to_cloudevent_json, CloudEventError, Source, TYPE_PREFIX,
};
use contracts_core::{make_envelope_json, MetaOverrides, Mode, ValidateOptions};
use serde_json::Value;
use std::fmt::Write as _;

mod support;
use support::{manifest_dir, vector_files};

fn source() -> Source {
    Source::new("/coach-app/backend").unwrap()
}

/// The valid producer envelopes of the vector corpus.
fn valid_envelopes() -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for file in vector_files() {
        let raw = std::fs::read_to_string(&file).unwrap();
        let doc: Value = serde_json::from_str(
            &raw.replace("{{CONTRACTS_VERSION}}", contracts_core::CONTRACTS_VERSION),
        )
        .unwrap();
        if doc["mode"] == "producer"
            && doc["expect"]["valid"] == true
            && doc.get("target_version").is_none()
            && doc["input"].is_object()
        {
            let name = file.file_name().unwrap().to_string_lossy().into_owned();
            out.push((name, doc["input"].clone()));
        }
    }
    assert!(out.len() >= 18, "expected a valid vector per event type");
    out
}

/// The canonical text of an envelope: what `make_envelope` writes for it.
fn canonical(envelope: &Value) -> String {
    let meta = &envelope["meta"];
    let text = |k: &str| meta[k].as_str().map(str::to_string);
    make_envelope_json(
        envelope["type"].as_str().unwrap(),
        envelope["payload"].to_string().as_bytes(),
        MetaOverrides {
            event_id: text("event_id"),
            timestamp: text("timestamp"),
            correlation_id: text("correlation_id"),
            actor_id: text("actor_id"),
            request_id: text("request_id"),
        },
    )
    .unwrap()
}

#[test]
fn every_valid_envelope_round_trips_byte_for_byte() {
    let mut failures = String::new();
    for (name, envelope) in valid_envelopes() {
        let text = canonical(&envelope);
        let event = to_cloudevent_json(text.as_bytes(), &source(), &ValidateOptions::default())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let parsed: Value = serde_json::from_str(&event).unwrap();
        let attrs = [
            ("specversion", Value::from("1.0")),
            ("id", envelope["meta"]["event_id"].clone()),
            ("source", Value::from("/coach-app/backend")),
            (
                "type",
                Value::from(format!(
                    "{TYPE_PREFIX}{}",
                    envelope["type"].as_str().unwrap()
                )),
            ),
            ("time", envelope["meta"]["timestamp"].clone()),
            ("datacontenttype", Value::from("application/json")),
            ("contractsversion", envelope["contracts_version"].clone()),
            ("data", envelope["payload"].clone()),
        ];
        for (key, expected) in attrs {
            if parsed[key] != expected {
                let _ = writeln!(failures, "{name}: {key} = {} != {expected}", parsed[key]);
            }
        }
        for (attr, field) in [
            ("correlationid", "correlation_id"),
            ("actorid", "actor_id"),
            ("requestid", "request_id"),
        ] {
            let want = envelope["meta"].get(field).filter(|v| !v.is_null());
            if parsed.get(attr) != want {
                let _ = writeln!(
                    failures,
                    "{name}: {attr} = {:?} != {want:?}",
                    parsed.get(attr)
                );
            }
        }
        match from_cloudevent_json(event.as_bytes(), &ValidateOptions::default()) {
            Ok(back) if back == text => {}
            Ok(back) => {
                let _ = writeln!(failures, "{name}: round trip\n  in:  {text}\n  out: {back}");
            }
            Err(e) => {
                let _ = writeln!(failures, "{name}: from_cloudevent: {e}");
            }
        }
    }
    assert!(failures.is_empty(), "{failures}");
}

#[test]
fn an_invalid_envelope_is_refused_with_its_issues() {
    let err = to_cloudevent_json(
        br#"{"type": "GOAL_CREATED"}"#,
        &source(),
        &ValidateOptions::default(),
    )
    .unwrap_err();
    let CloudEventError::InvalidEnvelope(errors) = err else {
        panic!("expected envelope issues, got {err:?}");
    };
    let paths: Vec<&str> = errors.issues.iter().map(|i| i.path.as_str()).collect();
    assert!(
        paths.contains(&"/payload") && paths.contains(&"/meta"),
        "{paths:?}"
    );
}

/// One case of `testdata/cloudevents/`.
fn run_case(name: &str, raw: &str) -> Result<(), String> {
    let version = contracts_core::CONTRACTS_VERSION;
    let major: u64 = version.split('.').next().unwrap().parse().unwrap();
    let text = raw
        .replace("{{CONTRACTS_VERSION}}", version)
        .replace("{{NEXT_MAJOR}}", &format!("{}.0.0", major + 1));
    if text.contains("{{") {
        return Err("unknown placeholder (only CONTRACTS_VERSION and NEXT_MAJOR)".into());
    }
    let doc: Value = serde_json::from_str(&text).map_err(|e| format!("not JSON: {e}"))?;
    for key in doc.as_object().ok_or("not an object")?.keys() {
        if !["description", "mode", "event", "event_text", "expect"].contains(&key.as_str()) {
            return Err(format!("unknown key `{key}`"));
        }
    }
    let mode: Mode = doc["mode"].as_str().ok_or("`mode` missing")?.parse()?;
    let input = match (doc.get("event"), doc.get("event_text")) {
        (Some(v), None) => v.to_string(),
        (None, Some(Value::String(s))) => s.clone(),
        _ => return Err("exactly one of `event` and `event_text`".into()),
    };
    let mut expected: Vec<(String, String)> = doc["expect"]["issues"]
        .as_array()
        .ok_or("`expect.issues` missing")?
        .iter()
        .map(|i| {
            (
                i["path"].as_str().unwrap_or_default().to_string(),
                i["code"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    expected.sort();
    let valid = doc["expect"]["valid"]
        .as_bool()
        .ok_or("`expect.valid` missing")?;
    if valid != expected.is_empty() {
        return Err("`expect.valid` must be true exactly when `expect.issues` is empty".into());
    }
    let result = from_cloudevent_json(input.as_bytes(), &ValidateOptions::with_mode(mode));
    let mut actual: Vec<(String, String)> = match &result {
        Ok(_) => Vec::new(),
        Err(e) => e
            .issues
            .iter()
            .map(|i| (i.path.clone(), i.code.as_str().to_string()))
            .collect(),
    };
    actual.sort();
    if actual != expected {
        return Err(format!("{name}: expected {expected:?}, got {result:?}"));
    }
    if let (Ok(envelope), Some(want)) = (&result, doc["expect"].get("envelope")) {
        let got: Value = serde_json::from_str(envelope).unwrap();
        if &got != want {
            return Err(format!("{name}: envelope {got} != {want}"));
        }
    }
    Ok(())
}

#[test]
fn shared_cloudevent_cases() {
    let dir = manifest_dir().join("../../testdata/cloudevents");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 10,
        "{} holds {} cases",
        dir.display(),
        files.len()
    );
    let failures: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let name = f.file_name().unwrap().to_string_lossy().into_owned();
            run_case(&name, &std::fs::read_to_string(f).unwrap())
                .err()
                .map(|e| format!("{name}: {e}"))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
