//! Tokenizer for BAML source files.
//!
//! The lexer never fails on characters it does not know: blocks the compiler
//! skips (clients, generators, prompts) may contain anything, so unknown
//! characters become [`TokenKind::Other`] and only the parser decides whether
//! they are an error in context. Unterminated strings and comments are errors.

use crate::codes::Code;
use crate::error::{CompileError, Location};

/// One token with the location of its first character.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    /// What the token is.
    pub kind: TokenKind,
    /// Where it starts.
    pub location: Location,
    /// True when a newline separates this token from the previous one.
    pub newline_before: bool,
    /// Char offset of the token's first character in the source.
    pub start: usize,
    /// Char offset just past the token's last character.
    pub end: usize,
}

/// The kinds of token in a BAML file.
#[derive(Debug, Clone, PartialEq)]
pub enum TokenKind {
    /// An identifier or keyword (`class`, `string`, `env`, `gpt-4o` parts…).
    Ident(String),
    /// A `"…"` string, unescaped.
    Str(String),
    /// A `#"…"#` raw string of any hash depth, verbatim.
    RawStr(String),
    /// An integer literal (may be negative).
    Int(i64),
    /// A float literal.
    Float(f64),
    /// A `///` doc comment line, without the slashes.
    DocComment(String),
    /// A Jinja expression `{{ … }}` (constraints), verbatim with its braces.
    /// `{{` never opens two blocks in BAML, so lexing it as one token is safe.
    Jinja(String),
    /// Any punctuation character: `{ } ( ) [ ] < > , ? | = : . @ - ;`
    Punct(char),
    /// Any other character (only legal inside skipped blocks).
    Other(char),
}

/// Splits `source` (the text of `file`) into tokens.
pub fn tokenize(file: &str, source: &str) -> Result<Vec<Token>, CompileError> {
    Lexer {
        file,
        chars: source.chars().collect(),
        pos: 0,
        line: 1,
        col: 1,
    }
    .run()
}

struct Lexer<'a> {
    file: &'a str,
    chars: Vec<char>,
    pos: usize,
    line: u32,
    col: u32,
}

