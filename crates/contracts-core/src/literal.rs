//! BAML literal types (`"PING"`, `42`, `true`) as Rust types, written once:
//! the generated mirror names them ([`IntLiteral<42>`], [`BoolLiteral<true>`],
//! [`StrLiteral<PingLiteral>`]) instead of emitting a type with its impls per
//! literal.
//!
//! Each is a unit value that serialises its literal and deserialises only
//! that literal. A string cannot be a const generic parameter on stable Rust,
//! so a string literal type names its value through a marker type: the
//! mirror declares one uninhabited enum per string literal and implements
//! [`StrValue`] for it.
//!
//! ```
//! use contracts_core::literal::{IntLiteral, StrLiteral, StrValue};
//!
//! enum Ping {}
//! impl StrValue for Ping {
//!     const VALUE: &'static str = "PING";
//! }
//!
//! let ping: StrLiteral<Ping> = serde_json::from_str(r#""PING""#).unwrap();
//! assert_eq!(serde_json::to_string(&ping).unwrap(), r#""PING""#);
//! assert!(serde_json::from_str::<StrLiteral<Ping>>(r#""PONG""#).is_err());
//! assert_eq!(serde_json::to_string(&IntLiteral::<42>).unwrap(), "42");
//! assert!(serde_json::from_str::<IntLiteral<42>>("41").is_err());
//! ```

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, Deserializer, Unexpected, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;

/// The string of a string literal type: implemented by a marker type (an
/// enum without variants) per literal.
pub trait StrValue {
    /// The literal's one value.
    const VALUE: &'static str;
}

/// The BAML string literal type whose value `V` names: (de)serialises
/// exactly [`V::VALUE`](StrValue::VALUE).
pub struct StrLiteral<V: StrValue>(PhantomData<V>);

impl<V: StrValue> StrLiteral<V> {
    /// The literal's one value.
    pub const VALUE: &'static str = V::VALUE;

    /// The literal (its only value).
    pub const fn new() -> Self {
        Self(PhantomData)
    }
}

/// `IntLiteral<N>`: the BAML literal type `N`; (de)serialises exactly `N`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IntLiteral<const N: i64>;

impl<const N: i64> IntLiteral<N> {
    /// The literal's one value.
    pub const VALUE: i64 = N;
}

/// `BoolLiteral<B>`: the BAML literal type `true` or `false`; (de)serialises
/// exactly `B`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BoolLiteral<const B: bool>;

impl<const B: bool> BoolLiteral<B> {
    /// The literal's one value.
    pub const VALUE: bool = B;
}

// `derive` would require `V` itself to implement each trait; a marker has
// no values, the literal has exactly one.
impl<V: StrValue> fmt::Debug for StrLiteral<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", V::VALUE)
    }
}

impl<V: StrValue> Clone for StrLiteral<V> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<V: StrValue> Copy for StrLiteral<V> {}

impl<V: StrValue> Default for StrLiteral<V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<V: StrValue> PartialEq for StrLiteral<V> {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl<V: StrValue> Eq for StrLiteral<V> {}

impl<V: StrValue> PartialOrd for StrLiteral<V> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<V: StrValue> Ord for StrLiteral<V> {
    fn cmp(&self, _: &Self) -> Ordering {
        Ordering::Equal
    }
}

impl<V: StrValue> Hash for StrLiteral<V> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        V::VALUE.hash(state);
    }
}

impl<V: StrValue> Serialize for StrLiteral<V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(V::VALUE)
    }
}

impl<'de, V: StrValue> Deserialize<'de> for StrLiteral<V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Exactly<V>(PhantomData<V>);
        impl<V: StrValue> Visitor<'_> for Exactly<V> {
            type Value = StrLiteral<V>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "exactly {:?}", V::VALUE)
            }

            fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
                if value == V::VALUE {
                    Ok(StrLiteral::new())
                } else {
                    Err(E::invalid_value(Unexpected::Str(value), &self))
                }
            }
        }
        deserializer.deserialize_str(Exactly(PhantomData))
    }
}

