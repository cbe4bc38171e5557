//! Parser from tokens to the IR.
//!
//! It understands every type-level construct (`class`, `enum`, `type`,
//! function signatures) and skips the blocks that carry no wire types
//! (`client<llm>`, `generator`, `retry_policy`, `template_string`, `test`,
//! function bodies) by matching braces over tokens, so prompt text inside raw
//! strings can never confuse it. Anything it does not recognise is an error
//! with a location, never silently dropped.

use crate::error::{CompileError, Location};
use crate::ir::{
    Class, Constraint, Enum, EnumValue, Field, Function, Ir, Literal, Param, TypeAlias, TypeExpr,
    PRIMITIVES,
};
use crate::lexer::{tokenize, Token, TokenKind};
use std::collections::HashSet;

/// Parses one file's text and appends its declarations to `ir`.
pub fn parse_file(file: &str, source: &str, ir: &mut Ir) -> Result<(), CompileError> {
    parse_file_blocks(file, source, ir).map(drop)
}

/// A top-level block that declares no wire type (`function` body, `test`,
/// `client<llm>`, `generator`, `retry_policy`, `template_string`), kept as
/// normalised text so that diffs can tell prompt, test and configuration
/// changes apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawBlock {
    /// The declaring keyword: `function`, `test`, `client`, `generator`,
    /// `retry_policy` or `template_string`.
    pub kind: String,
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

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    end: Location,
    source: Vec<char>,
    blocks: Vec<RawBlock>,
}

/// An attribute such as `@alias("x")`, `@stream.done` or `@@dynamic`, with its
/// raw arguments.
struct Attribute {
    /// The dotted name without the `@`s (`alias`, `stream.done`).
    name: String,
    class_level: bool,
    args: Vec<Token>,
    /// The source text between the parentheses, trimmed (unquoted strings).
    text: String,
    location: Location,
}

/// The streaming attributes BAML knows, after `@stream.` / `@@stream.`.
const STREAM_ATTRIBUTES: [&str; 3] = ["done", "not_null", "with_state"];

impl Attribute {
    fn at(&self) -> &'static str {
        if self.class_level {
            "@@"
        } else {
            "@"
        }
    }

    /// The string argument: `@description("…")`, `@alias(#"…"#)`, or an
    /// unquoted string `@alias(foo)` (BAML takes the text verbatim).
    fn string_arg(&self) -> Result<String, CompileError> {
        let unquoted = |t: &Token| match t.kind {
            TokenKind::Ident(_) | TokenKind::Int(_) | TokenKind::Float(_) => true,
            TokenKind::Punct(c) | TokenKind::Other(c) => c != ',',
            _ => false,
        };
        match self.args.as_slice() {
            [Token {
                kind: TokenKind::Str(s),
                ..
            }] => Ok(s.clone()),
            [Token {
                kind: TokenKind::RawStr(s),
                ..
            }] => Ok(dedent(s)),
            args if !args.is_empty() && args.iter().all(unquoted) => Ok(self.text.clone()),
            _ => Err(CompileError::new(
                self.location.clone(),
                format!(
                    "`{at}{name}` needs exactly one string argument, e.g. {at}{name}(\"…\")",
                    at = self.at(),
                    name = self.name
                ),
            )),
        }
    }

    /// `@assert({{ expr }})`, `@assert(name, {{ expr }})`, `@check(name, {{ expr }})`.
    fn constraint(&self) -> Result<Constraint, CompileError> {
        let (name, expression) = match self.args.as_slice() {
            [Token {
                kind: TokenKind::Jinja(e),
                ..
            }] if self.name == "assert" => (None, e.clone()),
            [Token {
                kind: TokenKind::Ident(n),
                ..
            }, Token {
                kind: TokenKind::Punct(','),
                ..
            }, Token {
                kind: TokenKind::Jinja(e),
                ..
            }] => (Some(n.clone()), e.clone()),
            _ => {
                let at = self.at();
                let form = if self.name == "check" {
                    format!("{at}check(name, {{{{ this > 0 }}}}) (a check needs a name)")
                } else {
                    format!(
                        "{at}assert({{{{ this > 0 }}}}) or {at}assert(name, {{{{ this > 0 }}}})"
                    )
                };
                return Err(CompileError::new(
                    self.location.clone(),
                    format!("`{at}{}` takes a Jinja expression: write {form}", self.name),
                ));
            }
        };
        Ok(Constraint {
            kind: self.name.clone(),
            name,
            expression,
        })
    }

    /// `Some(suffix)` for `stream.done` & co; an error for an unknown `stream.*`.
    fn stream(&self) -> Result<Option<String>, CompileError> {
        let Some(suffix) = self.name.strip_prefix("stream.") else {
            return Ok(None);
        };
        if STREAM_ATTRIBUTES.contains(&suffix) && self.args.is_empty() {
            return Ok(Some(suffix.to_string()));
        }
        Err(CompileError::new(
            self.location.clone(),
            format!(
                "unknown streaming attribute `{at}{name}`: expected {at}stream.done, {at}stream.not_null or {at}stream.with_state (without arguments)",
                at = self.at(),
                name = self.name
            ),
        ))
    }
}

