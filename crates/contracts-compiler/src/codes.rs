//! The stable diagnostic codes: one per kind of problem, listed in the
//! compiler README (a test keeps the two in step). A code never changes
//! meaning and is never reused; tools may match on it.
//!
//! ```
//! use contracts_compiler::codes::{Code, Severity};
//! assert_eq!(Code::UnknownType.as_str(), "E0404");
//! assert_eq!(Code::parse("E0404"), Some(Code::UnknownType));
//! assert_eq!(Code::ClassWithoutDescription.severity(), Severity::Warning);
//! ```

use serde::{Serialize, Serializer};
use std::fmt;

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The tree is rejected (exit code 1).
    Error,
    /// Reported, but the command still succeeds.
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// Declares [`Code`] and its table from one list, so a code, its severity
/// and its title cannot drift apart.
macro_rules! codes {
    ($( $(#[doc = $doc:literal])* $variant:ident = $code:literal, $severity:ident, $title:literal; )*) => {
        /// A stable diagnostic code (`E0404`, `W0102`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $( $(#[doc = $doc])* $variant, )*
        }

        impl Code {
            /// Every code, in table order.
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            /// The code as printed: `E0404`.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $code,)* }
            }

            /// Whether diagnostics with this code are errors or warnings.
            pub fn severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$severity,)* }
            }

            /// A short title for the kind of problem (the README's table).
            pub fn title(self) -> &'static str {
                match self { $(Code::$variant => $title,)* }
            }
        }
    };
}

