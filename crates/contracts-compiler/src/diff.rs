//! Contract evolution: what changed between two `baml_src` trees, and which
//! SemVer bump that change requires.
//!
//! Every change carries a stable rule id (`field-added-optional`, …) from
//! [`RULES`], the location of the changed declaration (in the new tree, or in
//! the old one for removals) and the bump the rule requires. The verdict of a
//! diff is the largest bump of its changes. `docs/evolution.md` explains why
//! each rule needs the bump it needs.
//!
//! ```
//! use contracts_compiler::diff::{diff_sources, verdict, Bump};
//! let before = [("t.baml", "class Goal {\n  id string\n}\n")];
//! let after = [("t.baml", "class Goal {\n  id string\n  note string?\n}\n")];
//! let changes = diff_sources(&before, &after).unwrap();
//! assert_eq!(changes[0].rule, "field-added-optional");
//! assert_eq!(verdict(&changes), Bump::Minor);
//! ```

use crate::check::{self, render, EventBinding, EVENT_ENVELOPE_ALIAS, EVENT_TYPE_ENUM};
use crate::error::{CompileError, Location};
use crate::ir::{Class, Constraint, Enum, EnumValue, Field, Ir, TypeAlias, TypeExpr};
use crate::parser::{parse_file_blocks, RawBlock};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt::{self, Write as _};
use std::path::{Path, PathBuf};

/// What classes and enums share besides their members: description, alias,
/// `@@dynamic`, constraints and `@stream` attributes.
type BlockMeta<'a> = (
    Option<&'a String>,
    Option<&'a String>,
    bool,
    &'a [Constraint],
    &'a [String],
);

/// The [`BlockMeta`] of a class or an enum (both have these fields).
macro_rules! block_meta {
    ($block:expr) => {
        (
            $block.description.as_ref(),
            $block.alias.as_ref(),
            $block.dynamic,
            &$block.constraints,
            &$block.stream,
        )
    };
}
use std::process::Command;

/// A SemVer bump, ordered from none to major.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Bump {
    /// No change at all.
    None,
    /// Prompts, tests, client/generator configuration, LLM-only metadata.
    Patch,
    /// Additive, backward-compatible changes.
    Minor,
    /// Breaking changes.
    Major,
}

impl Bump {
    /// `NONE`, `PATCH`, `MINOR` or `MAJOR`.
    pub fn as_str(self) -> &'static str {
        match self {
            Bump::None => "NONE",
            Bump::Patch => "PATCH",
            Bump::Minor => "MINOR",
            Bump::Major => "MAJOR",
        }
    }

    /// Parses [`Bump::as_str`]'s output (case-insensitive).
    pub fn parse(text: &str) -> Option<Bump> {
        match text.to_ascii_uppercase().as_str() {
            "NONE" => Some(Bump::None),
            "PATCH" => Some(Bump::Patch),
            "MINOR" => Some(Bump::Minor),
            "MAJOR" => Some(Bump::Major),
            _ => None,
        }
    }
}

impl fmt::Display for Bump {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One rule of the evolution policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// The stable id printed in diffs (`field-added-optional`).
    pub id: &'static str,
    /// The bump a change under this rule requires.
    pub bump: Bump,
    /// One line on what the rule matches.
    pub summary: &'static str,
}

const fn rule(id: &'static str, bump: Bump, summary: &'static str) -> Rule {
    Rule { id, bump, summary }
}

