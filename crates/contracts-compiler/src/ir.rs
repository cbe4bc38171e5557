//! The intermediate representation of a `baml_src` tree.
//!
//! Everything downstream (the contracts-core registry, JSON Schema, diffs)
//! reads this IR; it keeps every piece of type information BAML declares,
//! including what does not reach the wire (`@alias`, `@description`).

pub mod visit;

use crate::error::Location;
use serde::Serialize;
use std::fmt;
use std::str::FromStr;

/// The whole contract: every type and function declared under `baml_src`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Ir {
    /// `class` declarations, in source order (files sorted by path).
    pub classes: Vec<Class>,
    /// `enum` declarations.
    pub enums: Vec<Enum>,
    /// `type X = …` declarations.
    pub type_aliases: Vec<TypeAlias>,
    /// `function` declarations (signatures only; prompts are not part of the IR).
    pub functions: Vec<Function>,
    /// `client<llm>` declarations: configuration, kept for the cross-checks
    /// and not part of the IR's JSON.
    #[serde(skip)]
    pub clients: Vec<Client>,
    /// `retry_policy` declarations (names only), for the cross-checks; not
    /// part of the IR's JSON.
    #[serde(skip)]
    pub retry_policies: Vec<RetryPolicy>,
}

impl Ir {
    /// Finds a class by name.
    pub fn class(&self, name: &str) -> Option<&Class> {
        self.classes.iter().find(|c| c.name == name)
    }

    /// Finds an enum by name.
    pub fn enum_named(&self, name: &str) -> Option<&Enum> {
        self.enums.iter().find(|e| e.name == name)
    }

    /// Every declared type name (classes, enums, aliases) with its location.
    pub fn declared_types(&self) -> impl Iterator<Item = (&String, &Location)> {
        let classes = self.classes.iter().map(|c| (&c.name, &c.location));
        let enums = self.enums.iter().map(|e| (&e.name, &e.location));
        let aliases = self.type_aliases.iter().map(|a| (&a.name, &a.location));
        classes.chain(enums).chain(aliases)
    }

    /// Finds a type alias by name.
    pub fn alias(&self, name: &str) -> Option<&TypeAlias> {
        self.type_aliases.iter().find(|a| a.name == name)
    }
}

/// A `class` declaration.
#[derive(Debug, Clone, Serialize)]
pub struct Class {
    /// Declared name (the wire never sees it; generated models use it).
    pub name: String,
    /// `@@description` or `///` doc comment.
    pub description: Option<String>,
    /// `@@alias` (what the LLM sees).
    pub alias: Option<String>,
    /// `@@dynamic`: fields can be added at runtime through a `TypeBuilder`.
    pub dynamic: bool,
    /// Fields in declaration order.
    pub fields: Vec<Field>,
    /// `@@assert` / `@@check` on the class.
    pub constraints: Vec<Constraint>,
    /// `@@stream.*` attributes on the class, without the prefix (`done`).
    /// Streaming metadata only; absent from the JSON when empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub stream: Vec<String>,
    /// Where the class is declared.
    pub location: Location,
}

/// A field of a class.
#[derive(Debug, Clone, Serialize)]
pub struct Field {
    /// The wire name (BAML's declared field name; `@alias` never changes it).
    pub name: String,
    /// The field's type; optional fields are `TypeExpr::Optional`.
    #[serde(rename = "type")]
    pub ty: TypeExpr,
    /// `@alias` (prompt/parsing only).
    pub alias: Option<String>,
    /// `@description` or `///` doc comment.
    pub description: Option<String>,
    /// `@assert` / `@check` on the field.
    pub constraints: Vec<Constraint>,
    /// `@skip`: the field is left out of prompts and parsing (BAML requires
    /// it to be optional). Absent from the JSON when false.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub skip: bool,
    /// `@stream.done` / `@stream.not_null` / `@stream.with_state`, without the
    /// prefix, in source order. Absent from the JSON when empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub stream: Vec<String>,
    /// Where the field is declared.
    pub location: Location,
}

