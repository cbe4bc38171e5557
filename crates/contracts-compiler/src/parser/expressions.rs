//! The expression language of BAML 0.220 (top-level `let` values and the
//! bodies of methods declared inside a class or enum), read to check its
//! shape and then dropped: these expressions carry no wire type, so nothing
//! of them reaches the IR.
//!
//! The grammar follows `datamodel.pest` of BAML 0.220 (`expression`,
//! `expr_block`, `stmt`), without its recovery rules: input that baml-cli
//! refuses as a syntax error is refused here too, with a location. Names are
//! not resolved and types are not checked (baml-cli does both); see the
//! compiler README for the leniencies that follow.

use super::Parser;
use crate::codes::Code;
use crate::error::CompileError;
use crate::lexer::TokenKind;

/// Deepest nesting of expressions and blocks; deeper input is rejected
/// instead of exhausting the stack.
const MAX_EXPRESSION_DEPTH: usize = 64;

/// Binary operators, longest first so that `<<` wins over `<`.
const INFIX_OPERATORS: &[&str] = &[
    "&&", "||", "==", "!=", "<=", ">=", "<<", ">>", "&", "|", "^", "<", ">", "+", "-", "*", "/",
    "%",
];

/// Assignment operators of a statement (`x += 1;`), longest first.
const ASSIGN_OPERATORS: &[&str] = &[
    "<<=", ">>=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "=",
];

/// The characters operators are made of; the lexer gives one token per character.
const OPERATOR_CHARS: &str = "+-*/%&|^<>=!";

impl Parser {
    /// One expression: `prefix* operand (infix prefix* operand)*`.
    pub(super) fn expression(&mut self) -> Result<(), CompileError> {
        self.depth += 1;
        if self.depth > MAX_EXPRESSION_DEPTH {
            return Err(self.error_here(
                Code::Unsupported,
                format!("expression nested more than {MAX_EXPRESSION_DEPTH} levels deep: split it with `let` bindings"),
            ));
        }
        let result = self.binary_expression();
        self.depth -= 1;
        result
    }

    fn binary_expression(&mut self) -> Result<(), CompileError> {
        self.operand()?;
        loop {
            if let Some(op) = self.operator(INFIX_OPERATORS) {
                // `a = b` and `a += b` are statements, not comparisons.
                if self
                    .operator(ASSIGN_OPERATORS)
                    .is_some_and(|a| a.len() > op.len())
                {
                    return Ok(());
                }
                self.pos += op.len();
            } else if self.negative_number_follows() {
                // The lexer reads `a -1` as `a` and `-1`: the `-` is the operator.
            } else if matches!(self.peek_kind(), Some(TokenKind::Ident(w)) if w == "instanceof") {
                self.pos += 1;
            } else {
                return Ok(());
            }
            self.operand()?;
        }
    }

    /// `('!' | '-')* primary postfix*`
    fn operand(&mut self) -> Result<(), CompileError> {
        while matches!(
            self.peek_kind(),
            Some(TokenKind::Other('!') | TokenKind::Punct('-'))
        ) && self.operator(&["!="]).is_none()
        {
            self.pos += 1;
        }
        let named = self.primary()?;
        self.postfixes(named)
    }

    /// A primary expression; true when it is a name or a call, which a
    /// `.field` path and a class constructor may extend.
    fn primary(&mut self) -> Result<bool, CompileError> {
        match self.peek_kind() {
            Some(TokenKind::Ident(word)) if word == "if" => {
                self.pos += 1;
                self.if_expression()?;
                Ok(false)
            }
            Some(TokenKind::Ident(_)) => {
                self.pos += 1;
                self.call_arguments()?;
                Ok(true)
            }
            Some(
                TokenKind::Int(_)
                | TokenKind::Float(_)
                | TokenKind::Str(_)
                | TokenKind::RawStr(_)
                | TokenKind::Jinja(_),
            ) => {
                self.pos += 1;
                Ok(false)
            }
            Some(TokenKind::Punct('[')) => {
                self.array()?;
                Ok(false)
            }
            Some(TokenKind::Punct('{')) => {
                if self.map_follows() {
                    self.map()?;
                } else {
                    self.block()?;
                }
                Ok(false)
            }
            Some(TokenKind::Punct('(')) => {
                self.pos += 1;
                self.expression()?;
                self.expect_punct(')', "to close the parenthesised expression")?;
                Ok(false)
            }
            other => Err(self.error_here(
                Code::UnexpectedToken,
                format!(
                    "expected an expression (a literal, a name, a call, `[…]`, `{{…}}` or `if (…) {{…}}`), found {}",
                    Self::describe(other)
                ),
            )),
        }
    }

