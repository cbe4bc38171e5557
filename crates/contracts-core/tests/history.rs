//! Validation against another `Registry`, `downgrade_between` and
//! `upgrade_between` / `upgrade_dto_between`, on two
//! small hand-written registries (the real history is empty until the first
//! release tag; `contracts-compiler/tests/history.rs` covers generated ones).
//!
//! 0.1.0 → 0.2.0 (the "current" one here):
//! - `Goal` gains an optional `note`; its nested `Step` gains an optional `done`;
//! - `Status` gains `ARCHIVED`;
//! - a new event type `GOAL_DELETED`;
//! - `Owned.owner` goes required → optional; `Legacy.legacy` is removed;
//!   `Scored.score` goes int → string (breaking changes, to exercise every rule id).

use contracts_core::schema::{ClassDef, EnumDef, EventDef, FieldDef, Registry, Ty};
use contracts_core::{
    downgrade_between, downgrade_envelope, envelope_issues, upgrade_between, upgrade_dto,
    upgrade_dto_between, upgrade_envelope, validate_envelope, Mode, RewriteError, ValidateOptions,
    CONTRACTS_VERSION,
};
use serde_json::{json, Value};

const fn field(name: &'static str, ty: Ty) -> FieldDef {
    FieldDef { name, ty }
}

const META: ClassDef = ClassDef {
    name: "EventMeta",
    fields: &[
        field("event_id", Ty::Uuid),
        field("timestamp", Ty::Timestamp),
    ],
};

// `Goal` and `Step` fields both versions have.
const GOAL_ID: FieldDef = field("id", Ty::Uuid);
const GOAL_STATUS: FieldDef = field("status", Ty::Enum(0));
const GOAL_STEPS: FieldDef = field("steps", Ty::List(&Ty::Class(2)));
const GOAL_BY_STATUS: FieldDef = field("by_status", Ty::Optional(&Ty::Map(&Ty::Enum(0), &Ty::Int)));
const STEP_TITLE: FieldDef = field("title", Ty::String);

static V1_CLASSES: &[ClassDef] = &[
    META,
    ClassDef {
        name: "Goal",
        fields: &[GOAL_ID, GOAL_STATUS, GOAL_STEPS, GOAL_BY_STATUS],
    },
    ClassDef {
        name: "Step",
        fields: &[STEP_TITLE],
    },
    ClassDef {
        name: "Owned",
        fields: &[field("owner", Ty::Uuid)],
    },
    ClassDef {
        name: "Legacy",
        fields: &[field("legacy", Ty::String)],
    },
    ClassDef {
        name: "Scored",
        fields: &[field("score", Ty::Int)],
    },
];

static V2_CLASSES: &[ClassDef] = &[
    META,
    ClassDef {
        name: "Goal",
        fields: &[
            GOAL_ID,
            GOAL_STATUS,
            GOAL_STEPS,
            GOAL_BY_STATUS,
            field("note", Ty::Optional(&Ty::String)),
        ],
    },
    ClassDef {
        name: "Step",
        fields: &[STEP_TITLE, field("done", Ty::Optional(&Ty::Bool))],
    },
    ClassDef {
        name: "Owned",
        fields: &[field("owner", Ty::Optional(&Ty::Uuid))],
    },
    ClassDef {
        name: "Legacy",
        fields: &[],
    },
    ClassDef {
        name: "Scored",
        fields: &[field("score", Ty::String)],
    },
];

const fn event(event_type: &'static str, payload_class: usize) -> EventDef {
    EventDef {
        event_type,
        envelope_class: "unused",
        payload_class,
    }
}

static V1: Registry = Registry {
    version: "0.1.0",
    classes: V1_CLASSES,
    enums: &[EnumDef {
        name: "Status",
        values: &["OPEN", "DONE"],
    }],
    events: &[
        event("GOAL_UPDATED", 1),
        event("OWNED", 3),
        event("LEGACY", 4),
        event("SCORED", 5),
    ],
    event_meta_class: Some(0),
    envelope_schema: "{}",
    event_schemas: &[],
};

