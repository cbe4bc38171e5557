//! `make_envelope_json` (text in, text out, validated once on the fast path)
//! gives the envelope `make_envelope` (a `Value` tree) gives, and the same
//! issues, for every payload of the shared corpus.

mod support;

use contracts_core::{make_envelope, make_envelope_json, MetaOverrides};
use serde_json::Value;

fn meta() -> MetaOverrides {
    MetaOverrides {
        event_id: Some("0192f0c1-7a52-7cc3-8d1e-000000000064".into()),
        timestamp: Some("2026-11-25T10:00:00Z".into()),
        correlation_id: Some("0192f0c1-7a52-7cc3-8d1e-00000000c0de".into()),
        actor_id: None,
        request_id: Some("req \"7\" \u{e9}".into()),
    }
}

#[test]
fn text_and_tree_builders_agree_on_every_vector_payload() {
    let mut compared = 0;
    for file in support::vector_files() {
        let case: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        let input = &case["input"];
        let (Some(event_type), Some(payload)) = (input["type"].as_str(), input.get("payload"))
        else {
            continue;
        };
        let tree = make_envelope(event_type, payload.clone(), meta());
        for text in [
            payload.to_string(),
            serde_json::to_string_pretty(payload).unwrap(),
        ] {
            let made = make_envelope_json(event_type, text.as_bytes(), meta());
            match (&tree, made) {
                (Ok(tree), Ok(made)) => {
                    let parsed: Value = serde_json::from_str(&made).unwrap();
                    assert_eq!(&parsed, tree, "{}", file.display());
                    assert!(made.starts_with(r#"{"type":"#), "{made}");
                }
                (Err(tree), Err(made)) => {
                    assert_eq!(made.issues, tree.issues, "{}", file.display());
                }
                (tree, made) => panic!("{}: tree {tree:?} but text {made:?}", file.display()),
            }
            compared += 1;
        }
    }
    assert!(compared > 100, "only {compared} payloads compared");
}

#[test]
fn the_payload_must_be_exactly_one_json_value() {
    for bad in [&b""[..], b"{} {}", br#"{}, "extra": 1"#, b"\xff", b"[1,"] {
        let err = make_envelope_json("TYPING_INDICATOR", bad, meta()).unwrap_err();
        assert_eq!(err.issues.len(), 1, "{bad:?}");
        assert_eq!(
            (err.issues[0].path.as_str(), err.issues[0].code.as_str()),
            ("/payload", "invalid_json")
        );
    }
    // A duplicate key in the payload is reported (a tree would keep the last one silently).
    let err = make_envelope_json(
        "TYPING_INDICATOR",
        br#"{"thread_id": "0192f0c1-7a52-7cc3-8d1e-000000000003", "thread_id": "x",
             "user_id": "0192f0c1-7a52-7cc3-8d1e-000000000001", "is_typing": true}"#,
        meta(),
    )
    .unwrap_err();
    assert!(
        err.issues
            .iter()
            .any(|i| i.code.as_str() == "duplicate_key"),
        "{err:?}"
    );
}
