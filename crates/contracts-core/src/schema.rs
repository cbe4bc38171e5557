//! The shape of the generated registry: static type descriptions of every
//! class, enum and event in `baml_src`, produced by `contracts gen`, one
//! [`Registry`] per contracts version (the current one and every released
//! version kept in the history).

/// A wire type. Class and enum references are indices into the
/// [`Registry::classes`] and [`Registry::enums`] of the registry the type
/// belongs to.
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
    /// Index of the payload class in [`Registry::classes`].
    pub payload_class: usize,
}

/// Every type of one contracts version: what both validation paths and
/// [`crate::downgrade_envelope`] walk. The current contract is
/// [`crate::current_registry`]; released versions are in
/// [`crate::history`]. All tables are `'static`, so a registry is a plain
/// value and validating against another version allocates nothing more.
#[derive(Debug)]
pub struct Registry {
    /// The contracts version these tables describe (`MAJOR.MINOR.PATCH`).
    pub version: &'static str,
    /// Every class, indexed by [`Ty::Class`].
    pub classes: &'static [ClassDef],
    /// Every enum, indexed by [`Ty::Enum`].
    pub enums: &'static [EnumDef],
    /// Every real-time event type, in `EventType` declaration order.
    pub events: &'static [EventDef],
    /// Index of the `EventMeta` class in [`Registry::classes`].
    pub event_meta_class: Option<usize>,
    /// The JSON Schema of the `EventEnvelope` union of this version.
    pub envelope_schema: &'static str,
    /// The JSON Schema of each event's envelope of this version, by event type.
    pub event_schemas: &'static [(&'static str, &'static str)],
}

impl Registry {
    /// The definition of `event_type`, if this version has it.
    pub fn event(&self, event_type: &str) -> Option<&'static EventDef> {
        self.events.iter().find(|e| e.event_type == event_type)
    }

    /// The class called `name`, with its index.
    pub fn class_named(&self, name: &str) -> Option<(usize, &'static ClassDef)> {
        self.classes
            .iter()
            .enumerate()
            .find(|(_, c)| c.name == name)
    }

    /// The shipped JSON Schema of one event's envelope in this version.
    pub fn event_schema(&self, event_type: &str) -> Option<&'static str> {
        self.event_schemas
            .iter()
            .find(|(t, _)| *t == event_type)
            .map(|(_, s)| *s)
    }
}
