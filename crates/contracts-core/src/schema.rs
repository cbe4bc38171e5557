//! The shape of the generated registry: static type descriptions of every
//! class, enum and event in `baml_src`, produced by `contracts gen`.

/// A wire type. Class and enum references are indices into
/// [`crate::registry::CLASSES`] and [`crate::registry::ENUMS`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Ty {
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
    /// A string holding an RFC 4122 UUID (BAML `Uuid`).
    Uuid,
    /// A string holding an RFC 3339 date-time with offset (BAML `Timestamp`).
    Timestamp,
    /// A string holding a calendar date `YYYY-MM-DD` (BAML `IsoDate`).
    Date,
    /// Exactly this string.
    StringLiteral(&'static str),
    /// Exactly this integer.
    IntLiteral(i64),
    /// Exactly this boolean.
    BoolLiteral(bool),
    /// One of the values of an enum.
    Enum(usize),
    /// An object of a class.
    Class(usize),
    /// An array of this element type.
    List(&'static Ty),
    /// An object whose keys have the first type (`Ty::String` or a
    /// `Ty::Enum`) and whose values all have the second.
    Map(&'static Ty, &'static Ty),
    /// Any one of these types.
    Union(&'static [Ty]),
    /// This type or `null` (or absent, for a field).
    Optional(&'static Ty),
}

/// A class: its name and fields.
#[derive(Debug)]
pub struct ClassDef {
    /// The BAML class name.
    pub name: &'static str,
    /// Fields in declaration order.
    pub fields: &'static [FieldDef],
}

/// A field: its wire name and type.
#[derive(Debug)]
pub struct FieldDef {
    /// The wire name.
    pub name: &'static str,
    /// The wire type; optional fields are [`Ty::Optional`].
    pub ty: Ty,
}

/// An enum: its name and wire values (`@skip` values excluded).
#[derive(Debug)]
pub struct EnumDef {
    /// The BAML enum name.
    pub name: &'static str,
    /// Accepted values.
    pub values: &'static [&'static str],
}

/// A real-time event type bound to its envelope and payload classes.
#[derive(Debug)]
pub struct EventDef {
    /// The wire `type` value.
    pub event_type: &'static str,
    /// The BAML envelope class name.
    pub envelope_class: &'static str,
    /// Index of the payload class in [`crate::registry::CLASSES`].
    pub payload_class: usize,
}
