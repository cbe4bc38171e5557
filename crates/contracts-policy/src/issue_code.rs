//! The issue codes: why an input is invalid, as the stable wire code every
//! binding exposes. They live here, below the core and the compiler, because
//! the core reports them and the compiler writes them into both packages as
//! literal types (`contracts gen`), so a new code reaches TypeScript and
//! Python without a hand-written list.
//!
//! ```
//! use contracts_policy::IssueCode;
//! assert_eq!(IssueCode::MissingField.as_str(), "missing_field");
//! assert_eq!(IssueCode::ALL.len(), 15);
//! ```

use std::fmt;

/// Why an envelope is invalid. The string form ([`IssueCode::as_str`]) is the
/// stable wire code every binding exposes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IssueCode {
    /// The input is not valid JSON (or not UTF-8).
    InvalidJson,
    /// The envelope (or a class value) is not a JSON object.
    NotAnObject,
    /// A required field is absent.
    MissingField,
    /// A field the contract does not declare (producer mode only).
    UnknownField,
    /// A value of the wrong JSON type.
    WrongType,
    /// A string that is not one of the enum's values.
    InvalidEnumValue,
    /// A value different from the literal the contract requires.
    InvalidLiteral,
    /// `type` is not a known event type.
    UnknownEventType,
    /// A string that is not an RFC 3339 date-time with offset.
    InvalidTimestamp,
    /// A string that is not a calendar date `YYYY-MM-DD`.
    InvalidDate,
    /// A string that is not a UUID.
    InvalidUuid,
    /// `contracts_version` is not one this validator accepts in this mode.
    UnsupportedVersion,
    /// An object key that appears more than once.
    DuplicateKey,
    /// Nesting deeper than the configured limit.
    TooDeep,
    /// Input larger than the configured limit.
    TooLarge,
}

impl IssueCode {
    /// Every code, in documentation order.
    pub const ALL: [IssueCode; 15] = [
        Self::InvalidJson,
        Self::NotAnObject,
        Self::MissingField,
        Self::UnknownField,
        Self::WrongType,
        Self::InvalidEnumValue,
        Self::InvalidLiteral,
        Self::UnknownEventType,
        Self::InvalidTimestamp,
        Self::InvalidDate,
        Self::InvalidUuid,
        Self::UnsupportedVersion,
        Self::DuplicateKey,
        Self::TooDeep,
        Self::TooLarge,
    ];

    /// The stable `snake_case` code, e.g. `"missing_field"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::InvalidJson => "invalid_json",
            Self::NotAnObject => "not_an_object",
            Self::MissingField => "missing_field",
            Self::UnknownField => "unknown_field",
            Self::WrongType => "wrong_type",
            Self::InvalidEnumValue => "invalid_enum_value",
            Self::InvalidLiteral => "invalid_literal",
            Self::UnknownEventType => "unknown_event_type",
            Self::InvalidTimestamp => "invalid_timestamp",
            Self::InvalidDate => "invalid_date",
            Self::InvalidUuid => "invalid_uuid",
            Self::UnsupportedVersion => "unsupported_version",
            Self::DuplicateKey => "duplicate_key",
            Self::TooDeep => "too_deep",
            Self::TooLarge => "too_large",
        }
    }
}

impl fmt::Display for IssueCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
