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

/// Parses one file's text and appends its declarations to `ir`.
pub fn parse_file(file: &str, source: &str, ir: &mut Ir) -> Result<(), CompileError> {
    let tokens = tokenize(file, source)?;
    let end = tokens
        .last()
        .map_or_else(|| Location::new(file, 1, 1), |t| t.location.clone());
    Parser {
        tokens,
        pos: 0,
        end,
    }
    .file(ir)
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    end: Location,
}

/// An attribute such as `@alias("x")` or `@@dynamic`, with its raw arguments.
struct Attribute {
    name: String,
    class_level: bool,
    args: Vec<Token>,
    location: Location,
}

impl Attribute {
    /// The first string argument (`@description("…")`, `@alias(#"…"#)`).
    fn string_arg(&self) -> Result<String, CompileError> {
        self.args
            .iter()
            .find_map(|t| match &t.kind {
                TokenKind::Str(s) | TokenKind::RawStr(s) => Some(s.clone()),
                _ => None,
            })
            .ok_or_else(|| {
                CompileError::new(
                    self.location.clone(),
                    format!(
                        "`@{}` needs a string argument, e.g. @{}(\"…\")",
                        self.name, self.name
                    ),
                )
            })
    }

    fn constraint(&self) -> Result<Constraint, CompileError> {
        // `@assert(name, {{ expr }})` or `@assert({{ expr }})`.
        let (name, rest) = match self.args.first().map(|t| &t.kind) {
            Some(TokenKind::Ident(n))
                if self.args.get(1).map(|t| &t.kind) == Some(&TokenKind::Punct(',')) =>
            {
                (Some(n.clone()), &self.args[2..])
            }
            _ => (None, &self.args[..]),
        };
        if rest.is_empty() {
            return Err(CompileError::new(
                self.location.clone(),
                format!(
                    "`@{}` needs a Jinja expression, e.g. @{}(name, {{{{ this > 0 }}}})",
                    self.name, self.name
                ),
            ));
        }
        Ok(Constraint {
            kind: self.name.clone(),
            name,
            expression: render_tokens(rest),
        })
    }
}

