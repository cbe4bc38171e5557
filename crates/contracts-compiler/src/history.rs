//! The schema history: the contracts of every released version a client may
//! still run, read from the git tags.
//!
//! For every tag `vX.Y.Z` (no pre-release suffix) of the current MAJOR or
//! the previous one that is older than the current version
//! (`[workspace.package] version` in `<root>/Cargo.toml`), `baml_src` is
//! exported at the tag and compiled; `contracts gen` then writes
//! `schemas/history/<X.Y.Z>/{envelope.schema.json, events/*, ir.json}` into
//! every schema directory and `crates/contracts-core/src/generated/history.rs`
//! (one registry per version). Outside a git checkout (an sdist build) the
//! history on disk is kept as it is.

use crate::events::{self, EventBinding};
use crate::git;
use crate::ir::Ir;
use crate::output::CORE_GENERATED_DIR;
use crate::semver::{cargo_version, parse_release, Version};
use crate::source::{load_ref, RefError};
use std::path::Path;

/// One released version's contracts.
#[derive(Debug, Clone)]
pub struct Release {
    /// The version (from the tag name).
    pub version: Version,
    /// Its checked IR.
    pub ir: Ir,
    /// Its event bindings.
    pub events: Vec<EventBinding>,
}

/// What `contracts gen` knows about the history.
#[derive(Debug, Clone)]
pub enum History {
    /// Not a git checkout and a generated history exists: keep it.
    Keep,
    /// The released versions, oldest first (possibly none).
    Releases(Vec<Release>),
}

/// The tags `vX.Y.Z` of `current`'s MAJOR and the previous one that are
/// older than `current`, oldest first, as `(tag, version)`.
pub fn relevant_tags(tags: &str, current: &Version) -> Vec<(String, Version)> {
    let mut kept: Vec<(String, Version)> = tags
        .lines()
        .map(str::trim)
        .filter_map(|tag| {
            let text = tag.strip_prefix('v')?;
            let strict = text.split('.').count() == 3
                && text
                    .split('.')
                    .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
            let version = parse_release(text).filter(|_| strict)?;
            let major_ok = version.major == current.major
                || current.major.checked_sub(1) == Some(version.major);
            (major_ok && version < *current).then(|| (tag.to_string(), version))
        })
        .collect();
    kept.sort_by(|(_, a), (_, b)| a.cmp(b));
    kept.dedup_by(|(_, a), (_, b)| a == b);
    kept
}

/// Loads the history of the repository at `root`, whose contracts are in
/// `from` (the `baml_src` folder).
pub fn load(root: &Path, from: &Path) -> Result<History, String> {
    let generated = root.join(CORE_GENERATED_DIR).join("history.rs");
    let not_git = || {
        if generated.exists() {
            History::Keep
        } else {
            History::Releases(Vec::new())
        }
    };
    let Ok(top) = git::toplevel(root) else {
        return Ok(not_git());
    };
    let same = |a: &Path, b: &Path| match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if !same(&top, root) {
        // `root` is inside another project's checkout (an unpacked sdist):
        // that repository's tags are not ours.
        return Ok(not_git());
    }
    let cargo = std::fs::read_to_string(root.join("Cargo.toml"))
        .map_err(|e| format!("cannot read {}/Cargo.toml: {e}", root.display()))?;
    let current = cargo_version(&cargo).ok_or_else(|| {
        format!(
            "no [workspace.package] version in {}/Cargo.toml",
            root.display()
        )
    })?;
    let tags = git::git(root, &["tag", "--list", "v*"])?;
    let mut releases = Vec::new();
    for (tag, version) in relevant_tags(&String::from_utf8_lossy(&tags), &current) {
        let tree = load_ref(from, &tag).map_err(|e| match e {
            RefError::Git(msg) => format!("schema history: {msg}"),
            RefError::Contract(errors, _) => format!(
                "schema history: baml_src at {tag} does not compile with this compiler:\n{}",
                one_per_line(&errors)
            ),
        })?;
        let events = events::event_bindings(&tree.ir).map_err(|errors| {
            format!(
                "schema history: the event bindings of baml_src at {tag} do not check:\n{}",
                one_per_line(&errors)
            )
        })?;
        releases.push(Release {
            version,
            ir: tree.ir,
            events,
        });
    }
    Ok(History::Releases(releases))
}

/// The errors of one release's contracts, one a line, for a message.
fn one_per_line<E: std::fmt::Display>(errors: &[E]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_older_tags_of_this_and_the_previous_major() {
        let current = parse_release("2.3.0").unwrap();
        let tags = "v0.9.0\nv1.0.0\nv1.4.2\nv2.0.0\nv2.3.0\nv2.4.0\nv2.1.0-rc.1\nvfoo\nv2.2\n";
        let kept: Vec<String> = relevant_tags(tags, &current)
            .into_iter()
            .map(|(t, _)| t)
            .collect();
        assert_eq!(kept, ["v1.0.0", "v1.4.2", "v2.0.0"]);
        assert!(relevant_tags("", &current).is_empty());
        let zero = parse_release("0.2.0").unwrap();
        assert_eq!(relevant_tags("v0.1.0\nv0.2.0", &zero).len(), 1);
    }
}
