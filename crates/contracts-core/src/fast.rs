//! The fast path: one pass over the bytes, driven by the registry, that only
//! answers "valid or not". It builds no `serde_json::Value`, borrows strings
//! from the input where JSON escapes allow, and allocates nothing on the
//! happy path except where a `payload` arrives before `type` (then the
//! payload's bytes are borrowed as a `RawValue` and checked once `type` is
//! known) and for union members (each member is tried on the borrowed bytes).
//!
//! Any failure returns `false` and the caller takes the slow path
//! (`validate::Walker`), which explains every issue. Both paths share the
//! format and version rules in `rules`, and a differential test keeps their
//! verdicts identical.

use crate::rules;
use crate::schema::{Registry, Ty};
use crate::validate::{Mode, ValidateOptions};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::fmt;

/// The envelope's `type` when `json` (already size-checked, BOM stripped)
/// is a valid envelope of the contracts `reg`; `None` otherwise.
pub(crate) fn valid_type(
    reg: &'static Registry,
    json: &[u8],
    options: &ValidateOptions,
) -> Option<&'static str> {
    // One UTF-8 check of the whole input is much cheaper than serde_json's
    // check of every string it reads from a byte slice.
    let text = std::str::from_utf8(json).ok()?;
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let event_type = Envelope { reg, options }
        .deserialize(&mut deserializer)
        .ok()?;
    deserializer.end().ok()?;
    Some(event_type)
}

/// The failure value: its message is never shown (the slow path explains).
fn fail<E: de::Error>() -> E {
    E::custom("invalid")
}

struct Envelope<'o> {
    reg: &'static Registry,
    options: &'o ValidateOptions,
}

impl<'de> DeserializeSeed<'de> for Envelope<'_> {
    type Value = &'static str;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<&'static str, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Envelope<'_> {
    type Value = &'static str;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an envelope object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<&'static str, A::Error> {
        let Envelope { reg, options } = self;
        let mut found = None;
        let mut payload_class = None;
        let mut deferred_payload: Option<&'de RawValue> = None;
        let (mut seen_type, mut seen_version, mut seen_payload, mut seen_meta) =
            (false, false, false, false);
        let mut unknown = Vec::new();
        while let Some(Text(key)) = map.next_key()? {
            let seen = match key.as_ref() {
                "type" => &mut seen_type,
                "contracts_version" => &mut seen_version,
                "payload" => &mut seen_payload,
                "meta" => &mut seen_meta,
                _ if options.mode == Mode::Consumer => {
                    skip_unknown(&mut map, &mut unknown, key)?;
                    continue;
                }
                _ => return Err(fail()),
            };
            if std::mem::replace(seen, true) {
                return Err(fail());
            }
            match key.as_ref() {
                "type" => {
                    let Text(event_type) = map.next_value()?;
                    let def = reg.event(&event_type).ok_or_else(fail)?;
                    found = Some(def.event_type);
                    payload_class = Some(def.payload_class);
                }
                "contracts_version" => {
                    let Text(version) = map.next_value()?;
                    rules::check_version(&version, options.mode, reg.version)
                        .map_err(|_| fail())?;
                }
                "payload" => match payload_class {
                    Some(class) => {
                        map.next_value_seed(Check::new(reg, Ty::Class(class), 1, options))?;
                    }
                    None => deferred_payload = Some(map.next_value::<&'de RawValue>()?),
                },
                _ => {
                    let meta = reg.event_meta_class.ok_or_else(fail)?;
                    map.next_value_seed(Check::new(reg, Ty::Class(meta), 1, options))?;
                }
            }
        }
        if !(seen_type && seen_version && seen_payload && seen_meta) {
            return Err(fail());
        }
        if let (Some(raw), Some(class)) = (deferred_payload, payload_class) {
            if !check_raw(reg, raw, Ty::Class(class), 1, options) {
                return Err(fail());
            }
        }
        found.ok_or_else(fail)
    }
}

/// Checks borrowed JSON text (a value at type depth `depth`) against `ty`.
///
/// The fresh deserializer counts nesting from the raw value, not from the
/// envelope, so its recursion limit alone would let a union member or an
/// early `payload` nest deeper than the whole input may (the slow path,
/// parsing everything at once, would call that `too_deep`): the raw value's
/// own nesting is checked against what is left at its position.
fn check_raw(
    reg: &'static Registry,
    raw: &RawValue,
    ty: Ty,
    depth: usize,
    options: &ValidateOptions,
) -> bool {
    let text = raw.get();
    let mut deserializer = serde_json::Deserializer::from_str(text);
    Check::new(reg, ty, depth, options)
        .deserialize(&mut deserializer)
        .is_ok()
        && (text.len() < 2 * MAX_NESTING.saturating_sub(depth)
            || nesting(text) + depth <= MAX_NESTING)
}

/// The most arrays/objects `serde_json` nests (its recursion limit is 128, and
/// the container that reaches it fails).
const MAX_NESTING: usize = 127;

/// How deeply arrays and objects nest in the JSON text `text` (a top-level
/// container counts 1), strings skipped.
fn nesting(text: &str) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    let (mut in_string, mut escaped) = (false, false);
    for b in text.bytes() {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                (false, _) => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// Validates one value against a type of the registry `reg`, at the same
/// depth numbering as the slow path. `Ty` is `Copy` (at most two `'static`
/// references), so entry types such as `Ty::Class(i)` need no interning.
#[derive(Clone, Copy)]
struct Check<'o> {
    ty: Ty,
    depth: usize,
    reg: &'static Registry,
    options: &'o ValidateOptions,
}

impl<'o> Check<'o> {
    fn new(reg: &'static Registry, ty: Ty, depth: usize, options: &'o ValidateOptions) -> Self {
        Self {
            ty,
            depth,
            reg,
            options,
        }
    }

