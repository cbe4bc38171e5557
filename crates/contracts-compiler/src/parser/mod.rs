//! Parser from tokens to the IR.
//!
//! It understands every type-level construct (`class`, `enum`, `type`,
//! function signatures with the attributes after parameter and return types)
//! and what the cross-checks need of `client<llm>` and `retry_policy` blocks.
//! Top-level `let` bindings and methods inside a class or enum (BAML 0.220's
//! expression language) are parsed in full and carry nothing into the IR.
//! Blocks that carry no wire types (`generator`, `template_string`, `test`,
//! function bodies, client options) are skipped by matching braces over
//! tokens, so prompt text inside raw strings can never confuse it. Anything
//! it does not recognise is an error with a location and a [`Code`], never
//! silently dropped.

mod attributes;
mod bindings;
mod clients;
mod expressions;
mod types;

use crate::codes::Code;
use crate::error::{CompileError, Location};
use crate::ir::{
    BlockKind, Class, Enum, EnumValue, Field, Function, Ir, Param, TypeAlias, TypeAttributes,
};
use crate::lexer::{tokenize, Token, TokenKind};
use attributes::{apply_block_attribute, apply_type_attributes, is_optional, once, BlockMeta};
use std::collections::HashSet;

/// Parses one file's text and appends its declarations to `ir`.
///
/// ```
/// let mut ir = contracts_compiler::ir::Ir::default();
/// let err = contracts_compiler::parser::parse_file("a.baml", "class A {\n  x map<string int>\n}", &mut ir)
///     .unwrap_err();
/// assert_eq!(err.to_string(), "a.baml:2:16: error[E0201]: expected `,` between the key and value types of `map<K, V>`, found `int`");
/// ```
pub fn parse_file(file: &str, source: &str, ir: &mut Ir) -> Result<(), CompileError> {
    parse_file_blocks(file, source, ir).map(drop)
}

/// A top-level block that declares no wire type (`function` body, `test`,
/// `client<llm>`, `generator`, `retry_policy`, `template_string`), kept as
/// normalised text so that diffs can tell prompt, test and configuration
/// changes apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawBlock {
    /// The declaring keyword.
    pub kind: BlockKind,
    /// The declared name (`CoachLLM` for `client<llm> CoachLLM`).
    pub name: String,
    /// The block's tokens joined by single spaces: comments and layout
    /// outside strings do not count, string contents do. For a function it is
    /// the body only (client and prompt); the signature lives in the IR.
    pub text: String,
    /// Where the block's keyword is.
    pub location: Location,
}

/// Like [`parse_file`], and also returns the file's [`RawBlock`]s.
pub fn parse_file_blocks(
    file: &str,
    source: &str,
    ir: &mut Ir,
) -> Result<Vec<RawBlock>, CompileError> {
    let tokens = tokenize(file, source)?;
    let end = tokens
        .last()
        .map_or_else(|| Location::new(file, 1, 1), |t| t.location.clone());
    let mut parser = Parser {
        tokens,
        pos: 0,
        end,
        source: source.chars().collect(),
        blocks: Vec::new(),
        depth: 0,
    };
    parser.file(ir)?;
    Ok(parser.blocks)
}

/// One token as it counts for [`RawBlock::text`].
fn token_text(kind: &TokenKind) -> String {
    match kind {
        TokenKind::Ident(s) | TokenKind::Jinja(s) => s.clone(),
        TokenKind::Str(s) => format!("{s:?}"),
        TokenKind::RawStr(s) => format!("#\"{s}\"#"),
        TokenKind::Int(i) => i.to_string(),
        TokenKind::Float(f) => f.to_string(),
        TokenKind::DocComment(s) => format!("///{s}"),
        TokenKind::Punct(c) | TokenKind::Other(c) => c.to_string(),
    }
}

