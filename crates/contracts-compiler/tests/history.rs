//! The schema history on a throwaway git repository: tag v0.1.0, change the
//! contracts additively, bump to 0.2.0, run `contracts gen`, and check the
//! history files and a downgrade from 0.2.0 to 0.1.0 (with registries built
//! from the two IRs, and the generated 0.1.0 schema as the referee).

use contracts_compiler::history::{self, History};
use contracts_compiler::ir::{Ir, JsonScalar, Literal, TypeExpr};
use contracts_compiler::wire::{Format, FORMAT_ALIASES};
use contracts_compiler::{events, load_dir};
use contracts_core::schema::{ClassDef, EnumDef, EventDef, FieldDef, Registry, Ty};
use contracts_core::{downgrade_between, ValidateOptions};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

mod support;
use support::GitRepo;

const SCHEMA_DIRS: [&str; 3] = contracts_compiler::schema::SCHEMA_DIRS;

const V1: &str = r#"
type Uuid = string
type Timestamp = string

enum EventType {
  GOAL_UPDATED
}

enum GoalStatus {
  OPEN
  DONE
}

class EventMeta {
  event_id Uuid
  timestamp Timestamp
}

class Goal {
  id Uuid
  status GoalStatus
}

class GoalUpdatedEvent {
  type "GOAL_UPDATED"
  contracts_version string
  payload Goal
  meta EventMeta
}

type EventEnvelope = GoalUpdatedEvent
"#;

/// 0.2.0: a new optional field, a new enum value, a new event type.
fn v2() -> String {
    V1.replace("  GOAL_UPDATED\n}", "  GOAL_UPDATED\n  GOAL_DELETED\n}")
        .replace("  DONE\n}", "  DONE\n  ARCHIVED\n}")
        .replace(
            "  status GoalStatus\n}",
            "  status GoalStatus\n  note string?\n}",
        )
        .replace(
            "type EventEnvelope = GoalUpdatedEvent",
            "class GoalDeleted {\n  id Uuid\n}\n\nclass GoalDeletedEvent {\n  type \"GOAL_DELETED\"\n  contracts_version string\n  payload GoalDeleted\n  meta EventMeta\n}\n\ntype EventEnvelope = GoalUpdatedEvent | GoalDeletedEvent",
        )
}

struct Repo(GitRepo);

impl Repo {
    fn new() -> Repo {
        Repo(GitRepo::new("history"))
    }

    fn path(&self) -> &Path {
        self.0.path()
    }

    /// The contracts and the workspace version of one release.
    fn write(&self, version: &str, contracts: &str) {
        self.0.write("baml_src/types.baml", contracts);
        self.0.write(
            "Cargo.toml",
            &format!("[workspace.package]\nversion = \"{version}\"\n"),
        );
    }

    fn git(&self, args: &[&str]) {
        self.0.git(args);
    }

    fn commit(&self, message: &str) {
        self.0.commit(message);
    }

    /// `contracts gen --root <repo>` (plus `--check` when asked).
    fn gen(&self, check: bool) -> std::process::Output {
        let root = self.path().to_str().expect("UTF-8 temp path");
        let mut args = vec!["gen", "--root", root];
        if check {
            args.push("--check");
        }
        self.0.contracts(&args)
    }
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(
        &std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    )
    .unwrap()
}

// --- A `Registry` built at run time from an IR (what `history.rs` holds) ---

fn leak<T>(items: Vec<T>) -> &'static [T] {
    Box::leak(items.into_boxed_slice())
}

fn leak_str(s: &str) -> &'static str {
    Box::leak(s.to_string().into_boxed_str())
}

fn ty(ir: &Ir, t: &TypeExpr) -> Ty {
    let boxed = |t: &TypeExpr| -> &'static Ty { Box::leak(Box::new(ty(ir, t))) };
    match t {
        TypeExpr::Primitive { name } => match name.json().expect("a JSON primitive") {
            JsonScalar::String => Ty::String,
            JsonScalar::Int => Ty::Int,
            JsonScalar::Float => Ty::Float,
            JsonScalar::Bool => Ty::Bool,
            JsonScalar::Null => Ty::Null,
        },
        TypeExpr::Literal { value } => match value {
            Literal::String(s) => Ty::StringLiteral(leak_str(s)),
            Literal::Int(i) => Ty::IntLiteral(*i),
            Literal::Bool(b) => Ty::BoolLiteral(*b),
        },
        TypeExpr::Named { name } => {
            if let Some(i) = ir.classes.iter().position(|c| &c.name == name) {
                Ty::Class(i)
            } else if let Some(i) = ir.enums.iter().position(|e| &e.name == name) {
                Ty::Enum(i)
            } else {
                match FORMAT_ALIASES.iter().find(|(a, _)| a == name) {
                    Some((_, Format::Uuid)) => Ty::Uuid,
                    Some((_, Format::Timestamp)) => Ty::Timestamp,
                    Some((_, Format::Date)) => Ty::Date,
                    None => ty(ir, &ir.alias(name).expect("declared").ty),
                }
            }
        }
        TypeExpr::List { items } => Ty::List(boxed(items)),
        TypeExpr::Map { key, value } => Ty::Map(boxed(key), boxed(value)),
        TypeExpr::Union { members } => Ty::Union(leak(members.iter().map(|m| ty(ir, m)).collect())),
        TypeExpr::Optional { inner } => Ty::Optional(boxed(inner)),
    }
}