/// A raw string as BAML uses it: common indentation removed, then leading and
/// trailing whitespace trimmed (`#"\n    Drive on.\n  "#` is `Drive on.`).
fn dedent(raw: &str) -> String {
    let indent = raw
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    raw.lines()
        .map(|l| l.get(indent..).unwrap_or_else(|| l.trim_start()))
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string()
}

/// Class- or enum-level metadata collected from `@@` attributes.
#[derive(Default)]
struct BlockMeta {
    description: Option<String>,
    alias: Option<String>,
    dynamic: bool,
    constraints: Vec<Constraint>,
    stream: Vec<String>,
    seen: HashSet<String>,
}

/// Fails when a non-repeatable attribute appears twice on the same target.
fn once(attr: &Attribute, seen: &mut HashSet<String>) -> Result<(), CompileError> {
    if matches!(attr.name.as_str(), "assert" | "check") || seen.insert(attr.name.clone()) {
        return Ok(());
    }
    Err(CompileError::new(
        attr.location.clone(),
        format!(
            "`{at}{name}` is given twice here; keep only one",
            at = attr.at(),
            name = attr.name
        ),
    ))
}

/// True for `T?`, `T | null` and `null`: the types `@skip` accepts.
fn is_optional(ty: &TypeExpr) -> bool {
    match ty {
        TypeExpr::Optional { .. } => true,
        TypeExpr::Primitive { name } => name == "null",
        TypeExpr::Union { members } => members.iter().any(is_optional),
        _ => false,
    }
}

