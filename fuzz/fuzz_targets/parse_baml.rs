//! The BAML parser over arbitrary text, and what follows from a tree it
//! accepts.
//!
//! Properties: parsing never panics (nor overflows the stack); a tree that
//! parses and cross-checks cleanly re-checks to the same IR, every type in
//! it prints (`Display`) as BAML that parses back to the same type, it has
//! no diff against itself, and the lints and generators run on it without
//! panicking (they may refuse it with an error).
#![no_main]

use contracts_compiler::ir::{Ir, TypeExpr};
use contracts_compiler::parser::parse_file;
use contracts_compiler::source::Sources;
use contracts_compiler::{check, diff, gen};
use libfuzzer_sys::fuzz_target;

/// Every type expression the IR holds.
fn types(ir: &Ir) -> Vec<&TypeExpr> {
    let fields = ir
        .classes
        .iter()
        .flat_map(|c| c.fields.iter().map(|f| &f.ty));
    let aliases = ir.type_aliases.iter().map(|a| &a.ty);
    let signatures = ir.functions.iter().flat_map(|f| {
        f.params
            .iter()
            .map(|p| &p.ty)
            .chain(std::iter::once(&f.return_type))
    });
    fields.chain(aliases).chain(signatures).collect()
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let sources = Sources::from_texts("baml_src", &[("fuzz.baml", text)]);
    let Ok(tree) = sources.tree() else {
        return;
    };
    let again = sources.tree().expect("an accepted tree re-checks");
    assert_eq!(
        serde_json::to_value(&tree.ir).expect("the IR serialises"),
        serde_json::to_value(&again.ir).expect("the IR serialises"),
        "re-checking gave another IR"
    );
    for ty in types(&tree.ir) {
        let printed = ty.to_string();
        let mut ir = Ir::default();
        parse_file("printed.baml", &format!("type T = {printed}\n"), &mut ir)
            .unwrap_or_else(|e| panic!("`{printed}` (printed from {ty:?}) does not parse: {e}"));
        assert_eq!(
            &ir.type_aliases[0].ty, ty,
            "`{printed}` parses to another type"
        );
    }
    let changes = diff::diff(&tree, &again);
    assert!(
        changes.is_empty(),
        "a tree differs from itself: {}",
        diff::render_text(&changes)
    );
    let _ = check::style_lints(&tree.ir);
    let _ = check::wire_lints(&tree.ir);
    if let Ok(events) = check::event_bindings(&tree.ir) {
        let _ = gen::outputs(&tree.ir, &events);
    }
});