/// An `@assert` or `@check` attribute. Its Jinja expression is kept verbatim;
/// the fast validator does not evaluate it (see the contracts-core README).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Constraint {
    /// `assert` or `check`.
    pub kind: ConstraintKind,
    /// The constraint's name, when given.
    pub name: Option<String>,
    /// The Jinja expression, verbatim with its braces (`{{ this > 0 }}`).
    pub expression: String,
}

/// Which attribute a [`Constraint`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConstraintKind {
    /// `@assert`: a failing value is an error.
    Assert,
    /// `@check`: a failing value is reported next to the value.
    Check,
}

impl ConstraintKind {
    /// The attribute's name, without `@` (`assert`).
    pub const fn as_str(self) -> &'static str {
        match self {
            ConstraintKind::Assert => "assert",
            ConstraintKind::Check => "check",
        }
    }
}

impl fmt::Display for ConstraintKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An `enum` declaration.
#[derive(Debug, Clone, Serialize)]
pub struct Enum {
    /// Declared name.
    pub name: String,
    /// `@@description` or doc comment.
    pub description: Option<String>,
    /// `@@alias`.
    pub alias: Option<String>,
    /// `@@dynamic`.
    pub dynamic: bool,
    /// Values in declaration order.
    pub values: Vec<EnumValue>,
    /// `@@assert` / `@@check` on the enum. Absent from the JSON when empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub constraints: Vec<Constraint>,
    /// `@@stream.*` attributes, without the prefix. Absent from the JSON when empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub stream: Vec<String>,
    /// Where the enum is declared.
    pub location: Location,
}

/// One value of an enum.
#[derive(Debug, Clone, Serialize)]
pub struct EnumValue {
    /// The wire value.
    pub name: String,
    /// `@alias`.
    pub alias: Option<String>,
    /// `@description` or doc comment.
    pub description: Option<String>,
    /// `@skip`: hidden from prompts and LLM parsing; generated models (and so
    /// the wire) keep the value.
    pub skip: bool,
    /// `@stream.*` attributes, without the prefix. Absent from the JSON when empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub stream: Vec<String>,
    /// Where the value is declared.
    pub location: Location,
}

/// `type Name = …`.
#[derive(Debug, Clone, Serialize)]
pub struct TypeAlias {
    /// Declared name.
    pub name: String,
    /// The aliased type.
    #[serde(rename = "type")]
    pub ty: TypeExpr,
    /// Doc comment.
    pub description: Option<String>,
    /// `@assert` / `@check` after the aliased type (`type Pos = int @check(…)`).
    /// Absent from the JSON when empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub constraints: Vec<Constraint>,
    /// `@stream.*` attributes after the aliased type. Absent from the JSON when empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub stream: Vec<String>,
    /// Where the alias is declared.
    pub location: Location,
}

/// A `function` signature.
#[derive(Debug, Clone, Serialize)]
pub struct Function {
    /// Declared name.
    pub name: String,
    /// Parameters in order.
    pub params: Vec<Param>,
    /// The return type.
    pub return_type: TypeExpr,
    /// Attributes after the return type (`-> Schema @stream.not_null`).
    /// Absent from the JSON when there are none.
    #[serde(skip_serializing_if = "TypeAttributes::is_empty")]
    pub return_attributes: TypeAttributes,
    /// The `client` the body names; configuration, not part of the IR's JSON.
    #[serde(skip)]
    pub client: Option<ClientRef>,
    /// Where the function is declared.
    pub location: Location,
}

/// A function parameter.
#[derive(Debug, Clone, Serialize)]
pub struct Param {
    /// Parameter name.
    pub name: String,
    /// Parameter type.
    #[serde(rename = "type")]
    pub ty: TypeExpr,
    /// Attributes after the type (`team: string @description("…")`); each
    /// is absent from the JSON when not given.
    #[serde(flatten)]
    pub attributes: TypeAttributes,
    /// Where the parameter's name is.
    pub location: Location,
}

