//! Attributes (`@alias("x")`, `@stream.done`, `@@dynamic`, `@check(n, {{ … }})`)
//! and what each target (class, enum, field, value, alias, parameter, return
//! type) makes of them.

use super::Parser;
use crate::codes::Code;
use crate::error::{CompileError, Location};
use crate::ir::{Constraint, ConstraintKind, Primitive, TypeAttributes, TypeExpr};
use crate::lexer::{Token, TokenKind};
use std::collections::HashSet;

/// An attribute such as `@alias("x")`, `@stream.done` or `@@dynamic`, with its
/// raw arguments.
pub(super) struct Attribute {
    /// The dotted name without the `@`s (`alias`, `stream.done`).
    pub(super) name: String,
    pub(super) class_level: bool,
    pub(super) args: Vec<Token>,
    /// The source text between the parentheses, trimmed (unquoted strings).
    pub(super) text: String,
    pub(super) location: Location,
    /// Characters from the `@` to the end of the name.
    pub(super) length: usize,
}

/// The streaming attributes BAML knows, after `@stream.` / `@@stream.`.
const STREAM_ATTRIBUTES: [&str; 3] = ["done", "not_null", "with_state"];

impl Attribute {
    pub(super) fn at(&self) -> &'static str {
        if self.class_level {
            "@@"
        } else {
            "@"
        }
    }

    /// An error about this attribute, spanning its name.
    pub(super) fn error(&self, code: Code, message: impl Into<String>) -> CompileError {
        CompileError::coded(code, self.location.clone(), message).with_length(self.length)
    }

    /// The string argument: `@description("…")`, `@alias(#"…"#)`, or an
    /// unquoted string `@alias(foo)` (BAML takes the text verbatim).
    pub(super) fn string_arg(&self) -> Result<String, CompileError> {
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
            _ => Err(self.error(
                Code::InvalidAttributeArguments,
                format!(
                    "`{at}{name}` needs exactly one string argument, e.g. {at}{name}(\"…\")",
                    at = self.at(),
                    name = self.name
                ),
            )),
        }
    }

    /// `@assert({{ expr }})`, `@assert(name, {{ expr }})`, `@check(name, {{ expr }})`.
    pub(super) fn constraint(&self) -> Result<Constraint, CompileError> {
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
                return Err(self.error(
                    Code::InvalidAttributeArguments,
                    format!("`{at}{}` takes a Jinja expression: write {form}", self.name),
                ));
            }
        };
        Ok(Constraint {
            kind: if self.name == "check" {
                ConstraintKind::Check
            } else {
                ConstraintKind::Assert
            },
            name,
            expression,
        })
    }

    /// `Some(suffix)` for `stream.done` & co; an error for an unknown `stream.*`.
    pub(super) fn stream(&self) -> Result<Option<String>, CompileError> {
        let Some(suffix) = self.name.strip_prefix("stream.") else {
            return Ok(None);
        };
        if STREAM_ATTRIBUTES.contains(&suffix) && self.args.is_empty() {
            return Ok(Some(suffix.to_string()));
        }
        Err(self.error(
            Code::UnknownStreamAttribute,
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
pub(super) fn dedent(raw: &str) -> String {
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
pub(super) struct BlockMeta {
    pub(super) description: Option<String>,
    pub(super) alias: Option<String>,
    pub(super) dynamic: bool,
    pub(super) constraints: Vec<crate::ir::Constraint>,
    pub(super) stream: Vec<String>,
    pub(super) seen: HashSet<String>,
}

/// Fails when a non-repeatable attribute appears twice on the same target.
pub(super) fn once(attr: &Attribute, seen: &mut HashSet<String>) -> Result<(), CompileError> {
    if matches!(attr.name.as_str(), "assert" | "check") || seen.insert(attr.name.clone()) {
        return Ok(());
    }
    Err(attr.error(
        Code::DuplicateAttribute,
        format!(
            "`{at}{name}` is given twice here; keep only one",
            at = attr.at(),
            name = attr.name
        ),
    ))
}

/// True for `T?`, `T | null` and `null`: the types `@skip` accepts.
pub(super) fn is_optional(ty: &TypeExpr) -> bool {
    match ty {
        TypeExpr::Optional { .. } => true,
        TypeExpr::Primitive { name } => *name == Primitive::Null,
        TypeExpr::Union { members } => members.iter().any(is_optional),
        TypeExpr::Named { .. }
        | TypeExpr::Literal { .. }
        | TypeExpr::List { .. }
        | TypeExpr::Map { .. } => false,
    }
}

/// Applies a `@@` attribute to a class or enum (`what`).
pub(super) fn apply_block_attribute(
    attr: &Attribute,
    meta: &mut BlockMeta,
    what: &str,
) -> Result<(), CompileError> {
    if !attr.class_level {
        return Err(attr.error(
            Code::MisplacedAttribute,
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
            return Err(attr.error(
                Code::Unsupported,
                format!("`@@skip` on a {what} is not supported by the contracts compiler (it cannot represent a skipped {what}); remove the attribute or the {what}"),
            ))
        }
        other => {
            return Err(attr.error(
                Code::UnknownAttribute,
                format!(
                    "unknown {what} attribute `@@{other}`: expected @@description, @@alias, @@dynamic, @@assert, @@check or @@stream.done"
                ),
            ))
        }
    }
    Ok(())
}

/// Applies the attributes after a type in a signature (`what` is
/// `parameter `team`` or `the return type of `F``).
pub(super) fn apply_type_attributes(
    attrs: &[Attribute],
    target: &mut TypeAttributes,
    what: &str,
) -> Result<(), CompileError> {
    let mut seen = HashSet::new();
    for attr in attrs {
        if attr.class_level {
            return Err(attr.error(
                Code::MisplacedAttribute,
                format!(
                    "`@@{}` cannot follow {what}: it takes field-style attributes with one `@`",
                    attr.name
                ),
            ));
        }
        once(attr, &mut seen)?;
        if let Some(stream) = attr.stream()? {
            target.stream.push(stream);
            continue;
        }
        match attr.name.as_str() {
            "description" => target.description = Some(attr.string_arg()?),
            "alias" => target.alias = Some(attr.string_arg()?),
            "assert" | "check" => target.constraints.push(attr.constraint()?),
            "skip" if attr.args.is_empty() => target.skip = true,
            other => {
                return Err(attr.error(
                    Code::UnknownAttribute,
                    format!("unknown attribute `@{other}` on {what}: expected @description, @alias, @assert, @check, @skip or @stream.done / @stream.not_null / @stream.with_state"),
                ))
            }
        }
    }
    Ok(())
}

impl Parser {
    /// `@name(args)` / `@@name(args)`; names are dotted identifiers (`@stream.done`).
    pub(super) fn attributes(&mut self) -> Result<Vec<Attribute>, CompileError> {
        let mut attrs = Vec::new();
        while self.peek_kind() == Some(&TokenKind::Punct('@')) {
            let location = self.here();
            let first = self.tokens[self.pos].start;
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
            let length = self.tokens[self.pos - 1].end - first;
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
                length,
            });
        }
        Ok(attrs)
    }
}