/// Every rule, in the order `docs/evolution.md` documents them.
pub const RULES: &[Rule] = &[
    rule("class-added", Bump::Minor, "a class was declared"),
    rule("class-removed", Bump::Major, "a class was deleted"),
    rule("enum-added", Bump::Minor, "an enum was declared"),
    rule("enum-removed", Bump::Major, "an enum was deleted"),
    rule("type-alias-added", Bump::Minor, "a `type X = …` was declared"),
    rule("type-alias-removed", Bump::Major, "a `type X = …` was deleted"),
    rule("type-alias-changed", Bump::Major, "the type a `type X = …` stands for changed"),
    rule("field-added-optional", Bump::Minor, "an optional field was added to a class"),
    rule("field-added-required", Bump::Major, "a required field was added to a class"),
    rule("field-removed", Bump::Major, "a field was deleted from a class"),
    rule("field-renamed", Bump::Major, "a field disappeared and one of the same type appeared in the same class"),
    rule("field-type-changed", Bump::Major, "a field's type changed (other than the finer rules below)"),
    rule("field-optional-to-required", Bump::Major, "an optional field became required"),
    rule("field-required-to-optional", Bump::Major, "a required field became optional"),
    rule("literal-changed", Bump::Major, "a literal type changed value"),
    rule("union-member-added", Bump::Major, "a union gained a member"),
    rule("union-member-removed", Bump::Major, "a union lost a member"),
    rule("list-element-changed", Bump::Major, "the element type of a list changed"),
    rule("map-value-changed", Bump::Major, "the value type of a map changed"),
    rule("field-alias-changed", Bump::Patch, "a field's @alias changed"),
    rule("field-description-changed", Bump::Patch, "a field's @description or doc comment changed"),
    rule("enum-value-added", Bump::Minor, "an enum gained a value"),
    rule("enum-value-removed", Bump::Major, "an enum lost a value"),
    rule("enum-value-alias-changed", Bump::Patch, "an enum value's @alias changed"),
    rule("alias-changed", Bump::Patch, "a class's or enum's @@alias changed"),
    rule("description-changed", Bump::Patch, "the description of a class, enum, enum value or type alias changed"),
    rule("skip-changed", Bump::Patch, "@skip was added to or removed from a field or enum value"),
    rule("constraint-changed", Bump::Minor, "an @assert / @check was added, removed or changed"),
    rule("stream-changed", Bump::Minor, "@stream.* / @@stream.* attributes changed"),
    rule("dynamic-added", Bump::Minor, "a class or enum became @@dynamic"),
    rule("dynamic-removed", Bump::Major, "a class or enum is no longer @@dynamic"),
    rule("event-type-added", Bump::Minor, "a real-time event type (EventType value + envelope) was added"),
    rule("event-type-removed", Bump::Major, "a real-time event type was removed"),
    rule("event-payload-changed", Bump::Major, "an event's envelope now carries another payload class"),
    rule("function-added", Bump::Minor, "a BAML function was declared"),
    rule("function-removed", Bump::Major, "a BAML function was deleted"),
    rule("function-signature-changed", Bump::Major, "a function's parameters or return type changed"),
    rule("prompt-changed", Bump::Patch, "a function body (client, prompt) or a template_string changed"),
    rule("test-changed", Bump::Patch, "a BAML test was added, removed or changed"),
    rule("client-config-changed", Bump::Patch, "a client<llm> or retry_policy was added, removed or changed"),
    rule("generator-config-changed", Bump::Patch, "a generator block was added, removed or changed"),
    rule("source-changed", Bump::Patch, "baml_src text changed without any of the changes above (comments, layout, moves between files)"),
];

/// The rule with this id.
pub fn rule_by_id(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

/// The hint printed with `field-renamed`.
pub const RENAME_HINT: &str = "keep the field name and change its @alias: that changes what the LLM sees without breaking the wire";

/// One change between two trees.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// The rule id (see [`RULES`]).
    pub rule: &'static str,
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

/// A loaded `baml_src` tree: the IR, the blocks that are not types, and the
/// raw text of every file (for [`RULES`]' `source-changed`).
#[derive(Debug, Clone, Default)]
pub struct Tree {
    /// The checked IR.
    pub ir: Ir,
    /// Functions bodies, tests, clients, generators, retry policies, template strings.
    pub blocks: Vec<RawBlock>,
    /// File path relative to the tree root → text.
    pub files: BTreeMap<String, String>,
    /// The name locations start with (the tree directory's name, `baml_src`).
    pub root: String,
}

/// Loads a `baml_src` directory (like [`crate::load_dir`], plus the raw blocks).
pub fn load_tree(dir: &Path) -> Result<Tree, Vec<CompileError>> {
    let ir = crate::load_dir(dir)?;
    let mut paths = Vec::new();
    collect(dir, &mut paths);
    paths.sort();
    let prefix = Path::new(&dir.file_name().unwrap_or_default()).to_path_buf();
    let mut tree = Tree {
        ir,
        root: prefix.display().to_string(),
        ..Tree::default()
    };
    for path in paths {
        let rel = path.strip_prefix(dir).unwrap_or(&path);
        let display = prefix.join(rel).display().to_string();
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let mut scratch = Ir::default();
        let blocks = parse_file_blocks(&display, &text, &mut scratch).map_err(|e| vec![e])?;
        tree.blocks.extend(blocks);
        tree.files
            .insert(rel.to_string_lossy().replace('\\', "/"), text);
    }
    Ok(tree)
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "baml") {
            out.push(path);
        }
    }
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

/// Every change from `old` to `new`, ordered by bump (largest first), then location.
pub fn diff(old: &Tree, new: &Tree) -> Vec<Change> {
    let mut d = Differ {
        old_events: check::event_bindings(&old.ir).unwrap_or_default(),
        new_events: check::event_bindings(&new.ir).unwrap_or_default(),
        out: Vec::new(),
    };
    d.events(old, new);
    d.classes(&old.ir, &new.ir);
    d.enums(&old.ir, &new.ir);
    d.aliases(&old.ir, &new.ir);
    d.functions(&old.ir, &new.ir);
    d.blocks(&old.blocks, &new.blocks);
    if d.out.is_empty() && old.files != new.files {
        let names: BTreeSet<&String> = old.files.keys().chain(new.files.keys()).collect();
        let first = names
            .into_iter()
            .find(|n| old.files.get(*n) != new.files.get(*n))
            .cloned()
            .unwrap_or_default();
        let file = if new.root.is_empty() {
            first.clone()
        } else {
            format!("{}/{first}", new.root)
        };
        d.push(
            "source-changed",
            Location::new(&file, 1, 1),
            first,
            "the BAML text changed (comments, layout or declarations moved between files) but no contract did",
        );
    }
    let mut out = d.out;
    out.sort_by(|a, b| {
        b.bump
            .cmp(&a.bump)
            .then_with(|| a.location.file.cmp(&b.location.file))
            .then_with(|| a.location.line.cmp(&b.location.line))
            .then_with(|| a.location.column.cmp(&b.location.column))
            .then_with(|| a.rule.cmp(b.rule))
            .then_with(|| a.subject.cmp(&b.subject))
    });
    out
}

