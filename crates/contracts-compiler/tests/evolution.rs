//! Contract evolution: the change corpus under `testdata/evolution/`, the rule
//! table, and `contracts diff` / `contracts check-bump` on throwaway git repos.

use contracts_compiler::diff::{self, Bump, RULES};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

mod support;
use support::GitRepo;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

struct Case {
    name: String,
    dir: PathBuf,
    verdict: Bump,
    rules: BTreeSet<String>,
}

fn corpus() -> Vec<Case> {
    let dir = root().join("testdata/evolution");
    let mut cases: Vec<Case> = std::fs::read_dir(&dir)
        .expect("testdata/evolution exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .map(|dir| {
            let expected: serde_json::Value = serde_json::from_str(
                &std::fs::read_to_string(dir.join("expected.json"))
                    .unwrap_or_else(|e| panic!("{}: {e}", dir.display())),
            )
            .unwrap_or_else(|e| panic!("{}/expected.json: {e}", dir.display()));
            Case {
                name: dir.file_name().unwrap().to_string_lossy().into_owned(),
                verdict: Bump::parse(expected["verdict"].as_str().expect("verdict"))
                    .expect("NONE, PATCH, MINOR or MAJOR"),
                rules: expected["rules"]
                    .as_array()
                    .expect("rules")
                    .iter()
                    .map(|r| r.as_str().expect("rule id").to_string())
                    .collect(),
                dir,
            }
        })
        .collect();
    cases.sort_by(|a, b| a.name.cmp(&b.name));
    cases
}

