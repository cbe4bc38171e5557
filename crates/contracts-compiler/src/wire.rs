//! Wire types: the IR's type expressions resolved to what a validator checks
//! on the wire (aliases expanded, `Uuid` / `Timestamp` / `IsoDate` turned into
//! formats, classes and enums as indices). Both validators are generated from
//! this one resolution: the contracts-core registry (`codegen`) and the
//! JavaScript validator (`ts_validator`).
//!
//! ```
//! use contracts_compiler::{ir::Ir, parser, wire::WireTy};
//! let mut ir = Ir::default();
//! parser::parse_file("t.baml", "type Uuid = string\nclass A {\n  id Uuid\n  tags string[]?\n}", &mut ir).unwrap();
//! let field = &ir.classes[0].fields[1];
//! let ty = WireTy::resolve(&ir, &field.ty, &field.location).unwrap();
//! assert_eq!(ty.describe(&ir), "string[]?");
//! let id = WireTy::resolve(&ir, &ir.classes[0].fields[0].ty, &field.location).unwrap();
//! assert_eq!(id, WireTy::Uuid);
//! ```

use crate::error::{CompileError, Location};
use crate::ir::{Ir, JsonScalar, Literal, Primitive, TypeExpr};

/// A string format that a `string` alias's name carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// `Uuid`: canonical lowercase 8-4-4-4-12 hex.
    Uuid,
    /// `Timestamp`: RFC 3339 date-time with offset.
    Timestamp,
    /// `IsoDate`: calendar date `YYYY-MM-DD`.
    Date,
}

/// Aliases of `string` whose names carry a wire format (see
/// `baml_src/types/common.baml`).
pub const FORMAT_ALIASES: [(&str, Format); 3] = [
    ("Uuid", Format::Uuid),
    ("Timestamp", Format::Timestamp),
    ("IsoDate", Format::Date),
];

/// The format of the alias `name` when it is one of the [`FORMAT_ALIASES`]
/// declared as `string` in `ir`.
pub fn format_alias(ir: &Ir, name: &str) -> Option<Format> {
    let alias = ir.alias(name)?;
    let string = TypeExpr::Primitive {
        name: Primitive::String,
    };
    if alias.ty != string {
        return None;
    }
    FORMAT_ALIASES
        .iter()
        .find(|(a, _)| *a == name)
        .map(|(_, format)| *format)
}

/// Deepest alias expansion before a type is taken for a recursive alias.
const MAX_ALIAS_DEPTH: usize = 32;

/// A type as validators see it on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum WireTy {
    /// Any JSON string.
    String,
    /// A JSON number with no fractional part that fits in an `i64`.
    Int,
    /// Any JSON number.
    Float,
    /// `true` or `false`.
    Bool,
    /// `null`.
    Null,
    /// A canonical lowercase UUID string (`Uuid`).
    Uuid,
    /// An RFC 3339 date-time with offset (`Timestamp`).
    Timestamp,
    /// A calendar date `YYYY-MM-DD` (`IsoDate`).
    Date,
    /// Exactly this string.
    StringLiteral(String),
    /// Exactly this integer.
    IntLiteral(i64),
    /// Exactly this boolean.
    BoolLiteral(bool),
    /// A value of the enum at this index of [`Ir::enums`].
    Enum(usize),
    /// An object of the class at this index of [`Ir::classes`].
    Class(usize),
    /// An array of this element type.
    List(Box<WireTy>),
    /// An object with keys of the first type (`String` or an `Enum`) and
    /// values of the second.
    Map(Box<WireTy>, Box<WireTy>),
    /// Any one of these types.
    Union(Vec<WireTy>),
    /// This type or `null` (or absent, for a field).
    Optional(Box<WireTy>),
}

impl WireTy {
    /// Resolves a type expression of `ir`; `location` is where errors point.
    pub fn resolve(ir: &Ir, ty: &TypeExpr, location: &Location) -> Result<Self, CompileError> {
        resolve(ir, ty, location, 0)
    }

    /// The index of the enum in [`Ir::enums`] when the type is a bare enum.
    ///
    /// ```
    /// use contracts_compiler::wire::WireTy;
    /// assert_eq!(WireTy::Enum(2).as_enum(), Some(2));
    /// assert_eq!(WireTy::String.as_enum(), None);
    /// ```
    pub fn as_enum(&self) -> Option<usize> {
        match self {
            Self::Enum(i) => Some(*i),
            Self::String
            | Self::Int
            | Self::Float
            | Self::Bool
            | Self::Null
            | Self::Uuid
            | Self::Timestamp
            | Self::Date
            | Self::StringLiteral(_)
            | Self::IntLiteral(_)
            | Self::BoolLiteral(_)
            | Self::Class(_)
            | Self::List(_)
            | Self::Map(..)
            | Self::Union(_)
            | Self::Optional(_) => None,
        }
    }

