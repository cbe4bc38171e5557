//! Diagnostics: a [`Location`] in a BAML file and the [`CompileError`]
//! reported there, with its stable [`Code`]. The one-line form is
//! `file:line:col: error[E0404]: message`; [`crate::report`] renders the
//! rustc-style form with the source line and a caret, and JSON.
//!
//! ```
//! use contracts_compiler::codes::Code;
//! use contracts_compiler::error::{CompileError, Location};
//! let e = CompileError::coded(Code::UnknownType, Location::new("a.baml", 2, 5), "unknown type `Goal`")
//!     .with_length(4);
//! assert_eq!(e.to_string(), "a.baml:2:5: error[E0404]: unknown type `Goal`");
//! ```

use crate::codes::{Code, Severity};
use serde::Serialize;
use std::fmt;

/// A position in a BAML source file (1-based line and column).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Location {
    /// Path of the file, relative to the `baml_src` root.
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
}

impl Location {
    /// Creates a location.
    pub fn new(file: &str, line: u32, column: u32) -> Self {
        Self {
            file: file.to_string(),
            line,
            column,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// A secondary place a diagnostic points at (`first declared here`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Label {
    /// Where.
    pub location: Location,
    /// How many characters it spans (at least 1).
    pub length: u32,
    /// What is there.
    pub message: String,
}

/// A problem in the contracts: an error, or a warning when its [`Code`]'s
/// severity is [`Severity::Warning`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CompileError {
    /// Where the problem is.
    pub location: Location,
    /// What is wrong and how to fix it.
    pub message: String,
    /// The stable code of this kind of problem.
    pub code: Code,
    /// How many characters of the line the problem spans (at least 1).
    pub length: u32,
    /// Other places worth showing.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<Label>,
}

impl CompileError {
    /// An error from a generator: a checked construct it cannot express
    /// ([`Code::Generator`]). Parser and checks use [`CompileError::coded`].
    pub fn new(location: Location, message: impl Into<String>) -> Self {
        Self::coded(Code::Generator, location, message)
    }

    /// A diagnostic with the given code at `location`.
    pub fn coded(code: Code, location: Location, message: impl Into<String>) -> Self {
        Self {
            location,
            message: message.into(),
            code,
            length: 1,
            labels: Vec::new(),
        }
    }

    /// The same diagnostic spanning `length` characters (at least 1).
    #[must_use]
    pub fn with_length(mut self, length: usize) -> Self {
        self.length = u32::try_from(length.max(1)).unwrap_or(u32::MAX);
        self
    }

    /// The same diagnostic with a secondary label.
    #[must_use]
    pub fn with_label(
        mut self,
        location: Location,
        length: usize,
        message: impl Into<String>,
    ) -> Self {
        self.labels.push(Label {
            location,
            length: u32::try_from(length.max(1)).unwrap_or(u32::MAX),
            message: message.into(),
        });
        self
    }

    /// Error or warning (from the code).
    pub fn severity(&self) -> Severity {
        self.code.severity()
    }
}

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}[{}]: {}",
            self.location,
            self.severity(),
            self.code,
            self.message
        )
    }
}

impl std::error::Error for CompileError {}