/// `Serialize`, `Deserialize` and `JsonSchema` for a literal type whose value
/// is its const parameter: [`IntLiteral`] and [`BoolLiteral`] differ only in
/// that parameter's type. The schema is inline, as [`StrLiteral`]'s below.
macro_rules! const_literal_impls {
    ($($literal:ident<$value:ident: $ty:ty>),+) => {$(
        impl<const $value: $ty> Serialize for $literal<$value> {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                $value.serialize(serializer)
            }
        }

        impl<'de, const $value: $ty> Deserialize<'de> for $literal<$value> {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = <$ty>::deserialize(deserializer)?;
                if value == $value {
                    Ok(Self)
                } else {
                    Err(de::Error::custom(format_args!(
                        "expected exactly {}, got {value}",
                        $value
                    )))
                }
            }
        }

        impl<const $value: $ty> JsonSchema for $literal<$value> {
            fn inline_schema() -> bool {
                true
            }

            fn schema_name() -> Cow<'static, str> {
                format!(concat!(stringify!($literal), "_{}"), $value).into()
            }

            fn schema_id() -> Cow<'static, str> {
                format!(
                    concat!("contracts_core::literal::", stringify!($literal), "<{}>"),
                    $value
                )
                .into()
            }

            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                json_schema!({ "const": $value })
            }
        }
    )+};
}

const_literal_impls!(IntLiteral<N: i64>, BoolLiteral<B: bool>);

// Schemas: a literal is inlined where it is used (`{"const": …}`), so the
// schema names below never reach a `$defs`; the ids keep the literals apart.
impl<V: StrValue> JsonSchema for StrLiteral<V> {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        format!("StrLiteral_{}", V::VALUE).into()
    }

    fn schema_id() -> Cow<'static, str> {
        format!("contracts_core::literal::StrLiteral<{:?}>", V::VALUE).into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "string", "const": V::VALUE })
    }
}

#[cfg(test)]
mod tests {
    use super::{BoolLiteral, IntLiteral, StrLiteral, StrValue};
    use schemars::JsonSchema;

    enum Node {}
    impl StrValue for Node {
        const VALUE: &'static str = "node";
    }

    #[test]
    fn each_literal_takes_only_its_value() {
        let node: StrLiteral<Node> = serde_json::from_str("\"node\"").unwrap();
        assert_eq!(format!("{node:?}"), "\"node\"");
        let wrong = serde_json::from_str::<StrLiteral<Node>>("\"leaf\"").unwrap_err();
        assert!(
            wrong.to_string().contains("expected exactly \"node\""),
            "{wrong}"
        );
        assert!(serde_json::from_str::<StrLiteral<Node>>("1").is_err());
        assert_eq!(serde_json::to_string(&IntLiteral::<-3>).unwrap(), "-3");
        let wrong = serde_json::from_str::<IntLiteral<-3>>("3").unwrap_err();
        assert!(wrong.to_string().contains("expected exactly -3, got 3"));
        assert!(serde_json::from_str::<BoolLiteral<true>>("true").is_ok());
        assert!(serde_json::from_str::<BoolLiteral<true>>("false").is_err());
    }

    #[test]
    fn schemas_are_inline_consts() {
        let schema = serde_json::to_value(schemars::schema_for!(StrLiteral<Node>)).unwrap();
        assert_eq!(schema["const"], "node");
        let schema = serde_json::to_value(schemars::schema_for!(IntLiteral<7>)).unwrap();
        assert_eq!(schema["const"], 7);
        assert_eq!(IntLiteral::<7>::schema_name(), "IntLiteral_7");
        assert_eq!(
            BoolLiteral::<true>::schema_id(),
            "contracts_core::literal::BoolLiteral<true>"
        );
    }
}
