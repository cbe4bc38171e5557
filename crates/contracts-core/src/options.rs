//! What a validation is asked to do: the [`Mode`] and the [`ValidateOptions`]
//! every entry point takes. Below every other module, so rules, inputs and
//! the validator all depend on it and never on each other for it.

/// Who is validating, which decides how strict the check is.
///
/// | | producer (backend, before broadcast) | consumer (client, on receipt) |
/// |---|---|---|
/// | unknown fields | `unknown_field` | ignored |
/// | `contracts_version` | equal to this package's version (or `target_version`) | same MAJOR as this package |
/// | unknown `type` | `unknown_event_type` | `unknown_event_type` (skip the event) |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Strict: exactly the current contract.
    #[default]
    Producer,
    /// Tolerant: what a client decoding a possibly newer envelope accepts.
    Consumer,
}

impl std::str::FromStr for Mode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "producer" => Ok(Self::Producer),
            "consumer" => Ok(Self::Consumer),
            other => Err(format!(
                "unknown mode {other:?}: use \"producer\" or \"consumer\""
            )),
        }
    }
}

/// Options for [`crate::validate_envelope`] and every other entry point.
#[derive(Debug, Clone)]
pub struct ValidateOptions {
    /// Producer (strict) or consumer (tolerant).
    pub mode: Mode,
    /// In producer mode, an explicitly targeted older version: the envelope
    /// must carry it as `contracts_version` instead of
    /// [`crate::CONTRACTS_VERSION`], and is checked against that version's
    /// registry from the shipped history ([`crate::history`]). A version
    /// that is neither current nor in the history is one
    /// `unsupported_version` issue listing the known ones. Ignored in
    /// consumer mode.
    pub target_version: Option<String>,
    /// Stop after this many issues.
    pub max_issues: usize,
    /// Maximum nesting depth of objects and arrays.
    pub max_depth: usize,
    /// Maximum input size in bytes.
    pub max_bytes: usize,
}

impl Default for ValidateOptions {
    fn default() -> Self {
        Self {
            mode: Mode::Producer,
            target_version: None,
            max_issues: 100,
            max_depth: contracts_policy::limits::DEFAULT_MAX_DEPTH,
            max_bytes: 16 * 1024 * 1024,
        }
    }
}

impl ValidateOptions {
    /// Default options in `mode`.
    pub fn with_mode(mode: Mode) -> Self {
        Self {
            mode,
            ..Self::default()
        }
    }
}