    /// `.field`, `.method(…)`, `[index]` and, after a name, `{ field: value }`.
    fn postfixes(&mut self, mut named: bool) -> Result<(), CompileError> {
        loop {
            match self.peek_kind() {
                Some(TokenKind::Punct('.')) if !self.spread_follows() => {
                    self.pos += 1;
                    self.expect_ident("a field or method name after `.`")?;
                    self.call_arguments()?;
                }
                Some(TokenKind::Punct('[')) if self.peek().is_some_and(|t| !t.newline_before) => {
                    self.pos += 1;
                    self.expression()?;
                    self.expect_punct(']', "to close the index")?;
                    named = false;
                }
                Some(TokenKind::Punct('{')) if named && self.constructor_follows() => {
                    self.constructor()?;
                    named = false;
                }
                _ => return Ok(()),
            }
        }
    }

    /// `(args)` or `<Type>(args)` right after a name, if present.
    fn call_arguments(&mut self) -> Result<(), CompileError> {
        if self.peek_kind() == Some(&TokenKind::Punct('<')) && self.adjacent_to_previous() {
            // `fetch_as<Shape>(url)`: BAML writes the `<` against the name.
            // Anything else is a comparison, so backtrack when it does not fit.
            let start = self.pos;
            self.pos += 1;
            let generic = self.type_expr().is_ok()
                && self.peek_kind() == Some(&TokenKind::Punct('>'))
                && self.tokens.get(self.pos + 1).map(|t| &t.kind) == Some(&TokenKind::Punct('('));
            if generic {
                self.pos += 1;
            } else {
                self.pos = start;
                return Ok(());
            }
        }
        if self.peek_kind() == Some(&TokenKind::Punct('(')) {
            self.pos += 1;
            self.comma_list(')', "the call's arguments")?;
        }
        Ok(())
    }

    /// Expressions separated by commas (a trailing one allowed) up to `close`.
    fn comma_list(&mut self, close: char, what: &str) -> Result<(), CompileError> {
        loop {
            if self.peek_kind() == Some(&TokenKind::Punct(close)) {
                self.pos += 1;
                return Ok(());
            }
            self.expression()?;
            match self.peek_kind() {
                Some(TokenKind::Punct(',')) => self.pos += 1,
                Some(TokenKind::Punct(c)) if *c == close => {}
                other => {
                    return Err(self.error_here(
                        Code::UnexpectedToken,
                        format!(
                            "expected `,` or `{close}` in {what}, found {}",
                            Self::describe(other)
                        ),
                    ))
                }
            }
        }
    }

    fn array(&mut self) -> Result<(), CompileError> {
        self.pos += 1;
        self.comma_list(']', "the array")
    }

    /// `{ "key": value, … }`: keys are strings or names, commas or line breaks between entries.
    fn map(&mut self) -> Result<(), CompileError> {
        self.pos += 1;
        loop {
            match self.peek_kind() {
                Some(TokenKind::Punct('}')) => {
                    self.pos += 1;
                    return Ok(());
                }
                Some(TokenKind::Str(_) | TokenKind::Ident(_)) => self.pos += 1,
                other => {
                    return Err(self.error_here(
                        Code::UnexpectedToken,
                        format!(
                            "expected a map key (\"key\": value) or `}}`, found {}",
                            Self::describe(other)
                        ),
                    ))
                }
            }
            self.expect_punct(':', "between the map key and its value")?;
            self.expression()?;
            if self.peek_kind() == Some(&TokenKind::Punct(',')) {
                self.pos += 1;
            } else if self.peek_kind() != Some(&TokenKind::Punct('}'))
                && !self.peek().is_some_and(|t| t.newline_before)
            {
                return Err(self.error_here(
                    Code::UnexpectedToken,
                    format!(
                        "expected `,`, a line break or `}}` after a map entry, found {}",
                        Self::describe(self.peek_kind())
                    ),
                ));
            }
        }
    }