/// The attributes BAML takes after a type in a signature: on a parameter
/// and on a function's return type.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TypeAttributes {
    /// `@description`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `@alias`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
    /// `@assert` / `@check`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub constraints: Vec<Constraint>,
    /// `@stream.*`, without the prefix, in source order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub stream: Vec<String>,
    /// `@skip`.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub skip: bool,
}

impl TypeAttributes {
    /// True when no attribute is given.
    pub fn is_empty(&self) -> bool {
        *self == TypeAttributes::default()
    }
}

/// A `client<llm>` block: what the cross-checks need of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Client {
    /// Declared name.
    pub name: String,
    /// The `provider` (`openai`, `round-robin`, `fallback`, …), unquoted.
    pub provider: String,
    /// The `retry_policy` it names, if any.
    pub retry_policy: Option<ClientRef>,
    /// The clients of a `round-robin` or `fallback` strategy, in order;
    /// `None` when the block has no `strategy` option.
    pub strategy: Option<Vec<ClientRef>>,
    /// Where the block's name is.
    pub location: Location,
}

impl Client {
    /// True for the providers whose `strategy` lists other clients.
    pub fn is_strategy(&self) -> bool {
        matches!(self.provider.as_str(), "round-robin" | "fallback")
    }
}

/// A reference to a client (or retry policy) by name, or a
/// `provider/model` shorthand such as `"openai/gpt-4o"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientRef {
    /// The name or shorthand, unquoted.
    pub name: String,
    /// Where it is written.
    pub location: Location,
}

impl ClientRef {
    /// True for `provider/model` shorthands, which name no declared client.
    pub fn is_shorthand(&self) -> bool {
        self.name.contains('/')
    }
}

/// A `retry_policy` block (its name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Declared name.
    pub name: String,
    /// Where the name is.
    pub location: Location,
}

/// A BAML type expression.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TypeExpr {
    /// `string`, `int`, `float`, `bool`, `null`, `image`, `audio`, `video`, `pdf`.
    Primitive {
        /// The primitive (serialised as its BAML name: `"string"`).
        name: Primitive,
    },
    /// A class, enum or alias name.
    Named {
        /// The referenced name.
        name: String,
    },
    /// A string, int or bool literal type.
    Literal {
        /// The literal value.
        value: Literal,
    },
    /// `T[]`.
    List {
        /// Element type.
        items: Box<TypeExpr>,
    },
    /// `map<K, V>`.
    Map {
        /// Key type.
        key: Box<TypeExpr>,
        /// Value type.
        value: Box<TypeExpr>,
    },
    /// `A | B | …`.
    Union {
        /// Members in order.
        members: Vec<TypeExpr>,
    },
    /// `T?`.
    Optional {
        /// The inner type.
        inner: Box<TypeExpr>,
    },
}

impl TypeExpr {
    /// The referenced name when the type is a bare [`TypeExpr::Named`].
    ///
    /// ```
    /// use contracts_compiler::ir::{Primitive, TypeExpr};
    /// assert_eq!(TypeExpr::Named { name: "Goal".into() }.as_named(), Some("Goal"));
    /// assert_eq!(TypeExpr::Primitive { name: Primitive::Int }.as_named(), None);
    /// ```
    pub fn as_named(&self) -> Option<&str> {
        match self {
            TypeExpr::Named { name } => Some(name),
            TypeExpr::Primitive { .. }
            | TypeExpr::Literal { .. }
            | TypeExpr::List { .. }
            | TypeExpr::Map { .. }
            | TypeExpr::Union { .. }
            | TypeExpr::Optional { .. } => None,
        }
    }

    /// True when the type needs parentheses before a `[]` or `?` suffix:
    /// `(A | B)[]`, `(T?)[]`, `(T?)?`.
    fn binds_looser_than_suffix(&self) -> bool {
        match self {
            TypeExpr::Union { .. } | TypeExpr::Optional { .. } => true,
            TypeExpr::Primitive { .. }
            | TypeExpr::Named { .. }
            | TypeExpr::Literal { .. }
            | TypeExpr::List { .. }
            | TypeExpr::Map { .. } => false,
        }
    }