static V2: Registry = Registry {
    version: "0.2.0",
    classes: V2_CLASSES,
    enums: &[EnumDef {
        name: "Status",
        values: &["OPEN", "DONE", "ARCHIVED"],
    }],
    events: &[
        event("GOAL_UPDATED", 1),
        event("OWNED", 3),
        event("LEGACY", 4),
        event("SCORED", 5),
        event("GOAL_DELETED", 2),
    ],
    event_meta_class: Some(0),
    envelope_schema: "{}",
    event_schemas: &[],
};

#[allow(clippy::needless_pass_by_value)]
fn envelope(event_type: &str, payload: Value) -> Value {
    json!({
        "type": event_type,
        "contracts_version": "0.2.0",
        "payload": payload,
        "meta": {"event_id": "0192f0c1-7a52-7cc3-8d1e-000000000064", "timestamp": "2026-11-25T10:00:00Z"},
    })
}

fn goal(status: &str) -> Value {
    json!({
        "id": "0192f0c1-7a52-7cc3-8d1e-000000000001",
        "status": status,
        "steps": [{"title": "a", "done": true}, {"title": "b"}],
        "by_status": {"OPEN": 1},
        "note": "new in 0.2.0",
    })
}

fn assert_valid(reg: &'static Registry, value: &Value) {
    let options = ValidateOptions::default();
    assert_eq!(reg.value_issues(value, &options), []);
    assert!(reg.is_valid_envelope(value.to_string().as_bytes(), &options));
}

#[test]
fn validates_against_the_registry_it_is_given() {
    let options = ValidateOptions::default();
    let new = envelope("GOAL_UPDATED", goal("OPEN"));
    assert_valid(&V2, &new);
    // The 0.1.0 registry wants its own version and knows neither `note` nor `done`.
    let codes: Vec<(String, &str)> = V1
        .value_issues(&new, &options)
        .into_iter()
        .map(|i| (i.path, i.code.as_str()))
        .collect();
    assert_eq!(
        codes,
        [
            ("/contracts_version".to_string(), "unsupported_version"),
            ("/payload/steps/0/done".to_string(), "unknown_field"),
            ("/payload/note".to_string(), "unknown_field"),
        ]
    );
    assert!(!V1.is_valid_envelope(new.to_string().as_bytes(), &options));
    // A consumer of 0.1.0 tolerates the new fields but not the new enum value.
    let consumer = ValidateOptions::with_mode(Mode::Consumer);
    assert!(V1.is_valid_envelope(new.to_string().as_bytes(), &consumer));
    let archived = envelope("GOAL_UPDATED", goal("ARCHIVED"));
    assert!(!V1.is_valid_envelope(archived.to_string().as_bytes(), &consumer));
    assert_eq!(
        V1.value_issues(&archived, &consumer)[0].code.as_str(),
        "invalid_enum_value"
    );
}

#[test]
fn downgrade_drops_what_the_old_version_did_not_have() {
    let new = envelope("GOAL_UPDATED", goal("DONE"));
    let old = downgrade_between(&new, &V2, &V1).unwrap();
    assert_eq!(
        old,
        json!({
            "type": "GOAL_UPDATED",
            "contracts_version": "0.1.0",
            "payload": {
                "id": "0192f0c1-7a52-7cc3-8d1e-000000000001",
                "status": "DONE",
                "steps": [{"title": "a"}, {"title": "b"}],
                "by_status": {"OPEN": 1},
            },
            "meta": new["meta"],
        })
    );
    assert_valid(&V1, &old);
    // An optional field that is now optional and present is kept.
    let owned = envelope(
        "OWNED",
        json!({"owner": "0192f0c1-7a52-7cc3-8d1e-000000000002"}),
    );
    assert_valid(&V1, &downgrade_between(&owned, &V2, &V1).unwrap());
}

