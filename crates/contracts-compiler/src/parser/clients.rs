//! The parts of `client<llm>`, `retry_policy` and function bodies the
//! cross-checks need: which clients a strategy or a function names, and which
//! retry policy a client uses. The rest of those blocks is configuration the
//! compiler keeps only as text (see [`super::RawBlock`]).

use super::Parser;
use crate::codes::Code;
use crate::error::CompileError;
use crate::ir::{Client, ClientRef, RetryPolicy};
use crate::lexer::{Token, TokenKind};

impl Parser {
    /// `client<llm> Name { provider P  retry_policy R  options { strategy [A, B] … } }`,
    /// after the `client` keyword.
    pub(super) fn client(&mut self) -> Result<Client, CompileError> {
        if self.peek_kind() == Some(&TokenKind::Punct('<')) {
            self.skip_balanced('<', '>')?;
        }
        let (name, location) = self.expect_ident("a client name after `client<llm>`")?;
        let body = self.block_body(&format!("to open client `{name}`"))?;
        let mut client = Client {
            name,
            provider: String::new(),
            retry_policy: None,
            strategy: None,
            location,
        };
        let mut depth = 0usize;
        for (i, token) in body.iter().enumerate() {
            let line_start = i == 0 || token.newline_before;
            match &token.kind {
                TokenKind::Punct('{' | '[' | '(') => depth += 1,
                TokenKind::Punct('}' | ']' | ')') => depth = depth.saturating_sub(1),
                TokenKind::Ident(key) if line_start && depth == 0 && key == "provider" => {
                    if let Some(value) = self.line_value(&body[i + 1..]) {
                        client.provider = value.name;
                    }
                }
                TokenKind::Ident(key) if line_start && depth == 0 && key == "retry_policy" => {
                    client.retry_policy = self.line_value(&body[i + 1..]);
                }
                TokenKind::Ident(key)
                    if line_start
                        && depth == 1
                        && key == "strategy"
                        && body.get(i + 1).map(|t| &t.kind) == Some(&TokenKind::Punct('[')) =>
                {
                    client.strategy = Some(self.list_items(&body[i + 2..]));
                }
                _ => {}
            }
        }
        Ok(client)
    }

    /// `retry_policy Name { … }`, after the keyword.
    pub(super) fn retry_policy(&mut self) -> Result<RetryPolicy, CompileError> {
        let (name, location) = self.expect_ident("a retry policy name after `retry_policy`")?;
        self.block_body(&format!("to open retry_policy `{name}`"))?;
        Ok(RetryPolicy { name, location })
    }

    /// The `client X` line of a function body (`body` without its braces).
    pub(super) fn function_client(&self, body: &[Token]) -> Option<ClientRef> {
        let mut depth = 0usize;
        for (i, token) in body.iter().enumerate() {
            match &token.kind {
                TokenKind::Punct('{' | '[' | '(') => depth += 1,
                TokenKind::Punct('}' | ']' | ')') => depth = depth.saturating_sub(1),
                TokenKind::Ident(key)
                    if depth == 0 && key == "client" && (i == 0 || token.newline_before) =>
                {
                    return self.line_value(&body[i + 1..]);
                }
                _ => {}
            }
        }
        None
    }

    /// The `{ … }` block at the cursor, without its braces; the cursor ends
    /// past the closing brace.
    fn block_body(&mut self, context: &str) -> Result<Vec<Token>, CompileError> {
        if self.peek_kind() != Some(&TokenKind::Punct('{')) {
            return Err(self.error_here(
                Code::UnexpectedToken,
                format!(
                    "expected `{{` {context}, found {}",
                    Self::describe(self.peek_kind())
                ),
            ));
        }
        let open = self.pos;
        self.skip_balanced('{', '}')?;
        Ok(self.tokens[open + 1..self.pos - 1].to_vec())
    }

    /// The value written on the rest of a line: a string's contents, or the
    /// source text of the tokens (`round-robin`, `openai/gpt-4o`).
    fn line_value(&self, rest: &[Token]) -> Option<ClientRef> {
        let first = rest.first().filter(|t| !t.newline_before)?;
        let len = 1 + rest[1..]
            .iter()
            .take_while(|t| !t.newline_before && !matches!(t.kind, TokenKind::Punct('{' | '}')))
            .count();
        self.item(&rest[..len])
            .filter(|_| first.kind != TokenKind::Punct('{'))
    }

    /// The items of a `[A, B]` list up to its `]`, split at commas and line breaks.
    fn list_items(&self, rest: &[Token]) -> Vec<ClientRef> {
        let end = rest
            .iter()
            .position(|t| t.kind == TokenKind::Punct(']'))
            .unwrap_or(rest.len());
        let mut items = Vec::new();
        let mut start = 0;
        for i in 0..=end {
            let boundary = i == end
                || rest[i].kind == TokenKind::Punct(',')
                || (i > start && rest[i].newline_before);
            if boundary {
                if i > start {
                    items.extend(self.item(&rest[start..i]));
                }
                start = if i < end && rest[i].kind == TokenKind::Punct(',') {
                    i + 1
                } else {
                    i
                };
            }
        }
        items
    }

    /// One value made of `tokens` (a string, or adjacent tokens' source text).
    fn item(&self, tokens: &[Token]) -> Option<ClientRef> {
        let first = tokens.first()?;
        let name = if let [Token {
            kind: TokenKind::Str(s) | TokenKind::RawStr(s),
            ..
        }] = tokens
        {
            s.clone()
        } else {
            let end = tokens.last().map_or(first.end, |t| t.end);
            self.source[first.start..end].iter().collect()
        };
        Some(ClientRef {
            name,
            location: first.location.clone(),
        })
    }
}