    /// `{ field: value, ...other }` after a class name.
    fn constructor(&mut self) -> Result<(), CompileError> {
        self.pos += 1;
        loop {
            if self.peek_kind() == Some(&TokenKind::Punct('}')) {
                self.pos += 1;
                return Ok(());
            }
            if self.spread_follows() {
                self.pos += 3;
                self.expression()?;
            } else {
                let (field, _) = self.expect_ident("a field name (field: value) or `...spread`")?;
                self.expect_punct(':', &format!("after field `{field}` (field: value)"))?;
                self.expression()?;
            }
            if self.peek_kind() == Some(&TokenKind::Punct(',')) {
                self.pos += 1;
            }
        }
    }

    /// After `if`: `(condition) { … }` then `else { … }` or `else if …`.
    fn if_expression(&mut self) -> Result<(), CompileError> {
        self.condition("if")?;
        self.block()?;
        if matches!(self.peek_kind(), Some(TokenKind::Ident(w)) if w == "else") {
            self.pos += 1;
            if matches!(self.peek_kind(), Some(TokenKind::Ident(w)) if w == "if") {
                self.pos += 1;
                return self.if_expression();
            }
            self.block()?;
        }
        Ok(())
    }

    /// The condition of `if` or `while`: BAML 0.220 requires parentheses.
    fn condition(&mut self, keyword: &str) -> Result<(), CompileError> {
        self.expect_punct(
            '(',
            &format!("around the condition of `{keyword}` (BAML requires `{keyword} (condition) {{ … }}`)"),
        )?;
        self.expression()?;
        self.expect_punct(')', &format!("to close the condition of `{keyword}`"))
    }

    /// `{ statement* expression? }`: a method body, a nested block or a block expression.
    pub(super) fn block(&mut self) -> Result<(), CompileError> {
        let open = self.here();
        self.expect_punct('{', "to open a block")?;
        self.depth += 1;
        if self.depth > MAX_EXPRESSION_DEPTH {
            return Err(self.error_here(
                Code::Unsupported,
                format!("blocks nested more than {MAX_EXPRESSION_DEPTH} levels deep: move the inner part into a function"),
            ));
        }
        loop {
            match self.peek_kind() {
                Some(TokenKind::Punct('}')) => {
                    self.pos += 1;
                    self.depth -= 1;
                    return Ok(());
                }
                None => {
                    return Err(CompileError::coded(
                        Code::UnclosedDelimiter,
                        open,
                        "unclosed `{`: add the matching `}`",
                    ))
                }
                Some(_) => self.statement()?,
            }
        }
    }