codes! {
    /// A directory or file cannot be read.
    Io = "E0001", Error, "cannot read the BAML sources";
    /// The folder holds no `.baml` file.
    NoBamlFiles = "E0002", Error, "no .baml files in the folder";
    /// A `"` string is not closed on its line.
    UnterminatedString = "E0101", Error, "unterminated string";
    /// A `#"…"#` raw string is not closed.
    UnterminatedRawString = "E0102", Error, "unterminated raw string";
    /// A `{// … //}` comment is not closed.
    UnterminatedBlockComment = "E0103", Error, "unterminated block comment";
    /// A `{{ … }}` Jinja expression is not closed.
    UnterminatedJinja = "E0104", Error, "unterminated Jinja expression";
    /// A token that does not fit the grammar here.
    UnexpectedToken = "E0201", Error, "unexpected token";
    /// A top-level word that declares nothing BAML knows.
    UnknownDeclaration = "E0202", Error, "unknown declaration";
    /// A `{`, `(` or `<` without its closing partner.
    UnclosedDelimiter = "E0203", Error, "unclosed delimiter";
    /// `class`, `enum` or `function` where a field or value name belongs (usually a missing `}`).
    KeywordAsName = "E0204", Error, "keyword used as a name";
    /// Type syntax BAML rejects: `T?[]`, `T??`, float literal types.
    InvalidTypeSyntax = "E0205", Error, "invalid type syntax";
    /// A function without a return type.
    MissingReturnType = "E0206", Error, "function without a return type";
    /// An attribute name BAML does not define for this target.
    UnknownAttribute = "E0301", Error, "unknown attribute";
    /// An attribute with arguments of the wrong form.
    InvalidAttributeArguments = "E0302", Error, "invalid attribute arguments";
    /// A non-repeatable attribute given twice on one target.
    DuplicateAttribute = "E0303", Error, "attribute given twice";
    /// An attribute on a target that does not take it.
    MisplacedAttribute = "E0304", Error, "attribute not allowed here";
    /// A `@stream.*` attribute BAML does not define.
    UnknownStreamAttribute = "E0305", Error, "unknown streaming attribute";
    /// Valid BAML the contracts compiler cannot represent (rejected, never dropped).
    Unsupported = "E0306", Error, "BAML construct the compiler does not support";
    /// Two types with one name.
    DuplicateType = "E0401", Error, "duplicate type name";
    /// Two fields with one name in a class.
    DuplicateField = "E0402", Error, "duplicate field";
    /// Two values with one name in an enum.
    DuplicateEnumValue = "E0403", Error, "duplicate enum value";
    /// A reference to a type nobody declares.
    UnknownType = "E0404", Error, "unknown type";
    /// A map key type BAML rejects.
    InvalidMapKey = "E0405", Error, "invalid map key type";
    /// Type aliases that reach themselves outside a list or map.
    AliasCycle = "E0406", Error, "type alias cycle";
    /// Classes that need each other through required fields.
    ClassCycle = "E0407", Error, "required class cycle";
    /// Two parameters with one name in a function.
    DuplicateParameter = "E0408", Error, "duplicate parameter";
    /// Two functions with one name.
    DuplicateFunction = "E0409", Error, "duplicate function";
    /// A client name (in a function or a strategy) that no `client<llm>` declares.
    UnknownClient = "E0410", Error, "unknown client";
    /// A `retry_policy` name that no `retry_policy` block declares.
    UnknownRetryPolicy = "E0411", Error, "unknown retry policy";
    /// Two `client<llm>` blocks with one name.
    DuplicateClient = "E0412", Error, "duplicate client";
    /// A `round-robin` or `fallback` client without a usable `strategy` list.
    InvalidStrategy = "E0413", Error, "invalid strategy client";
    /// Two `retry_policy` blocks with one name.
    DuplicateRetryPolicy = "E0414", Error, "duplicate retry policy";
    /// `round-robin` / `fallback` clients whose strategies reach themselves.
    StrategyCycle = "E0415", Error, "strategy cycle";
    /// An envelope class without exactly `type, contracts_version, payload, meta`.
    EnvelopeFields = "E0601", Error, "envelope class fields";
    /// An envelope whose `payload` is not a class.
    EnvelopePayload = "E0602", Error, "envelope payload is not a class";
    /// An envelope whose `contracts_version` is not `string`.
    EnvelopeVersion = "E0603", Error, "envelope contracts_version is not a string";
    /// An envelope whose `meta` is not `EventMeta`.
    EnvelopeMeta = "E0604", Error, "envelope meta is not EventMeta";
    /// An envelope whose `type` literal is not an `EventType` value.
    EnvelopeUnknownType = "E0605", Error, "envelope type is not an EventType value";
    /// An `EventType` value without an envelope class.
    EventWithoutEnvelope = "E0606", Error, "event type without envelope";
    /// An `EventType` value with several envelope classes.
    EventWithManyEnvelopes = "E0607", Error, "event type with several envelopes";
    /// No `type EventEnvelope = …`.
    MissingEnvelopeUnion = "E0608", Error, "EventEnvelope union missing";
    /// `EventEnvelope` lacks an envelope or lists a class that is not one.
    EnvelopeUnionMembers = "E0609", Error, "EventEnvelope members";
    /// `@check` on a field: the generated models change its wire shape.
    CheckChangesWireShape = "E0610", Error, "@check on a field changes the wire shape";
    /// A generator cannot express a checked IR construct.
    Generator = "E0701", Error, "not expressible by a generator";
    /// A derived file differs from what `baml_src` generates (`gen --check`).
    StaleOutput = "E0702", Error, "derived file is stale";
    /// A derived file cannot be written.
    WriteOutput = "E0703", Error, "cannot write a derived file";
    /// A free-form `string` field named like an existing enum.
    EnumLikeString = "W0101", Warning, "string field named like an enum";
    /// A class without `@@description` or doc comment.
    ClassWithoutDescription = "W0102", Warning, "class without description";
    /// An enum value that is not `UPPER_SNAKE_CASE`.
    EnumValueCase = "W0103", Warning, "enum value not UPPER_SNAKE_CASE";
    /// An `@assert` / `@check` the validator does not enforce.
    ConstraintNotEnforced = "W0104", Warning, "constraint not enforced by the validator";
}

impl Code {
    /// The code printed as `E0404`, back to the code.
    pub fn parse(text: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|c| c.as_str() == text)
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_and_their_letter_matches_the_severity() {
        let mut seen = HashSet::new();
        for code in Code::ALL {
            assert!(seen.insert(code.as_str()), "{code} twice");
            let letter = match code.severity() {
                Severity::Error => 'E',
                Severity::Warning => 'W',
            };
            assert!(code.as_str().starts_with(letter), "{code}");
            assert_eq!(Code::parse(code.as_str()), Some(*code));
        }
    }
}
