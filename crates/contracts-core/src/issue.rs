//! The one error model shared by Rust, Python and Node:
//! `{path (JSON Pointer), code, message}`.

use std::fmt;

pub use contracts_policy::IssueCode;

/// One problem in an envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationIssue {
    /// RFC 6901 JSON Pointer to the offending value (`""` is the whole input).
    pub path: String,
    /// What kind of problem.
    pub code: IssueCode,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl fmt::Display for ValidationIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = if self.path.is_empty() {
            "(root)"
        } else {
            &self.path
        };
        write!(f, "{path}: {} ({})", self.message, self.code)
    }
}

/// Every issue found in one envelope (never empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationErrors {
    /// The issues, in document order.
    pub issues: Vec<ValidationIssue>,
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid envelope: {} issue(s)", self.issues.len())?;
        for issue in &self.issues {
            write!(f, "\n  {issue}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationErrors {}

/// Appends `token` to a JSON Pointer, escaping `~` and `/` (RFC 6901).
pub(crate) fn push_pointer(path: &str, token: &str) -> String {
    let mut out = String::with_capacity(path.len() + token.len() + 1);
    out.push_str(path);
    push_token(&mut out, token);
    out
}

/// Appends `/` and `token`, escaped (RFC 6901), to the pointer in `out`.
pub(crate) fn push_token(out: &mut String, token: &str) {
    out.push('/');
    for c in token.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            _ => out.push(c),
        }
    }
}