    /// One statement, or the block's final expression (then `}` follows).
    fn statement(&mut self) -> Result<(), CompileError> {
        let keyword = match self.peek_kind() {
            Some(TokenKind::Ident(w)) if w == "watch" && self.next_is_let() => "let".to_string(),
            Some(TokenKind::Ident(w)) => w.clone(),
            Some(TokenKind::Punct('{')) if !self.map_follows() => {
                self.block()?;
                self.optional_semicolon();
                return Ok(());
            }
            _ => String::new(),
        };
        match keyword.as_str() {
            "let" => {
                self.let_statement()?;
                return self.semicolon("the `let` statement");
            }
            "break" | "continue" => {
                self.pos += 1;
                return self.semicolon(&format!("`{keyword}`"));
            }
            "return" => {
                self.pos += 1;
                if self.peek_kind() != Some(&TokenKind::Punct(';')) {
                    self.expression()?;
                }
                return self.semicolon("the `return` statement");
            }
            "assert" => {
                self.pos += 1;
                self.expression()?;
                return self.semicolon("the `assert` statement");
            }
            "while" => {
                self.pos += 1;
                self.condition("while")?;
                self.block()?;
                self.optional_semicolon();
                return Ok(());
            }
            "for" => {
                self.pos += 1;
                self.for_head()?;
                self.block()?;
                self.optional_semicolon();
                return Ok(());
            }
            _ => {}
        }
        let is_if = keyword == "if";
        self.expression()?;
        if let Some(op) = self.operator(ASSIGN_OPERATORS) {
            self.pos += op.len();
            self.expression()?;
            return self.semicolon("the assignment");
        }
        match self.peek_kind() {
            Some(TokenKind::Punct(';')) => {
                self.pos += 1;
                Ok(())
            }
            Some(TokenKind::Punct('}')) => Ok(()),
            // `if (…) { … }` stands alone as a statement.
            _ if is_if => Ok(()),
            other => Err(self.error_here(
                Code::UnexpectedToken,
                format!(
                    "expected `;` after the statement, or `}}` after the block's final expression, found {}",
                    Self::describe(other)
                ),
            )),
        }
    }

    /// `watch? let name (: Type)? = value` without the `;`; also the top-level form.
    pub(super) fn let_statement(&mut self) -> Result<String, CompileError> {
        if matches!(self.peek_kind(), Some(TokenKind::Ident(w)) if w == "watch") {
            self.pos += 1;
        }
        match self.peek_kind() {
            Some(TokenKind::Ident(w)) if w == "let" => self.pos += 1,
            other => {
                return Err(self.error_here(
                    Code::UnexpectedToken,
                    format!(
                        "expected `let` after `watch`, found {}",
                        Self::describe(other)
                    ),
                ))
            }
        }
        let (name, _) = self.expect_ident("a name after `let` (let name = value;)")?;
        if name == "mut" && matches!(self.peek_kind(), Some(TokenKind::Ident(_))) {
            return Err(self.error_here(
                Code::UnexpectedToken,
                "`let mut` is not BAML: every binding is written `let name = value;`",
            ));
        }
        if self.peek_kind() == Some(&TokenKind::Punct(':')) {
            self.pos += 1;
            self.type_expr()?;
        }
        self.expect_punct('=', &format!("after `let {name}` (let {name} = value;)"))?;
        self.expression()?;
        Ok(name)
    }

    /// `(let x in items)`, `(x in items)` or `(init; condition; step)`: BAML
    /// 0.220 requires the parentheses.
    fn for_head(&mut self) -> Result<(), CompileError> {
        self.expect_punct(
            '(',
            "around the head of `for` (BAML requires `for (let x in items) { … }`)",
        )?;
        let iterator = {
            let mut ahead = self.pos;
            if matches!(self.tokens.get(ahead).map(|t| &t.kind), Some(TokenKind::Ident(w)) if w == "let")
            {
                ahead += 1;
            }
            matches!(
                self.tokens.get(ahead).map(|t| &t.kind),
                Some(TokenKind::Ident(_))
            ) && matches!(self.tokens.get(ahead + 1).map(|t| &t.kind), Some(TokenKind::Ident(w)) if w == "in")
        };
        if iterator {
            while !matches!(self.peek_kind(), Some(TokenKind::Ident(w)) if w == "in") {
                self.pos += 1;
            }
            self.pos += 1;
            self.expression()?;
        } else {
            if self.peek_kind() != Some(&TokenKind::Punct(';')) {
                if matches!(self.peek_kind(), Some(TokenKind::Ident(w)) if w == "let") {
                    self.let_statement()?;
                } else {
                    self.assignment_or_call()?;
                }
            }
            self.expect_punct(
                ';',
                "after the initialiser of `for (init; condition; step)`",
            )?;
            if self.peek_kind() != Some(&TokenKind::Punct(';')) {
                self.expression()?;
            }
            self.expect_punct(';', "after the condition of `for (init; condition; step)`")?;
            if self.peek_kind() != Some(&TokenKind::Punct(')'))
                && self.peek_kind() != Some(&TokenKind::Punct('{'))
            {
                self.assignment_or_call()?;
            }
        }
        self.expect_punct(')', "to close the head of `for`")
    }