#[test]
fn downgrade_errors_name_the_rule_and_the_place() {
    let cases = [
        (
            envelope("GOAL_DELETED", json!({"title": "x"})),
            "event-type-added",
            "/type",
        ),
        (
            envelope("GOAL_UPDATED", goal("ARCHIVED")),
            "enum-value-added",
            "/payload/status",
        ),
        (
            envelope(
                "GOAL_UPDATED",
                json!({"id": "0192f0c1-7a52-7cc3-8d1e-000000000001", "status": "OPEN", "steps": [],
                       "by_status": {"ARCHIVED": 2}}),
            ),
            "enum-value-added",
            "/payload/by_status/ARCHIVED",
        ),
        (
            envelope("OWNED", json!({})),
            "field-optional-to-required",
            "/payload/owner",
        ),
        (
            envelope("LEGACY", json!({})),
            "field-added-required",
            "/payload/legacy",
        ),
        (
            envelope("SCORED", json!({"score": "high"})),
            "field-type-changed",
            "/payload/score",
        ),
        (
            envelope("SCORED", json!({"score": 3})),
            "invalid-envelope",
            "/payload/score",
        ),
    ];
    assert_refusals(&cases, |input| downgrade_between(input, &V2, &V1));
}

/// Every case is refused by `rewrite` with its rule id, at its path, with a message.
fn assert_refusals(
    cases: &[(Value, &str, &str)],
    rewrite: impl Fn(&Value) -> Result<Value, RewriteError>,
) {
    for (input, rule_id, path) in cases {
        let err = rewrite(input).unwrap_err();
        assert_eq!(
            (err.rule_id.as_str(), err.path.as_str()),
            (*rule_id, *path),
            "{err}"
        );
        assert!(!err.message.is_empty());
    }
}

