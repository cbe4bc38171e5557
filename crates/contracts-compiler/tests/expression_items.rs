//! Top-level `let` bindings and methods inside a class or enum carry no wire
//! type: the IR (and the raw blocks `contracts diff` compares) of a snippet
//! with them must equal those of the same snippet with them blanked out.
//!
//! Each valid snippet marks such items with `// begin: expression` …
//! `// end: expression` lines; blanking keeps line numbers, so locations in
//! the IR stay comparable.

use contracts_compiler::codes::Code;
use contracts_compiler::ir::Ir;
use contracts_compiler::parser::{parse_file_blocks, RawBlock};
use std::path::Path;

const BEGIN: &str = "// begin: expression";
const END: &str = "// end: expression";

/// `text` with every line of the marked regions replaced by an empty line.
fn blank_expression_items(text: &str) -> String {
    let mut inside = false;
    let mut out = String::new();
    for line in text.lines() {
        if line.trim() == BEGIN {
            inside = true;
        }
        if !inside {
            out.push_str(line);
        }
        if line.trim() == END {
            inside = false;
        }
        out.push('\n');
    }
    assert!(!inside, "`{BEGIN}` without `{END}`");
    out
}

fn parse(name: &str, text: &str) -> (serde_json::Value, Vec<RawBlock>) {
    let mut ir = Ir::default();
    let blocks = parse_file_blocks(name, text, &mut ir)
        .unwrap_or_else(|e| panic!("{name} was rejected: {e}"));
    (serde_json::to_value(&ir).unwrap(), blocks)
}

fn assert_items_leave_no_trace(snippet: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snippets/valid")
        .join(snippet);
    let text = std::fs::read_to_string(&path).unwrap();
    let without = blank_expression_items(&text);
    assert_ne!(
        text.trim_end(),
        without.trim_end(),
        "{snippet} marks no item"
    );
    let (ir_with, blocks_with) = parse(snippet, &text);
    let (ir_without, blocks_without) = parse(snippet, &without);
    assert_eq!(ir_with, ir_without, "{snippet}: the IR changed");
    assert_eq!(
        blocks_with, blocks_without,
        "{snippet}: the raw blocks changed"
    );
}

#[test]
fn top_level_let_bindings_leave_the_ir_unchanged() {
    assert_items_leave_no_trace("let_bindings.baml");
}

#[test]
fn methods_in_classes_and_enums_leave_the_ir_unchanged() {
    assert_items_leave_no_trace("class_methods.baml");
}

#[test]
fn blanking_keeps_the_line_count() {
    let text = "a\n// begin: expression\nlet x = 1;\n// end: expression\nb\n";
    assert_eq!(blank_expression_items(text), "a\n\n\n\nb\n");
}

/// Cut anywhere, the expression snippets are parsed or refused with a
/// diagnostic, never a panic (the fuzz target `parse_baml` goes further).
#[test]
fn every_prefix_of_the_expression_snippets_parses_or_is_refused() {
    for snippet in ["let_bindings.baml", "class_methods.baml"] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/snippets/valid")
            .join(snippet);
        let text = std::fs::read_to_string(&path).unwrap();
        for (end, _) in text.char_indices() {
            let mut ir = Ir::default();
            // Only the absence of a panic matters here.
            let _ = parse_file_blocks(snippet, &text[..end], &mut ir);
        }
    }
}

#[test]
fn deeply_nested_expressions_are_refused_not_a_stack_overflow() {
    for (open, close) in [("[", "]"), ("{ ", " }"), ("(", ")")] {
        let text = format!("let a = {}1{};", open.repeat(10_000), close.repeat(10_000));
        let err = parse_file_blocks("deep.baml", &text, &mut Ir::default()).unwrap_err();
        assert_eq!(err.code, Code::Unsupported, "{err}");
        assert!(
            err.to_string().contains("nested more than 64 levels"),
            "{err}"
        );
    }
}
