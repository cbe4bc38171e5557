//! Rust text from the mirror's tokens: prettyplease's output with blank
//! lines between items, and the doc comments the generator writes.

use crate::ir::Constraint;
use proc_macro2::TokenStream;
use quote::quote;

/// A `#[doc]` line that [`print`] turns into an empty line: prettyplease
/// keeps no blank lines, and methods read better apart (oxc's `ast_tools`
/// use the same marker).
pub(super) const BLANK_LINE: &str = "@@blank_line";

/// Prints `file` with prettyplease, one blank line between items (none
/// between `use` declarations) and where a [`BLANK_LINE`] marker stands.
pub(super) fn print(file: syn::File) -> String {
    let mut out = String::new();
    let mut previous_was_use = false;
    for item in file.items {
        let is_use = matches!(item, syn::Item::Use(_));
        let in_use_block = is_use && previous_was_use;
        if !out.is_empty() && !in_use_block {
            out.push('\n');
        }
        previous_was_use = is_use;
        let single = syn::File {
            shebang: None,
            attrs: Vec::new(),
            items: vec![item],
        };
        for line in prettyplease::unparse(&single).lines() {
            if line.trim_start() != format!("///{BLANK_LINE}") {
                out.push_str(line);
            }
            out.push('\n');
        }
    }
    out
}

pub(super) fn alias_note(alias: &str) -> String {
    format!("BAML `@alias({alias:?})`: the name the LLM sees; the wire name is unchanged.")
}

pub(super) fn constraint_note(c: &Constraint) -> String {
    let name = c
        .name
        .as_deref()
        .map(|n| format!("{n}, "))
        .unwrap_or_default();
    format!(
        "BAML `@{}({name}{{{{ {} }}}})`: not enforced by this type.",
        c.kind, c.expression
    )
}

pub(super) fn push_para(doc: &mut String, text: &str) {
    if !doc.trim().is_empty() {
        doc.push_str("\n\n");
    }
    doc.push_str(text);
}

/// `doc` as `#[doc]` attributes, one per line (printed as `///` lines).
/// Lines are trimmed (an indented line would be a rustdoc code block, i.e. a
/// doctest) and code fences are broken up.
pub(super) fn doc_attrs(doc: &str) -> TokenStream {
    let lines = doc
        .trim()
        .lines()
        .filter(|_| !doc.trim().is_empty())
        .map(|line| {
            let line = line.trim().replace("```", "`\u{200b}`\u{200b}`");
            let text = if line.is_empty() {
                String::new()
            } else {
                format!(" {line}")
            };
            quote! { #[doc = #text] }
        });
    quote! { #(#lines)* }
}
