//! Where issues go. One validator serves every question asked of it; what
//! it does with an issue is the [`Sink`]'s business:
//!
//! - [`Bail`]: the fast path; the first issue stops the read.
//! - [`Count`]: how many issues a union member has (up to `max_issues`).
//! - [`Collect`]: every issue, in reporting order, keeping the first
//!   `max_issues`; a path and a message are built only for an issue it keeps.
//!
//! [`Ctx`] holds what every sink shares: the registry and options, and the
//! duplicate keys found while reading JSON text, which come before every
//! other issue.

use crate::input::Stop;
use crate::issue::{IssueCode, ValidationIssue};
use crate::options::ValidateOptions;
use crate::path::At;
use crate::problem::Problem;
use crate::schema::Registry;
use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};

/// What one validation knows besides the value: the registry, the options,
/// and the duplicate keys found so far.
pub(crate) struct Ctx<'o, 's> {
    pub(crate) reg: &'static Registry,
    pub(crate) options: &'o ValidateOptions,
    /// The JSON text being read (empty for other inputs): strings borrowed
    /// from it are kept as spans when a part of it is captured.
    pub(crate) text: &'s str,
    /// `max(max_issues, 1)`.
    pub(crate) limit: usize,
    mode: CtxMode,
    duplicates: Vec<ValidationIssue>,
    /// A key of an object the validator checks came twice in JSON text
    /// read as it streams: the value that counts is the last one, so the
    /// text is read again as a tree (see `validate.rs`).
    pub(crate) reread: bool,
    /// How many unions are being decided around the value being checked.
    pub(crate) unions: usize,
    /// How union members fared on values met while unions nest, so that a
    /// union inside a union member is decided once per value, not once per
    /// trial of every enclosing union (which grows exponentially with the
    /// nesting of a recursive contract). Forgotten when the outermost union
    /// is decided.
    pub(crate) trials: HashMap<TrialKey, Trial>,
}

/// A union member tried on a value: the value's identity, the member's
/// address in the registry, the depth, and whether issues were counted.
pub(crate) type TrialKey = (usize, usize, usize, bool);

/// How a member fared: accepted or not, or how many issues it had (up to
/// the limit) and how far below the union the first one was.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Trial {
    Accepted(bool),
    Counted {
        issues: usize,
        first_below: Option<usize>,
    },
}

/// Whether the validation stops at the first issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CtxMode {
    /// Stop at the first issue (duplicate keys included).
    Bail,
    /// Report every issue.
    Collect,
}

impl<'o, 's> Ctx<'o, 's> {
    pub(crate) fn new(
        reg: &'static Registry,
        options: &'o ValidateOptions,
        mode: CtxMode,
        text: &'s str,
    ) -> Self {
        Self {
            reg,
            options,
            text,
            limit: options.max_issues.max(1),
            mode,
            duplicates: Vec::new(),
            reread: false,
            unions: 0,
            trials: HashMap::new(),
        }
    }

    /// A key given twice in one object of JSON text; `at` is the repeated
    /// key's position.
    pub(crate) fn duplicate(&mut self, at: &At<'_>, key: &str) -> Result<(), Stop> {
        match self.mode {
            CtxMode::Bail => Err(Stop),
            CtxMode::Collect => {
                if self.duplicates.len() < self.limit {
                    self.duplicates.push(ValidationIssue {
                        path: at.pointer(),
                        code: IssueCode::DuplicateKey,
                        message: format!("key {key:?} appears more than once in this object; JSON parsers disagree on which value wins, so send it once"),
                    });
                }
                Ok(())
            }
        }
    }

    /// A key given twice in an object whose values the validator checks
    /// (`at` is the repeated key): the first value was checked, but the
    /// last one counts. The fast path stops. The explaining path over JSON
    /// text stops and reads the text again as a tree, where the last value
    /// has replaced the first; over another input that repeats keys it
    /// reports the duplicate and goes on, checking both values.
    pub(crate) fn repeated(&mut self, at: &At<'_>, key: &str) -> Result<(), Stop> {
        match self.mode {
            CtxMode::Bail => Err(Stop),
            CtxMode::Collect if !self.text.is_empty() => {
                self.reread = true;
                Err(Stop)
            }
            CtxMode::Collect => self.duplicate(at, key),
        }
    }

