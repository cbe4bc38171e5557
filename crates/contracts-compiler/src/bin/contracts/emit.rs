//! Where diagnostics go: stderr, rustc-style (colour on a terminal) or as
//! JSON lines, counted so the command can end with a summary and its exit code.

use clap::ValueEnum;
use contracts_compiler::codes::Severity;
use contracts_compiler::error::CompileError;
use contracts_compiler::report::Report;
use contracts_compiler::source::Sources;
use std::io::{IsTerminal, Write};

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when stderr is a terminal and `NO_COLOR` is unset.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

impl ColorChoice {
    fn enabled(self) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::io::stderr().is_terminal()
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        }
    }
}

/// How diagnostics are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// The source line with a caret and labels.
    Human,
    /// One JSON object per line.
    Json,
}

/// Prints diagnostics to stderr and counts them.
pub struct Emitter {
    style: Style,
    color: bool,
    errors: usize,
    warnings: usize,
}

impl Emitter {
    pub fn new(style: Style, color: ColorChoice) -> Emitter {
        Emitter {
            style,
            color: color.enabled(),
            errors: 0,
            warnings: 0,
        }
    }

    pub fn style(&self) -> Style {
        self.style
    }

    pub fn warnings(&self) -> usize {
        self.warnings
    }

    /// Prints `diagnostics`, whose locations point into `sources`.
    pub fn emit(&mut self, diagnostics: &[CompileError], sources: &[&Sources]) {
        let report = Report::new(sources, self.color);
        let mut err = std::io::stderr().lock();
        for d in diagnostics {
            match d.severity() {
                Severity::Error => self.errors += 1,
                Severity::Warning => self.warnings += 1,
            }
            let _ = match self.style {
                Style::Human => write!(err, "{}", report.human(d)),
                Style::Json => writeln!(err, "{}", Report::json(d)),
            };
        }
    }

    /// A problem with no place in a BAML file (git, I/O): `error: …` or a
    /// JSON object with only `severity` and `message`.
    pub fn fatal(&mut self, message: &str) {
        self.errors += 1;
        match self.style {
            Style::Human => eprintln!("error: {message}"),
            Style::Json => eprintln!(
                "{}",
                serde_json::json!({"severity": "error", "message": message})
            ),
        }
    }

    /// The closing `N errors, M warnings` line (human style, when there was any).
    pub fn summary(&self) {
        if self.style == Style::Human && self.errors + self.warnings > 0 {
            let plural =
                |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
            eprintln!(
                "{}, {}",
                plural(self.errors, "error"),
                plural(self.warnings, "warning")
            );
        }
    }
}