    /// The type as the validators' messages name it (`GoalMilestone[]`,
    /// `map<string, int>`, `Uuid (UUID string)`, `A | B`, `string?`): the same
    /// text contracts-core's `describe` renders.
    pub fn describe(&self, ir: &Ir) -> String {
        match self {
            Self::String => "string".into(),
            Self::Int => "int".into(),
            Self::Float => "float".into(),
            Self::Bool => "bool".into(),
            Self::Null => "null".into(),
            Self::Uuid => "Uuid (UUID string)".into(),
            Self::Timestamp => "Timestamp (RFC 3339 string)".into(),
            Self::Date => "IsoDate (YYYY-MM-DD string)".into(),
            Self::StringLiteral(s) => format!("{s:?}"),
            Self::IntLiteral(i) => i.to_string(),
            Self::BoolLiteral(b) => b.to_string(),
            Self::Enum(i) => ir.enums[*i].name.clone(),
            Self::Class(i) => ir.classes[*i].name.clone(),
            Self::List(inner) => format!("{}[]", inner.describe(ir)),
            Self::Map(key, value) => format!("map<{}, {}>", key.describe(ir), value.describe(ir)),
            Self::Union(members) => members
                .iter()
                .map(|m| m.describe(ir))
                .collect::<Vec<_>>()
                .join(" | "),
            Self::Optional(inner) => format!("{}?", inner.describe(ir)),
        }
    }
}

fn resolve(
    ir: &Ir,
    ty: &TypeExpr,
    location: &Location,
    depth: usize,
) -> Result<WireTy, CompileError> {
    if depth > MAX_ALIAS_DEPTH {
        return Err(CompileError::new(location.clone(), "type alias expansion is too deep (a recursive `type` alias?); the registry cannot represent recursive aliases yet"));
    }
    let rec = |t: &TypeExpr| resolve(ir, t, location, depth + 1);
    Ok(match ty {
        TypeExpr::Primitive { name } => match name.json() {
            Some(JsonScalar::String) => WireTy::String,
            Some(JsonScalar::Int) => WireTy::Int,
            Some(JsonScalar::Float) => WireTy::Float,
            Some(JsonScalar::Bool) => WireTy::Bool,
            Some(JsonScalar::Null) => WireTy::Null,
            None => {
                let media = name;
                return Err(CompileError::new(
                    location.clone(),
                    format!("`{media}` cannot cross the wire boundary: envelopes and DTOs must be JSON; use a URL string instead"),
                ));
            }
        },
        TypeExpr::Literal { value } => match value {
            Literal::String(s) => WireTy::StringLiteral(s.clone()),
            Literal::Int(i) => WireTy::IntLiteral(*i),
            Literal::Bool(b) => WireTy::BoolLiteral(*b),
        },
        TypeExpr::Named { name } => {
            if let Some(i) = ir.classes.iter().position(|c| &c.name == name) {
                WireTy::Class(i)
            } else if let Some(i) = ir.enums.iter().position(|e| &e.name == name) {
                WireTy::Enum(i)
            } else if let Some(alias) = ir.alias(name) {
                match format_alias(ir, name) {
                    Some(Format::Uuid) => WireTy::Uuid,
                    Some(Format::Timestamp) => WireTy::Timestamp,
                    Some(Format::Date) => WireTy::Date,
                    None => rec(&alias.ty)?,
                }
            } else {
                return Err(CompileError::new(
                    location.clone(),
                    format!("unknown type `{name}`"),
                ));
            }
        }
        TypeExpr::List { items } => WireTy::List(Box::new(rec(items)?)),
        TypeExpr::Map { key, value } => {
            let key_ok = **key
                == TypeExpr::Primitive {
                    name: Primitive::String,
                }
                || key
                    .as_named()
                    .is_some_and(|name| ir.enum_named(name).is_some());
            if !key_ok {
                return Err(CompileError::new(
                    location.clone(),
                    "map keys must be `string` or an enum (JSON object keys are strings)",
                ));
            }
            WireTy::Map(Box::new(rec(key)?), Box::new(rec(value)?))
        }
        TypeExpr::Union { members } => {
            WireTy::Union(members.iter().map(rec).collect::<Result<_, _>>()?)
        }
        TypeExpr::Optional { inner } => WireTy::Optional(Box::new(rec(inner)?)),
    })
}