struct Differ {
    old_events: Vec<EventBinding>,
    new_events: Vec<EventBinding>,
    out: Vec<Change>,
}

/// `(optional?, inner)`: `T?` and `T | null` are optional `T`.
fn split_optional(ty: &TypeExpr) -> (bool, TypeExpr) {
    match ty {
        TypeExpr::Optional { inner } => (true, (**inner).clone()),
        TypeExpr::Union { members } => {
            let rest: Vec<TypeExpr> = members
                .iter()
                .filter(|m| !is_null(m))
                .map(|m| match m {
                    TypeExpr::Optional { inner } => (**inner).clone(),
                    other => other.clone(),
                })
                .collect();
            let optional = rest.len() != members.len()
                || members
                    .iter()
                    .any(|m| matches!(m, TypeExpr::Optional { .. }));
            if !optional {
                return (false, ty.clone());
            }
            match <[TypeExpr; 1]>::try_from(rest) {
                Ok([single]) => (true, single),
                Err(rest) => (true, TypeExpr::Union { members: rest }),
            }
        }
        other => (false, other.clone()),
    }
}

fn is_null(ty: &TypeExpr) -> bool {
    matches!(ty, TypeExpr::Primitive { name } if name == "null")
}

fn members(ty: &TypeExpr) -> Vec<&TypeExpr> {
    match ty {
        TypeExpr::Union { members } => members.iter().collect(),
        other => vec![other],
    }
}

