//! Validation of the coach-app real-time event envelopes.
//!
//! Every real-time message is an envelope `{type, contracts_version, payload,
//! meta}`; the backend validates each one before broadcasting it. The types
//! come from `baml_src/` through a generated registry (see
//! `crates/contracts-compiler`); this crate holds all validation logic, and
//! the Python and Node bindings only delegate to it.
//!
//! ```
//! use contracts_core::{envelope_issues, make_envelope, validate_envelope, MetaOverrides, ValidateOptions};
//!
//! let options = ValidateOptions::default();
//! assert!(validate_envelope(b"[]", &options).is_err());
//! let issues = envelope_issues(br#"{"type": 1}"#, &options);
//! assert_eq!(issues[0].path, "/type");
//! assert_eq!(issues[0].code.as_str(), "wrong_type");
//! # let _ = (make_envelope, MetaOverrides::default());
//! ```
//!
//! This file only declares modules and re-exports; imports between modules
//! run one way (`crates/contracts-compiler/tests/modules.rs` fails on a
//! cycle, or on a module that reaches an item through the crate root).
//! From the bottom up:
//!
//! | layer | modules |
//! |---|---|
//! | shared with the compiler | `contracts-policy`: [`evolution`], [`version`], [`limits`] |
//! | the contracts this build knows | [`schema`] (the table types), `registries` (current, history, [`known_versions`]) |
//! | reading values | [`input`] (the traits), `json`, `scan`, `tape`, `keys`, `path`, `hidden` |
//! | issues | `issue` (codes, errors), `problem` (messages), `report` (sinks), `options` |
//! | the rules and the walk | `rules` (what each type accepts), `check` (`walk`: values and unions; `envelope`: the four envelope fields) |
//! | entry points | `validate`, `envelope` + `make_text` + `encode` (building), `rewrite` + `downgrade` + `upgrade`, `negotiate`, `position`, [`cloudevents`] |

mod check;
pub mod cloudevents;
mod downgrade;
mod encode;
mod envelope;
mod hidden;
pub mod input;
mod issue;
mod json;
mod keys;
pub mod literal;
mod make_text;
mod negotiate;
mod options;
mod path;
mod position;
mod problem;
mod registries;
mod report;
mod rewrite;
mod rules;
mod scan;
pub mod schema;
mod tape;
mod upgrade;
mod validate;

/// Rust types mirroring every class, enum and alias of the contract, with
/// serde and schemars derives, generated from `baml_src/` by `contracts gen`
/// (`src/generated/mirror.rs`).
///
/// Field names and enum values are exactly the wire names; classes reject
/// unknown fields (producer-exact); `Uuid`, `Timestamp` and `IsoDate` are
/// [`uuid::Uuid`], [`chrono::DateTime<chrono::FixedOffset>`] and
/// [`chrono::NaiveDate`], which serialise canonically. Deserialising is a
/// convenience, not validation: run [`validate_envelope`] on untrusted input
/// first (it reports every issue with a JSON Pointer, and knows the
/// producer/consumer rules), then deserialise.
///
/// ```
/// use contracts_core::mirror::{EventEnvelope, TypingIndicatorEvent};
///
/// let json = format!(
///     r#"{{"type": "TYPING_INDICATOR", "contracts_version": "{}",
///          "payload": {{"thread_id": "0192f0c1-7a52-7cc3-8d1e-000000000003",
///                       "user_id": "0192f0c1-7a52-7cc3-8d1e-000000000001", "is_typing": true}},
///          "meta": {{"event_id": "0192f0c1-7a52-7cc3-8d1e-000000000064",
///                    "timestamp": "2026-11-25T10:00:00Z"}}}}"#,
///     contracts_core::CONTRACTS_VERSION,
/// );
/// contracts_core::validate_envelope(json.as_bytes(), &Default::default()).unwrap();
/// let envelope: EventEnvelope = serde_json::from_str(&json).unwrap();
/// assert_eq!(envelope.event_type(), "TYPING_INDICATOR");
/// let EventEnvelope::TypingIndicator(TypingIndicatorEvent { payload, .. }) = &envelope else {
///     panic!("not a typing indicator");
/// };
/// assert!(payload.is_typing);
/// // Serialising gives back the wire form, `type` included.
/// let back = serde_json::to_value(&envelope).unwrap();
/// assert_eq!(back, serde_json::from_str::<serde_json::Value>(&json).unwrap());
/// ```
// Generated code: fields and variants without a BAML description have no
// doc, and descriptions are prose, not rustdoc (`<id>`, bare identifiers).
#[allow(
    missing_docs,
    clippy::doc_markdown,
    clippy::large_enum_variant,
    clippy::struct_excessive_bools,
    rustdoc::bare_urls,
    rustdoc::invalid_html_tags
)]
pub mod mirror {
    include!("generated/mirror.rs");
}

/// The facts this crate shares with the `contracts` compiler, from
/// `contracts-policy`: evolution rule ids, SemVer rules, nesting limits.
pub use contracts_policy::{evolution, limits, version, Bump, RewriteRuleId, RuleId};
pub use downgrade::{
    downgrade_between, downgrade_envelope, downgrade_envelope_json, DowngradeError,
};
pub use envelope::{make_envelope, MetaOverrides};
pub use hidden::{hidden_by_json_parse, Hidden};
pub use issue::{IssueCode, ValidationErrors, ValidationIssue};
pub use make_text::{make_envelope_from_input, make_envelope_json, MakeError};
pub use negotiate::{negotiate, serve_version, Negotiated, UnservableReason, UnservableVersion};
pub use options::{Limit, LimitError, Mode, ValidateOptions};
pub use position::{with_position, StreamPosition};
pub use registries::{
    contracts_version, current_registry, envelope_schema, event_schema, event_types, history,
    known_versions, payload_class, registry_for, CONTRACTS_VERSION,
};
pub use rewrite::{RewriteError, INVALID_ENVELOPE, INVALID_VALUE, UNKNOWN_CLASS, UNKNOWN_VERSION};
pub use schema::Registry;
pub use upgrade::{
    upgrade_between, upgrade_dto, upgrade_dto_between, upgrade_dto_json, upgrade_envelope,
    upgrade_envelope_json, UpgradeError,
};
pub use validate::{
    envelope_issues, input_issues, is_valid_envelope, is_valid_input, validate_envelope,
    validate_input, value_issues, EnvelopeInput, ValidEnvelope,
};
