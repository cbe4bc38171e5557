//! Rendering diagnostics: rustc-style text with the source line, a caret
//! and labels (through `codespan-reporting`), colour only when asked, and a
//! JSON object per diagnostic for tools.
//!
//! ```
//! use contracts_compiler::report::Report;
//! use contracts_compiler::source::Sources;
//! let sources = Sources::from_texts("baml_src", &[("a.baml", "class A {\n  b Missing\n}\n")]);
//! let errors = sources.tree().unwrap_err();
//! let text = Report::new(&[&sources], false).human(&errors[0]);
//! assert!(text.starts_with("error[E0404]: unknown type `Missing`"), "{text}");
//! assert!(text.contains("2 |   b Missing\n  |   ^ unknown type"), "{text}");
//! let json = Report::json(&errors[0]);
//! assert_eq!((json["line"].as_u64(), json["code"].as_str()), (Some(2), Some("E0404")));
//! ```

use crate::codes::Severity;
use crate::error::{CompileError, Location};
use crate::source::Sources;
use codespan_reporting::diagnostic::{Diagnostic, Label, Severity as CsSeverity};
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::termcolor::Buffer;
use codespan_reporting::term::{self, Chars, Config};
use serde_json::{json, Value};
use std::ops::Range;

/// Renders diagnostics that point into some [`Sources`].
pub struct Report {
    files: SimpleFiles<String, String>,
    ids: Vec<String>,
    color: bool,
}

impl Report {
    /// A report over `sources` (later ones win for a name that repeats);
    /// `color` adds ANSI colours.
    pub fn new(sources: &[&Sources], color: bool) -> Report {
        let mut files = SimpleFiles::new();
        let mut ids = Vec::new();
        for set in sources {
            for file in &set.files {
                files.add(file.name.clone(), file.text.clone());
                ids.push(file.name.clone());
            }
        }
        Report { files, ids, color }
    }

    /// The rustc-style text of one diagnostic, ending with a blank line.
    /// A diagnostic in a file the report does not hold prints as its one
    /// line `file:line:col: error[E…]: message`.
    pub fn human(&self, diagnostic: &CompileError) -> String {
        let Some((file, range)) = self.span(&diagnostic.location, diagnostic.length) else {
            return format!("{diagnostic}\n");
        };
        let severity = match diagnostic.severity() {
            Severity::Error => CsSeverity::Error,
            Severity::Warning => CsSeverity::Warning,
        };
        let mut labels = vec![Label::primary(file, range).with_message(diagnostic.code.title())];
        for label in &diagnostic.labels {
            if let Some((file, range)) = self.span(&label.location, label.length) {
                labels.push(Label::secondary(file, range).with_message(label.message.clone()));
            }
        }
        let rendered = Diagnostic::new(severity)
            .with_code(diagnostic.code.as_str())
            .with_message(diagnostic.message.clone())
            .with_labels(labels);
        let config = Config {
            chars: Chars::ascii(),
            ..Config::default()
        };
        let mut buffer = if self.color {
            Buffer::ansi()
        } else {
            Buffer::no_color()
        };
        if term::emit(&mut buffer, &config, &self.files, &rendered).is_err() {
            return format!("{diagnostic}\n");
        }
        String::from_utf8_lossy(buffer.as_slice()).into_owned()
    }

    /// One diagnostic as JSON: `file`, `line`, `column`, `end_line`,
    /// `end_column` (exclusive), `code`, `severity`, `message` and `labels`.
    pub fn json(diagnostic: &CompileError) -> Value {
        let span = |location: &Location, length: u32| {
            json!({
                "file": location.file,
                "line": location.line,
                "column": location.column,
                "end_line": location.line,
                "end_column": location.column.saturating_add(length),
            })
        };
        let mut value = span(&diagnostic.location, diagnostic.length);
        value["code"] = json!(diagnostic.code);
        value["severity"] = json!(diagnostic.severity());
        value["message"] = json!(diagnostic.message);
        value["labels"] = diagnostic
            .labels
            .iter()
            .map(|label| {
                let mut v = span(&label.location, label.length);
                v["message"] = json!(label.message);
                v
            })
            .collect();
        value
    }

    /// The file id and byte range of `length` characters at `location`
    /// (clamped to the line), if the file is known.
    fn span(&self, location: &Location, length: u32) -> Option<(usize, Range<usize>)> {
        let id = self.ids.iter().rposition(|name| *name == location.file)?;
        let text = self.files.get(id).ok()?.source();
        let line_start = text
            .split_inclusive('\n')
            .take(location.line.saturating_sub(1) as usize)
            .map(str::len)
            .sum::<usize>();
        let line = text[line_start.min(text.len())..]
            .split('\n')
            .next()
            .unwrap_or("");
        let byte_at = |chars: usize| {
            line.char_indices()
                .nth(chars)
                .map_or(line.len(), |(i, _)| i)
        };
        let column = location.column.saturating_sub(1) as usize;
        let start = byte_at(column);
        let end = byte_at(column + length.max(1) as usize).max(start);
        Some((id, line_start + start..line_start + end))
    }
}
