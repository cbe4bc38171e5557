//! Compile errors with `file:line:col` locations.

use serde::Serialize;
use std::fmt;

/// A position in a BAML source file (1-based line and column).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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

/// An error in the contracts, printed as `file:line:col: error: message`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CompileError {
    /// Where the problem is.
    pub location: Location,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl CompileError {
    /// Creates an error at `location`.
    pub fn new(location: Location, message: impl Into<String>) -> Self {
        Self {
            location,
            message: message.into(),
        }
    }
}

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: error: {}", self.location, self.message)
    }
}

impl std::error::Error for CompileError {}
