//! `contracts catalog` on a throwaway git repository with released versions:
//! the catalog dates every event, field and enum value from the schema
//! history and lists the contract changes of every release.

use serde_json::Value;

mod support;
use support::GitRepo;

const V1: &str = r#"
type Uuid = string
type Timestamp = string

enum EventType {
  GOAL_UPDATED @description("A goal changed.")
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
  @@description("A <goal> & its status.")
}

class GoalUpdatedEvent {
  type "GOAL_UPDATED"
  contracts_version string
  payload Goal
  meta EventMeta
}

type EventEnvelope = GoalUpdatedEvent
"#;

/// 1.1.0: a new optional field and a new event type.
fn v1_1() -> String {
    V1.replace(
        "  GOAL_UPDATED @description(\"A goal changed.\")\n}",
        "  GOAL_UPDATED @description(\"A goal changed.\")\n  GOAL_DELETED\n}",
    )
    .replace("  status GoalStatus\n", "  status GoalStatus\n  note string?\n")
    .replace(
        "type EventEnvelope = GoalUpdatedEvent",
        "class GoalDeleted {\n  id Uuid\n}\n\nclass GoalDeletedEvent {\n  type \"GOAL_DELETED\"\n  contracts_version string\n  payload GoalDeleted\n  meta EventMeta\n}\n\ntype EventEnvelope = GoalUpdatedEvent | GoalDeletedEvent",
    )
}

/// 2.0.0: a new enum value.
fn v2() -> String {
    v1_1().replace("  DONE\n}", "  DONE\n  ARCHIVED\n}")
}

fn release(repo: &GitRepo, version: &str, contracts: &str, tag: bool) {
    repo.write("baml_src/types.baml", contracts);
    repo.write(
        "Cargo.toml",
        &format!("[workspace.package]\nversion = \"{version}\"\n"),
    );
    repo.commit(version);
    if tag {
        repo.git(&["tag", &format!("v{version}")]);
    }
}

/// The `<tr>` of `attr="name"` in `html`.
fn row<'a>(html: &'a str, attr: &str, name: &str) -> &'a str {
    let start = html
        .find(&format!("<tr {attr}=\"{name}\">"))
        .unwrap_or_else(|| panic!("no row {attr}={name}"));
    let end = html[start..].find("</tr>").unwrap() + start;
    &html[start..end]
}

#[test]
fn the_catalog_dates_everything_from_the_history_and_lists_each_release() {
    let repo = GitRepo::new("catalog");
    release(&repo, "0.9.0", V1, true); // an older MAJOR, outside the history
    release(&repo, "1.0.0", V1, true);
    release(&repo, "1.1.0", &v1_1(), true);
    repo.write(
        "testdata/vectors/valid-goal-updated.json",
        r#"{"description": "A GOAL_UPDATED envelope.", "mode": "producer",
            "input": {"type": "GOAL_UPDATED", "contracts_version": "{{CONTRACTS_VERSION}}",
                      "payload": {"id": "0192f0c1-7a52-7cc3-8d1e-000000000005", "status": "OPEN"},
                      "meta": {"event_id": "0192f0c1-7a52-7cc3-8d1e-000000000064", "timestamp": "2026-11-25T10:00:00Z"}},
            "expect": {"valid": true, "issues": []}}"#,
    );
    release(&repo, "2.0.0", &v2(), false);

    let out_dir = repo.path().join("site");
    let root = repo.path().to_str().unwrap().to_string();
    let out = repo.contracts(&["catalog", "--root", &root, "--out", "site"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("2 releases in the history"));
    let read = |page: &str| std::fs::read_to_string(out_dir.join(page)).unwrap();

    let manifest: Value = serde_json::from_str(&read("catalog.json")).unwrap();
    assert_eq!(manifest["version"], "2.0.0");
    assert_eq!(
        manifest["versions"],
        serde_json::json!(["1.0.0", "1.1.0", "2.0.0"])
    );
    assert_eq!(
        manifest["events"],
        serde_json::json!(["GOAL_UPDATED", "GOAL_DELETED"])
    );

    let updated = read("events/GOAL_UPDATED.html");
    assert!(
        updated.contains("1.0.0 or earlier"),
        "the oldest release may not be the first"
    );
    assert!(updated.contains("A goal changed."));
    assert!(row(&updated, "data-field", "note").contains("1.1.0"));
    assert!(row(&updated, "data-field", "id").contains("1.0.0 or earlier"));
    // The example comes from the corpus, with the version filled in.
    assert!(updated.contains("&quot;contracts_version&quot;: &quot;2.0.0&quot;"));
    assert!(updated.contains("testdata/vectors/valid-goal-updated.json"));
    // Descriptions are escaped, not markup.
    assert!(updated.contains("A &lt;goal&gt; &amp; its status."));

    let deleted = read("events/GOAL_DELETED.html");
    assert!(deleted
        .contains("<span class=\"since\" title=\"the version that introduced it\">1.1.0</span>"));
    assert!(deleted.contains("No example yet"));

    let status = read("types/GoalStatus.html");
    assert!(row(&status, "data-value", "ARCHIVED").contains("2.0.0"));
    assert!(row(&status, "data-value", "OPEN").contains("1.0.0 or earlier"));

    let changes = read("changes.html");
    let section = |label: &str| {
        let start = changes.find(&format!("id=\"v{label}\"")).unwrap();
        let end = changes[start..]
            .find("</section>")
            .map_or(changes.len(), |e| e + start);
        &changes[start..end]
    };
    assert!(section("2.0.0").contains("enum-value-added"));
    assert!(section("2.0.0").contains("MINOR"));
    assert!(section("1.1.0").contains("event-type-added"));
    assert!(section("1.1.0").contains("field-added-optional"));
    assert!(section("1.0.0").contains("outside"));
    assert!(
        changes.find("id=\"v2.0.0\"") < changes.find("id=\"v1.0.0\""),
        "newest first"
    );
}

#[test]
fn the_catalog_needs_an_output_directory() {
    let repo = GitRepo::new("catalog-usage");
    release(&repo, "1.0.0", V1, false);
    let out = repo.contracts(&["catalog"]);
    assert_eq!(out.status.code(), Some(2));
    // clap names the missing argument and the command.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--out <DIR>") && stderr.contains("Usage: contracts catalog"),
        "{stderr}"
    );
}

#[test]
fn the_cloudevents_type_prefix_is_the_runtime_one() {
    assert_eq!(
        contracts_compiler::catalog::CLOUDEVENT_TYPE_PREFIX,
        contracts_core::cloudevents::TYPE_PREFIX
    );
}