fn apply_block_attribute(
    attr: &Attribute,
    meta: &mut BlockMeta,
    what: &str,
) -> Result<(), CompileError> {
    if !attr.class_level {
        return Err(CompileError::new(
            attr.location.clone(),
            format!(
                "`@{name}` must follow a field or value; use `@@{name}` for the whole {what}",
                name = attr.name
            ),
        ));
    }
    once(attr, &mut meta.seen)?;
    if let Some(stream) = attr.stream()? {
        meta.stream.push(stream);
        return Ok(());
    }
    match attr.name.as_str() {
        "description" => meta.description = Some(attr.string_arg()?),
        "alias" => meta.alias = Some(attr.string_arg()?),
        "dynamic" if attr.args.is_empty() => meta.dynamic = true,
        "assert" | "check" => meta.constraints.push(attr.constraint()?),
        "skip" => {
            return Err(CompileError::new(
                attr.location.clone(),
                format!("`@@skip` on a {what} is not supported by the contracts compiler (it cannot represent a skipped {what}); remove the attribute or the {what}"),
            ))
        }
        other => {
            return Err(CompileError::new(
                attr.location.clone(),
                format!(
                    "unknown {what} attribute `@@{other}`: expected @@description, @@alias, @@dynamic, @@assert, @@check or @@stream.done"
                ),
            ))
        }
    }
    Ok(())
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

    fn error_here(&self, message: impl Into<String>) -> CompileError {
        CompileError::new(self.here(), message)
    }

    fn expect_punct(&mut self, c: char, context: &str) -> Result<(), CompileError> {
        if self.peek_kind() == Some(&TokenKind::Punct(c)) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error_here(format!(
                "expected `{c}` {context}, found {}",
                Self::describe(self.peek_kind())
            )))
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
            other => {
                Err(self.error_here(format!("expected {what}, found {}", Self::describe(other))))
            }
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
            let TokenKind::Ident(keyword) = &token.kind else {
                return Err(self.error_here(format!(
                    "expected a declaration (class, enum, type, function, client, generator, retry_policy, template_string, test), found {}",
                    Self::describe(Some(&token.kind))
                )));
            };
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
                "client" | "generator" | "retry_policy" | "test" => {
                    self.skip_until_block()?;
                }
                "template_string" => {
                    self.expect_ident("a template_string name")?;
                    if self.peek_kind() == Some(&TokenKind::Punct('(')) {
                        self.skip_balanced('(', ')')?;
                    }
                    match self.next().map(|t| t.kind) {
                        Some(TokenKind::RawStr(_) | TokenKind::Str(_)) => {}
                        other => {
                            self.pos -= 1;
                            return Err(self.error_here(format!(
                                "expected the template_string body #\"…\"#, found {}",
                                Self::describe(other.as_ref())
                            )));
                        }
                    }
                }
                other => {
                    return Err(CompileError::new(
                        token.location,
                        format!(
                            "unknown declaration `{other}`: expected class, enum, type, function, client, generator, retry_policy, template_string or test"
                        ),
                    ))
                }
            }
            self.record_block(start, keyword, &block_location);
        }
    }

    /// Keeps the declaration at `tokens[start..pos]` as a [`RawBlock`] when it
    /// declares no wire type.
    fn record_block(&mut self, start: usize, keyword: &str, location: &Location) {
        let kinds = [
            "function",
            "test",
            "client",
            "generator",
            "retry_policy",
            "template_string",
        ];
        if !kinds.contains(&keyword) {
            return;
        }
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
        let body = if keyword == "function" {
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
            kind: keyword.to_string(),
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
        Err(self.error_here("expected a `{ … }` block"))
    }

    fn skip_balanced(&mut self, open: char, close: char) -> Result<(), CompileError> {
        let start = self.here();
        let mut depth = 0usize;
        while let Some(token) = self.next() {
            if token.kind == TokenKind::Punct(open) {
                depth += 1;
            } else if token.kind == TokenKind::Punct(close) {
                depth -= 1;
                if depth == 0 {
                    return Ok(());
                }
            }
        }
        Err(CompileError::new(
            start,
            format!("unclosed `{open}`: add the matching `{close}`"),
        ))
    }

    /// `@name(args)` / `@@name(args)`; names are dotted identifiers (`@stream.done`).
    fn attributes(&mut self) -> Result<Vec<Attribute>, CompileError> {
        let mut attrs = Vec::new();
        while self.peek_kind() == Some(&TokenKind::Punct('@')) {
            let location = self.here();
            self.pos += 1;
            let class_level = self.peek_kind() == Some(&TokenKind::Punct('@'));
            if class_level {
                self.pos += 1;
            }
            let (mut name, _) = self.expect_ident("an attribute name after `@`")?;
            while self.peek_kind() == Some(&TokenKind::Punct('.')) {
                self.pos += 1;
                let (part, _) = self.expect_ident(&format!(
                    "an attribute name after `@{name}.` (e.g. @stream.done)"
                ))?;
                name.push('.');
                name.push_str(&part);
            }
            let mut args = Vec::new();
            let mut text = String::new();
            if self.peek_kind() == Some(&TokenKind::Punct('(')) {
                let start = self.pos;
                self.skip_balanced('(', ')')?;
                args = self.tokens[start + 1..self.pos - 1].to_vec();
                let (from, to) = (self.tokens[start].end, self.tokens[self.pos - 1].start);
                text = self.source[from..to]
                    .iter()
                    .collect::<String>()
                    .trim()
                    .to_string();
            }
            attrs.push(Attribute {
                name,
                class_level,
                args,
                text,
                location,
            });
        }
        Ok(attrs)
    }

    /// `class`, `enum` and `function` cannot name a field or value (BAML
    /// rejects them); meeting one inside a block almost always means the
    /// block is missing its closing `}`.
    fn reject_keyword(&self, what: &str, name: &str) -> Result<(), CompileError> {
        match self.peek_kind() {
            Some(TokenKind::Ident(word)) if ["class", "enum", "function"].contains(&word.as_str()) => {
                Err(self.error_here(format!(
                    "`{word}` is a BAML keyword, not a field or value name: {what} `{name}` is probably missing its closing `}}` before this line"
                )))
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
                return Err(CompileError::new(
                    attr.location,
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
                    return Err(CompileError::new(
                        attr.location,
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
                Some(TokenKind::Ident(_)) => {
                    self.reject_keyword("class", &name)?;
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
                            apply_block_attribute(&attr, &mut meta, "class")?;
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
                                return Err(CompileError::new(
                                    attr.location,
                                    format!("`@skip` needs an optional field: make it `{} T?` (BAML rejects @skip on a required field)", field.name),
                                ))
                            }
                            other => {
                                return Err(CompileError::new(
                                    attr.location,
                                    format!("unknown field attribute `@{other}`: expected @alias, @description, @assert, @check, @skip or @stream.done / @stream.not_null / @stream.with_state"),
                                ))
                            }
                        }
                    }
                    fields.push(field);
                }
                other => {
                    return Err(self.error_here(format!(
                        "expected a field, a `@@` attribute or `}}` in class `{name}`, found {}",
                        Self::describe(other)
                    )))
                }
            }
        }
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
                Some(TokenKind::Ident(_)) => {
                    self.reject_keyword("enum", &name)?;
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
                            apply_block_attribute(&attr, &mut meta, "enum")?;
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
                                return Err(CompileError::new(
                                    attr.location,
                                    format!("unknown enum value attribute `@{other}`: expected @alias, @description, @skip or @stream.done"),
                                ))
                            }
                        }
                    }
                    values.push(value);
                }
                other => {
                    return Err(self.error_here(format!(
                    "expected an enum value, a `@@` attribute or `}}` in enum `{name}`, found {}",
                    Self::describe(other)
                )))
                }
            }
        }
    }

    fn function(&mut self, location: Location) -> Result<Function, CompileError> {
        let (name, _) = self.expect_ident("a function name after `function`")?;
        self.expect_punct('(', &format!("to open the parameters of `{name}`"))?;
        let mut params = Vec::new();
        while self.peek_kind() != Some(&TokenKind::Punct(')')) {
            let (param, _) = self.expect_ident("a parameter name")?;
            self.expect_punct(':', &format!("after parameter `{param}` (name: type)"))?;
            let ty = self.type_expr()?;
            params.push(Param { name: param, ty });
            if self.peek_kind() == Some(&TokenKind::Punct(',')) {
                self.pos += 1;
            } else if self.peek_kind() != Some(&TokenKind::Punct(')')) {
                return Err(self.error_here(format!(
                    "expected `,` or `)` in the parameters of `{name}`, found {}",
                    Self::describe(self.peek_kind())
                )));
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
            return Err(self.error_here(format!(
                "function `{name}` has no return type: write `-> Type` before `{{`"
            )));
        }
        let return_type = self.type_expr()?;
        if self.peek_kind() != Some(&TokenKind::Punct('{')) {
            return Err(self.error_here(format!(
                "expected `{{` to open the body of function `{name}`, found {}",
                Self::describe(self.peek_kind())
            )));
        }
        self.skip_balanced('{', '}')?;
        Ok(Function {
            name,
            params,
            return_type,
            location,
        })
    }

    /// `union := postfix ('|' postfix)*`
    fn type_expr(&mut self) -> Result<TypeExpr, CompileError> {
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
        loop {
            let same_line = self.peek().is_some_and(|t| !t.newline_before);
            match self.peek_kind() {
                Some(TokenKind::Punct('[')) if same_line && after_optional => {
                    return Err(self.error_here(
                        "`T?[]` is not valid BAML: write `(T?)[]` for a list of optional items or `T[]?` for an optional list",
                    ));
                }
                Some(TokenKind::Punct('?')) if same_line && after_optional => {
                    return Err(self.error_here("`T??` is not valid BAML: write a single `?`"));
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
        match self.next().map(|t| t.kind) {
            Some(TokenKind::Punct('(')) => {
                let inner = self.type_expr()?;
                if self.peek_kind() == Some(&TokenKind::Punct('@')) {
                    return Err(self.error_here(
                        "attributes inside a type expression, such as `(T @check(…))`, are not supported by the contracts compiler: put them on the field, or declare `type Name = T @check(…)` and use Name",
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
                _ if PRIMITIVES.contains(&name.as_str()) => Ok(TypeExpr::Primitive { name }),
                _ => Ok(TypeExpr::Named { name }),
            },
            Some(TokenKind::Float(f)) => Err(CompileError::new(
                location,
                format!("float literal types such as `{f}` are not valid BAML: use `float`, or int/string literals"),
            )),
            other => Err(CompileError::new(
                location,
                format!(
                    "expected a type (a name, string/int/bool literal, map<K, V> or `(`…`)`), found {}",
                    Self::describe(other.as_ref())
                ),
            )),
        }
    }
}