    fn at(self, ty: &'static Ty, depth: usize) -> Self {
        Self {
            ty: *ty,
            depth,
            ..self
        }
    }
}

impl<'de> DeserializeSeed<'de> for Check<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        if self.depth > self.options.max_depth {
            return Err(fail());
        }
        match self.ty {
            Ty::Optional(_) => deserializer.deserialize_option(self),
            Ty::Union(members) => {
                let raw = <&'de RawValue as serde::Deserialize>::deserialize(deserializer)?;
                let matched = members
                    .iter()
                    .any(|m| check_raw(self.reg, raw, *m, self.depth, self.options));
                matched.then_some(()).ok_or_else(fail)
            }
            Ty::Class(_) | Ty::Map(..) => deserializer.deserialize_map(self),
            Ty::List(_) => deserializer.deserialize_seq(self),
            _ => deserializer.deserialize_any(self),
        }
    }
}

impl<'de> Visitor<'de> for Check<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a value of the contract's type")
    }

    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        matches!(self.ty, Ty::Optional(_))
            .then_some(())
            .ok_or_else(fail)
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        matches!(self.ty, Ty::Null | Ty::Optional(_))
            .then_some(())
            .ok_or_else(fail)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        match self.ty {
            Ty::Optional(inner) => self.at(inner, self.depth).deserialize(deserializer),
            _ => Err(fail()),
        }
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        matches!(self.ty, Ty::Bool)
            .then_some(())
            .or_else(|| (self.ty == Ty::BoolLiteral(v)).then_some(()))
            .ok_or_else(fail)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        let ok = match self.ty {
            Ty::Int | Ty::Float => true,
            Ty::IntLiteral(expected) => expected == v,
            _ => false,
        };
        ok.then_some(()).ok_or_else(fail)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        match i64::try_from(v) {
            Ok(v) => self.visit_i64(v),
            Err(_) => matches!(self.ty, Ty::Float).then_some(()).ok_or_else(fail),
        }
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        let ok = match self.ty {
            Ty::Float => true,
            Ty::Int => rules::is_integral(v),
            _ => false,
        };
        ok.then_some(()).ok_or_else(fail)
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<(), E> {
        let ok = match self.ty {
            Ty::String => true,
            Ty::Uuid => rules::is_canonical_uuid(s),
            Ty::Timestamp => rules::is_timestamp(s),
            Ty::Date => rules::is_iso_date(s),
            Ty::StringLiteral(expected) => expected == s,
            Ty::Enum(i) => self.reg.enums[i].values.contains(&s),
            _ => false,
        };
        ok.then_some(()).ok_or_else(fail)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let Ty::List(inner) = self.ty else {
            return Err(fail());
        };
        while seq
            .next_element_seed(self.at(inner, self.depth + 1))?
            .is_some()
        {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        match self.ty {
            Ty::Class(index) => {
                let fields = self.reg.classes[index].fields;
                if fields.len() > 128 {
                    // Beyond the `seen` bitset: let the slow path decide.
                    return Err(fail());
                }
                // Which fields were seen: a bit per field (classes have < 128 fields).
                let mut seen: u128 = 0;
                let mut unknown = Vec::new();
                while let Some(Text(key)) = map.next_key()? {
                    match fields.iter().position(|f| f.name == key) {
                        Some(i) => {
                            let bit = 1u128 << i;
                            if seen & bit != 0 {
                                return Err(fail());
                            }
                            seen |= bit;
                            map.next_value_seed(self.at(&fields[i].ty, self.depth + 1))?;
                        }
                        None if self.options.mode == Mode::Consumer => {
                            skip_unknown(&mut map, &mut unknown, key)?;
                        }
                        None => return Err(fail()),
                    }
                }
                let complete = fields
                    .iter()
                    .enumerate()
                    .all(|(i, f)| seen & (1u128 << i) != 0 || matches!(f.ty, Ty::Optional(_)));
                complete.then_some(()).ok_or_else(fail)
            }
            Ty::Map(key_ty, value_ty) => {
                let mut keys: Vec<Cow<'de, str>> = Vec::new();
                while let Some(Text(key)) = map.next_key()? {
                    let key_ok = match key_ty {
                        Ty::Enum(i) => self.reg.enums[*i].values.contains(&key.as_ref()),
                        _ => true,
                    };
                    if !key_ok || keys.contains(&key) {
                        return Err(fail());
                    }
                    keys.push(key);
                    map.next_value_seed(self.at(value_ty, self.depth + 1))?;
                }
                Ok(())
            }
            _ => Err(fail()),
        }
    }
}

/// A JSON string, borrowed from the input unless it contains escapes.
struct Text<'de>(Cow<'de, str>);

impl<'de> serde::Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }

            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Borrowed(v)))
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(v.to_owned())))
            }
        }
        deserializer.deserialize_str(TextVisitor)
    }
}

/// Consumer mode skips fields it does not know, but still rejects a key
/// given twice (there, or anywhere inside the skipped value), as the slow
/// path does.
fn skip_unknown<'de, A: MapAccess<'de>>(
    map: &mut A,
    seen: &mut Vec<Cow<'de, str>>,
    key: Cow<'de, str>,
) -> Result<(), A::Error> {
    if seen.contains(&key) {
        return Err(fail());
    }
    seen.push(key);
    map.next_value_seed(Skip)
}

/// Skips any JSON value, failing on duplicate object keys.
struct Skip;

impl<'de> DeserializeSeed<'de> for Skip {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Skip {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(Skip)?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut keys = Vec::new();
        while let Some(Text(key)) = map.next_key()? {
            skip_unknown(&mut map, &mut keys, key)?;
        }
        Ok(())
    }
}
