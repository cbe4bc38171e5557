//! The two BAML 0.220 declarations that carry no wire type: top-level `let`
//! bindings and methods declared inside a class or enum (expression
//! functions). They are parsed in full, so malformed ones are refused with a
//! location, and then dropped: the IR of a tree with them equals the IR of
//! the same tree without them.

use super::Parser;
use crate::codes::Code;
use crate::error::CompileError;
use crate::lexer::TokenKind;

impl Parser {
    /// `watch? let name (: Type)? = value;` at the top level, from the cursor
    /// on `let` (or `watch`).
    pub(super) fn top_level_let(&mut self) -> Result<(), CompileError> {
        let name = self.let_statement()?;
        self.expect_punct(
            ';',
            &format!("to end `let {name} = …` (BAML requires it at the top level too)"),
        )
    }

    /// `function name(self, arg: Type, …) -> Type { … }` inside the block
    /// `owner` (`class A`, `enum E`), from the cursor on `function`.
    pub(super) fn method(&mut self, owner: &str) -> Result<(), CompileError> {
        if self.llm_function_follows() {
            return Err(self.error_here(
                Code::KeywordAsName,
                format!(
                    "`function` with a `client` or `prompt` body inside {owner}: {owner} is probably missing its closing `}}` before this line (methods inside a class or enum have expression bodies)"
                ),
            ));
        }
        self.pos += 1;
        let (name, _) = self.expect_ident(&format!("a method name after `function` in {owner}"))?;
        self.expect_punct('(', &format!("to open the parameters of method `{name}`"))?;
        while self.peek_kind() != Some(&TokenKind::Punct(')')) {
            let (param, _) = self.expect_ident(&format!(
                "a parameter name (`self` or `name: Type`) in method `{name}`, or `)`"
            ))?;
            if self.peek_kind() == Some(&TokenKind::Punct(':')) {
                self.pos += 1;
                self.type_expr()?;
            } else if param != "self" {
                return Err(self.error_here(
                    Code::UnexpectedToken,
                    format!("expected `:` after parameter `{param}` of method `{name}` (only `self` has no type; write `{param}: Type`), found {}", Self::describe(self.peek_kind())),
                ));
            }
            match self.peek_kind() {
                Some(TokenKind::Punct(',')) => self.pos += 1,
                Some(TokenKind::Punct(')')) => {}
                other => {
                    return Err(self.error_here(
                        Code::UnexpectedToken,
                        format!(
                            "expected `,` or `)` in the parameters of method `{name}`, found {}",
                            Self::describe(other)
                        ),
                    ))
                }
            }
        }
        self.pos += 1;
        if self.operator_arrow_follows() {
            self.pos += 2;
        }
        if self.peek_kind() == Some(&TokenKind::Punct('{')) {
            return Err(self.error_here(
                Code::MissingReturnType,
                format!("method `{name}` in {owner} has no return type: write `-> Type` before `{{` (BAML requires one)"),
            ));
        }
        self.type_expr()?;
        if self.peek_kind() != Some(&TokenKind::Punct('{')) {
            return Err(self.error_here(
                Code::UnexpectedToken,
                format!(
                    "expected `{{` to open the body of method `{name}` in {owner}, found {}",
                    Self::describe(self.peek_kind())
                ),
            ));
        }
        self.block()
    }

    /// Refuses `fn name(` in a block: BAML spells methods `function`, and
    /// without this check the line would read as a field `fn` of type `name`.
    pub(super) fn reject_fn_keyword(&self) -> Result<(), CompileError> {
        let kind = |offset: usize| self.tokens.get(self.pos + offset).map(|t| &t.kind);
        let is_fn = matches!(kind(0), Some(TokenKind::Ident(w)) if w == "fn")
            && matches!(kind(1), Some(TokenKind::Ident(_)))
            && kind(2) == Some(&TokenKind::Punct('('));
        if is_fn {
            return Err(self.error_here(
                Code::UnexpectedToken,
                "`fn` is not a BAML keyword: write methods as `function name(self) -> Type { … }`",
            ));
        }
        Ok(())
    }

    /// `->` at the cursor.
    fn operator_arrow_follows(&self) -> bool {
        let kind = |offset: usize| self.tokens.get(self.pos + offset).map(|t| &t.kind);
        kind(0) == Some(&TokenKind::Punct('-')) && kind(1) == Some(&TokenKind::Punct('>'))
    }

    /// True when the `function` at the cursor is followed, after its
    /// signature, by a body that starts like an LLM function's
    /// (`client "openai/gpt-4o"`, `prompt #"…"#`): a top-level function
    /// caught inside a block that lacks its closing `}`.
    fn llm_function_follows(&self) -> bool {
        let Some(open) = self.tokens[self.pos..]
            .iter()
            .position(|t| t.kind == TokenKind::Punct('{'))
            .map(|i| self.pos + i)
        else {
            return false;
        };
        let (Some(first), Some(second)) = (self.tokens.get(open + 1), self.tokens.get(open + 2))
        else {
            return false;
        };
        matches!(&first.kind, TokenKind::Ident(w) if w == "client" || w == "prompt")
            && !second.newline_before
            && matches!(
                second.kind,
                TokenKind::Ident(_) | TokenKind::Str(_) | TokenKind::RawStr(_)
            )
    }
}