    /// The duplicate-key issues, then `rest`, `limit` in all.
    pub(crate) fn issues(self, rest: Vec<ValidationIssue>) -> Vec<ValidationIssue> {
        let mut issues = self.duplicates;
        issues.extend(rest);
        issues.truncate(self.limit);
        issues
    }
}

/// What happens to each issue found.
pub(crate) trait Sink {
    /// True when the first issue stops the read.
    const BAILS: bool;
    /// An issue at `at`.
    fn report(&mut self, cx: &Ctx<'_, '_>, at: &At<'_>, problem: Problem<'_>) -> Result<(), Stop>;
    /// `issues` issues whose first is `first_len` segments deep, when only
    /// their number matters here; `None` when this sink needs the issues
    /// themselves (then the validator finds them again).
    fn add(&mut self, issues: usize, first_len: Option<usize>) -> Option<Result<(), Stop>>;
}

/// The fast path: stop at the first issue.
pub(crate) struct Bail;

impl Sink for Bail {
    const BAILS: bool = true;

    fn report(&mut self, _: &Ctx<'_, '_>, _: &At<'_>, _: Problem<'_>) -> Result<(), Stop> {
        Err(Stop)
    }

    fn add(&mut self, issues: usize, _: Option<usize>) -> Option<Result<(), Stop>> {
        Some(if issues == 0 { Ok(()) } else { Err(Stop) })
    }
}

/// Counts issues up to the limit (then stops the read: the count is all a
/// union needs), remembering how deep the first one was.
pub(crate) struct Count {
    pub(crate) issues: usize,
    limit: usize,
    /// [`At::len`] of the first issue.
    pub(crate) first_len: Option<usize>,
}

impl Count {
    pub(crate) fn new(limit: usize) -> Self {
        Self {
            issues: 0,
            limit,
            first_len: None,
        }
    }
}

impl Sink for Count {
    const BAILS: bool = false;

    fn report(&mut self, _: &Ctx<'_, '_>, at: &At<'_>, _: Problem<'_>) -> Result<(), Stop> {
        self.add(1, Some(at.len())).unwrap_or(Ok(()))
    }

    fn add(&mut self, issues: usize, first_len: Option<usize>) -> Option<Result<(), Stop>> {
        if issues > 0 && self.first_len.is_none() {
            self.first_len = first_len;
        }
        self.issues = (self.issues + issues).min(self.limit);
        Some(if self.issues >= self.limit {
            Err(Stop)
        } else {
            Ok(())
        })
    }
}

/// Every issue, keeping the `limit` first in reporting order.
pub(crate) struct Collect {
    kept: BinaryHeap<Kept>,
    limit: usize,
    seen: usize,
}

/// A kept issue and its place in the reporting order.
struct Kept {
    order: Vec<usize>,
    seen: usize,
    issue: ValidationIssue,
}

impl PartialEq for Kept {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Kept {}

impl PartialOrd for Kept {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Kept {
    fn cmp(&self, other: &Self) -> Ordering {
        (&self.order, self.seen).cmp(&(&other.order, other.seen))
    }
}

impl Collect {
    pub(crate) fn new(limit: usize) -> Self {
        Self {
            kept: BinaryHeap::new(),
            limit,
            seen: 0,
        }
    }

    /// The kept issues, in reporting order.
    pub(crate) fn finish(self) -> Vec<ValidationIssue> {
        self.kept
            .into_sorted_vec()
            .into_iter()
            .map(|kept| kept.issue)
            .collect()
    }
}

impl Sink for Collect {
    const BAILS: bool = false;

    fn report(&mut self, cx: &Ctx<'_, '_>, at: &At<'_>, problem: Problem<'_>) -> Result<(), Stop> {
        let order = at.order();
        if self.kept.len() >= self.limit && self.kept.peek().is_some_and(|last| order >= last.order)
        {
            return Ok(());
        }
        self.seen += 1;
        self.kept.push(Kept {
            order,
            seen: self.seen,
            issue: ValidationIssue {
                path: at.pointer(),
                code: problem.code(),
                message: problem.message(cx.reg, cx.options),
            },
        });
        if self.kept.len() > self.limit {
            self.kept.pop();
        }
        Ok(())
    }

    fn add(&mut self, _: usize, _: Option<usize>) -> Option<Result<(), Stop>> {
        None
    }
}