#[test]
fn the_current_version_is_identity_and_unknown_versions_are_explained() {
    let anything = json!({"type": "NOT_EVEN_VALID"});
    assert_eq!(
        downgrade_envelope(&anything, CONTRACTS_VERSION).unwrap(),
        anything
    );
    let err = downgrade_envelope(&anything, "0.0.1").unwrap_err();
    assert_eq!(
        (err.rule_id.as_str(), err.path.as_str()),
        ("unknown-version", "")
    );
    assert!(err.message.contains(CONTRACTS_VERSION), "{}", err.message);

    // The same for validation with an unknown target version: one issue.
    let options = ValidateOptions {
        target_version: Some("0.0.1".into()),
        ..ValidateOptions::default()
    };
    let issues = envelope_issues(r#"{"type": "GOAL_UPDATED"}"#, &options);
    assert_eq!(issues.len(), 1);
    assert_eq!(issues[0].code.as_str(), "unsupported_version");
    assert_eq!(issues[0].path, "/contracts_version");
    assert!(issues[0].message.contains(CONTRACTS_VERSION));
    assert!(validate_envelope(b"{}".as_slice(), &options).is_err());
    // Targeting the current version is the same as not targeting.
    let current = ValidateOptions {
        target_version: Some(CONTRACTS_VERSION.into()),
        ..ValidateOptions::default()
    };
    assert_eq!(
        envelope_issues("{}", &current),
        envelope_issues("{}", &ValidateOptions::default())
    );
    for (version, reg) in contracts_core::history() {
        assert_eq!(*version, reg.version);
        assert!(contracts_core::registry_for(version).is_some());
    }
}

fn old_envelope(event_type: &str, payload: Value) -> Value {
    let mut envelope = envelope(event_type, payload);
    envelope["contracts_version"] = "0.1.0".into();
    envelope
}

#[test]
fn upgrade_leaves_new_optional_fields_absent() {
    let old = old_envelope(
        "GOAL_UPDATED",
        json!({"id": "0192f0c1-7a52-7cc3-8d1e-000000000001", "status": "DONE",
               "steps": [{"title": "a"}], "by_status": {"OPEN": 1}}),
    );
    assert_valid(&V1, &old);
    let new = upgrade_between(&old, &V1, &V2).unwrap();
    let mut expected = old.clone();
    expected["contracts_version"] = "0.2.0".into();
    assert_eq!(new, expected);
    assert_valid(&V2, &new);
    // Down and up again gives back what 0.1.0 could carry.
    let full = envelope("GOAL_UPDATED", goal("DONE"));
    let round = upgrade_between(&downgrade_between(&full, &V2, &V1).unwrap(), &V1, &V2).unwrap();
    assert_eq!(
        round["payload"]["steps"],
        json!([{"title": "a"}, {"title": "b"}])
    );
    assert!(round["payload"].get("note").is_none());
    assert_valid(&V2, &round);
    // A field that became optional is carried over.
    let owner = json!({"owner": "0192f0c1-7a52-7cc3-8d1e-000000000002"});
    let carried = upgrade_between(&old_envelope("OWNED", owner.clone()), &V1, &V2).unwrap();
    assert_eq!(carried["payload"], owner);
    assert_valid(&V2, &carried);
}

#[test]
fn upgrade_errors_name_the_rule_and_the_place() {
    // 0.1.0 -> 0.2.0: what 0.2.0 changed incompatibly.
    let forward = [
        (
            old_envelope("LEGACY", json!({"legacy": "x"})),
            "field-removed",
            "/payload/legacy",
        ),
        (
            old_envelope("SCORED", json!({"score": 3})),
            "field-type-changed",
            "/payload/score",
        ),
        (
            old_envelope("SCORED", json!({"score": "high"})),
            "invalid-envelope",
            "/payload/score",
        ),
        (
            envelope("SCORED", json!({"score": 3})),
            "invalid-envelope",
            "/contracts_version",
        ),
    ];
    assert_refusals(&forward, |input| upgrade_between(input, &V1, &V2));
    // Read the other way round (0.2.0 data into the 0.1.0 registry), every
    // other rule: a removed event type and enum value, new required fields.
    let backward = [
        (
            envelope("GOAL_DELETED", json!({"title": "x"})),
            "event-type-removed",
            "/type",
        ),
        (
            envelope("GOAL_UPDATED", goal("DONE")),
            "field-removed",
            "/payload/steps/0/done",
        ),
        (
            envelope(
                "GOAL_UPDATED",
                json!({"id": "0192f0c1-7a52-7cc3-8d1e-000000000001", "status": "ARCHIVED", "steps": []}),
            ),
            "enum-value-removed",
            "/payload/status",
        ),
        (
            envelope("OWNED", json!({})),
            "field-optional-to-required",
            "/payload/owner",
        ),
        (
            envelope("LEGACY", json!({})),
            "field-added-required",
            "/payload/legacy",
        ),
    ];
    assert_refusals(&backward, |input| {
        let refused = upgrade_between(input, &V2, &V1);
        assert!(refused.as_ref().is_err_and(|e| e.message.contains("0.1.0")));
        refused
    });
}

#[test]
fn a_removed_field_holding_null_is_dropped_on_upgrade() {
    // Stored records hold every absent optional field as `null`: nothing is lost.
    let step = json!({"title": "a", "done": null});
    assert_eq!(
        upgrade_dto_between("Step", &step, &V2, &V1).unwrap(),
        json!({"title": "a"})
    );
    let err =
        upgrade_dto_between("Step", &json!({"title": "a", "done": false}), &V2, &V1).unwrap_err();
    assert_eq!(
        (err.rule_id.as_str(), err.path.as_str()),
        ("field-removed", "/done")
    );
}

#[test]
fn upgrade_of_a_dto_follows_its_class() {
    let step = json!({"title": "a"});
    assert_eq!(upgrade_dto_between("Step", &step, &V1, &V2).unwrap(), step);
    let cases = [
        ("Step", json!({"title": 1}), "invalid-value", "/title"),
        ("Nope", json!({}), "unknown-class", ""),
        ("Legacy", json!({"legacy": "x"}), "field-removed", "/legacy"),
        (
            "Scored",
            json!({"score": 2}),
            "field-type-changed",
            "/score",
        ),
    ];
    for (class, value, rule_id, path) in cases {
        assert_refusals(&[(value, rule_id, path)], |v| {
            upgrade_dto_between(class, v, &V1, &V2)
        });
    }
    // The current version is the identity once the value validates; an
    // unknown version is explained.
    let draft = json!({"title": "Book the gym", "owner": "CLIENT", "priority": "HIGH"});
    assert_eq!(
        upgrade_dto("ActionItemDraft", &draft, CONTRACTS_VERSION).unwrap(),
        draft
    );
    let err = upgrade_dto("ActionItemDraft", &draft, "0.0.1").unwrap_err();
    assert_eq!(err.rule_id, "unknown-version");
    assert!(err.message.contains(CONTRACTS_VERSION), "{err}");
    let err = upgrade_envelope(&json!({"type": "X"})).unwrap_err();
    assert_eq!(
        (err.rule_id.as_str(), err.path.as_str()),
        ("invalid-envelope", "/contracts_version")
    );
}
