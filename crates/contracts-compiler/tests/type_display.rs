//! `Display` on `TypeExpr` prints BAML the parser reads back as the same type.

use contracts_compiler::ir::{Ir, Literal, Primitive, TypeExpr};
use contracts_compiler::parser::parse_file;

/// Parses `type T = <text>` and returns the aliased type.
fn parse(text: &str) -> TypeExpr {
    let mut ir = Ir::default();
    parse_file("t.baml", &format!("type T = {text}\n"), &mut ir)
        .unwrap_or_else(|e| panic!("`{text}` does not parse: {e}"));
    ir.type_aliases.remove(0).ty
}

/// A small deterministic generator (`SplitMix64`) of type expressions.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).expect("below n")
    }

    fn ty(&mut self, depth: u32) -> TypeExpr {
        let leaf = depth == 0 || self.below(3) == 0;
        if leaf {
            return match self.below(6) {
                0 | 1 => TypeExpr::Primitive {
                    name: Primitive::ALL[self.below(Primitive::ALL.len())],
                },
                2 => TypeExpr::Named {
                    name: "Goal".into(),
                },
                3 => TypeExpr::Literal {
                    value: Literal::String(
                        ["A", "say \"hi\"", "back\\slash", "tab\tnew\nline"][self.below(4)].into(),
                    ),
                },
                4 => TypeExpr::Literal {
                    value: Literal::Int([0, -7, i64::MAX, i64::MIN][self.below(4)]),
                },
                _ => TypeExpr::Literal {
                    value: Literal::Bool(self.below(2) == 0),
                },
            };
        }
        match self.below(4) {
            0 => TypeExpr::List {
                items: Box::new(self.ty(depth - 1)),
            },
            1 => TypeExpr::Map {
                key: Box::new(TypeExpr::Primitive {
                    name: Primitive::String,
                }),
                value: Box::new(self.ty(depth - 1)),
            },
            2 => TypeExpr::Optional {
                inner: Box::new(self.ty(depth - 1)),
            },
            _ => {
                let n = 2 + self.below(3);
                TypeExpr::Union {
                    members: (0..n).map(|_| self.ty(depth - 1)).collect(),
                }
            }
        }
    }
}

#[test]
fn printed_types_parse_back_to_themselves() {
    for text in [
        "map<string, Goal[]>",
        "(int | string)[]",
        "(Goal?)[]",
        "Goal[]?",
        "\"A\" | \"B\" | 3 | true",
        "(Goal | null)?",
        "map<\"a\" | \"b\", (int | null)[]>",
    ] {
        let ty = parse(text);
        assert_eq!(ty.to_string(), text, "printing `{text}`");
    }
    let mut gen = Gen(17);
    for _ in 0..2_000 {
        let ty = gen.ty(4);
        // `T??` is not BAML: the printer writes `(T?)?`, which reads back nested.
        let printed = ty.to_string();
        assert_eq!(parse(&printed), ty, "round trip of `{printed}`");
    }
}