/// The finer rules for a change of shape from `old` to `new` (both non-optional);
/// `generic` is the rule for any other change.
fn shape_changes(
    old: &TypeExpr,
    new: &TypeExpr,
    generic: &'static str,
) -> Vec<(&'static str, String)> {
    if old == new {
        return Vec::new();
    }
    match (old, new) {
        (TypeExpr::List { items: a }, TypeExpr::List { items: b }) => vec![(
            "list-element-changed",
            format!("list element {} -> {}", render(a), render(b)),
        )],
        (TypeExpr::Map { key: ka, value: va }, TypeExpr::Map { key: kb, value: vb }) => {
            let mut out = Vec::new();
            if ka != kb {
                out.push((generic, format!("map key {} -> {}", render(ka), render(kb))));
            }
            if va != vb {
                out.push((
                    "map-value-changed",
                    format!("map value {} -> {}", render(va), render(vb)),
                ));
            }
            out
        }
        (TypeExpr::Literal { .. }, TypeExpr::Literal { .. }) => vec![(
            "literal-changed",
            format!("literal {} -> {}", render(old), render(new)),
        )],
        _ => {
            let (a, b) = (members(old), members(new));
            let unionish =
                matches!(old, TypeExpr::Union { .. }) || matches!(new, TypeExpr::Union { .. });
            if unionish && a.iter().any(|m| b.contains(m)) {
                let mut out: Vec<(&'static str, String)> = b
                    .iter()
                    .filter(|m| !a.contains(m))
                    .map(|m| {
                        (
                            "union-member-added",
                            format!("union member {} added", render(m)),
                        )
                    })
                    .collect();
                out.extend(a.iter().filter(|m| !b.contains(m)).map(|m| {
                    (
                        "union-member-removed",
                        format!("union member {} removed", render(m)),
                    )
                }));
                if out.is_empty() {
                    // Same members in another order: the wire accepts the same values.
                    return Vec::new();
                }
                out
            } else {
                vec![(generic, format!("type {} -> {}", render(old), render(new)))]
            }
        }
    }
}

fn constraints_text(constraints: &[Constraint]) -> Vec<String> {
    constraints
        .iter()
        .map(|c| match &c.name {
            Some(name) => format!("@{}({name}, {})", c.kind, c.expression),
            None => format!("@{}({})", c.kind, c.expression),
        })
        .collect()
}

fn quoted(text: Option<&String>) -> String {
    text.map_or_else(|| "none".to_string(), |t| format!("{t:?}"))
}

impl Differ {
    fn push(
        &mut self,
        rule: &'static str,
        location: Location,
        subject: impl Into<String>,
        detail: impl Into<String>,
    ) {
        let bump = rule_by_id(rule).map_or(Bump::Major, |r| r.bump);
        self.out.push(Change {
            rule,
            bump,
            location,
            subject: subject.into(),
            detail: detail.into(),
            hint: None,
        });
    }

    fn envelope_classes(&self) -> HashSet<&str> {
        self.old_events
            .iter()
            .chain(&self.new_events)
            .map(|b| b.envelope_class.as_str())
            .collect()
    }

    fn events(&mut self, old: &Tree, new: &Tree) {
        let value_location = |ir: &Ir, value: &str| {
            ir.enum_named(EVENT_TYPE_ENUM)
                .and_then(|e| e.values.iter().find(|v| v.name == value))
                .map(|v| v.location.clone())
        };
        let olds = self.old_events.clone();
        let news = self.new_events.clone();
        for b in &olds {
            match news.iter().find(|n| n.event_type == b.event_type) {
                None => {
                    let location = value_location(&old.ir, &b.event_type)
                        .unwrap_or_else(|| Location::new("?", 1, 1));
                    self.push(
                        "event-type-removed",
                        location,
                        format!("event {}", b.event_type),
                        format!(
                            "event type {} (envelope {}) removed",
                            b.event_type, b.envelope_class
                        ),
                    );
                }
                Some(n) if n.payload_class != b.payload_class => {
                    let location = new
                        .ir
                        .class(&n.envelope_class)
                        .and_then(|c| c.fields.iter().find(|f| f.name == "payload"))
                        .map_or_else(|| Location::new("?", 1, 1), |f| f.location.clone());
                    self.push(
                        "event-payload-changed",
                        location,
                        format!("event {}", b.event_type),
                        format!("payload {} -> {}", b.payload_class, n.payload_class),
                    );
                }
                Some(_) => {}
            }
        }
        for n in &news {
            if !olds.iter().any(|b| b.event_type == n.event_type) {
                let location = value_location(&new.ir, &n.event_type)
                    .unwrap_or_else(|| Location::new("?", 1, 1));
                self.push(
                    "event-type-added",
                    location,
                    format!("event {}", n.event_type),
                    format!(
                        "event type {} added (envelope {}, payload {})",
                        n.event_type, n.envelope_class, n.payload_class
                    ),
                );
            }
        }
    }

    fn classes(&mut self, old: &Ir, new: &Ir) {
        let envelopes: HashSet<String> = self
            .envelope_classes()
            .into_iter()
            .map(str::to_string)
            .collect();
        for class in &old.classes {
            match new.class(&class.name) {
                Some(now) => self.class(class, now, envelopes.contains(&class.name)),
                None if envelopes.contains(&class.name) => {}
                None => self.push(
                    "class-removed",
                    class.location.clone(),
                    &class.name,
                    format!("class {} removed", class.name),
                ),
            }
        }
        for class in &new.classes {
            if old.class(&class.name).is_none() && !envelopes.contains(&class.name) {
                self.push(
                    "class-added",
                    class.location.clone(),
                    &class.name,
                    format!("class {} added", class.name),
                );
            }
        }
    }

    /// Description, alias, dynamic, constraints and streaming of a class or enum.
    fn block_meta(
        &mut self,
        what: &str,
        name: &str,
        location: &Location,
        old: BlockMeta<'_>,
        new: BlockMeta<'_>,
    ) {
        if old.0 != new.0 {
            self.push(
                "description-changed",
                location.clone(),
                name,
                format!("{what} description {} -> {}", quoted(old.0), quoted(new.0)),
            );
        }
        if old.1 != new.1 {
            self.push(
                "alias-changed",
                location.clone(),
                name,
                format!("{what} @@alias {} -> {}", quoted(old.1), quoted(new.1)),
            );
        }
        match (old.2, new.2) {
            (false, true) => self.push(
                "dynamic-added",
                location.clone(),
                name,
                format!("{what} is now @@dynamic"),
            ),
            (true, false) => self.push(
                "dynamic-removed",
                location.clone(),
                name,
                format!("{what} is no longer @@dynamic"),
            ),
            _ => {}
        }
        self.constraints(name, location, old.3, new.3);
        self.stream(name, location, old.4, new.4);
    }

    fn constraints(
        &mut self,
        subject: &str,
        location: &Location,
        old: &[Constraint],
        new: &[Constraint],
    ) {
        let (a, b) = (constraints_text(old), constraints_text(new));
        if a != b {
            self.push(
                "constraint-changed",
                location.clone(),
                subject,
                format!("constraints [{}] -> [{}]", a.join(" "), b.join(" ")),
            );
        }
    }

    fn stream(&mut self, subject: &str, location: &Location, old: &[String], new: &[String]) {
        let set = |s: &[String]| s.iter().cloned().collect::<BTreeSet<_>>();
        if set(old) != set(new) {
            let show = |s: &[String]| {
                s.iter()
                    .map(|a| format!("@stream.{a}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            self.push(
                "stream-changed",
                location.clone(),
                subject,
                format!("streaming [{}] -> [{}]", show(old), show(new)),
            );
        }
    }

    fn class(&mut self, old: &Class, new: &Class, envelope: bool) {
        self.block_meta(
            "class",
            &new.name,
            &new.location,
            block_meta!(old),
            block_meta!(new),
        );
        let removed: Vec<&Field> = old
            .fields
            .iter()
            .filter(|f| !new.fields.iter().any(|n| n.name == f.name))
            .collect();
        let added: Vec<&Field> = new
            .fields
            .iter()
            .filter(|f| !old.fields.iter().any(|o| o.name == f.name))
            .collect();
        // Rename heuristic: a removed field and an added field of the same
        // type that match each other and nothing else.
        let mut renamed: Vec<(&Field, &Field)> = Vec::new();
        for r in &removed {
            let candidates: Vec<&&Field> = added.iter().filter(|a| a.ty == r.ty).collect();
            if let [a] = candidates[..] {
                if removed.iter().filter(|o| o.ty == a.ty).count() == 1 {
                    renamed.push((r, a));
                }
            }
        }
        for (r, a) in &renamed {
            self.push(
                "field-renamed",
                a.location.clone(),
                format!("{}.{}", new.name, a.name),
                format!(
                    "field {} ({}) looks renamed to {}: the wire name changes",
                    r.name,
                    render(&r.ty),
                    a.name
                ),
            );
            if let Some(last) = self.out.last_mut() {
                last.hint = Some(RENAME_HINT.to_string());
            }
        }
        for r in removed {
            if renamed.iter().any(|(o, _)| o.name == r.name) {
                continue;
            }
            self.push(
                "field-removed",
                r.location.clone(),
                format!("{}.{}", old.name, r.name),
                format!("field {}: {} removed", r.name, render(&r.ty)),
            );
        }
        for a in added {
            if renamed.iter().any(|(_, n)| n.name == a.name) {
                continue;
            }
            let (optional, _) = split_optional(&a.ty);
            let (rule, kind) = if optional {
                ("field-added-optional", "optional")
            } else {
                ("field-added-required", "required")
            };
            self.push(
                rule,
                a.location.clone(),
                format!("{}.{}", new.name, a.name),
                format!("added {kind} field {}: {}", a.name, render(&a.ty)),
            );
        }
        for o in &old.fields {
            let Some(n) = new.fields.iter().find(|n| n.name == o.name) else {
                continue;
            };
            // An envelope's `type` and `payload` are covered by the event rules.
            let skip_type = envelope && (n.name == "type" || n.name == "payload");
            self.field(&new.name, o, n, skip_type);
        }
    }

    fn field(&mut self, class: &str, old: &Field, new: &Field, skip_type: bool) {
        let subject = format!("{class}.{}", new.name);
        let at = &new.location;
        if old.alias != new.alias {
            self.push(
                "field-alias-changed",
                at.clone(),
                &subject,
                format!(
                    "@alias {} -> {} (the wire name stays {})",
                    quoted(old.alias.as_ref()),
                    quoted(new.alias.as_ref()),
                    new.name
                ),
            );
        }
        if old.description != new.description {
            self.push(
                "field-description-changed",
                at.clone(),
                &subject,
                format!(
                    "description {} -> {}",
                    quoted(old.description.as_ref()),
                    quoted(new.description.as_ref())
                ),
            );
        }
        if old.skip != new.skip {
            self.push(
                "skip-changed",
                at.clone(),
                &subject,
                if new.skip {
                    "now @skip (hidden from the LLM; still on the wire)"
                } else {
                    "no longer @skip"
                },
            );
        }
        self.constraints(&subject, at, &old.constraints, &new.constraints);
        self.stream(&subject, at, &old.stream, &new.stream);
        if !skip_type {
            for (rule, detail) in field_type_changes(&old.ty, &new.ty) {
                self.push(rule, at.clone(), &subject, detail);
            }
        }
    }

    fn enums(&mut self, old: &Ir, new: &Ir) {
        let event_values: HashSet<String> = self
            .old_events
            .iter()
            .chain(&self.new_events)
            .map(|b| b.event_type.clone())
            .collect();
        for e in &old.enums {
            match new.enum_named(&e.name) {
                Some(now) => {
                    let skip: HashSet<String> = if e.name == EVENT_TYPE_ENUM {
                        event_values.clone()
                    } else {
                        HashSet::new()
                    };
                    self.enumeration(e, now, &skip);
                }
                None => self.push(
                    "enum-removed",
                    e.location.clone(),
                    &e.name,
                    format!("enum {} removed", e.name),
                ),
            }
        }
        for e in &new.enums {
            if old.enum_named(&e.name).is_none() {
                self.push(
                    "enum-added",
                    e.location.clone(),
                    &e.name,
                    format!("enum {} added", e.name),
                );
            }
        }
    }

    /// `skip`: values whose addition or removal the event rules report.
    fn enumeration(&mut self, old: &Enum, new: &Enum, skip: &HashSet<String>) {
        self.block_meta(
            "enum",
            &new.name,
            &new.location,
            block_meta!(old),
            block_meta!(new),
        );
        let find = |e: &'_ Enum, name: &str| -> Option<EnumValue> {
            e.values.iter().find(|v| v.name == name).cloned()
        };
        for v in &old.values {
            let subject = format!("{}.{}", new.name, v.name);
            let Some(n) = find(new, &v.name) else {
                if !skip.contains(&v.name) {
                    self.push(
                        "enum-value-removed",
                        v.location.clone(),
                        subject,
                        format!("value {} removed", v.name),
                    );
                }
                continue;
            };
            if v.alias != n.alias {
                self.push(
                    "enum-value-alias-changed",
                    n.location.clone(),
                    &subject,
                    format!(
                        "@alias {} -> {} (the wire value stays {})",
                        quoted(v.alias.as_ref()),
                        quoted(n.alias.as_ref()),
                        n.name
                    ),
                );
            }
            if v.description != n.description {
                self.push(
                    "description-changed",
                    n.location.clone(),
                    &subject,
                    format!(
                        "value description {} -> {}",
                        quoted(v.description.as_ref()),
                        quoted(n.description.as_ref())
                    ),
                );
            }
            if v.skip != n.skip {
                self.push(
                    "skip-changed",
                    n.location.clone(),
                    &subject,
                    if n.skip {
                        "now @skip (hidden from the LLM; still valid on the wire)"
                    } else {
                        "no longer @skip"
                    },
                );
            }
            self.stream(&subject, &n.location, &v.stream, &n.stream);
        }
        for n in &new.values {
            if find(old, &n.name).is_none() && !skip.contains(&n.name) {
                self.push(
                    "enum-value-added",
                    n.location.clone(),
                    format!("{}.{}", new.name, n.name),
                    format!("value {} added", n.name),
                );
            }
        }
    }

    fn aliases(&mut self, old: &Ir, new: &Ir) {
        let envelopes: HashSet<String> = self
            .envelope_classes()
            .into_iter()
            .map(str::to_string)
            .collect();
        for a in &old.type_aliases {
            match new.alias(&a.name) {
                Some(now) => self.alias(a, now, &envelopes),
                None => self.push(
                    "type-alias-removed",
                    a.location.clone(),
                    &a.name,
                    format!("type alias {} removed", a.name),
                ),
            }
        }
        for a in &new.type_aliases {
            if old.alias(&a.name).is_none() {
                self.push(
                    "type-alias-added",
                    a.location.clone(),
                    &a.name,
                    format!("type alias {} = {} added", a.name, render(&a.ty)),
                );
            }
        }
    }

    fn alias(&mut self, old: &TypeAlias, new: &TypeAlias, envelopes: &HashSet<String>) {
        if old.description != new.description {
            self.push(
                "description-changed",
                new.location.clone(),
                &new.name,
                format!(
                    "type alias description {} -> {}",
                    quoted(old.description.as_ref()),
                    quoted(new.description.as_ref())
                ),
            );
        }
        self.constraints(&new.name, &new.location, &old.constraints, &new.constraints);
        self.stream(&new.name, &new.location, &old.stream, &new.stream);
        let (mut a, mut b) = (old.ty.clone(), new.ty.clone());
        if new.name == EVENT_ENVELOPE_ALIAS {
            // Envelope members come and go with their event types.
            let keep = |ty: &TypeExpr| -> TypeExpr {
                let kept: Vec<TypeExpr> = members(ty)
                    .into_iter()
                    .filter(|m| !matches!(m, TypeExpr::Named { name } if envelopes.contains(name)))
                    .cloned()
                    .collect();
                TypeExpr::Union { members: kept }
            };
            a = keep(&a);
            b = keep(&b);
        }
        let (oa, ia) = split_optional(&a);
        let (ob, ib) = split_optional(&b);
        if oa != ob {
            self.push(
                "type-alias-changed",
                new.location.clone(),
                &new.name,
                format!("type {} -> {}", render(&old.ty), render(&new.ty)),
            );
            return;
        }
        for (rule, detail) in shape_changes(&ia, &ib, "type-alias-changed") {
            self.push(rule, new.location.clone(), &new.name, detail);
        }
    }

    fn functions(&mut self, old: &Ir, new: &Ir) {
        for f in &old.functions {
            match new.functions.iter().find(|n| n.name == f.name) {
                None => self.push(
                    "function-removed",
                    f.location.clone(),
                    &f.name,
                    format!("function {} removed", f.name),
                ),
                Some(n) => {
                    let signature = |f: &crate::ir::Function| {
                        format!(
                            "({}) -> {}",
                            f.params
                                .iter()
                                .map(|p| format!("{}: {}", p.name, render(&p.ty)))
                                .collect::<Vec<_>>()
                                .join(", "),
                            render(&f.return_type)
                        )
                    };
                    let (a, b) = (signature(f), signature(n));
                    if a != b {
                        self.push(
                            "function-signature-changed",
                            n.location.clone(),
                            &n.name,
                            format!("{a} => {b}"),
                        );
                    }
                }
            }
        }
        for n in &new.functions {
            if !old.functions.iter().any(|f| f.name == n.name) {
                self.push(
                    "function-added",
                    n.location.clone(),
                    &n.name,
                    format!("function {} added", n.name),
                );
            }
        }
    }

    fn blocks(&mut self, old: &[RawBlock], new: &[RawBlock]) {
        let key = |b: &RawBlock| (b.kind.clone(), b.name.clone());
        let index = |blocks: &[RawBlock]| -> BTreeMap<(String, String), RawBlock> {
            blocks.iter().map(|b| (key(b), b.clone())).collect()
        };
        let (a, b) = (index(old), index(new));
        let rule_for = |kind: &str| match kind {
            "function" | "template_string" => "prompt-changed",
            "test" => "test-changed",
            "generator" => "generator-config-changed",
            _ => "client-config-changed",
        };
        let label = |block: &RawBlock| match block.kind.as_str() {
            "function" => block.name.clone(),
            kind => format!("{kind} {}", block.name),
        };
        for (k, o) in &a {
            match b.get(k) {
                Some(n) if n.text != o.text => {
                    let what = if o.kind == "function" {
                        format!("the body (client or prompt) of function {} changed", n.name)
                    } else {
                        format!("{} {} changed", n.kind, n.name)
                    };
                    self.push(rule_for(&n.kind), n.location.clone(), label(n), what);
                }
                Some(_) => {}
                // Removed functions are reported by `function-removed`.
                None if o.kind == "function" => {}
                None => self.push(
                    rule_for(&o.kind),
                    o.location.clone(),
                    label(o),
                    format!("{} {} removed", o.kind, o.name),
                ),
            }
        }
        for (k, n) in &b {
            if n.kind != "function" && !a.contains_key(k) {
                self.push(
                    rule_for(&n.kind),
                    n.location.clone(),
                    label(n),
                    format!("{} {} added", n.kind, n.name),
                );
            }
        }
    }
}

/// The rules for a field whose type changed from `old` to `new`.
fn field_type_changes(old: &TypeExpr, new: &TypeExpr) -> Vec<(&'static str, String)> {
    if old == new {
        return Vec::new();
    }
    let (oa, ia) = split_optional(old);
    let (ob, ib) = split_optional(new);
    let mut out = Vec::new();
    match (oa, ob) {
        (true, false) => out.push((
            "field-optional-to-required",
            format!(
                "{} -> {}: old producers may omit it",
                render(old),
                render(new)
            ),
        )),
        (false, true) => out.push((
            "field-required-to-optional",
            format!(
                "{} -> {}: new producers may omit it",
                render(old),
                render(new)
            ),
        )),
        _ => {}
    }
    out.extend(shape_changes(&ia, &ib, "field-type-changed"));
    out
}

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
    let rules: BTreeSet<&str> = changes.iter().map(|c| c.rule).collect();
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

/// A `MAJOR.MINOR.PATCH` version (pre-release and build suffixes ignored).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version {
    /// Major.
    pub major: u64,
    /// Minor.
    pub minor: u64,
    /// Patch.
    pub patch: u64,
}

impl Version {
    /// Parses `1.2.3` (and `1.2.3-rc.1`, ignoring the suffix).
    pub fn parse(text: &str) -> Option<Version> {
        let core = text.trim().split(['-', '+']).next()?;
        let mut parts = core.split('.').map(|p| p.parse::<u64>().ok());
        let v = Version {
            major: parts.next()??,
            minor: parts.next()??,
            patch: parts.next()??,
        };
        parts.next().is_none().then_some(v)
    }

    /// The bump from `old` to `self`; `None` (the error) when it went backwards.
    pub fn bump_from(self, old: Version) -> Option<Bump> {
        if self < old {
            None
        } else if self == old {
            Some(Bump::None)
        } else if self.major > old.major {
            Some(Bump::Major)
        } else if self.minor > old.minor {
            Some(Bump::Minor)
        } else {
            Some(Bump::Patch)
        }
    }

    /// The smallest version after `self` that is a `bump` of it.
    #[must_use]
    pub fn bumped(self, bump: Bump) -> Version {
        match bump {
            Bump::None => self,
            Bump::Patch => Version {
                patch: self.patch + 1,
                ..self
            },
            Bump::Minor => Version {
                minor: self.minor + 1,
                patch: 0,
                ..self
            },
            Bump::Major => Version {
                major: self.major + 1,
                minor: 0,
                patch: 0,
            },
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// The `version` of `[workspace.package]` (or of `[package]`) in a Cargo.toml.
pub fn cargo_version(toml: &str) -> Option<Version> {
    cargo_version_text(toml).and_then(Version::parse)
}

/// The `version` of `[workspace.package]` (or of `[package]`) in a
/// Cargo.toml as written, pre-release suffix included (`0.2.0-rc.1`).
///
/// ```
/// let toml = "[workspace.package]\nversion = \"0.2.0-rc.1\"\n";
/// assert_eq!(contracts_compiler::diff::cargo_version_text(toml), Some("0.2.0-rc.1"));
/// ```
pub fn cargo_version_text(toml: &str) -> Option<&str> {
    for wanted in ["[workspace.package]", "[package]"] {
        let mut inside = false;
        for line in toml.lines() {
            let line = line.trim();
            if line.starts_with('[') {
                inside = line == wanted;
                continue;
            }
            if !inside {
                continue;
            }
            let Some(rest) = line.strip_prefix("version") else {
                continue;
            };
            let Some(value) = rest.trim_start().strip_prefix('=') else {
                continue;
            };
            return Some(value.trim().trim_matches('"'));
        }
    }
    None
}

/// Runs `git` in `dir` and returns its stdout.
pub fn git(dir: &Path, args: &[&str]) -> Result<Vec<u8>, String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if out.status.success() {
        Ok(out.stdout)
    } else {
        Err(format!(
            "git {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// The repository root containing `dir`, and `dir`'s path inside it (with `/`).
pub fn repo_path(dir: &Path) -> Result<(PathBuf, String), String> {
    let abs =
        std::fs::canonicalize(dir).map_err(|e| format!("cannot resolve {}: {e}", dir.display()))?;
    let parent = if abs.is_dir() {
        abs.clone()
    } else {
        abs.parent().unwrap_or(&abs).to_path_buf()
    };
    let top = git(&parent, &["rev-parse", "--show-toplevel"])?;
    let top = PathBuf::from(String::from_utf8_lossy(&top).trim());
    let top = std::fs::canonicalize(&top).unwrap_or(top);
    let rel = abs
        .strip_prefix(&top)
        .map_err(|_| format!("{} is not inside {}", abs.display(), top.display()))?
        .to_string_lossy()
        .replace('\\', "/");
    Ok((top, rel))
}

/// Writes the `*.baml` files under `subdir` at `reference` into `dest`;
/// returns how many there were.
pub fn export_ref(
    repo: &Path,
    reference: &str,
    subdir: &str,
    dest: &Path,
) -> Result<usize, String> {
    let spec = format!("{reference}^{{commit}}");
    git(repo, &["rev-parse", "--verify", "--quiet", &spec])
        .map_err(|_| format!("unknown git ref `{reference}`"))?;
    let listing = git(
        repo,
        &[
            "ls-tree",
            "-r",
            "-z",
            "--name-only",
            reference,
            "--",
            subdir,
        ],
    )?;
    let mut count = 0;
    for name in listing.split(|b| *b == 0).filter(|n| !n.is_empty()) {
        let name = String::from_utf8_lossy(name).into_owned();
        if Path::new(&name).extension().is_none_or(|e| e != "baml") {
            continue;
        }
        let text = git(repo, &["show", &format!("{reference}:{name}")])?;
        let rel = name
            .strip_prefix(subdir)
            .map_or(name.as_str(), |r| r.trim_start_matches('/'));
        let path = dest.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
        }
        std::fs::write(&path, text).map_err(|e| e.to_string())?;
        count += 1;
    }
    Ok(count)
}

/// A temporary directory removed on drop.
#[derive(Debug)]
pub struct TempDir(PathBuf);

impl TempDir {
    /// Creates a fresh directory under the system temp dir.
    pub fn new(label: &str) -> std::io::Result<TempDir> {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let path = std::env::temp_dir().join(format!(
            "contracts-{label}-{}-{n}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&path)?;
        Ok(TempDir(path))
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Loads the `baml_src` tree `from` (a directory in a git work tree) as it
/// was at `reference`. The tree is exported under a directory with the same
/// name as `from`, so locations read alike in both trees. Returns the tree
/// and the temp dir holding it (keep it alive while you need the files).
pub fn load_ref(from: &Path, reference: &str) -> Result<(Tree, TempDir), RefError> {
    let (top, rel) = repo_path(from).map_err(RefError::Git)?;
    let tmp = TempDir::new("ref").map_err(|e| RefError::Git(e.to_string()))?;
    let name = Path::new(&rel)
        .file_name()
        .map_or_else(|| "baml_src".into(), std::ffi::OsStr::to_os_string);
    let dest = tmp.path().join(name);
    let count = export_ref(&top, reference, &rel, &dest).map_err(RefError::Git)?;
    if count == 0 {
        return Err(RefError::Git(format!(
            "no .baml files under {rel} at {reference}"
        )));
    }
    let tree = load_tree(&dest).map_err(RefError::Contract)?;
    Ok((tree, tmp))
}

/// Why a tree at a git ref could not be loaded.
#[derive(Debug)]
pub enum RefError {
    /// git failed, the ref is unknown or the tree is missing (a usage error).
    Git(String),
    /// The tree at the ref does not compile.
    Contract(Vec<CompileError>),
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