/// Re-renders tokens of a Jinja expression (`{{ this|length > 0 }}`) as text.
fn render_tokens(tokens: &[Token]) -> String {
    let mut out = String::new();
    for token in tokens {
        let piece = match &token.kind {
            TokenKind::Ident(s) | TokenKind::RawStr(s) => s.clone(),
            TokenKind::Str(s) => format!("{s:?}"),
            TokenKind::Int(i) => i.to_string(),
            TokenKind::Float(f) => f.to_string(),
            TokenKind::DocComment(_) => continue,
            TokenKind::Punct(c) | TokenKind::Other(c) => c.to_string(),
        };
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&piece);
    }
    out
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

    fn file(mut self, ir: &mut Ir) -> Result<(), CompileError> {
        loop {
            let doc = self.take_doc_comments();
            let Some(token) = self.peek().cloned() else {
                return Ok(());
            };
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
                    let (name, _) = self.expect_ident("a type alias name after `type`")?;
                    self.expect_punct('=', "after the alias name (type Name = …)")?;
                    let ty = self.type_expr()?;
                    ir.type_aliases.push(TypeAlias {
                        name,
                        ty,
                        description: doc,
                        location: token.location,
                    });
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
        }
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

    fn attributes(&mut self) -> Result<Vec<Attribute>, CompileError> {
        let mut attrs = Vec::new();
        while self.peek_kind() == Some(&TokenKind::Punct('@')) {
            let location = self.here();
            self.pos += 1;
            let class_level = self.peek_kind() == Some(&TokenKind::Punct('@'));
            if class_level {
                self.pos += 1;
            }
            let (name, _) = self.expect_ident("an attribute name after `@`")?;
            let mut args = Vec::new();
            if self.peek_kind() == Some(&TokenKind::Punct('(')) {
                let start = self.pos;
                self.skip_balanced('(', ')')?;
                args = self.tokens[start + 1..self.pos - 1].to_vec();
            }
            attrs.push(Attribute {
                name,
                class_level,
                args,
                location,
            });
        }
        Ok(attrs)
    }

    fn class(&mut self, doc: Option<String>, location: Location) -> Result<Class, CompileError> {
        let (name, _) = self.expect_ident("a class name after `class`")?;
        self.expect_punct('{', &format!("to open class `{name}`"))?;
        let mut class = Class {
            name,
            description: doc,
            alias: None,
            dynamic: false,
            fields: Vec::new(),
            constraints: Vec::new(),
            location,
        };
        loop {
            let doc = self.take_doc_comments();
            match self.peek_kind() {
                Some(TokenKind::Punct('}')) => {
                    self.pos += 1;
                    return Ok(class);
                }
                Some(TokenKind::Punct('@')) => {
                    for attr in self.attributes()? {
                        apply_block_attribute(
                            &attr,
                            &mut class.description,
                            &mut class.alias,
                            &mut class.dynamic,
                            &mut class.constraints,
                            "class",
                        )?;
                    }
                }
                Some(TokenKind::Ident(_)) => {
                    let (field_name, field_loc) = self.expect_ident("a field name")?;
                    let ty = self.type_expr()?;
                    let mut field = Field {
                        name: field_name,
                        ty,
                        alias: None,
                        description: doc,
                        constraints: Vec::new(),
                        location: field_loc,
                    };
                    for attr in self.attributes()? {
                        if attr.class_level {
                            apply_block_attribute(
                                &attr,
                                &mut class.description,
                                &mut class.alias,
                                &mut class.dynamic,
                                &mut class.constraints,
                                "class",
                            )?;
                            continue;
                        }
                        match attr.name.as_str() {
                            "alias" => field.alias = Some(attr.string_arg()?),
                            "description" => field.description = Some(attr.string_arg()?),
                            "assert" | "check" => field.constraints.push(attr.constraint()?),
                            "stream" | "skip" => {}
                            other => {
                                return Err(CompileError::new(
                                    attr.location,
                                    format!("unknown field attribute `@{other}`: expected @alias, @description, @assert, @check or @stream.*"),
                                ))
                            }
                        }
                    }
                    class.fields.push(field);
                }
                other => {
                    return Err(self.error_here(format!(
                        "expected a field, a `@@` attribute or `}}` in class `{}`, found {}",
                        class.name,
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
        let mut e = Enum {
            name,
            description: doc,
            alias: None,
            dynamic: false,
            values: Vec::new(),
            location,
        };
        let mut unused_constraints = Vec::new();
        loop {
            let doc = self.take_doc_comments();
            match self.peek_kind() {
                Some(TokenKind::Punct('}')) => {
                    self.pos += 1;
                    return Ok(e);
                }
                Some(TokenKind::Punct('@')) => {
                    for attr in self.attributes()? {
                        apply_block_attribute(
                            &attr,
                            &mut e.description,
                            &mut e.alias,
                            &mut e.dynamic,
                            &mut unused_constraints,
                            "enum",
                        )?;
                    }
                }
                Some(TokenKind::Ident(_)) => {
                    let (value_name, value_loc) = self.expect_ident("an enum value")?;
                    let mut value = EnumValue {
                        name: value_name,
                        alias: None,
                        description: doc,
                        skip: false,
                        location: value_loc,
                    };
                    for attr in self.attributes()? {
                        if attr.class_level {
                            apply_block_attribute(
                                &attr,
                                &mut e.description,
                                &mut e.alias,
                                &mut e.dynamic,
                                &mut unused_constraints,
                                "enum",
                            )?;
                            continue;
                        }
                        match attr.name.as_str() {
                            "alias" => value.alias = Some(attr.string_arg()?),
                            "description" => value.description = Some(attr.string_arg()?),
                            "skip" => value.skip = true,
                            other => {
                                return Err(CompileError::new(
                                    attr.location,
                                    format!("unknown enum value attribute `@{other}`: expected @alias, @description or @skip"),
                                ))
                            }
                        }
                    }
                    e.values.push(value);
                }
                other => {
                    return Err(self.error_here(format!(
                        "expected an enum value, a `@@` attribute or `}}` in enum `{}`, found {}",
                        e.name,
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
        self.expect_punct('-', &format!("for the return type of `{name}` (-> Type)"))?;
        self.expect_punct('>', &format!("for the return type of `{name}` (-> Type)"))?;
        let return_type = self.type_expr()?;
        if self.peek_kind() != Some(&TokenKind::Punct('{')) {
            return Err(self.error_here(format!(
                "expected `{{` to open the body of function `{name}`"
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

    /// `postfix := atom ('[]' | '?')*` — postfixes must follow on the same line.
    fn postfix_type(&mut self) -> Result<TypeExpr, CompileError> {
        let mut ty = self.atom_type()?;
        loop {
            let same_line = self.peek().is_some_and(|t| !t.newline_before);
            match self.peek_kind() {
                Some(TokenKind::Punct('[')) if same_line => {
                    self.pos += 1;
                    self.expect_punct(']', "to close the list type `[]`")?;
                    ty = TypeExpr::List {
                        items: Box::new(ty),
                    };
                }
                Some(TokenKind::Punct('?')) if same_line => {
                    self.pos += 1;
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
                self.expect_punct(')', "to close the parenthesised type")?;
                Ok(inner)
            }
            Some(TokenKind::Str(s)) => Ok(TypeExpr::Literal { value: Literal::String(s) }),
            Some(TokenKind::Int(i)) => Ok(TypeExpr::Literal { value: Literal::Int(i) }),
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

fn apply_block_attribute(
    attr: &Attribute,
    description: &mut Option<String>,
    alias: &mut Option<String>,
    dynamic: &mut bool,
    constraints: &mut Vec<Constraint>,
    what: &str,
) -> Result<(), CompileError> {
    if !attr.class_level {
        return Err(CompileError::new(
            attr.location.clone(),
            format!(
                "`@{}` must follow a field or value; use `@@{}` for the whole {what}",
                attr.name, attr.name
            ),
        ));
    }
    match attr.name.as_str() {
        "description" => *description = Some(attr.string_arg()?),
        "alias" => *alias = Some(attr.string_arg()?),
        "dynamic" => *dynamic = true,
        "assert" | "check" if what == "class" => constraints.push(attr.constraint()?),
        other => {
            return Err(CompileError::new(
                attr.location.clone(),
                format!("unknown {what} attribute `@@{other}`: expected @@description, @@alias, @@dynamic{}", if what == "class" { ", @@assert or @@check" } else { "" }),
            ))
        }
    }
    Ok(())
}