    fn assignment_or_call(&mut self) -> Result<(), CompileError> {
        self.expression()?;
        if let Some(op) = self.operator(ASSIGN_OPERATORS) {
            self.pos += op.len();
            self.expression()?;
        }
        Ok(())
    }

    fn semicolon(&mut self, what: &str) -> Result<(), CompileError> {
        self.expect_punct(';', &format!("to end {what} (BAML requires it)"))
    }

    fn optional_semicolon(&mut self) {
        if self.peek_kind() == Some(&TokenKind::Punct(';')) {
            self.pos += 1;
        }
    }

    /// The longest of `operators` spelled by adjacent tokens at the cursor.
    fn operator(&self, operators: &[&'static str]) -> Option<&'static str> {
        let mut spelled = String::new();
        let mut previous_end = None;
        for token in self.tokens[self.pos.min(self.tokens.len())..]
            .iter()
            .take(3)
        {
            let (TokenKind::Punct(c) | TokenKind::Other(c)) = token.kind else {
                break;
            };
            if !OPERATOR_CHARS.contains(c) || previous_end.is_some_and(|end| end != token.start) {
                break;
            }
            spelled.push(c);
            previous_end = Some(token.end);
        }
        operators
            .iter()
            .copied()
            .filter(|op| spelled.starts_with(op))
            .max_by_key(|op| op.len())
    }

    /// True when the cursor is on a number the lexer read with its sign (`-1`).
    fn negative_number_follows(&self) -> bool {
        self.peek().is_some_and(|t| {
            matches!(t.kind, TokenKind::Int(_) | TokenKind::Float(_))
                && self.source.get(t.start) == Some(&'-')
        })
    }

    /// `let` right after the token at the cursor (`watch let`).
    pub(super) fn next_is_let(&self) -> bool {
        matches!(self.tokens.get(self.pos + 1).map(|t| &t.kind), Some(TokenKind::Ident(w)) if w == "let")
    }

    fn adjacent_to_previous(&self) -> bool {
        match (
            self.pos.checked_sub(1).and_then(|i| self.tokens.get(i)),
            self.peek(),
        ) {
            (Some(previous), Some(current)) => previous.end == current.start,
            _ => false,
        }
    }

    /// `...` (three adjacent dots) at the cursor.
    fn spread_follows(&self) -> bool {
        self.spread_at(self.pos)
    }

    /// `...` (three adjacent dots) at `tokens[index]`.
    fn spread_at(&self, index: usize) -> bool {
        let dots = &self.tokens[index.min(self.tokens.len())..];
        dots.len() >= 3
            && dots[..3].iter().all(|t| t.kind == TokenKind::Punct('.'))
            && dots[0].end == dots[1].start
            && dots[1].end == dots[2].start
    }

    /// After the `{` at the cursor: `}` or `"key":` / `key:` makes a map, anything else a block.
    fn map_follows(&self) -> bool {
        let kind = |offset: usize| self.tokens.get(self.pos + offset).map(|t| &t.kind);
        match kind(1) {
            Some(TokenKind::Punct('}')) => true,
            Some(TokenKind::Str(_) | TokenKind::Ident(_)) => {
                kind(2) == Some(&TokenKind::Punct(':'))
            }
            _ => false,
        }
    }

    /// After a name, the `{` at the cursor opens a constructor: `{}`, `{ field:` or `{ ...`.
    fn constructor_follows(&self) -> bool {
        let kind = |offset: usize| self.tokens.get(self.pos + offset).map(|t| &t.kind);
        match kind(1) {
            Some(TokenKind::Punct('}')) => true,
            Some(TokenKind::Ident(_)) => kind(2) == Some(&TokenKind::Punct(':')),
            Some(TokenKind::Punct('.')) => self.spread_at(self.pos + 1),
            _ => false,
        }
    }
}