    /// Every class, enum or alias name the type mentions, in order (with repeats).
    ///
    /// ```
    /// use contracts_compiler::ir::TypeExpr;
    /// let named = |n: &str| TypeExpr::Named { name: n.into() };
    /// let ty = TypeExpr::Map { key: Box::new(named("K")), value: Box::new(TypeExpr::List { items: Box::new(named("V")) }) };
    /// assert_eq!(ty.names(), ["K", "V"]);
    /// ```
    pub fn names(&self) -> Vec<&str> {
        let mut out = Vec::new();
        visit::each_name(self, |name| out.push(name));
        out
    }
}

/// The value of a literal type.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Literal {
    /// `"TEXT"`.
    String(String),
    /// `42`.
    Int(i64),
    /// `true` / `false`.
    Bool(bool),
}

/// BAML syntax: `map<string, Goal[]>`, `(int | string)[]`, `"A" | "B"`,
/// `(Goal | null)?`. Parsing the printed text gives the same type back.
///
/// ```
/// use contracts_compiler::ir::TypeExpr;
/// let goal = TypeExpr::Named { name: "Goal".into() };
/// let list = TypeExpr::List { items: Box::new(TypeExpr::Optional { inner: Box::new(goal) }) };
/// assert_eq!(list.to_string(), "(Goal?)[]");
/// ```
impl fmt::Display for TypeExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TypeExpr::Primitive { name } => f.write_str(name.as_str()),
            TypeExpr::Named { name } => f.write_str(name),
            TypeExpr::Literal { value } => write!(f, "{value}"),
            TypeExpr::List { items } if items.binds_looser_than_suffix() => {
                write!(f, "({items})[]")
            }
            TypeExpr::List { items } => write!(f, "{items}[]"),
            TypeExpr::Map { key, value } => write!(f, "map<{key}, {value}>"),
            TypeExpr::Union { members } => {
                for (i, member) in members.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" | ")?;
                    }
                    // A nested union prints in parentheses so it reads back nested.
                    if matches!(member, TypeExpr::Union { .. }) {
                        write!(f, "({member})")?;
                    } else {
                        write!(f, "{member}")?;
                    }
                }
                Ok(())
            }
            TypeExpr::Optional { inner } if inner.binds_looser_than_suffix() => {
                write!(f, "({inner})?")
            }
            TypeExpr::Optional { inner } => write!(f, "{inner}?"),
        }
    }
}

/// `"TEXT"` (quoted, with the escapes BAML's lexer reads back: `\"`, `\\`,
/// `\n`, `\t`), `42`, `true`.
impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::String(s) => {
                f.write_str("\"")?;
                for c in s.chars() {
                    match c {
                        '"' => f.write_str("\\\"")?,
                        '\\' => f.write_str("\\\\")?,
                        '\n' => f.write_str("\\n")?,
                        '\t' => f.write_str("\\t")?,
                        c => write!(f, "{c}")?,
                    }
                }
                f.write_str("\"")
            }
            Literal::Int(i) => write!(f, "{i}"),
            Literal::Bool(b) => write!(f, "{b}"),
        }
    }
}

/// A BAML primitive type: the JSON scalars and the media types.
///
/// ```
/// use contracts_compiler::ir::Primitive;
/// assert_eq!("float".parse(), Ok(Primitive::Float));
/// assert_eq!(Primitive::Image.as_str(), "image");
/// assert!("Goal".parse::<Primitive>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Primitive {
    /// `string`.
    String,
    /// `int`.
    Int,
    /// `float`.
    Float,
    /// `bool`.
    Bool,
    /// `null`.
    Null,
    /// `image` (media: cannot cross the wire boundary).
    Image,
    /// `audio` (media).
    Audio,
    /// `video` (media).
    Video,
    /// `pdf` (media).
    Pdf,
}

impl Primitive {
    /// Every primitive, in the order BAML's documentation lists them.
    pub const ALL: [Primitive; 9] = [
        Primitive::String,
        Primitive::Int,
        Primitive::Float,
        Primitive::Bool,
        Primitive::Null,
        Primitive::Image,
        Primitive::Audio,
        Primitive::Video,
        Primitive::Pdf,
    ];

