//! `string_template` is BAML's other spelling of `template_string`: both
//! give the same raw block, so `contracts diff` pairs them.

use contracts_compiler::ir::{BlockKind, Ir};
use contracts_compiler::parser::parse_file_blocks;

#[test]
fn string_template_is_recorded_as_a_template_string() {
    let blocks = |text: &str| {
        parse_file_blocks("t.baml", text, &mut Ir::default())
            .unwrap()
            .into_iter()
            .map(|b| (b.kind, b.name, b.text))
            .collect::<Vec<_>>()
    };
    let expected = blocks("template_string Greet(name: string) #\"hi\"#");
    assert_eq!(
        blocks("string_template Greet(name: string) #\"hi\"#"),
        expected
    );
    assert_eq!(expected[0].0, BlockKind::TemplateString);
}

#[test]
fn assigned_template_strings_keep_their_name() {
    let mut ir = Ir::default();
    let blocks = parse_file_blocks("t.baml", "template_string Greet = #\"hi\"#", &mut ir).unwrap();
    assert_eq!(
        (blocks[0].kind, blocks[0].name.as_str()),
        (BlockKind::TemplateString, "Greet")
    );
}
