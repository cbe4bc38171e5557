//! The evolution policy: every rule a contract change can fall under, with
//! the SemVer bump it needs, and the ids the core's rewrites refuse with.
//! [`RuleId`] and [`RULES`] are generated from one list, so a rule cannot
//! exist without its id, bump and summary, and neither `contracts diff` (the
//! compiler's differ) nor `contracts_core::downgrade_envelope` /
//! `contracts_core::upgrade_envelope` can name a rule that does not exist.
//! `docs/evolution.md` explains each rule (a test keeps its table in step).
//!
//! ```
//! use contracts_policy::evolution::RuleId;
//! use contracts_policy::version::Bump;
//! assert_eq!(RuleId::FieldAddedOptional.as_str(), "field-added-optional");
//! assert_eq!(RuleId::FieldAddedOptional.bump(), Bump::Minor);
//! assert_eq!("field-removed".parse::<RuleId>(), Ok(RuleId::FieldRemoved));
//! ```

use crate::version::Bump;
use serde::{Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// One rule of the evolution policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// The rule.
    pub rule: RuleId,
    /// The stable id printed in diffs (`field-added-optional`).
    pub id: &'static str,
    /// The bump a change under this rule requires.
    pub bump: Bump,
    /// One line on what the rule matches.
    pub summary: &'static str,
}

/// Declares [`RuleId`] and [`RULES`] from one list.
macro_rules! rules {
    ($( $variant:ident = $id:literal, $bump:ident, $summary:literal; )*) => {
        /// The id of an evolution rule; prints and serialises as its stable
        /// kebab-case id (`field-added-optional`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum RuleId {
            $(
                #[doc = concat!("`", $id, "` (", stringify!($bump), ")")]
                $variant,
            )*
        }

        /// Every rule, in the order `docs/evolution.md` documents them.
        pub const RULES: &[Rule] = &[
            $( Rule { rule: RuleId::$variant, id: $id, bump: Bump::$bump, summary: $summary }, )*
        ];

        impl RuleId {
            /// The stable id (`field-added-optional`).
            pub const fn as_str(self) -> &'static str {
                match self { $(RuleId::$variant => $id,)* }
            }

            /// The bump a change under this rule requires.
            pub const fn bump(self) -> Bump {
                match self { $(RuleId::$variant => Bump::$bump,)* }
            }

            /// One line on what the rule matches.
            pub const fn summary(self) -> &'static str {
                match self { $(RuleId::$variant => $summary,)* }
            }
        }
    };
}

rules! {
    ClassAdded = "class-added", Minor, "a class was declared";
    ClassRemoved = "class-removed", Major, "a class was deleted";
    EnumAdded = "enum-added", Minor, "an enum was declared";
    EnumRemoved = "enum-removed", Major, "an enum was deleted";
    TypeAliasAdded = "type-alias-added", Minor, "a `type X = …` was declared";
    TypeAliasRemoved = "type-alias-removed", Major, "a `type X = …` was deleted";
    TypeAliasChanged = "type-alias-changed", Major, "the type a `type X = …` stands for changed";
    FieldAddedOptional = "field-added-optional", Minor, "an optional field was added to a class";
    FieldAddedRequired = "field-added-required", Major, "a required field was added to a class";
    FieldRemoved = "field-removed", Major, "a field was deleted from a class";
    FieldRenamed = "field-renamed", Major, "a field disappeared and one of the same type appeared in the same class";
    FieldTypeChanged = "field-type-changed", Major, "a field's type changed (other than the finer rules below)";
    FieldOptionalToRequired = "field-optional-to-required", Major, "an optional field became required";
    FieldRequiredToOptional = "field-required-to-optional", Major, "a required field became optional";
    LiteralChanged = "literal-changed", Major, "a literal type changed value";
    UnionMemberAdded = "union-member-added", Major, "a union gained a member";
    UnionMemberRemoved = "union-member-removed", Major, "a union lost a member";
    ListElementChanged = "list-element-changed", Major, "the element type of a list changed";
    MapValueChanged = "map-value-changed", Major, "the value type of a map changed";
    FieldAliasChanged = "field-alias-changed", Patch, "a field's or a function parameter's @alias changed";
    FieldDescriptionChanged = "field-description-changed", Patch, "a field's @description or doc comment changed";
    EnumValueAdded = "enum-value-added", Minor, "an enum gained a value";
    EnumValueRemoved = "enum-value-removed", Major, "an enum lost a value";
    EnumValueAliasChanged = "enum-value-alias-changed", Patch, "an enum value's @alias changed";
    AliasChanged = "alias-changed", Patch, "a class's or enum's @@alias changed";
    DescriptionChanged = "description-changed", Patch, "the description of a class, enum, enum value, type alias, function parameter or return type changed";
    SkipChanged = "skip-changed", Patch, "@skip was added to or removed from a field, enum value, function parameter or return type";
    ConstraintChanged = "constraint-changed", Minor, "an @assert / @check was added, removed or changed";
    StreamChanged = "stream-changed", Minor, "@stream.* / @@stream.* attributes changed";
    DynamicAdded = "dynamic-added", Minor, "a class or enum became @@dynamic";
    DynamicRemoved = "dynamic-removed", Major, "a class or enum is no longer @@dynamic";
    EventTypeAdded = "event-type-added", Minor, "a real-time event type (EventType value + envelope) was added";
    EventTypeRemoved = "event-type-removed", Major, "a real-time event type was removed";
    EventPayloadChanged = "event-payload-changed", Major, "an event's envelope now carries another payload class";
    FunctionAdded = "function-added", Minor, "a BAML function was declared";
    FunctionRemoved = "function-removed", Major, "a BAML function was deleted";
    FunctionSignatureChanged = "function-signature-changed", Major, "a function's parameters or return type changed";
    PromptChanged = "prompt-changed", Patch, "a function body (client, prompt) or a template_string changed";
    TestChanged = "test-changed", Patch, "a BAML test was added, removed or changed";
    ClientConfigChanged = "client-config-changed", Patch, "a client<llm> or retry_policy was added, removed or changed";
    GeneratorConfigChanged = "generator-config-changed", Patch, "a generator block was added, removed or changed";
    SourceChanged = "source-changed", Patch, "baml_src text changed without any of the changes above (comments, layout, moves between files)";
}

