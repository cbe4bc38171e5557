//! The evolution policy: every rule a contract change can fall under, with
//! the SemVer bump it needs. Its one home is `contracts-policy`
//! (`evolution.rs`), shared with `contracts-core`, whose downgrade and
//! upgrade errors name the same rules; it is re-exported here, where the
//! differ uses it. `docs/evolution.md` explains each rule (a test keeps its
//! table in step).
//!
//! ```
//! use contracts_compiler::diff::{RuleId, Bump};
//! assert_eq!(RuleId::FieldAddedOptional.as_str(), "field-added-optional");
//! assert_eq!(RuleId::FieldAddedOptional.bump(), Bump::Minor);
//! assert_eq!("field-removed".parse::<RuleId>(), Ok(RuleId::FieldRemoved));
//! ```

pub use contracts_policy::evolution::{rule_by_id, Rule, RuleId, UnknownRule, RULES};