#[test]
fn every_corpus_case_gets_exactly_its_verdict_and_rules() {
    let cases = corpus();
    assert!(cases.len() >= 30, "only {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let changes = match diff::diff_dirs(&case.dir.join("before"), &case.dir.join("after")) {
            Ok(changes) => changes,
            Err(errors) => {
                failures.push(format!("{}: does not load: {errors:?}", case.name));
                continue;
            }
        };
        let rules: BTreeSet<String> = changes.iter().map(|c| c.rule.to_string()).collect();
        let verdict = diff::verdict(&changes);
        if rules != case.rules || verdict != case.verdict {
            failures.push(format!(
                "{}: expected {} {:?}, got {verdict} {rules:?}\n{}",
                case.name,
                case.verdict,
                case.rules,
                diff::render_text(&changes)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_rule_has_a_corpus_case_and_expected_files_are_consistent() {
    let cases = corpus();
    let covered: BTreeSet<&str> = cases
        .iter()
        .flat_map(|c| c.rules.iter().map(String::as_str))
        .collect();
    let missing: Vec<&str> = RULES
        .iter()
        .map(|r| r.id)
        .filter(|id| !covered.contains(id))
        .collect();
    assert!(
        missing.is_empty(),
        "rules without a corpus case: {missing:?}"
    );
    for case in &cases {
        let max = case
            .rules
            .iter()
            .map(|r| {
                diff::rule_by_id(r)
                    .unwrap_or_else(|| panic!("{}: unknown rule {r}", case.name))
                    .bump
            })
            .max()
            .unwrap_or(Bump::None);
        assert_eq!(max, case.verdict, "{}: verdict is not the max", case.name);
    }
}

#[test]
fn rule_ids_are_unique_and_documented() {
    let ids: BTreeSet<&str> = RULES.iter().map(|r| r.id).collect();
    assert_eq!(ids.len(), RULES.len(), "duplicate rule ids");
    let doc = std::fs::read_to_string(root().join("docs/evolution.md")).expect("docs/evolution.md");
    for rule in RULES {
        let row = doc
            .lines()
            .find(|l| l.starts_with(&format!("| `{}` |", rule.id)))
            .unwrap_or_else(|| panic!("docs/evolution.md has no table row for `{}`", rule.id));
        assert!(
            row.contains(&format!("| {} |", rule.bump)),
            "docs/evolution.md gives `{}` another bump than {}: {row}",
            rule.id,
            rule.bump
        );
    }
}

#[test]
fn the_real_contracts_do_not_differ_from_themselves() {
    let src = root().join("baml_src");
    let changes = diff::diff_dirs(&src, &src).expect("baml_src loads");
    assert!(changes.is_empty(), "{}", diff::render_text(&changes));
}

#[test]
fn versions_and_bumps() {
    let v = |s| diff::parse_release(s).unwrap();
    assert_eq!(Bump::between(&v("0.1.0"), &v("0.2.0")), Some(Bump::Minor));
    assert_eq!(Bump::between(&v("0.1.0"), &v("0.1.1")), Some(Bump::Patch));
    assert_eq!(Bump::between(&v("0.9.3"), &v("1.0.0")), Some(Bump::Major));
    assert_eq!(Bump::between(&v("0.1.0"), &v("0.1.0")), Some(Bump::None));
    assert_eq!(Bump::between(&v("0.2.0"), &v("0.1.0")), None);
    assert_eq!(v("1.2.3-rc.1"), v("1.2.3"));
    assert_eq!(Bump::Minor.apply(&v("0.1.9")).to_string(), "0.2.0");
    assert!(diff::parse_release("1.2").is_none());
    let toml = "[workspace]\nmembers = []\n\n[workspace.package]\n# one version\nversion = \"0.3.1\"\nedition = \"2021\"\n";
    assert_eq!(diff::cargo_version(toml), Some(v("0.3.1")));
}

// ---- git-backed CLI tests -------------------------------------------------

const GOAL: &str = "class Goal {\n  id string\n  title string\n  @@description(\"A goal.\")\n}\n";
const FUNCTION: &str = "client<llm> CoachLLM {\n  provider openai\n  options {\n    model \"gpt-4o-mini\"\n  }\n}\nfunction Summarize(text: string) -> Goal {\n  client CoachLLM\n  prompt #\"\n    Summarize {{ text }}.\n  \"#\n}\n";

struct Repo(GitRepo);

impl Repo {
    /// A repository with a small contract committed and tagged v0.1.0.
    fn new(label: &str) -> Repo {
        let repo = Repo(GitRepo::new(&format!("evolution-{label}")));
        repo.write("Cargo.toml", &cargo_toml("0.1.0"));
        repo.write("baml_src/types.baml", GOAL);
        repo.write("baml_src/functions.baml", FUNCTION);
        repo.commit("v0.1.0");
        repo.git(&["tag", "v0.1.0"]);
        repo
    }

    fn git(&self, args: &[&str]) {
        self.0.git(args);
    }

    fn write(&self, file: &str, text: &str) {
        self.0.write(file, text);
    }

    fn commit(&self, message: &str) {
        self.0.commit(message);
    }

    fn contracts(&self, args: &[&str]) -> (i32, String, String) {
        let out = self.0.contracts(args);
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

fn cargo_toml(version: &str) -> String {
    format!("[workspace]\nmembers = []\n\n[workspace.package]\nversion = \"{version}\"\nedition = \"2021\"\n")
}

/// Adds an optional field (a MINOR change) and commits it.
fn add_optional_field(repo: &Repo) {
    repo.write(
        "baml_src/types.baml",
        &GOAL.replace("  title string\n", "  title string\n  note string?\n"),
    );
    repo.commit("Goal.note");
}

#[test]
fn diff_against_a_tag_prints_changes_and_the_verdict() {
    let repo = Repo::new("diff");
    add_optional_field(&repo);
    let (code, stdout, stderr) = repo.contracts(&["diff", "--against", "v0.1.0"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("MINOR field-added-optional baml_src/types.baml:4:3 Goal.note"),
        "{stdout}"
    );
    assert!(stdout.ends_with("verdict: MINOR\n"), "{stdout}");
    let (code, stdout, _) = repo.contracts(&["diff", "--against", "v0.1.0", "--format", "json"]);
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["verdict"], "MINOR");
    assert_eq!(json["rules"], serde_json::json!(["field-added-optional"]));
    assert_eq!(json["changes"][0]["at"], "baml_src/types.baml:4:3");
    let (code, stdout, _) =
        repo.contracts(&["diff", "--against", "v0.1.0", "--format", "markdown"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("### Additions (MINOR)"), "{stdout}");
    assert!(!stdout.contains("### Breaking"), "{stdout}");
    assert!(stdout.contains("`Goal.note`"), "{stdout}");
}

#[test]
fn diff_hints_at_alias_when_a_field_looks_renamed() {
    let repo = Repo::new("rename");
    repo.write(
        "baml_src/types.baml",
        &GOAL.replace("  title string\n", "  name string\n"),
    );
    let (code, stdout, _) = repo.contracts(&["diff", "--against", "v0.1.0"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("MAJOR field-renamed"), "{stdout}");
    assert!(
        stdout.contains("hint: keep the field name and change its @alias: that changes what the LLM sees without breaking the wire"),
        "{stdout}"
    );
}

#[test]
fn diff_usage_errors_exit_2() {
    let repo = Repo::new("usage");
    assert_eq!(repo.contracts(&["diff"]).0, 2);
    assert_eq!(repo.contracts(&["diff", "--against", "v9.9.9"]).0, 2);
    assert_eq!(
        repo.contracts(&["diff", "--against", "v0.1.0", "--format", "yaml"])
            .0,
        2
    );
    assert_eq!(repo.contracts(&["check-bump"]).0, 2);
}

#[test]
fn check_bump_fails_when_under_bumped() {
    let repo = Repo::new("under");
    add_optional_field(&repo);
    repo.write("Cargo.toml", &cargo_toml("0.1.1"));
    repo.commit("release 0.1.1");
    let (code, _, stderr) = repo.contracts(&["check-bump", "--against", "v0.1.0"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("need a MINOR bump (to 0.2.0)"), "{stderr}");
    assert!(stderr.contains("MINOR field-added-optional"), "{stderr}");
}

#[test]
fn check_bump_passes_with_the_right_or_a_larger_bump() {
    let repo = Repo::new("right");
    add_optional_field(&repo);
    repo.write("Cargo.toml", &cargo_toml("0.2.0"));
    repo.commit("release 0.2.0");
    let (code, stdout, stderr) = repo.contracts(&["check-bump", "--against", "v0.1.0"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.starts_with("ok: version 0.1.0 -> 0.2.0 (MINOR)"),
        "{stdout}"
    );
    // Uncommitted work counts too: the work tree is what is checked.
    repo.write("Cargo.toml", &cargo_toml("1.0.0"));
    assert_eq!(repo.contracts(&["check-bump", "--against", "v0.1.0"]).0, 0);
}

#[test]
fn check_bump_fails_when_baml_src_changed_without_a_bump() {
    let repo = Repo::new("nobump");
    repo.write(
        "baml_src/functions.baml",
        &FUNCTION.replace("Summarize {{ text }}.", "Summarize {{ text }} briefly."),
    );
    repo.commit("prompt tweak");
    let (code, _, stderr) = repo.contracts(&["check-bump", "--against", "v0.1.0"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("baml_src changed since v0.1.0 but the version is still 0.1.0"),
        "{stderr}"
    );
    assert!(stderr.contains("PATCH prompt-changed"), "{stderr}");
    // A comment-only edit is still a change of baml_src.
    let repo = Repo::new("comment");
    repo.write("baml_src/types.baml", &format!("// Goals.\n{GOAL}"));
    let (code, _, stderr) = repo.contracts(&["check-bump", "--against", "v0.1.0"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("PATCH source-changed"), "{stderr}");
    repo.write("Cargo.toml", &cargo_toml("0.1.1"));
    assert_eq!(repo.contracts(&["check-bump", "--against", "v0.1.0"]).0, 0);
}

#[test]
fn check_bump_passes_without_changes_and_rejects_going_backwards() {
    let repo = Repo::new("same");
    let (code, stdout, stderr) = repo.contracts(&["check-bump", "--against", "v0.1.0"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("(verdict: NONE)"), "{stdout}");
    repo.write("Cargo.toml", &cargo_toml("0.0.9"));
    let (code, _, stderr) = repo.contracts(&["check-bump", "--against", "v0.1.0"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("went backwards"), "{stderr}");
}

// ---- contract lints ---------------------------------------------------------

#[test]
fn check_warns_about_enum_like_strings_missing_descriptions_and_value_case() {
    let repo = Repo::new("lints");
    repo.write(
        "baml_src/types.baml",
        "enum GoalStatus {\n  ACTIVE\n  inProgress\n}\nclass Goal {\n  status string?\n  title string\n}\n",
    );
    let (code, _, stderr) = repo.contracts(&["check"]);
    assert_eq!(code, 0, "lints are warnings: {stderr}");
    for expected in [
        "warning[W0101]: `Goal.status` is a free-form `string?` but enum `GoalStatus` exists; type it `status GoalStatus?`",
        "--> baml_src/types.baml:6:3\n",
        "warning[W0102]: class `Goal` has no description",
        "--> baml_src/types.baml:5:1\n",
        "warning[W0103]: value `inProgress` of enum `GoalStatus` is not UPPER_SNAKE_CASE (e.g. `IN_PROGRESS`)",
        "--> baml_src/types.baml:3:3\n",
    ] {
        assert!(stderr.contains(expected), "missing {expected:?} in:\n{stderr}");
    }
    assert!(!stderr.contains("Goal.title"), "{stderr}");
    let (code, _, stderr) = repo.contracts(&["check", "--no-lint"]);
    assert_eq!(code, 0);
    assert!(!stderr.contains("warning"), "{stderr}");
}

#[test]
fn the_real_contracts_pass_the_lints_as_errors_free() {
    let ir = contracts_compiler::load_dir(&root().join("baml_src")).expect("baml_src loads");
    // Warnings are allowed; this only pins that the lints run on the real tree.
    let _ = contracts_compiler::check::style_lints(&ir);
    assert!(contracts_compiler::check::lint_enum_value_case(&ir).is_empty());
}
