//! Rust identifiers for BAML names: which names the mirror may use as type
//! names, and the field, variant and type names it derives.

use proc_macro2::{Ident, Span};
use std::collections::HashSet;

/// Names the generated code uses unqualified; a BAML type may not take them.
pub(super) const RESERVED_TYPE_NAMES: &[&str] = &[
    "String",
    "Vec",
    "Option",
    "Box",
    "BTreeMap",
    "Result",
    "Some",
    "None",
    "Ok",
    "Err",
    "Default",
    "From",
    "Self",
    "Serialize",
    "Deserialize",
    "JsonSchema",
    "EventEnvelope",
    "StrLiteral",
    "StrValue",
    "IntLiteral",
    "BoolLiteral",
];

const RUST_KEYWORDS: &[&str] = &[
    "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for",
    "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return",
    "self", "Self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where",
    "while", "async", "await", "dyn", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen",
];

/// Keywords that cannot be raw identifiers.
const NOT_RAW: &[&str] = &["crate", "self", "Self", "super", "_"];

/// The identifier token of a name this module made valid (`r#type` is raw).
pub(super) fn ident(name: &str) -> Ident {
    match name.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, Span::call_site()),
        None => Ident::new(name, Span::call_site()),
    }
}

pub(super) fn is_rust_type_ident(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !RUST_KEYWORDS.contains(&name)
}

/// `UPPER_SNAKE`, `snake_case`, `kebab-case` or `camelCase` → `PascalCase`;
/// `prefix` is prepended when the result would not start with a letter.
pub(super) fn pascal_case(s: &str, prefix: &str) -> String {
    let mut out = String::new();
    for segment in s.split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut chars = segment.chars();
        let Some(first) = chars.next() else { continue };
        out.push(first.to_ascii_uppercase());
        let rest: String = chars.collect();
        if segment.chars().any(|c| c.is_ascii_lowercase()) {
            out.push_str(&rest);
        } else {
            out.push_str(&rest.to_ascii_lowercase());
        }
    }
    if !out.starts_with(|c: char| c.is_ascii_alphabetic()) {
        out.insert_str(0, prefix);
    }
    out
}

/// `camelCase` / anything → `snake_case`.
fn snake_case(s: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in s.chars() {
        if c.is_ascii_uppercase() {
            if prev_lower {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            prev_lower = false;
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        } else {
            out.push('_');
            prev_lower = false;
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert_str(0, "field_");
    }
    out
}

/// The Rust identifier of a field, and whether serde derives the wire name
/// from it (else it needs `rename`).
pub(super) fn field_ident(name: &str, used: &mut HashSet<String>) -> (String, bool) {
    let snake = snake_case(name);
    let (ident, exact) = if NOT_RAW.contains(&snake.as_str()) {
        (format!("{snake}_"), false)
    } else if RUST_KEYWORDS.contains(&snake.as_str()) {
        (format!("r#{snake}"), snake == name)
    } else {
        (snake.clone(), snake == name)
    };
    let unique_ident = unique(used, &ident);
    let exact = exact && unique_ident == ident;
    (unique_ident, exact)
}

/// `base`, or `base2`, `base3`, … when taken; the result is taken.
pub(super) fn unique(used: &mut HashSet<String>, base: &str) -> String {
    let mut name = base.to_string();
    let mut n = 2;
    while used.contains(&name) {
        name = format!("{base}{n}");
        n += 1;
    }
    used.insert(name.clone());
    name
}

#[cfg(test)]
mod tests {
    use super::{field_ident, ident, pascal_case};
    use std::collections::HashSet;

    #[test]
    fn identifiers() {
        assert_eq!(pascal_case("AI_ASSISTANT", "V"), "AiAssistant");
        assert_eq!(pascal_case("inProgress", "V"), "InProgress");
        assert_eq!(pascal_case("2fa", "V"), "V2fa");
        let mut used = HashSet::new();
        assert_eq!(field_ident("type", &mut used), ("r#type".into(), true));
        assert_eq!(field_ident("self", &mut used), ("self_".into(), false));
        assert_eq!(field_ident("fooBar", &mut used), ("foo_bar".into(), false));
        assert_eq!(
            field_ident("foo_bar", &mut used),
            ("foo_bar2".into(), false)
        );
        assert_eq!(ident("r#type").to_string(), "r#type");
    }
}
