//! One validator, several inputs: the traits through which the validator
//! reads a JSON-like value, whatever holds it.
//!
//! The validator is written once against these traits, as pydantic-core's
//! validators are written against its `Input` trait. An input is read in
//! document order and (for a stream) only once: the input calls one method
//! of a [`Visit`] with the value's kind, handing over [`Items`] or
//! [`Entries`] for arrays and objects, whose members it hands on as inputs
//! of their own. The inputs:
//!
//! | input | where |
//! |---|---|
//! | JSON bytes and text, parsed as they are read (no tree) | `json.rs`, behind [`crate::validate_envelope`] |
//! | the same, on the fast path: a scanner that accepts what `serde_json` accepts | `scan.rs`, behind [`crate::is_valid_envelope`] |
//! | a borrowed tree of those bytes, for the parts read twice (union members, a `payload` before `type`) | `tape.rs` |
//! | `&serde_json::Value` | this file |
//! | Python objects (`dict`, `list`, `str`, `int`, `float`, `bool`, `None`, Pydantic models) | `crates/py-binding` |
//!
//! A binding implementing [`Input`] only converts: it says what kind of
//! value it holds, and describes values JSON cannot hold as a [`Host`]
//! value, which the validator reports as an issue at its path. It never
//! decides validity.
//!
//! ```
//! use contracts_core::input::{Input, Items, Scalar, Stop, Use, Visit};
//!
//! /// A host's list of flags, seen as a JSON array of booleans.
//! #[derive(Clone, Copy)]
//! struct Flags<'a>(&'a [bool]);
//!
//! /// One flag.
//! #[derive(Clone, Copy)]
//! struct Flag(bool);
//!
//! impl Input for Flags<'_> {
//!     type Tree = Self;
//!     fn visit<V: Visit>(self, visit: V) -> Result<V::Out, Stop> {
//!         visit.array(FlagItems(self.0.iter()))
//!     }
//!     fn into_tree(self) -> Result<Self, Self> {
//!         Ok(self)
//!     }
//! }
//!
//! impl Input for Flag {
//!     type Tree = Self;
//!     fn visit<V: Visit>(self, visit: V) -> Result<V::Out, Stop> {
//!         visit.scalar(Scalar::Bool(self.0))
//!     }
//!     fn into_tree(self) -> Result<Self, Self> {
//!         Ok(self)
//!     }
//! }
//!
//! struct FlagItems<'a>(std::slice::Iter<'a, bool>);
//!
//! impl Items for FlagItems<'_> {
//!     fn next<U: Use>(&mut self, with: U) -> Result<Option<U::Out>, Stop> {
//!         self.0.next().map(|flag| with.input(Flag(*flag))).transpose()
//!     }
//! }
//!
//! // An array is no envelope: one `not_an_object` at the root.
//! let issues = contracts_core::input_issues(Flags(&[true, false]), &Default::default());
//! assert_eq!((issues[0].path.as_str(), issues[0].code.as_str()), ("", "not_an_object"));
//! ```

use serde_json::Value;
use std::fmt;

/// The read stopped early: the validator has its answer (the first issue
/// on the fast path), or the input is not readable (a JSON syntax error).
/// Where it stopped records why; inputs only pass it on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stop;

/// A number as the input holds it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Num {
    /// An integer within `i64`.
    Int(i64),
    /// An integer above `i64::MAX` within `u64` (JSON text only; JSON has
    /// one number type, so such a value is an `int` for nobody).
    UInt(u64),
    /// A finite float: JSON text with a fraction or an exponent, an integer
    /// beyond `u64` in JSON text (read as the nearest float), or a host float.
    Float(f64),
    /// A host integer beyond the 64-bit range, with the nearest float: what
    /// the same digits in JSON text would be read as.
    BigInt(f64),
}

/// A value that is not an array or an object.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scalar<'s> {
    /// `null` (Python `None`).
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number.
    Num(Num),
    /// A string.
    Str(&'s str),
    /// A host value JSON cannot hold; the validator reports it where it is.
    Host(&'s Host),
}

/// A host value (from a binding) that has no JSON form.
#[derive(Debug, Clone, PartialEq)]
pub struct Host {
    /// What kind of value it is.
    pub kind: HostKind,
    /// The host type's name, e.g. `bytes` or `uuid.UUID`.
    pub type_name: String,
}

/// Why a host value has no JSON form.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum HostKind {
    /// A byte string (Python `bytes`, `bytearray`, `memoryview`).
    Bytes,
    /// A set (Python `set`, `frozenset`).
    Set,
    /// A tuple: JSON has lists, and a tuple is not converted silently.
    Tuple,
    /// NaN or an infinity.
    NotFinite(f64),
    /// An integer too large for any JSON number reader (beyond `f64`).
    IntBeyondFloat,
    /// A string holding an unpaired surrogate, which UTF-8 cannot encode.
    LoneSurrogate,
    /// An object key that is not a string.
    NonStringKey,
    /// An object of another class (say a `datetime` or a `UUID`).
    Object,
    /// Containers nested deeper than JSON text may be (128 levels from the
    /// root, as for bytes), or a container that contains itself.
    TooDeep,
    /// More values than `max_bytes` allows JSON text to hold (each takes a
    /// byte at least); the host stops reading here.
    TooLarge,
}

/// An object key: a string, or a host key JSON cannot hold.
#[derive(Debug, Clone, PartialEq)]
pub enum Key<K> {
    /// A string key.
    Str(K),
    /// A key that is not a JSON string.
    Host(Box<HostKey>),
}