/// The declarations a file may hold, as the error messages list them.
const DECLARATIONS: &str =
    "class, enum, type, function, client, generator, retry_policy, template_string, test or let";

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    end: Location,
    source: Vec<char>,
    blocks: Vec<RawBlock>,
    /// Nesting of the type expression being parsed (bounded, see `types`).
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn peek_kind(&self) -> Option<&TokenKind> {
        self.peek().map(|t| &t.kind)
    }

    fn here(&self) -> Location {
        self.peek()
            .map_or_else(|| self.end.clone(), |t| t.location.clone())
    }

    /// Characters of the token at the cursor (1 at the end of the file).
    fn here_length(&self) -> usize {
        self.peek().map_or(1, |t| t.end - t.start)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn describe(kind: Option<&TokenKind>) -> String {
        match kind {
            None => "end of file".into(),
            Some(TokenKind::Ident(s)) => format!("`{s}`"),
            Some(TokenKind::Str(s)) => format!("string \"{s}\""),
            Some(TokenKind::RawStr(_)) => "raw string".into(),
            Some(TokenKind::Int(i)) => format!("`{i}`"),
            Some(TokenKind::Float(f)) => format!("`{f}`"),
            Some(TokenKind::DocComment(_)) => "doc comment".into(),
            Some(TokenKind::Jinja(_)) => "Jinja expression {{ … }}".into(),
            Some(TokenKind::Punct(c) | TokenKind::Other(c)) => format!("`{c}`"),
        }
    }

    /// An error at the token under the cursor, spanning it.
    fn error_here(&self, code: Code, message: impl Into<String>) -> CompileError {
        CompileError::coded(code, self.here(), message).with_length(self.here_length())
    }

    fn expect_punct(&mut self, c: char, context: &str) -> Result<(), CompileError> {
        if self.peek_kind() == Some(&TokenKind::Punct(c)) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error_here(
                Code::UnexpectedToken,
                format!(
                    "expected `{c}` {context}, found {}",
                    Self::describe(self.peek_kind())
                ),
            ))
        }
    }

    fn expect_ident(&mut self, what: &str) -> Result<(String, Location), CompileError> {
        match self.peek_kind() {
            Some(TokenKind::Ident(s)) => {
                let s = s.clone();
                let loc = self.here();
                self.pos += 1;
                Ok((s, loc))
            }
            other => Err(self.error_here(
                Code::UnexpectedToken,
                format!("expected {what}, found {}", Self::describe(other)),
            )),
        }
    }

    fn take_doc_comments(&mut self) -> Option<String> {
        let mut lines = Vec::new();
        while let Some(TokenKind::DocComment(text)) = self.peek_kind() {
            lines.push(text.clone());
            self.pos += 1;
        }
        (!lines.is_empty()).then(|| lines.join("\n"))
    }

    fn file(&mut self, ir: &mut Ir) -> Result<(), CompileError> {
        loop {
            let doc = self.take_doc_comments();
            let Some(token) = self.peek().cloned() else {
                return Ok(());
            };
            let (start, block_location) = (self.pos, token.location.clone());
            if let TokenKind::RawStr(_) = token.kind {
                // BAML 0.220 reads a raw string between declarations as a comment.
                self.pos += 1;
                continue;
            }
            let TokenKind::Ident(keyword) = &token.kind else {
                return Err(self.error_here(
                    Code::UnexpectedToken,
                    format!(
                        "expected a declaration ({DECLARATIONS}), found {}",
                        Self::describe(Some(&token.kind))
                    ),
                ));
            };
            if keyword == "let" || (keyword == "watch" && self.next_is_let()) {
                self.top_level_let()?;
                continue;
            }
            self.pos += 1;
            match keyword.as_str() {
                "class" => {
                    let class = self.class(doc, token.location)?;
                    ir.classes.push(class);
                }
                "enum" => {
                    let e = self.enumeration(doc, token.location)?;
                    ir.enums.push(e);
                }
                "type" => {
                    let alias = self.type_alias(doc, token.location)?;
                    ir.type_aliases.push(alias);
                }
                "function" => {
                    let f = self.function(token.location)?;
                    ir.functions.push(f);
                }
                "client" => {
                    let client = self.client()?;
                    ir.clients.push(client);
                }
                "retry_policy" => {
                    let policy = self.retry_policy()?;
                    ir.retry_policies.push(policy);
                }
                "generator" | "test" => {
                    self.skip_until_block()?;
                }
                "template_string" | "string_template" => {
                    self.expect_ident("a template_string name")?;
                    if self.peek_kind() == Some(&TokenKind::Punct('=')) {
                        self.pos += 1;
                    }
                    if self.peek_kind() == Some(&TokenKind::Punct('(')) {
                        self.skip_balanced('(', ')')?;
                    }
                    if !matches!(
                        self.peek_kind(),
                        Some(TokenKind::RawStr(_) | TokenKind::Str(_))
                    ) {
                        return Err(self.error_here(
                            Code::UnexpectedToken,
                            format!(
                                "expected the template_string body #\"…\"#, found {}",
                                Self::describe(self.peek_kind())
                            ),
                        ));
                    }
                    self.pos += 1;
                }
                other if self.peek_kind() == Some(&TokenKind::Punct('=')) => {
                    return Err(CompileError::coded(
                        Code::UnknownDeclaration,
                        token.location,
                        format!("assignment to `{other}` at the top level: BAML allows only `let` bindings there; write `let {other} = …;`"),
                    )
                    .with_length(token.end - token.start))
                }
                other => {
                    return Err(CompileError::coded(
                        Code::UnknownDeclaration,
                        token.location,
                        format!("unknown declaration `{other}`: expected {DECLARATIONS}"),
                    )
                    .with_length(token.end - token.start))
                }
            }
            // `string_template` is BAML's other spelling of `template_string`.
            let kind = if keyword == "string_template" {
                "template_string"
            } else {
                keyword
            };
            self.record_block(start, kind, &block_location);
        }
    }

    /// Keeps the declaration at `tokens[start..pos]` as a [`RawBlock`] when it
    /// declares no wire type.
    fn record_block(&mut self, start: usize, keyword: &str, location: &Location) {
        let Ok(kind) = keyword.parse::<BlockKind>() else {
            return;
        };
        let tokens = &self.tokens[start + 1..self.pos];
        // The name is the first identifier that is not a `<…>` parameter.
        let mut depth = 0usize;
        let mut name = String::new();
        for t in tokens {
            match &t.kind {
                TokenKind::Punct('<') => depth += 1,
                TokenKind::Punct('>') => depth = depth.saturating_sub(1),
                TokenKind::Ident(s) if depth == 0 => {
                    name.clone_from(s);
                    break;
                }
                _ => {}
            }
        }
        let body = if kind == BlockKind::Function {
            let open = tokens
                .iter()
                .position(|t| t.kind == TokenKind::Punct('{'))
                .unwrap_or(0);
            &tokens[open..]
        } else {
            tokens
        };
        let text = body
            .iter()
            .map(|t| token_text(&t.kind))
            .collect::<Vec<_>>()
            .join(" ");
        self.blocks.push(RawBlock {
            kind,
            name,
            text,
            location: location.clone(),
        });
    }

    /// Skips a header (`<llm> Name`, `Name`) and then one `{ … }` block.
    fn skip_until_block(&mut self) -> Result<(), CompileError> {
        while let Some(kind) = self.peek_kind() {
            if kind == &TokenKind::Punct('{') {
                return self.skip_balanced('{', '}');
            }
            self.pos += 1;
        }
        Err(self.error_here(
            Code::UnexpectedToken,
            "expected a `{ … }` block, found end of file",
        ))
    }

    fn skip_balanced(&mut self, open: char, close: char) -> Result<(), CompileError> {
        let start = self.here();
        let mut depth = 0usize;
        while let Some(token) = self.next() {
            if token.kind == TokenKind::Punct(open) {
                depth += 1;
            } else if token.kind == TokenKind::Punct(close) {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Ok(());
                }
            }
        }
        Err(CompileError::coded(
            Code::UnclosedDelimiter,
            start,
            format!("unclosed `{open}`: add the matching `{close}`"),
        ))
    }

    /// `class`, `enum` and `function` cannot name a field or value (BAML
    /// rejects them); meeting one inside a block almost always means the
    /// block is missing its closing `}`.
    fn reject_keyword(&self, what: &str, name: &str) -> Result<(), CompileError> {
        match self.peek_kind() {
            Some(TokenKind::Ident(word)) if ["class", "enum", "function"].contains(&word.as_str()) => {
                Err(self.error_here(
                    Code::KeywordAsName,
                    format!(
                        "`{word}` is a BAML keyword, not a field or value name: {what} `{name}` is probably missing its closing `}}` before this line"
                    ),
                ))
            }
            _ => Ok(()),
        }
    }

    fn type_alias(
        &mut self,
        doc: Option<String>,
        location: Location,
    ) -> Result<TypeAlias, CompileError> {
        let (name, _) = self.expect_ident("a type alias name after `type`")?;
        self.expect_punct('=', "after the alias name (type Name = …)")?;
        let ty = self.type_expr()?;
        let mut alias = TypeAlias {
            name,
            ty,
            description: doc,
            constraints: Vec::new(),
            stream: Vec::new(),
            location,
        };
        let mut seen = HashSet::new();
        for attr in self.attributes()? {
            once(&attr, &mut seen)?;
            if attr.class_level {
                return Err(attr.error(
                    Code::MisplacedAttribute,
                    format!("`@@{}` cannot follow a type alias: type aliases take only @check, @assert and @stream.* (one `@`)", attr.name),
                ));
            }
            if let Some(stream) = attr.stream()? {
                alias.stream.push(stream);
                continue;
            }
            match attr.name.as_str() {
                "assert" | "check" => alias.constraints.push(attr.constraint()?),
                other => {
                    return Err(attr.error(
                        Code::MisplacedAttribute,
                        format!("type aliases may only have @check, @assert and @stream.* attributes, found `@{other}` on `{}`; put it on the fields that use the alias", alias.name),
                    ))
                }
            }
        }
        Ok(alias)
    }

    fn class(&mut self, doc: Option<String>, location: Location) -> Result<Class, CompileError> {
        let (name, _) = self.expect_ident("a class name after `class`")?;
        self.expect_punct('{', &format!("to open class `{name}`"))?;
        let mut meta = BlockMeta {
            description: doc,
            ..BlockMeta::default()
        };
        let mut fields = Vec::new();
        loop {
            let doc = self.take_doc_comments();
            match self.peek_kind() {
                Some(TokenKind::Punct('}')) => {
                    self.pos += 1;
                    return Ok(Class {
                        name,
                        description: meta.description,
                        alias: meta.alias,
                        dynamic: meta.dynamic,
                        fields,
                        constraints: meta.constraints,
                        stream: meta.stream,
                        location,
                    });
                }
                Some(TokenKind::Punct('@')) => {
                    for attr in self.attributes()? {
                        apply_block_attribute(&attr, &mut meta, "class")?;
                    }
                }
                Some(TokenKind::Ident(word)) if word == "function" => {
                    self.method(&format!("class `{name}`"))?;
                }
                Some(TokenKind::Ident(_)) => {
                    self.reject_keyword("class", &name)?;
                    self.reject_fn_keyword()?;
                    let field = self.field(doc, &mut meta)?;
                    fields.push(field);
                }
                other => {
                    return Err(self.error_here(
                        Code::UnexpectedToken,
                        format!(
                        "expected a field, a `@@` attribute or `}}` in class `{name}`, found {}",
                        Self::describe(other)
                    ),
                    ))
                }
            }
        }
    }

    /// `name Type @attr…` inside a class; `@@` attributes on its line go to `meta`.
    fn field(&mut self, doc: Option<String>, meta: &mut BlockMeta) -> Result<Field, CompileError> {
        let (field_name, field_loc) = self.expect_ident("a field name")?;
        let ty = self.type_expr()?;
        let mut field = Field {
            name: field_name,
            ty,
            alias: None,
            description: doc,
            constraints: Vec::new(),
            skip: false,
            stream: Vec::new(),
            location: field_loc,
        };
        let mut seen = HashSet::new();
        for attr in self.attributes()? {
            if attr.class_level {
                apply_block_attribute(&attr, meta, "class")?;
                continue;
            }
            once(&attr, &mut seen)?;
            if let Some(stream) = attr.stream()? {
                field.stream.push(stream);
                continue;
            }
            match attr.name.as_str() {
                "alias" => field.alias = Some(attr.string_arg()?),
                "description" => field.description = Some(attr.string_arg()?),
                "assert" | "check" => field.constraints.push(attr.constraint()?),
                "skip" if is_optional(&field.ty) => field.skip = true,
                "skip" => {
                    return Err(attr.error(
                        Code::MisplacedAttribute,
                        format!("`@skip` needs an optional field: make it `{} T?` (BAML rejects @skip on a required field)", field.name),
                    ))
                }
                other => {
                    return Err(attr.error(
                        Code::UnknownAttribute,
                        format!("unknown field attribute `@{other}`: expected @alias, @description, @assert, @check, @skip or @stream.done / @stream.not_null / @stream.with_state"),
                    ))
                }
            }
        }
        Ok(field)
    }

    fn enumeration(
        &mut self,
        doc: Option<String>,
        location: Location,
    ) -> Result<Enum, CompileError> {
        let (name, _) = self.expect_ident("an enum name after `enum`")?;
        self.expect_punct('{', &format!("to open enum `{name}`"))?;
        let mut meta = BlockMeta {
            description: doc,
            ..BlockMeta::default()
        };
        let mut values = Vec::new();
        loop {
            let doc = self.take_doc_comments();
            match self.peek_kind() {
                Some(TokenKind::Punct('}')) => {
                    self.pos += 1;
                    return Ok(Enum {
                        name,
                        description: meta.description,
                        alias: meta.alias,
                        dynamic: meta.dynamic,
                        values,
                        constraints: meta.constraints,
                        stream: meta.stream,
                        location,
                    });
                }
                Some(TokenKind::Punct('@')) => {
                    for attr in self.attributes()? {
                        apply_block_attribute(&attr, &mut meta, "enum")?;
                    }
                }
                Some(TokenKind::Ident(word)) if word == "function" => {
                    self.method(&format!("enum `{name}`"))?;
                }
                Some(TokenKind::Ident(_)) => {
                    self.reject_keyword("enum", &name)?;
                    self.reject_fn_keyword()?;
                    let value = self.enum_value(doc, &mut meta)?;
                    values.push(value);
                }
                other => {
                    return Err(self.error_here(
                        Code::UnexpectedToken,
                        format!(
                            "expected an enum value, a `@@` attribute or `}}` in enum `{name}`, found {}",
                            Self::describe(other)
                        ),
                    ))
                }
            }
        }
    }

    /// `VALUE @attr…` inside an enum; `@@` attributes on its line go to `meta`.
    fn enum_value(
        &mut self,
        doc: Option<String>,
        meta: &mut BlockMeta,
    ) -> Result<EnumValue, CompileError> {
        let (value_name, value_loc) = self.expect_ident("an enum value")?;
        let mut value = EnumValue {
            name: value_name,
            alias: None,
            description: doc,
            skip: false,
            stream: Vec::new(),
            location: value_loc,
        };
        let mut seen = HashSet::new();
        for attr in self.attributes()? {
            if attr.class_level {
                apply_block_attribute(&attr, meta, "enum")?;
                continue;
            }
            once(&attr, &mut seen)?;
            if let Some(stream) = attr.stream()? {
                value.stream.push(stream);
                continue;
            }
            match attr.name.as_str() {
                "alias" => value.alias = Some(attr.string_arg()?),
                "description" => value.description = Some(attr.string_arg()?),
                "skip" if attr.args.is_empty() => value.skip = true,
                other => {
                    return Err(attr.error(
                        Code::UnknownAttribute,
                        format!("unknown enum value attribute `@{other}`: expected @alias, @description, @skip or @stream.done"),
                    ))
                }
            }
        }
        Ok(value)
    }

    fn function(&mut self, location: Location) -> Result<Function, CompileError> {
        let (name, _) = self.expect_ident("a function name after `function`")?;
        self.expect_punct('(', &format!("to open the parameters of `{name}`"))?;
        let mut params = Vec::new();
        while self.peek_kind() != Some(&TokenKind::Punct(')')) {
            let (param, param_location) = self.expect_ident("a parameter name")?;
            self.expect_punct(':', &format!("after parameter `{param}` (name: type)"))?;
            let ty = self.type_expr()?;
            let mut attributes = TypeAttributes::default();
            let attrs = self.attributes()?;
            apply_type_attributes(&attrs, &mut attributes, &format!("parameter `{param}`"))?;
            params.push(Param {
                name: param,
                ty,
                attributes,
                location: param_location,
            });
            if self.peek_kind() == Some(&TokenKind::Punct(',')) {
                self.pos += 1;
            } else if self.peek_kind() != Some(&TokenKind::Punct(')')) {
                return Err(self.error_here(
                    Code::UnexpectedToken,
                    format!(
                        "expected `,` or `)` in the parameters of `{name}`, found {}",
                        Self::describe(self.peek_kind())
                    ),
                ));
            }
        }
        self.pos += 1;
        // BAML also accepts the return type without `->`: `function F(x: T) R {`.
        if self.peek_kind() == Some(&TokenKind::Punct('-')) {
            self.pos += 1;
            self.expect_punct(
                '>',
                &format!("after `-` for the return type of `{name}` (-> Type)"),
            )?;
        }
        if self.peek_kind() == Some(&TokenKind::Punct('{')) {
            return Err(self.error_here(
                Code::MissingReturnType,
                format!("function `{name}` has no return type: write `-> Type` before `{{`"),
            ));
        }
        let return_type = self.type_expr()?;
        let mut return_attributes = TypeAttributes::default();
        let attrs = self.attributes()?;
        apply_type_attributes(
            &attrs,
            &mut return_attributes,
            &format!("the return type of `{name}`"),
        )?;
        if self.peek_kind() != Some(&TokenKind::Punct('{')) {
            return Err(self.error_here(
                Code::UnexpectedToken,
                format!(
                    "expected `{{` to open the body of function `{name}`, found {}",
                    Self::describe(self.peek_kind())
                ),
            ));
        }
        let open = self.pos;
        self.skip_balanced('{', '}')?;
        let client = self.function_client(&self.tokens[open + 1..self.pos - 1]);
        Ok(Function {
            name,
            params,
            return_type,
            return_attributes,
            client,
            location,
        })
    }
}
