//! Contract evolution: what changed between two `baml_src` trees, and which
//! SemVer bump that change requires.
//!
//! Three parts, imported one way: [`rules`] (the policy table, [`RuleId`]),
//! the differ (pairs declarations and reports [`Change`]s) and [`render`]
//! (text, JSON and Markdown). Every change carries a stable rule id, the
//! location of the changed declaration (in the new tree, or in the old one
//! for removals) and the bump the rule requires. The verdict of a diff is
//! the largest bump of its changes. `docs/evolution.md` explains why each
//! rule needs the bump it needs.
//!
//! ```
//! use contracts_compiler::diff::{diff_sources, verdict, Bump, RuleId};
//! let before = [("t.baml", "class Goal {\n  id string\n}\n")];
//! let after = [("t.baml", "class Goal {\n  id string\n  note string?\n}\n")];
//! let changes = diff_sources(&before, &after).unwrap();
//! assert_eq!(changes[0].rule, RuleId::FieldAddedOptional);
//! assert_eq!(verdict(&changes), Bump::Minor);
//! ```

mod differ;
pub mod render;
pub mod rules;

pub use differ::diff;
pub use render::{render_json, render_markdown, render_text};
pub use rules::{rule_by_id, Rule, RuleId, UnknownRule, RULES};

// The tree loaders, git helpers and SemVer types the diff entry points use,
// reachable from here as before the split.
pub use crate::git::{export_ref, git, repo_path};
pub use crate::semver::{cargo_version, cargo_version_text, parse_release, Bump, Version};
pub use crate::source::{load_ref, load_tree, RefError, Tree};

use crate::error::{CompileError, Location};
use crate::parser::parse_file_blocks;
use serde::Serialize;
use std::path::Path;

/// The hint printed with `field-renamed`.
pub const RENAME_HINT: &str = "keep the field name and change its @alias: that changes what the LLM sees without breaking the wire";

/// One change between two trees.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// The rule (see [`RULES`]).
    pub rule: RuleId,
    /// The bump the rule requires.
    pub bump: Bump,
    /// Where the change is: in the new tree, or in the old one for removals.
    pub location: Location,
    /// What changed: `Goal.note`, `GoalStatus.ARCHIVED`, `event GOAL_CREATED`…
    pub subject: String,
    /// A human explanation (`added optional field note: string?`).
    pub detail: String,
    /// Advice, when there is some.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

/// The largest bump of `changes` ([`Bump::None`] when there are none).
pub fn verdict(changes: &[Change]) -> Bump {
    changes.iter().map(|c| c.bump).max().unwrap_or(Bump::None)
}

/// Loads both directories and diffs them.
pub fn diff_dirs(old: &Path, new: &Path) -> Result<Vec<Change>, Vec<CompileError>> {
    Ok(diff(&load_tree(old)?, &load_tree(new)?))
}

/// Diffs two trees given as `(file name, text)` pairs (no cross-checks).
pub fn diff_sources(
    old: &[(&str, &str)],
    new: &[(&str, &str)],
) -> Result<Vec<Change>, CompileError> {
    let load = |files: &[(&str, &str)]| -> Result<Tree, CompileError> {
        let mut tree = Tree::default();
        for (name, text) in files {
            let blocks = parse_file_blocks(name, text, &mut tree.ir)?;
            tree.blocks.extend(blocks);
            tree.files.insert((*name).to_string(), (*text).to_string());
        }
        Ok(tree)
    };
    Ok(diff(&load(old)?, &load(new)?))
}

/// The outcome of comparing the version bump with the contract diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BumpCheck {
    /// Version at the baseline.
    pub old: Version,
    /// Version in the working tree.
    pub new: Version,
    /// The bump between them (`None` when the version went backwards).
    pub actual: Option<Bump>,
    /// What the diff requires.
    pub required: Bump,
}

impl BumpCheck {
    /// True when the version bump covers what the contract changes require.
    pub fn ok(&self) -> bool {
        self.actual.is_some_and(|a| a >= self.required)
    }

    /// The changes that need more than the actual bump.
    pub fn forcing<'a>(&self, changes: &'a [Change]) -> Vec<&'a Change> {
        let actual = self.actual.unwrap_or(Bump::None);
        changes.iter().filter(|c| c.bump > actual).collect()
    }
}