fn registry(version: &str, ir: &Ir) -> &'static Registry {
    let events = events::event_bindings(ir).expect("events check");
    let class_index = |name: &str| ir.classes.iter().position(|c| c.name == name);
    Box::leak(Box::new(Registry {
        version: leak_str(version),
        classes: leak(
            ir.classes
                .iter()
                .map(|c| ClassDef {
                    name: leak_str(&c.name),
                    fields: leak(
                        c.fields
                            .iter()
                            .map(|f| FieldDef {
                                name: leak_str(&f.name),
                                ty: ty(ir, &f.ty),
                            })
                            .collect(),
                    ),
                })
                .collect(),
        ),
        enums: leak(
            ir.enums
                .iter()
                .map(|e| EnumDef {
                    name: leak_str(&e.name),
                    values: leak(e.values.iter().map(|v| leak_str(&v.name)).collect()),
                })
                .collect(),
        ),
        events: leak(
            events
                .iter()
                .map(|b| EventDef {
                    event_type: leak_str(&b.event_type),
                    envelope_class: leak_str(&b.envelope_class),
                    payload_class: class_index(&b.payload_class).unwrap(),
                })
                .collect(),
        ),
        event_meta_class: class_index(events::EVENT_META_CLASS),
        envelope_schema: "{}",
        event_schemas: &[],
    }))
}

#[allow(clippy::needless_pass_by_value)]
fn envelope(event_type: &str, payload: Value) -> Value {
    json!({
        "type": event_type,
        "contracts_version": "0.2.0",
        "payload": payload,
        "meta": {"event_id": "0192f0c1-7a52-7cc3-8d1e-000000000064", "timestamp": "2026-11-25T10:00:00Z"},
    })
}

