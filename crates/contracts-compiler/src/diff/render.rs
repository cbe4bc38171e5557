//! The renderers of a diff: one line per change (text), a JSON document for
//! tools, and a CHANGELOG section (Markdown).

use super::{verdict, Change};
use crate::semver::Bump;
use std::collections::BTreeSet;
use std::fmt::Write as _;

/// Renders changes as text: one line per change, hints indented, then
/// `verdict: …`.
pub fn render_text(changes: &[Change]) -> String {
    let mut out = String::new();
    if changes.is_empty() {
        out.push_str("no contract changes\n");
    }
    for c in changes {
        let _ = writeln!(
            out,
            "{} {} {} {} ({})",
            c.bump, c.rule, c.location, c.subject, c.detail
        );
        if let Some(hint) = &c.hint {
            let _ = writeln!(out, "  hint: {hint}");
        }
    }
    let _ = writeln!(out, "verdict: {}", verdict(changes));
    out
}

/// Renders changes as JSON: `{"verdict", "rules", "changes": [{rule, bump, at, …}]}`.
pub fn render_json(changes: &[Change]) -> String {
    let rules: BTreeSet<&str> = changes.iter().map(|c| c.rule.as_str()).collect();
    let list: Vec<serde_json::Value> = changes
        .iter()
        .map(|c| {
            let mut v = serde_json::to_value(c).expect("a change serialises");
            v["at"] = serde_json::Value::String(c.location.to_string());
            v
        })
        .collect();
    let doc = serde_json::json!({
        "verdict": verdict(changes),
        "rules": rules,
        "changes": list,
    });
    serde_json::to_string_pretty(&doc).expect("JSON") + "\n"
}

/// Renders changes as a CHANGELOG section body grouped by bump: `### Breaking
/// changes (MAJOR)`, `### Additions (MINOR)`, `### Patch-level changes (PATCH)`.
/// `against` names the baseline in the intro line.
pub fn render_markdown(changes: &[Change], against: &str) -> String {
    let mut out = format!(
        "Contract changes since {against} (verdict: {}).\n",
        verdict(changes)
    );
    if changes.is_empty() {
        out.push_str("\nNo contract changes.\n");
        return out;
    }
    let groups = [
        (Bump::Major, "Breaking changes (MAJOR)"),
        (Bump::Minor, "Additions (MINOR)"),
        (Bump::Patch, "Patch-level changes (PATCH)"),
    ];
    for (bump, title) in groups {
        let group: Vec<&Change> = changes.iter().filter(|c| c.bump == bump).collect();
        if group.is_empty() {
            continue;
        }
        let _ = write!(out, "\n### {title}\n\n");
        for c in group {
            let _ = writeln!(
                out,
                "- `{}`: {} (`{}`, {})",
                c.subject, c.detail, c.rule, c.location
            );
        }
    }
    out
}