impl RuleId {
    /// The rule's entry in [`RULES`].
    pub fn rule(self) -> &'static Rule {
        RULES
            .iter()
            .find(|r| r.rule == self)
            .expect("RULES lists every RuleId")
    }
}

/// The rule with this id.
pub fn rule_by_id(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

/// An id that names no rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownRule(pub String);

impl fmt::Display for UnknownRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown evolution rule `{}` (docs/evolution.md lists them)",
            self.0
        )
    }
}

impl std::error::Error for UnknownRule {}

impl FromStr for RuleId {
    type Err = UnknownRule;

    fn from_str(id: &str) -> Result<RuleId, UnknownRule> {
        rule_by_id(id)
            .map(|r| r.rule)
            .ok_or_else(|| UnknownRule(id.to_string()))
    }
}

/// `Display`, `Serialize` and `== "id"` for an id type, all through its
/// `as_str`: an id prints, serializes and compares as its kebab-case text.
macro_rules! kebab_id_impls {
    ($($id:ty),+) => {$(
        impl fmt::Display for $id {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $id {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl PartialEq<&str> for $id {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }
    )+};
}

kebab_id_impls!(RuleId, RewriteRuleId);

/// What a rewrite between two contracts versions (`contracts_core`'s
/// `downgrade_envelope`, `upgrade_envelope`, `upgrade_dto`) refuses under: the
/// evolution rule of the change that would lose data, or one of four ids
/// about the input itself. Prints and compares as its kebab-case id
/// (`err.rule_id == "field-removed"` on a `contracts_core::RewriteError`), which the bindings pass on as a string.
///
/// ```
/// use contracts_policy::evolution::{RewriteRuleId, RuleId};
/// assert_eq!(RewriteRuleId::Rule(RuleId::FieldRemoved).as_str(), "field-removed");
/// assert_eq!(RewriteRuleId::UnknownVersion, "unknown-version");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RewriteRuleId {
    /// The `contracts diff` rule of a change the rewrite cannot carry over.
    Rule(RuleId),
    /// `unknown-version`: a version this build does not know (not a diff
    /// rule: nothing about the contracts, the version is simply absent).
    UnknownVersion,
    /// `invalid-envelope`: the input is not a valid envelope of the version
    /// it comes from.
    InvalidEnvelope,
    /// `unknown-class`: a DTO rewrite names a class the version does not have.
    UnknownClass,
    /// `invalid-value`: a DTO rewrite's input is not a valid value of its class.
    InvalidValue,
}

impl RewriteRuleId {
    /// The stable kebab-case id.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Rule(rule) => rule.as_str(),
            Self::UnknownVersion => "unknown-version",
            Self::InvalidEnvelope => "invalid-envelope",
            Self::UnknownClass => "unknown-class",
            Self::InvalidValue => "invalid-value",
        }
    }
}

impl From<RuleId> for RewriteRuleId {
    fn from(rule: RuleId) -> Self {
        Self::Rule(rule)
    }
}

impl PartialEq<str> for RewriteRuleId {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}