    /// The BAML name (`string`, `image`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Primitive::String => "string",
            Primitive::Int => "int",
            Primitive::Float => "float",
            Primitive::Bool => "bool",
            Primitive::Null => "null",
            Primitive::Image => "image",
            Primitive::Audio => "audio",
            Primitive::Video => "video",
            Primitive::Pdf => "pdf",
        }
    }

    /// The JSON scalar this primitive stands for, or `None` for the media
    /// types, which cannot cross the wire boundary (envelopes and DTOs are
    /// JSON; a media value travels as a URL string).
    ///
    /// ```
    /// use contracts_compiler::ir::{JsonScalar, Primitive};
    /// assert_eq!(Primitive::Int.json(), Some(JsonScalar::Int));
    /// assert_eq!(Primitive::Pdf.json(), None);
    /// ```
    pub const fn json(self) -> Option<JsonScalar> {
        match self {
            Primitive::String => Some(JsonScalar::String),
            Primitive::Int => Some(JsonScalar::Int),
            Primitive::Float => Some(JsonScalar::Float),
            Primitive::Bool => Some(JsonScalar::Bool),
            Primitive::Null => Some(JsonScalar::Null),
            Primitive::Image | Primitive::Audio | Primitive::Video | Primitive::Pdf => None,
        }
    }
}

/// The primitives that are JSON values: what a wire type can be made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JsonScalar {
    /// A JSON string.
    String,
    /// A JSON number with no fractional part that fits in an `i64`.
    Int,
    /// Any JSON number.
    Float,
    /// `true` or `false`.
    Bool,
    /// `null`.
    Null,
}

impl fmt::Display for Primitive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The name given is not one of BAML's primitive types (it names a class,
/// enum or alias instead).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotPrimitive;

impl FromStr for Primitive {
    type Err = NotPrimitive;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Primitive::ALL
            .into_iter()
            .find(|p| p.as_str() == name)
            .ok_or(NotPrimitive)
    }
}

/// The kind of a declaration the IR keeps only as text (a
/// [`RawBlock`](crate::parser::RawBlock)): it carries no wire type, and
/// `contracts diff` compares its tokens.
///
/// ```
/// use contracts_compiler::ir::BlockKind;
/// assert_eq!("retry_policy".parse(), Ok(BlockKind::RetryPolicy));
/// assert_eq!(BlockKind::TemplateString.keyword(), "template_string");
/// assert!("class".parse::<BlockKind>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum BlockKind {
    /// `function` (its body: client and prompt; the signature is in the IR).
    Function,
    /// `test`.
    Test,
    /// `client<llm>`.
    Client,
    /// `generator`.
    Generator,
    /// `retry_policy`.
    RetryPolicy,
    /// `template_string`.
    TemplateString,
}

impl BlockKind {
    /// Every block kind.
    pub const ALL: [BlockKind; 6] = [
        BlockKind::Function,
        BlockKind::Test,
        BlockKind::Client,
        BlockKind::Generator,
        BlockKind::RetryPolicy,
        BlockKind::TemplateString,
    ];

    /// The declaring keyword.
    pub const fn keyword(self) -> &'static str {
        match self {
            BlockKind::Function => "function",
            BlockKind::Test => "test",
            BlockKind::Client => "client",
            BlockKind::Generator => "generator",
            BlockKind::RetryPolicy => "retry_policy",
            BlockKind::TemplateString => "template_string",
        }
    }
}

impl fmt::Display for BlockKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.keyword())
    }
}

/// The keyword given declares a wire type (or nothing known), not a
/// [`BlockKind`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotBlockKind;

impl FromStr for BlockKind {
    type Err = NotBlockKind;

    fn from_str(keyword: &str) -> Result<Self, Self::Err> {
        BlockKind::ALL
            .into_iter()
            .find(|k| k.keyword() == keyword)
            .ok_or(NotBlockKind)
    }
}
