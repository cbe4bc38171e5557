//! How deep JSON may nest: the one home of the nesting limits every reader
//! of `contracts-core` (the scanner, the explaining parser, the host-value
//! readers of the bindings) and the browser validator the compiler
//! generates must agree on.
//!
//! Counting the arrays and objects a value is inside of, itself included
//! (`[[1]]` nests 2 deep):
//!
//! | constant | value | what it is |
//! |---|---|---|
//! | [`JSON_RECURSION_LIMIT`] | 128 | `serde_json`'s recursion limit: the 128th nested container is an error, so the fast path's scanner (`contracts-core/src/scan.rs`) and the Python binding's dict reader refuse it too |
//! | [`MAX_JSON_NESTING`] | 127 | the deepest JSON text the core parses (`JSON_RECURSION_LIMIT - 1`); the compiler's browser validator relies on it |
//! | [`DEFAULT_MAX_DEPTH`] | 128 | `contracts_core::ValidateOptions::max_depth`'s default: one more than text can nest, so by default only the parser's limit applies |
//! | [`HIDDEN_SCAN_NESTING`] | 64 | the Node pre-scan's cutoff (`contracts-core/src/hidden.rs`): deeper text is handed to the core, which reports `too_deep` itself |
//!
//! ```
//! use contracts_policy::limits::{JSON_RECURSION_LIMIT, MAX_JSON_NESTING};
//! let nested = |depth: usize| format!("{}{}", "[".repeat(depth), "]".repeat(depth));
//! assert!(serde_json::from_str::<serde_json::Value>(&nested(MAX_JSON_NESTING)).is_ok());
//! assert!(serde_json::from_str::<serde_json::Value>(&nested(JSON_RECURSION_LIMIT)).is_err());
//! ```

/// `serde_json`'s recursion limit: JSON text whose arrays and objects nest
/// this deep is refused (the 128th nested container is the error). Every
/// reader of the core refuses at the same depth, so the fast path and the
/// explaining path agree on what is too deep.
pub const JSON_RECURSION_LIMIT: usize = 128;

/// The deepest nesting of arrays and objects the core parses from JSON text:
/// one less than [`JSON_RECURSION_LIMIT`]. A contract whose valid envelopes
/// could nest deeper cannot be checked by a validator that trusts the parser
/// to have refused deeper text.
pub const MAX_JSON_NESTING: usize = JSON_RECURSION_LIMIT - 1;

/// The default `contracts_core::ValidateOptions::max_depth`: deeper than any JSON
/// text the parser accepts, so by default only host values (a Python `dict`
/// that contains itself) and the parser's own limit meet it.
pub const DEFAULT_MAX_DEPTH: usize = JSON_RECURSION_LIMIT;

/// How deep the Node binding's pre-scan of what `JSON.parse` hides
/// (`contracts_core::hidden_by_json_parse`) follows the text before it hands it to
/// the core: far beyond any envelope, and below [`MAX_JSON_NESTING`] so that
/// "nested too deep" never depends on how the two count.
pub const HIDDEN_SCAN_NESTING: usize = 64;

const _: () = assert!(HIDDEN_SCAN_NESTING < MAX_JSON_NESTING);

#[cfg(test)]
mod tests {
    use super::{JSON_RECURSION_LIMIT, MAX_JSON_NESTING};
    use serde_json::Value;

    /// Arrays and objects nested `depth` deep.
    fn nested(depth: usize) -> [String; 2] {
        [
            format!("{}{}", "[".repeat(depth), "]".repeat(depth)),
            format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth)),
        ]
    }

    /// The constant is `serde_json`'s limit: text as deep as
    /// [`MAX_JSON_NESTING`] parses, text one deeper does not
    /// (`contracts-core/src/scan.rs` proves its scanner agrees with `serde_json` at the same depths).
    #[test]
    fn the_limit_is_serde_jsons() {
        for text in nested(MAX_JSON_NESTING) {
            assert!(serde_json::from_str::<Value>(&text).is_ok(), "{text}");
        }
        for text in nested(JSON_RECURSION_LIMIT) {
            let err = serde_json::from_str::<Value>(&text).unwrap_err();
            assert!(err.to_string().contains("recursion limit"), "{err}");
        }
    }
}
