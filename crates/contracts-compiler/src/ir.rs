//! The intermediate representation of a `baml_src` tree.
//!
//! Everything downstream (the contracts-core registry, JSON Schema, diffs)
//! reads this IR; it keeps every piece of type information BAML declares,
//! including what does not reach the wire (`@alias`, `@description`).

use crate::error::Location;
use serde::Serialize;

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
#[derive(Debug, Clone, Serialize)]
pub struct Constraint {
    /// `assert` or `check`.
    pub kind: String,
    /// The constraint's name, when given.
    pub name: Option<String>,
    /// The Jinja expression, verbatim with its braces (`{{ this > 0 }}`).
    pub expression: String,
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
}

/// A BAML type expression.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TypeExpr {
    /// `string`, `int`, `float`, `bool`, `null`, `image`, `audio`, `video`, `pdf`.
    Primitive {
        /// The primitive's name.
        name: String,
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
        let mut stack = vec![self];
        while let Some(ty) = stack.pop() {
            match ty {
                TypeExpr::Named { name } => out.push(name.as_str()),
                TypeExpr::Optional { inner } | TypeExpr::List { items: inner } => stack.push(inner),
                TypeExpr::Map { key, value } => {
                    stack.push(value);
                    stack.push(key);
                }
                TypeExpr::Union { members } => stack.extend(members.iter().rev()),
                TypeExpr::Primitive { .. } | TypeExpr::Literal { .. } => {}
            }
        }
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

/// The names BAML treats as primitive types.
pub const PRIMITIVES: &[&str] = &[
    "string", "int", "float", "bool", "null", "image", "audio", "video", "pdf",
];
