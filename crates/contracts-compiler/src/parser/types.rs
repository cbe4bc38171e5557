//! Type expressions: `T`, `T[]`, `T?`, `A | B`, `map<K, V>`, literals and
//! parentheses.

use super::Parser;
use crate::codes::Code;
use crate::error::CompileError;
use crate::ir::{Literal, Primitive, TypeExpr};
use crate::lexer::TokenKind;

/// Deepest nesting (parentheses, `map<…>`, `[]`, `?`) a type may have; deeper input
/// is rejected instead of exhausting the stack.
const MAX_TYPE_DEPTH: usize = 64;

impl Parser {
    /// `union := postfix ('|' postfix)*`
    pub(super) fn type_expr(&mut self) -> Result<TypeExpr, CompileError> {
        self.depth += 1;
        if self.depth > MAX_TYPE_DEPTH {
            return Err(self.error_here(
                Code::InvalidTypeSyntax,
                format!("type nested more than {MAX_TYPE_DEPTH} levels deep: declare `type Name = …` aliases for the inner parts"),
            ));
        }
        let result = self.union_type();
        self.depth -= 1;
        result
    }

    fn union_type(&mut self) -> Result<TypeExpr, CompileError> {
        let mut members = vec![self.postfix_type()?];
        while self.peek_kind() == Some(&TokenKind::Punct('|')) {
            self.pos += 1;
            members.push(self.postfix_type()?);
        }
        Ok(if members.len() == 1 {
            members.pop().expect("one member")
        } else {
            TypeExpr::Union { members }
        })
    }

    /// `postfix := atom '[]'* '?'?` — postfixes must follow on the same line.
    /// BAML rejects `T?[]` and `T??`, and so does this parser.
    fn postfix_type(&mut self) -> Result<TypeExpr, CompileError> {
        let mut ty = self.atom_type()?;
        // Only a postfix `?` counts: `(T?)[]` is fine.
        let mut after_optional = false;
        let mut levels = 0;
        loop {
            if self.depth + levels > MAX_TYPE_DEPTH {
                return Err(self.error_here(
                    Code::InvalidTypeSyntax,
                    format!("type nested more than {MAX_TYPE_DEPTH} levels deep: declare `type Name = …` aliases for the inner parts"),
                ));
            }
            levels += 1;
            let same_line = self.peek().is_some_and(|t| !t.newline_before);
            match self.peek_kind() {
                Some(TokenKind::Punct('[')) if same_line && after_optional => {
                    return Err(self.error_here(
                        Code::InvalidTypeSyntax,
                        "`T?[]` is not valid BAML: write `(T?)[]` for a list of optional items or `T[]?` for an optional list",
                    ));
                }
                Some(TokenKind::Punct('?')) if same_line && after_optional => {
                    return Err(self.error_here(
                        Code::InvalidTypeSyntax,
                        "`T??` is not valid BAML: write a single `?`",
                    ));
                }
                Some(TokenKind::Punct('[')) if same_line => {
                    self.pos += 1;
                    self.expect_punct(']', "to close the list type `[]`")?;
                    ty = TypeExpr::List {
                        items: Box::new(ty),
                    };
                }
                Some(TokenKind::Punct('?')) if same_line => {
                    self.pos += 1;
                    after_optional = true;
                    ty = TypeExpr::Optional {
                        inner: Box::new(ty),
                    };
                }
                _ => return Ok(ty),
            }
        }
    }

    fn atom_type(&mut self) -> Result<TypeExpr, CompileError> {
        let location = self.here();
        let length = self.here_length();
        match self.next().map(|t| t.kind) {
            Some(TokenKind::Punct('(')) => {
                let inner = self.type_expr()?;
                if self.peek_kind() == Some(&TokenKind::Punct('@')) {
                    return Err(self.error_here(
                        Code::Unsupported,
                        "attributes inside a type expression, such as `(T @check(…))`, are not supported by the contracts compiler: put them on the field, or declare `type Name = T @check(…)` and use Name",
                    ));
                }
                if self.peek_kind() == Some(&TokenKind::Punct(',')) {
                    return Err(CompileError::coded(
                        Code::Unsupported,
                        location,
                        "tuple types such as `(A, B)` are accepted by BAML but not supported by the contracts compiler (JSON has no tuples): declare a class with one field per element",
                    ));
                }
                self.expect_punct(')', "to close the parenthesised type")?;
                Ok(inner)
            }
            Some(TokenKind::Str(s)) => Ok(TypeExpr::Literal {
                value: Literal::String(s),
            }),
            Some(TokenKind::Int(i)) => Ok(TypeExpr::Literal {
                value: Literal::Int(i),
            }),
            Some(TokenKind::Ident(name)) => match name.as_str() {
                "true" | "false" => Ok(TypeExpr::Literal {
                    value: Literal::Bool(name == "true"),
                }),
                "map" => {
                    self.expect_punct('<', "after `map` (map<K, V>)")?;
                    let key = self.type_expr()?;
                    self.expect_punct(',', "between the key and value types of `map<K, V>`")?;
                    let value = self.type_expr()?;
                    self.expect_punct('>', "to close `map<K, V>`")?;
                    Ok(TypeExpr::Map {
                        key: Box::new(key),
                        value: Box::new(value),
                    })
                }
                _ => Ok(match name.parse::<Primitive>() {
                    Ok(primitive) => TypeExpr::Primitive { name: primitive },
                    Err(_) => TypeExpr::Named { name },
                }),
            },
            Some(TokenKind::Float(f)) => Err(CompileError::coded(
                Code::InvalidTypeSyntax,
                location,
                format!("float literal types such as `{f}` are not valid BAML: use `float`, or int/string literals"),
            )
            .with_length(length)),
            other => Err(CompileError::coded(
                Code::UnexpectedToken,
                location,
                format!(
                    "expected a type (a name, string/int/bool literal, map<K, V> or `(`…`)`), found {}",
                    Self::describe(other.as_ref())
                ),
            )
            .with_length(length)),
        }
    }
}
