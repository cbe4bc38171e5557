//! What a validation is asked to do: the [`Mode`] and the [`ValidateOptions`]
//! every entry point takes, and the argument policy of its limits
//! ([`Limit`], [`ValidateOptions::set_limit`]) that every binding applies, so
//! a bad `max_issues` fails the same way in Python and in Node. Below every
//! other module, so rules, inputs and the validator all depend on it and
//! never on each other for it.

use contracts_policy::limits::{DEFAULT_MAX_DEPTH, JSON_RECURSION_LIMIT};
use std::fmt;

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
            max_issues: Limit::MaxIssues.default_value(),
            max_depth: Limit::MaxDepth.default_value(),
            max_bytes: Limit::MaxBytes.default_value(),
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

    /// Sets `limit` to `value` after checking it against the limit's bounds
    /// ([`Limit::min`], [`Limit::max`]). Every binding calls this with the
    /// number the caller passed (a signed one, so a negative number is
    /// reported rather than wrapped), so the policy and its messages are the
    /// same in every language.
    ///
    /// ```
    /// use contracts_core::{Limit, ValidateOptions};
    /// let mut options = ValidateOptions::default();
    /// options.set_limit(Limit::MaxIssues, 5).unwrap();
    /// assert_eq!(options.max_issues, 5);
    /// let error = options.set_limit(Limit::MaxIssues, 0).unwrap_err();
    /// assert_eq!(
    ///     error.to_string(),
    ///     "max_issues must be at least 1, got 0: leave it unset for the default (100)"
    /// );
    /// assert!(options.set_limit(Limit::MaxDepth, 129).is_err());
    /// ```
    pub fn set_limit(&mut self, limit: Limit, value: i64) -> Result<(), LimitError> {
        let error = LimitError { limit, got: value };
        let value = usize::try_from(value).map_err(|_| error)?;
        if value < limit.min() || value > limit.max() {
            return Err(error);
        }
        match limit {
            Limit::MaxIssues => self.max_issues = value,
            Limit::MaxDepth => self.max_depth = value,
            Limit::MaxBytes => self.max_bytes = value,
        }
        Ok(())
    }
}

/// A numeric limit of [`ValidateOptions`] a caller may set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Limit {
    /// [`ValidateOptions::max_issues`].
    MaxIssues,
    /// [`ValidateOptions::max_depth`].
    MaxDepth,
    /// [`ValidateOptions::max_bytes`].
    MaxBytes,
}

impl Limit {
    /// Every limit, in the order the options list them.
    pub const ALL: [Limit; 3] = [Self::MaxIssues, Self::MaxDepth, Self::MaxBytes];

    /// The option's name in Rust and Python: `"max_issues"`.
    pub const fn snake_case_name(self) -> &'static str {
        match self {
            Self::MaxIssues => "max_issues",
            Self::MaxDepth => "max_depth",
            Self::MaxBytes => "max_bytes",
        }
    }

    /// The option's name in JavaScript: `"maxIssues"`.
    pub const fn camel_case_name(self) -> &'static str {
        match self {
            Self::MaxIssues => "maxIssues",
            Self::MaxDepth => "maxDepth",
            Self::MaxBytes => "maxBytes",
        }
    }

    /// The value an unset option takes.
    pub const fn default_value(self) -> usize {
        match self {
            Self::MaxIssues => 100,
            Self::MaxDepth => DEFAULT_MAX_DEPTH,
            Self::MaxBytes => 16 * 1024 * 1024,
        }
    }

    /// The smallest value allowed: a limit of 0 would refuse every input
    /// (or, for `max_issues`, report none of its issues).
    pub const fn min(self) -> usize {
        1
    }

    /// The largest value allowed: [`JSON_RECURSION_LIMIT`] for `max_depth` (deeper
    /// JSON text is `too_deep` whatever the option says), no bound otherwise.
    pub const fn max(self) -> usize {
        match self {
            Self::MaxIssues | Self::MaxBytes => usize::MAX,
            Self::MaxDepth => JSON_RECURSION_LIMIT,
        }
    }
}

/// A limit set outside its bounds: what was asked, the bound, and how to fix
/// it. [`fmt::Display`] names the option as Rust and Python spell it;
/// [`LimitError::message`] takes the binding's spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitError {
    /// Which option.
    pub limit: Limit,
    /// The value the caller passed.
    pub got: i64,
}

impl LimitError {
    /// The message with the option named `name` (say
    /// [`Limit::camel_case_name`] in JavaScript).
    ///
    /// ```
    /// use contracts_core::{Limit, ValidateOptions};
    /// let error = ValidateOptions::default().set_limit(Limit::MaxDepth, 500).unwrap_err();
    /// assert_eq!(
    ///     error.message(Limit::MaxDepth.camel_case_name()),
    ///     "maxDepth must be at most 128, got 500: JSON text nests at most 128 levels \
    ///      (deeper input is too_deep whatever the limit); leave it unset for the default (128)"
    /// );
    /// ```
    pub fn message(&self, name: &str) -> String {
        let Self { limit, got } = *self;
        let (min, max, default) = (limit.min(), limit.max(), limit.default_value());
        let below = usize::try_from(got).is_ok_and(|got| got < min) || got < 0;
        match limit {
            _ if below => format!(
                "{name} must be at least {min}, got {got}: leave it unset for the default ({default})"
            ),
            Limit::MaxDepth => format!(
                "{name} must be at most {max}, got {got}: JSON text nests at most {JSON_RECURSION_LIMIT} levels \
                 (deeper input is too_deep whatever the limit); leave it unset for the default ({default})"
            ),
            Limit::MaxIssues | Limit::MaxBytes => format!(
                "{name} must be at most {max}, got {got}: leave it unset for the default ({default})"
            ),
        }
    }
}

impl fmt::Display for LimitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(self.limit.snake_case_name()))
    }
}

impl std::error::Error for LimitError {}

#[cfg(test)]
mod tests {
    use super::{Limit, ValidateOptions};
    use serde_json::Value;

    /// `testdata/options/limits.json`, which pytest and node read too.
    fn vectors() -> Value {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../testdata/options/limits.json"
        );
        let text = std::fs::read_to_string(path).expect("testdata/options/limits.json");
        serde_json::from_str(&text).expect("limits.json is JSON")
    }

    fn case(case: &Value) -> (Limit, i64) {
        let name = case["option"].as_str().expect("option");
        let limit = Limit::ALL
            .into_iter()
            .find(|l| l.snake_case_name() == name)
            .unwrap_or_else(|| panic!("unknown option {name}"));
        (limit, case["value"].as_i64().expect("value"))
    }

    #[test]
    fn the_shared_vectors_hold() {
        let vectors = vectors();
        for accepted in vectors["accepted"].as_array().expect("accepted") {
            let (limit, value) = case(accepted);
            let mut options = ValidateOptions::default();
            assert_eq!(options.set_limit(limit, value), Ok(()), "{accepted}");
        }
        for refused in vectors["refused"].as_array().expect("refused") {
            let (limit, value) = case(refused);
            let error = ValidateOptions::default()
                .set_limit(limit, value)
                .expect_err(&refused.to_string());
            assert_eq!(
                error.to_string(),
                refused["message"].as_str().expect("message")
            );
        }
    }

    #[test]
    fn every_default_is_within_its_bounds() {
        for limit in Limit::ALL {
            let mut options = ValidateOptions::default();
            let default = i64::try_from(limit.default_value()).expect("fits");
            assert_eq!(options.set_limit(limit, default), Ok(()));
        }
    }
}