impl Lexer<'_> {
    fn peek(&self, offset: usize) -> Option<char> {
        self.chars.get(self.pos + offset).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.chars.get(self.pos).copied()?;
        self.pos += 1;
        if c == '\n' {
            self.line += 1;
            self.col = 1;
        } else {
            self.col += 1;
        }
        Some(c)
    }

    fn location(&self) -> Location {
        Location::new(self.file, self.line, self.col)
    }

    fn starts_with(&self, s: &str) -> bool {
        s.chars().enumerate().all(|(i, c)| self.peek(i) == Some(c))
    }

    fn run(mut self) -> Result<Vec<Token>, CompileError> {
        let mut tokens = Vec::new();
        let mut newline_before = true;
        while let Some(c) = self.peek(0) {
            if c == '\n' {
                newline_before = true;
                self.bump();
                continue;
            }
            if c.is_whitespace() {
                self.bump();
                continue;
            }
            let location = self.location();
            let start = self.pos;
            if self.starts_with("{//") {
                self.block_comment(&location)?;
                continue;
            }
            if self.starts_with("///") {
                let text = self.line_comment(3);
                tokens.push(Token {
                    kind: TokenKind::DocComment(text),
                    location,
                    newline_before,
                    start,
                    end: self.pos,
                });
                newline_before = true;
                continue;
            }
            if self.starts_with("//") {
                self.line_comment(2);
                continue;
            }
            let kind = if self.starts_with("{{") {
                TokenKind::Jinja(self.jinja(&location)?)
            } else if c == '"' {
                TokenKind::Str(self.quoted_string(&location)?)
            } else if c == '#' && self.raw_string_hashes().is_some() {
                TokenKind::RawStr(self.raw_string(&location)?)
            } else if c.is_ascii_digit()
                || (c == '-' && self.peek(1).is_some_and(|d| d.is_ascii_digit()))
            {
                self.number()
            } else if c.is_alphabetic() || c == '_' {
                TokenKind::Ident(self.ident())
            } else {
                self.bump();
                if "{}()[]<>,?|=:.@-;".contains(c) {
                    TokenKind::Punct(c)
                } else {
                    TokenKind::Other(c)
                }
            };
            tokens.push(Token {
                kind,
                location,
                newline_before,
                start,
                end: self.pos,
            });
            newline_before = false;
        }
        Ok(tokens)
    }

    fn line_comment(&mut self, prefix: usize) -> String {
        for _ in 0..prefix {
            self.bump();
        }
        let mut text = String::new();
        while let Some(c) = self.peek(0) {
            if c == '\n' {
                break;
            }
            text.push(c);
            self.bump();
        }
        text.trim().to_string()
    }

    fn block_comment(&mut self, start: &Location) -> Result<(), CompileError> {
        for _ in 0..3 {
            self.bump();
        }
        while self.peek(0).is_some() {
            if self.starts_with("//}") {
                for _ in 0..3 {
                    self.bump();
                }
                return Ok(());
            }
            self.bump();
        }
        Err(CompileError::coded(
            Code::UnterminatedBlockComment,
            start.clone(),
            "unterminated block comment: `{//` has no closing `//}`",
        ))
    }

    fn jinja(&mut self, start: &Location) -> Result<String, CompileError> {
        let mut text = String::new();
        text.extend(self.bump());
        text.extend(self.bump());
        while self.peek(0).is_some() {
            // `}}}` ends with the last two braces: `{{ {'a': 1}}}`.
            if self.starts_with("}}") && self.peek(2) != Some('}') {
                text.extend(self.bump());
                text.extend(self.bump());
                return Ok(text);
            }
            text.extend(self.bump());
        }
        Err(CompileError::coded(
            Code::UnterminatedJinja,
            start.clone(),
            "unterminated Jinja expression: `{{` has no closing `}}`",
        ))
    }

    fn quoted_string(&mut self, start: &Location) -> Result<String, CompileError> {
        self.bump();
        let mut text = String::new();
        loop {
            match self.bump() {
                None | Some('\n') => {
                    return Err(CompileError::coded(
                Code::UnterminatedString,

                        start.clone(),
                        "unterminated string: add the closing `\"` on the same line, or use a raw string #\"…\"# for multi-line text",
                    ))
                }
                Some('"') => return Ok(text),
                Some('\\') => match self.bump() {
                    Some('n') => text.push('\n'),
                    Some('t') => text.push('\t'),
                    Some(other) => text.push(other),
                    None => {}
                },
                Some(c) => text.push(c),
            }
        }
    }

    /// Number of `#` before a `"` at the cursor, if the cursor starts a raw string.
    fn raw_string_hashes(&self) -> Option<usize> {
        let mut n = 0;
        while self.peek(n) == Some('#') {
            n += 1;
        }
        (n > 0 && self.peek(n) == Some('"')).then_some(n)
    }

    fn raw_string(&mut self, start: &Location) -> Result<String, CompileError> {
        let hashes = self.raw_string_hashes().unwrap_or(1);
        for _ in 0..=hashes {
            self.bump();
        }
        let terminator: String = std::iter::once('"')
            .chain(std::iter::repeat_n('#', hashes))
            .collect();
        let mut text = String::new();
        while self.peek(0).is_some() {
            if self.starts_with(&terminator) {
                for _ in 0..terminator.chars().count() {
                    self.bump();
                }
                return Ok(text);
            }
            text.extend(self.bump());
        }
        Err(CompileError::coded(
            Code::UnterminatedRawString,
            start.clone(),
            format!("unterminated raw string: expected the closing `{terminator}`"),
        ))
    }

    fn number(&mut self) -> TokenKind {
        let mut text = String::new();
        if self.peek(0) == Some('-') {
            text.extend(self.bump());
        }
        let mut is_float = false;
        while let Some(c) = self.peek(0) {
            if c.is_ascii_digit() || c == '_' {
                text.extend(self.bump());
            } else if c == '.' && !is_float && self.peek(1).is_some_and(|d| d.is_ascii_digit()) {
                is_float = true;
                text.extend(self.bump());
            } else {
                break;
            }
        }
        let digits = text.replace('_', "");
        if is_float {
            TokenKind::Float(digits.parse().unwrap_or(f64::NAN))
        } else {
            digits.parse().map_or_else(
                |_| TokenKind::Float(digits.parse().unwrap_or(f64::NAN)),
                TokenKind::Int,
            )
        }
    }

    fn ident(&mut self) -> String {
        let mut text = String::new();
        while let Some(c) = self.peek(0) {
            if c.is_alphanumeric() || c == '_' {
                text.push(c);
                self.bump();
            } else {
                break;
            }
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<TokenKind> {
        tokenize("t.baml", src)
            .unwrap()
            .into_iter()
            .map(|t| t.kind)
            .collect()
    }

    #[test]
    fn raw_strings_of_any_hash_depth_are_one_token() {
        let k = kinds(r###"prompt ##"a "# b"## x"###);
        assert_eq!(k[1], TokenKind::RawStr(r##"a "# b"##.to_string()));
        assert_eq!(k[2], TokenKind::Ident("x".into()));
    }

    #[test]
    fn comments_are_dropped_and_doc_comments_kept() {
        let k = kinds("a // x\n/// doc\n{// block\n } //} b");
        assert_eq!(
            k,
            vec![
                TokenKind::Ident("a".into()),
                TokenKind::DocComment("doc".into()),
                TokenKind::Ident("b".into())
            ]
        );
    }

    #[test]
    fn unterminated_string_reports_its_start() {
        let err = tokenize("t.baml", "class A {\n  x \"abc\n}").unwrap_err();
        assert_eq!((err.location.line, err.location.column), (2, 5));
    }

    #[test]
    fn jinja_expressions_are_one_verbatim_token() {
        let k = kinds("@check(a, {{ this|regex_match(\"(\") and {'k': 1}.k }})");
        assert_eq!(
            k[5],
            TokenKind::Jinja("{{ this|regex_match(\"(\") and {'k': 1}.k }}".into())
        );
        assert_eq!(k[6], TokenKind::Punct(')'));
    }
}