#[test]
fn gen_writes_the_history_of_older_tags_and_downgrades_follow_it() {
    let repo = Repo::new();
    let root: PathBuf = repo.path().to_path_buf();
    repo.write("0.1.0", V1);
    repo.commit("0.1.0");
    repo.git(&["tag", "v0.1.0"]);

    // At the tag itself there is no older version: an empty history.
    let out = repo.gen(false);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let history_rs = root.join("crates/contracts-core/src/generated/history.rs");
    let empty = std::fs::read_to_string(&history_rs).unwrap();
    assert!(empty.contains("pub static VERSIONS: &[(&str, &Registry)] = &[];"));

    repo.write("0.2.0", &v2());
    repo.commit("0.2.0: note, ARCHIVED, GOAL_DELETED");
    repo.git(&["tag", "v0.2.0-rc.1"]); // pre-releases are not kept
    let out = repo.gen(false);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let check = repo.gen(true);
    assert!(
        check.status.success(),
        "gen --check after gen: {}",
        String::from_utf8_lossy(&check.stderr)
    );

    // The files: one history directory per schema directory, and history.rs.
    for dir in SCHEMA_DIRS {
        let base = root.join(dir).join("history/0.1.0");
        assert!(base.join("envelope.schema.json").is_file(), "{dir}");
        assert!(base.join("events/GOAL_UPDATED.schema.json").is_file());
        assert!(!base.join("events/GOAL_DELETED.schema.json").exists());
        let ir = read_json(&base.join("ir.json"));
        let goal = ir["classes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "Goal")
            .unwrap();
        assert_eq!(goal["fields"].as_array().unwrap().len(), 2);
        assert!(!root.join(dir).join("history/0.2.0-rc.1").exists());
    }
    // The examples: the current version first, then 0.1.0 as its own IR built it;
    // each valid in its version (the 0.1.0 one against the 0.1.0 schema below).
    let examples = read_json(&root.join(SCHEMA_DIRS[0]).join("examples.json"));
    let versions: Vec<&String> = examples["versions"].as_object().unwrap().keys().collect();
    assert_eq!(versions, ["0.2.0", "0.1.0"]);
    assert_eq!(examples["contracts_version"], "0.2.0");
    let old_example = &examples["versions"]["0.1.0"]["events"]["GOAL_UPDATED"];
    assert_eq!(old_example["contracts_version"], "0.1.0");
    assert_eq!(
        examples["versions"]["0.1.0"]["events"]
            .as_object()
            .unwrap()
            .len(),
        1
    );
    assert!(examples["versions"]["0.2.0"]["events"]["GOAL_DELETED"].is_object());
    let ts = std::fs::read_to_string(root.join(contracts_compiler::ir_examples::TS_EXAMPLES_PATH))
        .unwrap();
    assert!(ts.starts_with("// @generated") && ts.contains(r#""0.1.0": {"#));

    let history_rs = std::fs::read_to_string(&history_rs).unwrap();
    assert!(history_rs.contains("pub mod v0_1_0 {"), "{history_rs}");
    assert!(history_rs.contains(r#"version: "0.1.0","#));
    assert!(history_rs.contains(r#"[("0.1.0", &v0_1_0::REGISTRY)]"#));
    assert!(history_rs.contains("/schemas/history/0.1.0/envelope.schema.json"));
    assert!(!history_rs.contains("ARCHIVED"));

    // The registries: 0.1.0 from the history, 0.2.0 from the work tree.
    let History::Releases(releases) = history::load(&root, &root.join("baml_src")).unwrap() else {
        panic!("a git checkout has releases");
    };
    assert_eq!(releases.len(), 1);
    assert_eq!(releases[0].version.to_string(), "0.1.0");
    let old = registry("0.1.0", &releases[0].ir);
    let new = registry("0.2.0", &load_dir(&root.join("baml_src")).unwrap());

    let schema = read_json(
        &root
            .join(SCHEMA_DIRS[0])
            .join("history/0.1.0/envelope.schema.json"),
    );
    let schema = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(&schema)
        .expect("the history schema compiles");
    assert!(schema.is_valid(old_example), "{old_example}");
    assert_eq!(
        old.value_issues(old_example, &ValidateOptions::default()),
        []
    );

    // A new optional field is dropped; the result is a valid 0.1.0 envelope.
    let goal =
        json!({"id": "0192f0c1-7a52-7cc3-8d1e-000000000001", "status": "DONE", "note": "new"});
    let input = envelope("GOAL_UPDATED", goal);
    assert!(!schema.is_valid(&input), "the 0.1.0 schema is closed");
    let down = downgrade_between(&input, new, old).unwrap();
    assert_eq!(down["contracts_version"], "0.1.0");
    assert_eq!(
        down["payload"],
        json!({"id": "0192f0c1-7a52-7cc3-8d1e-000000000001", "status": "DONE"})
    );
    assert!(schema.is_valid(&down), "{down}");
    assert_eq!(old.value_issues(&down, &ValidateOptions::default()), []);

    // A new event type and a new enum value cannot be downgraded.
    let deleted = envelope(
        "GOAL_DELETED",
        json!({"id": "0192f0c1-7a52-7cc3-8d1e-000000000001"}),
    );
    let err = downgrade_between(&deleted, new, old).unwrap_err();
    assert_eq!(
        (err.rule_id.as_str(), err.path.as_str()),
        ("event-type-added", "/type")
    );
    let archived = envelope(
        "GOAL_UPDATED",
        json!({"id": "0192f0c1-7a52-7cc3-8d1e-000000000001", "status": "ARCHIVED"}),
    );
    let err = downgrade_between(&archived, new, old).unwrap_err();
    assert_eq!(
        (err.rule_id.as_str(), err.path.as_str()),
        ("enum-value-added", "/payload/status")
    );
    // The rule ids are the diff's.
    for id in ["event-type-added", "enum-value-added"] {
        assert!(contracts_compiler::diff::rule_by_id(id).is_some());
    }
}

#[test]
fn outside_a_git_checkout_the_history_on_disk_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let generated = dir.path().join(contracts_compiler::gen::CORE_GENERATED_DIR);
    // A directory that is not a repository root (the temp dir may sit in one).
    assert!(matches!(
        history::load(dir.path(), &dir.path().join("baml_src")).unwrap(),
        History::Releases(r) if r.is_empty()
    ));
    std::fs::create_dir_all(&generated).unwrap();
    std::fs::write(generated.join("history.rs"), "// kept\n").unwrap();
    assert!(matches!(
        history::load(dir.path(), &dir.path().join("baml_src")).unwrap(),
        History::Keep
    ));
}
