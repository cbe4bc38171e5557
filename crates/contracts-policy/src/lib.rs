//! The facts the runtime core (`contracts-core`) and the build-time compiler
//! (`contracts-compiler`, the `contracts` CLI) must agree on, in one place
//! both build on. The compiler cannot depend on `contracts-core` (it writes
//! the core's generated sources), so what both need lives here, below both:
//!
//! | module | what it holds | used by |
//! |---|---|---|
//! | [`evolution`] | [`RuleId`]: every rule a contract change can fall under, with its bump; [`RewriteRuleId`]: what a downgrade or upgrade refuses under | `contracts diff`, the core's downgrade/upgrade errors |
//! | [`version`] | [`Bump`] and how a release version is read | `contracts diff`/`check-bump`, the core's `contracts_version` rule |
//! | [`limits`] | how deep JSON may nest | the core's readers, the bindings, the browser validator's generator |
//! | [`issue_code`] | [`IssueCode`]: the stable codes of the one error model | the core's issues, the generated `IssueCode` types of both packages |
//!
//! `contracts-core` re-exports each module (`contracts_core::evolution`, …),
//! so users of the core need not name this crate.
//!
//! ```
//! use contracts_policy::{Bump, RuleId};
//! assert_eq!(RuleId::EnumValueAdded.bump(), Bump::Minor);
//! ```

pub mod evolution;
pub mod issue_code;
pub mod limits;
pub mod version;

pub use evolution::{RewriteRuleId, RuleId};
pub use issue_code::IssueCode;
pub use version::Bump;

/// The README's example runs as a doctest, so it cannot drift.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
