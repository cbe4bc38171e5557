//! The released versions of the contracts, oldest first, ending with the
//! current tree: which version introduced an event, a type, a field or an
//! enum value, and what changed in each release.

use crate::diff::{self, Change, Tree};
use crate::events::EventBinding;
use crate::history::Release;
use crate::ir::Ir;
use std::fmt;

/// One version of the contracts.
#[derive(Debug, Clone)]
pub struct Version<'a> {
    /// `0.2.0`, or the current version as written (`0.3.0-rc.1`).
    pub label: String,
    /// Its IR.
    pub ir: &'a Ir,
    /// Its event bindings.
    pub events: &'a [EventBinding],
}

/// When something first appeared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Introduced {
    /// In this version.
    In(String),
    /// In the oldest version of the history, which does not reach back to
    /// the first release: this version or an earlier one.
    InOrBefore(String),
}

impl fmt::Display for Introduced {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::In(v) => f.write_str(v),
            Self::InOrBefore(v) => write!(f, "{v} or earlier"),
        }
    }
}

/// The contract changes of one version against the one before it.
#[derive(Debug, Clone)]
pub struct ReleaseChanges {
    /// The version.
    pub label: String,
    /// The version compared with; `None` for the oldest one.
    pub against: Option<String>,
    /// Every change, largest bump first (as `contracts diff` lists them).
    pub changes: Vec<Change>,
}

/// The versions, oldest first; the last one is the current tree.
#[derive(Debug, Clone)]
pub struct Timeline<'a> {
    versions: Vec<Version<'a>>,
    /// Releases older than the first version exist but are outside the
    /// history (an older MAJOR).
    older_hidden: bool,
}

impl<'a> Timeline<'a> {
    /// The releases of the history followed by the current tree.
    pub fn new(releases: &'a [Release], current: Version<'a>, older_hidden: bool) -> Timeline<'a> {
        let mut versions: Vec<Version<'a>> = releases
            .iter()
            .map(|r| Version {
                label: r.version.to_string(),
                ir: &r.ir,
                events: &r.events,
            })
            .collect();
        versions.push(current);
        Timeline {
            versions,
            older_hidden,
        }
    }

    /// Every version, oldest first.
    pub fn versions(&self) -> &[Version<'a>] {
        &self.versions
    }

    /// The first version for which `present` holds (the current one when
    /// none does, since everything asked about exists now).
    fn first(&self, present: impl Fn(&Version<'a>) -> bool) -> Introduced {
        let index = self
            .versions
            .iter()
            .position(present)
            .unwrap_or(self.versions.len() - 1);
        let label = self.versions[index].label.clone();
        if index == 0 && self.older_hidden {
            Introduced::InOrBefore(label)
        } else {
            Introduced::In(label)
        }
    }

    /// When the event type appeared.
    pub fn event(&self, event_type: &str) -> Introduced {
        self.first(|v| v.events.iter().any(|e| e.event_type == event_type))
    }

    /// When the class, enum or alias `name` appeared.
    pub fn declaration(&self, name: &str) -> Introduced {
        self.first(|v| v.ir.declared_types().any(|(n, _)| n == name))
    }

    /// When `class` got `field`.
    pub fn field(&self, class: &str, field: &str) -> Introduced {
        self.first(|v| {
            v.ir.class(class)
                .is_some_and(|c| c.fields.iter().any(|f| f.name == field))
        })
    }

    /// When `enum_name` got `value`.
    pub fn enum_value(&self, enum_name: &str, value: &str) -> Introduced {
        self.first(|v| {
            v.ir.enum_named(enum_name)
                .is_some_and(|e| e.values.iter().any(|x| x.name == value))
        })
    }

    /// The contract changes of every version against the previous one,
    /// newest first: what `contracts diff` reports for the types, events and
    /// functions (prompts, tests and clients are not part of the catalog).
    pub fn changes(&self) -> Vec<ReleaseChanges> {
        let tree = |ir: &Ir| Tree {
            ir: ir.clone(),
            ..Tree::default()
        };
        let mut out: Vec<ReleaseChanges> = self
            .versions
            .iter()
            .enumerate()
            .map(|(i, v)| match i.checked_sub(1).map(|p| &self.versions[p]) {
                Some(previous) => ReleaseChanges {
                    label: v.label.clone(),
                    against: Some(previous.label.clone()),
                    changes: diff::diff(&tree(previous.ir), &tree(v.ir)),
                },
                None => ReleaseChanges {
                    label: v.label.clone(),
                    against: None,
                    changes: Vec::new(),
                },
            })
            .collect();
        out.reverse();
        out
    }

    /// True when releases older than the first version exist outside the history.
    pub fn older_hidden(&self) -> bool {
        self.older_hidden
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parser::parse_file;

    fn ir(text: &str) -> Ir {
        let mut ir = Ir::default();
        parse_file("t.baml", text, &mut ir).unwrap();
        ir
    }

    #[test]
    fn fields_and_values_date_from_their_first_version() {
        let old = ir("class Goal {\n  id string\n}\nenum S {\n  A\n}\n");
        let new = ir("class Goal {\n  id string\n  note string?\n}\nenum S {\n  A\n  B\n}\nclass New {\n  x int\n}\n");
        let releases = [Release {
            version: diff::Version::parse("1.0.0").unwrap(),
            ir: old,
            events: Vec::new(),
        }];
        let current = Version {
            label: "1.1.0".into(),
            ir: &new,
            events: &[],
        };
        let timeline = Timeline::new(&releases, current.clone(), false);
        assert_eq!(timeline.field("Goal", "id"), Introduced::In("1.0.0".into()));
        assert_eq!(
            timeline.field("Goal", "note"),
            Introduced::In("1.1.0".into())
        );
        assert_eq!(
            timeline.enum_value("S", "B"),
            Introduced::In("1.1.0".into())
        );
        assert_eq!(timeline.declaration("New"), Introduced::In("1.1.0".into()));
        let changes = timeline.changes();
        assert_eq!(changes[0].label, "1.1.0");
        assert_eq!(changes[0].against.as_deref(), Some("1.0.0"));
        assert!(changes[0]
            .changes
            .iter()
            .any(|c| c.rule == "field-added-optional"));
        assert!(changes[1].changes.is_empty());

        let hidden = Timeline::new(&releases, current, true);
        assert_eq!(hidden.field("Goal", "id").to_string(), "1.0.0 or earlier");
    }
}
