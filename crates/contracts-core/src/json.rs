//! JSON text as an [`Input`], read as it is parsed: `serde_json`'s
//! deserializer drives the validator's [`Visit`]s directly, so no tree is
//! built, strings are borrowed from the text where escapes allow, and a
//! syntax error anywhere is `serde_json`'s own error (with its line and
//! column), whatever the validator was doing there.
//!
//! [`Stop`] travels through `serde_json` as an error: where the validator
//! stops, a placeholder error unwinds the parse; where the parse fails, its
//! error is kept and handed back up in place of the [`Stop`].

use crate::input::{Entries, Input, Items, Key, Never, Num, Scalar, Stop, Use, Visit};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess};
use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

/// One JSON value still to be parsed from `de`; a parse error is left in `error`.
pub(crate) struct Json<'de, 'e, D: Deserializer<'de>> {
    de: D,
    error: &'e mut Option<D::Error>,
    text: PhantomData<&'de str>,
}

impl<'de, 'e, D: Deserializer<'de>> Json<'de, 'e, D> {
    pub(crate) fn new(de: D, error: &'e mut Option<D::Error>) -> Self {
        Self {
            de,
            error,
            text: PhantomData,
        }
    }
}

/// The message of the placeholder error; it never reaches anyone.
const STOPPED: &str = "the validator stopped reading";

impl<'de, D: Deserializer<'de>> Input for Json<'de, '_, D> {
    type Tree = Never;

    fn visit<V: Visit>(self, visit: V) -> Result<V::Out, Stop> {
        self.de
            .deserialize_any(Adapter(visit))
            .map_err(|e| keep(self.error, e))
    }

    fn into_tree(self) -> Result<Never, Self> {
        Err(self)
    }
}

/// Keeps a parse error where it belongs and stops.
fn keep<E>(slot: &mut Option<E>, error: E) -> Stop {
    *slot = Some(error);
    Stop
}

/// The kept error, or the placeholder when the validator stopped.
fn unwind<E: de::Error>(kept: Option<E>) -> E {
    kept.unwrap_or_else(|| E::custom(STOPPED))
}

fn scalar<V: Visit, E: de::Error>(visit: V, value: Scalar<'_>) -> Result<V::Out, E> {
    visit.scalar(value).map_err(|Stop| E::custom(STOPPED))
}

struct Adapter<V>(V);

impl<'de, V: Visit> de::Visitor<'de> for Adapter<V> {
    type Value = V::Out;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<V::Out, E> {
        scalar(self.0, Scalar::Null)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<V::Out, E> {
        scalar(self.0, Scalar::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<V::Out, E> {
        scalar(self.0, Scalar::Num(Num::Int(v)))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<V::Out, E> {
        let n = i64::try_from(v).map_or(Num::UInt(v), Num::Int);
        scalar(self.0, Scalar::Num(n))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<V::Out, E> {
        scalar(self.0, Scalar::Num(Num::Float(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<V::Out, E> {
        scalar(self.0, Scalar::Str(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<V::Out, A::Error> {
        let mut error = None;
        self.0
            .array(JsonItems {
                seq: &mut seq,
                error: &mut error,
                text: PhantomData,
            })
            .map_err(|Stop| unwind(error))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<V::Out, A::Error> {
        let mut error = None;
        self.0
            .object(JsonEntries {
                map: &mut map,
                error: &mut error,
                text: PhantomData,
            })
            .map_err(|Stop| unwind(error))
    }
}

/// Hands a member to a [`Use`] as an [`Input`] of its own.
struct Seed<U>(U);

impl<'de, U: Use> DeserializeSeed<'de> for Seed<U> {
    type Value = U::Out;

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<U::Out, D::Error> {
        let mut error = None;
        self.0
            .input(Json::new(de, &mut error))
            .map_err(|Stop| unwind(error))
    }
}

struct JsonItems<'a, 'de, A: SeqAccess<'de>> {
    seq: &'a mut A,
    error: &'a mut Option<A::Error>,
    text: PhantomData<&'de str>,
}

impl<'de, A: SeqAccess<'de>> Items for JsonItems<'_, 'de, A> {
    fn next<U: Use>(&mut self, with: U) -> Result<Option<U::Out>, Stop> {
        self.seq
            .next_element_seed(Seed(with))
            .map_err(|e| keep(self.error, e))
    }
}

struct JsonEntries<'a, 'de, A: MapAccess<'de>> {
    map: &'a mut A,
    error: &'a mut Option<A::Error>,
    text: PhantomData<&'de str>,
}

impl<'de, A: MapAccess<'de>> Entries for JsonEntries<'_, 'de, A> {
    type Key = Cow<'de, str>;
    const REPEATS: bool = true;

    fn next_key(&mut self) -> Result<Option<Key<Cow<'de, str>>>, Stop> {
        match self.map.next_key_seed(KeySeed) {
            Ok(key) => Ok(key.map(Key::Str)),
            Err(e) => Err(keep(self.error, e)),
        }
    }

    fn value<U: Use>(&mut self, with: U) -> Result<U::Out, Stop> {
        self.map
            .next_value_seed(Seed(with))
            .map_err(|e| keep(self.error, e))
    }
}

/// An object key, borrowed from the text unless it has escapes.
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<Cow<'de, str>, D::Error> {
        de.deserialize_str(KeySeed)
    }
}

impl<'de> de::Visitor<'de> for KeySeed {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(v.to_owned()))
    }
}