/// A key JSON cannot hold.
#[derive(Debug, Clone, PartialEq)]
pub struct HostKey {
    /// The key as the path shows it (`str(key)` in Python).
    pub token: String,
    /// Why it is not a JSON key.
    pub host: Host,
}

/// What the validator does with one value; an [`Input`] calls exactly one
/// method.
pub trait Visit: Sized {
    /// What reading the value gives.
    type Out;
    /// The value is a scalar.
    fn scalar(self, value: Scalar<'_>) -> Result<Self::Out, Stop>;
    /// The value is an array, whose items `items` hands out in order.
    fn array<I: Items>(self, items: I) -> Result<Self::Out, Stop>;
    /// The value is an object, whose entries `entries` hands out in order.
    fn object<E: Entries>(self, entries: E) -> Result<Self::Out, Stop>;
}

/// What the validator does with a member (an array item, an object value)
/// once the input has it.
pub trait Use: Sized {
    /// What using the member gives.
    type Out;
    /// Reads `input`.
    fn input<I: Input>(self, input: I) -> Result<Self::Out, Stop>;
}

/// A JSON-like value.
pub trait Input: Sized {
    /// A form of this value that can be read again; `Self` for trees.
    type Tree: Input + Copy;
    /// Reads the value: calls exactly one method of `visit`.
    fn visit<V: Visit>(self, visit: V) -> Result<V::Out, Stop>;
    /// `Ok` with a copyable form when the value can be read more than once
    /// (a tree), `Err(self)` when it is a stream the validator must capture.
    fn into_tree(self) -> Result<Self::Tree, Self>;
    /// A number that tells this value from every other value of the same
    /// validation (an address), when the input has one. The validator then
    /// remembers how a union member fared on the value and does not check it
    /// again where unions nest (pydantic-core's `Input::identity` does the
    /// same). Two values with one identity must be the same value.
    fn identity(&self) -> Option<usize> {
        None
    }
    /// True when a value nobody checks needs no reading at all: every key is
    /// unique and every value is JSON (a `serde_json::Value`). Streams and
    /// host values are read through, for duplicate keys and host values.
    fn skip_is_free(&self) -> bool {
        false
    }
}

/// The items of an array, in order.
pub trait Items {
    /// Hands the next item to `with`; `None` after the last.
    fn next<U: Use>(&mut self, with: U) -> Result<Option<U::Out>, Stop>;
}

/// The entries of an object, in document order: [`Entries::next_key`], then
/// [`Entries::value`] exactly once, and again.
pub trait Entries {
    /// A key, owned or borrowed from the input (cloned only to find a key
    /// given twice, so a clone should be cheap).
    type Key: AsRef<str> + Clone;
    /// True when a key can appear twice (JSON text); trees hold each once.
    const REPEATS: bool;
    /// The next key; `None` after the last entry.
    fn next_key(&mut self) -> Result<Option<Key<Self::Key>>, Stop>;
    /// Hands the value of the key just read to `with`.
    fn value<U: Use>(&mut self, with: U) -> Result<U::Out, Stop>;
}

/// An input that cannot exist: the [`Input::Tree`] of a stream.
#[derive(Debug, Clone, Copy)]
pub enum Never {}

impl Input for Never {
    type Tree = Never;

    fn visit<V: Visit>(self, _: V) -> Result<V::Out, Stop> {
        match self {}
    }

    fn into_tree(self) -> Result<Never, Never> {
        match self {}
    }
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({:?})", self.type_name, self.kind)
    }
}

impl<'a> Input for &'a Value {
    type Tree = &'a Value;

    fn skip_is_free(&self) -> bool {
        true
    }

    fn visit<V: Visit>(self, visit: V) -> Result<V::Out, Stop> {
        match self {
            Value::Null => visit.scalar(Scalar::Null),
            Value::Bool(b) => visit.scalar(Scalar::Bool(*b)),
            Value::Number(n) => visit.scalar(Scalar::Num(number(n))),
            Value::String(s) => visit.scalar(Scalar::Str(s)),
            Value::Array(items) => visit.array(items.iter()),
            Value::Object(map) => visit.object(ValueEntries {
                iter: map.iter(),
                value: None,
            }),
        }
    }

    fn into_tree(self) -> Result<Self, Self> {
        Ok(self)
    }

    fn identity(&self) -> Option<usize> {
        Some(std::ptr::from_ref::<Value>(self) as usize)
    }
}

/// A `serde_json` number as the validator reads numbers.
pub(crate) fn number(n: &serde_json::Number) -> Num {
    if let Some(i) = n.as_i64() {
        Num::Int(i)
    } else if let Some(u) = n.as_u64() {
        Num::UInt(u)
    } else {
        // Without `arbitrary_precision`, every other number is a finite f64.
        Num::Float(n.as_f64().unwrap_or(f64::NAN))
    }
}

impl Items for std::slice::Iter<'_, Value> {
    fn next<U: Use>(&mut self, with: U) -> Result<Option<U::Out>, Stop> {
        Iterator::next(self)
            .map(|item| with.input(item))
            .transpose()
    }
}

struct ValueEntries<'a> {
    iter: serde_json::map::Iter<'a>,
    value: Option<&'a Value>,
}

impl<'a> Entries for ValueEntries<'a> {
    type Key = &'a str;
    const REPEATS: bool = false;

    fn next_key(&mut self) -> Result<Option<Key<&'a str>>, Stop> {
        Ok(self.iter.next().map(|(key, value)| {
            self.value = Some(value);
            Key::Str(key.as_str())
        }))
    }

    fn value<U: Use>(&mut self, with: U) -> Result<U::Out, Stop> {
        let value = self
            .value
            .take()
            .expect("Entries::value is called once after each key");
        with.input(value)
    }
}
