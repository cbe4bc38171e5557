//! What each type of the contract accepts: the one home of every value rule.
//!
//! The validator (`check/walk.rs`) reads the value and asks these functions;
//! they decide. Every match over [`Ty`] here lists every variant, so a new
//! kind of type does not compile until each rule says what it accepts.

use crate::input::{Num, Scalar};
use crate::options::Mode;
use crate::problem::{Kind, Problem};
use crate::schema::{Registry, Ty};
use contracts_policy::version::parse_release;

/// What an array must be checked as.
#[derive(Debug, Clone, Copy)]
pub(crate) enum ArrayShape {
    /// A list whose items are this type.
    List(&'static Ty),
    /// Any one of these members (the union's rule is in `check/walk.rs`).
    Union(&'static [Ty]),
}

/// What an object must be checked as.
#[derive(Debug, Clone, Copy)]
pub(crate) enum ObjectShape {
    /// An object of this class.
    Class(usize),
    /// An object whose keys and values are these types.
    Map(&'static Ty, &'static Ty),
    /// Any one of these members (the union's rule is in `check/walk.rs`).
    Union(&'static [Ty]),
}

/// Whether the scalar `value` is a `ty`.
#[inline]
pub(crate) fn scalar<'a>(reg: &Registry, ty: Ty, value: Scalar<'a>) -> Result<(), Problem<'a>> {
    if accepts(reg, ty, value) {
        Ok(())
    } else {
        Err(scalar_problem(ty, value))
    }
}

/// The verdict of [`scalar`]; `Optional`s and unions, which nest, go to
/// [`accepts_nested`], so this part inlines into the validator's walk.
#[inline]
fn accepts(reg: &Registry, ty: Ty, value: Scalar<'_>) -> bool {
    match (ty, value) {
        (_, Scalar::Host(_)) => false,
        (Ty::String, Scalar::Str(_))
        | (Ty::Float, Scalar::Num(_))
        | (Ty::Bool, Scalar::Bool(_))
        | (Ty::Null | Ty::Optional(_), Scalar::Null) => true,
        (Ty::Int, Scalar::Num(n)) => is_int(n),
        (Ty::Uuid, Scalar::Str(s)) => is_canonical_uuid(s),
        (Ty::Timestamp, Scalar::Str(s)) => is_timestamp(s),
        (Ty::Date, Scalar::Str(s)) => is_iso_date(s),
        (Ty::StringLiteral(expected), Scalar::Str(s)) => s == expected,
        (Ty::IntLiteral(expected), Scalar::Num(n)) => n == Num::Int(expected),
        (Ty::BoolLiteral(expected), Scalar::Bool(b)) => b == expected,
        (Ty::Enum(i), Scalar::Str(s)) => reg.enums[i].values.contains(&s),
        (Ty::Optional(_) | Ty::Union(_), _) => accepts_nested(reg, ty, value),
        (
            Ty::String
            | Ty::Int
            | Ty::Float
            | Ty::Bool
            | Ty::Null
            | Ty::Uuid
            | Ty::Timestamp
            | Ty::Date
            | Ty::StringLiteral(_)
            | Ty::IntLiteral(_)
            | Ty::BoolLiteral(_)
            | Ty::Enum(_)
            | Ty::Class(_)
            | Ty::List(_)
            | Ty::Map(..),
            _,
        ) => false,
    }
}

/// [`accepts`] for an `Optional` (of a non-null value) or a union. On a
/// scalar every union member has at most one issue, at the union's own
/// path, so the union's rule (the closest member's issues, or one
/// `wrong_type` when that member fails right there) is one `wrong_type`.
#[inline(never)]
fn accepts_nested(reg: &Registry, ty: Ty, value: Scalar<'_>) -> bool {
    match ty {
        Ty::Optional(inner) => accepts(reg, *inner, value),
        Ty::Union(members) => members.iter().any(|m| accepts(reg, *m, value)),
        Ty::String
        | Ty::Int
        | Ty::Float
        | Ty::Bool
        | Ty::Null
        | Ty::Uuid
        | Ty::Timestamp
        | Ty::Date
        | Ty::StringLiteral(_)
        | Ty::IntLiteral(_)
        | Ty::BoolLiteral(_)
        | Ty::Enum(_)
        | Ty::Class(_)
        | Ty::List(_)
        | Ty::Map(..) => accepts(reg, ty, value),
    }
}

/// Why `value` is not a `ty`, once [`accepts`] found it is not.
#[cold]
fn scalar_problem(ty: Ty, value: Scalar<'_>) -> Problem<'_> {
    let got = match Kind::of(&value) {
        Ok(kind) => kind,
        Err(host) => return Problem::Host(host),
    };
    match (ty, value) {
        (Ty::Int, Scalar::Num(n)) => Problem::NotAnInteger(n),
        (Ty::Uuid, Scalar::Str(s)) => Problem::InvalidUuid(s),
        (Ty::Timestamp, Scalar::Str(s)) => Problem::InvalidTimestamp(s),
        (Ty::Date, Scalar::Str(s)) => Problem::InvalidDate(s),
        (Ty::StringLiteral(expected), Scalar::Str(s)) => {
            Problem::StringLiteral { expected, got: s }
        }
        (Ty::IntLiteral(expected), Scalar::Num(n)) => Problem::IntLiteral { expected, got: n },
        (Ty::BoolLiteral(expected), Scalar::Bool(b)) => Problem::BoolLiteral { expected, got: b },
        (Ty::Enum(enum_index), Scalar::Str(s)) => Problem::EnumValue { enum_index, got: s },
        (Ty::Class(class), _) => Problem::NotAnObject { class, got },
        (Ty::Union(members), _) => Problem::NoUnionMember { members, got },
        (Ty::Optional(inner), _) => scalar_problem(*inner, value),
        (
            Ty::String
            | Ty::Int
            | Ty::Float
            | Ty::Bool
            | Ty::Null
            | Ty::Uuid
            | Ty::Timestamp
            | Ty::Date
            | Ty::StringLiteral(_)
            | Ty::IntLiteral(_)
            | Ty::BoolLiteral(_)
            | Ty::Enum(_)
            | Ty::List(_)
            | Ty::Map(..),
            _,
        ) => Problem::WrongType { ty, got },
    }
}

/// What an array is checked as when the contract says `ty`.
pub(crate) fn array(ty: Ty) -> Result<ArrayShape, Problem<'static>> {
    match ty {
        Ty::List(inner) => Ok(ArrayShape::List(inner)),
        Ty::Union(members) => Ok(ArrayShape::Union(members)),
        Ty::Optional(inner) => array(*inner),
        Ty::Class(class) => Err(Problem::NotAnObject {
            class,
            got: Kind::Array,
        }),
        Ty::Map(..)
        | Ty::String
        | Ty::Int
        | Ty::Float
        | Ty::Bool
        | Ty::Null
        | Ty::Uuid
        | Ty::Timestamp
        | Ty::Date
        | Ty::StringLiteral(_)
        | Ty::IntLiteral(_)
        | Ty::BoolLiteral(_)
        | Ty::Enum(_) => Err(Problem::WrongType {
            ty,
            got: Kind::Array,
        }),
    }
}

/// What an object is checked as when the contract says `ty`.
pub(crate) fn object(ty: Ty) -> Result<ObjectShape, Problem<'static>> {
    match ty {
        Ty::Class(class) => Ok(ObjectShape::Class(class)),
        Ty::Map(key, value) => Ok(ObjectShape::Map(key, value)),
        Ty::Union(members) => Ok(ObjectShape::Union(members)),
        Ty::Optional(inner) => object(*inner),
        Ty::List(_)
        | Ty::String
        | Ty::Int
        | Ty::Float
        | Ty::Bool
        | Ty::Null
        | Ty::Uuid
        | Ty::Timestamp
        | Ty::Date
        | Ty::StringLiteral(_)
        | Ty::IntLiteral(_)
        | Ty::BoolLiteral(_)
        | Ty::Enum(_) => Err(Problem::WrongType {
            ty,
            got: Kind::Object,
        }),
    }
}

/// Whether a map whose keys are `key_ty` may have the key `key`. Keys are
/// strings; the contract constrains them only with an enum.
pub(crate) fn map_key<'a>(reg: &Registry, key_ty: Ty, key: &'a str) -> Result<(), Problem<'a>> {
    match key_ty {
        Ty::Enum(enum_index) => {
            if reg.enums[enum_index].values.contains(&key) {
                Ok(())
            } else {
                Err(Problem::EnumKey { enum_index, key })
            }
        }
        Ty::String
        | Ty::Int
        | Ty::Float
        | Ty::Bool
        | Ty::Null
        | Ty::Uuid
        | Ty::Timestamp
        | Ty::Date
        | Ty::StringLiteral(_)
        | Ty::IntLiteral(_)
        | Ty::BoolLiteral(_)
        | Ty::Class(_)
        | Ty::List(_)
        | Ty::Map(..)
        | Ty::Union(_)
        | Ty::Optional(_) => Ok(()),
    }
}

/// Whether the number is an `int`: a whole number within `i64` (JSON `1.0`
/// is an int; JSON has one number type).
fn is_int(n: Num) -> bool {
    match n {
        Num::Int(_) => true,
        Num::UInt(_) | Num::BigInt(_) => false,
        Num::Float(f) => is_integral(f),
    }
}

/// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` in lowercase hex, the one form producers emit.
pub(crate) fn is_canonical_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    let lower_hex = |group: &[u8]| group.iter().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'));
    b.len() == 36
        && b[8] == b'-'
        && b[13] == b'-'
        && b[18] == b'-'
        && b[23] == b'-'
        && lower_hex(&b[..8])
        && lower_hex(&b[9..13])
        && lower_hex(&b[14..18])
        && lower_hex(&b[19..23])
        && lower_hex(&b[24..])
}

/// `YYYY-MM-DD` with exactly these digits, and a real calendar date
/// (proleptic Gregorian, as `chrono::NaiveDate` reads `%Y-%m-%d`; the unit
/// test compares the two). Checked by hand: chrono's format parser was a
/// tenth of the time of a valid large envelope (perf).
pub(crate) fn is_iso_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let number = |digits: &[u8]| {
        digits.iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let (Some(year), Some(month), Some(day)) = (number(&b[..4]), number(&b[5..7]), number(&b[8..]))
    else {
        return false;
    };
    (1..=12).contains(&month) && (1..=days_in_month(year, month)).contains(&day)
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// RFC 3339 date-time with a `T` (or `t`) separator and an offset. A leap
/// second (`:60`) is only valid at 23:59 UTC, as RFC 3339 and the JSON Schema
/// `date-time` format say.
pub(crate) fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    // chrono also takes U+2212 MINUS SIGN before the offset; RFC 3339 is ASCII.
    if !s.is_ascii() || !matches!(b.get(10), Some(b'T' | b't')) {
        return false;
    }
    let Ok(parsed) = chrono::DateTime::parse_from_rfc3339(s) else {
        return false;
    };
    if b.get(17..19) != Some(b"60".as_slice()) {
        return true;
    }
    // chrono accepts `:60` at any minute; only 23:59 UTC is a real leap second.
    let digits = |range: std::ops::Range<usize>| s.get(range).and_then(|d| d.parse::<i32>().ok());
    let (Some(hour), Some(minute)) = (digits(11..13), digits(14..16)) else {
        return false;
    };
    let offset_minutes = parsed.offset().local_minus_utc() / 60;
    (hour * 60 + minute - offset_minutes).rem_euclid(24 * 60) == 23 * 60 + 59
}

/// A float that is a whole number within `i64` range (JSON `1.0` is an int).
pub(crate) fn is_integral(f: f64) -> bool {
    f.fract() == 0.0 && f.abs() < 9.2e18
}

/// Whether an envelope may carry `version` in `mode` when validated against
/// the contracts `ours` (the registry's version: the current one, or the
/// targeted older one in producer mode); the error says why not.
pub(crate) fn check_version(version: &str, mode: Mode, ours: &str) -> Result<(), String> {
    match mode {
        Mode::Producer => {
            if version == ours {
                Ok(())
            } else {
                Err(format!(
                    "producers must emit contracts_version {ours:?}; got {version:?} (set it from CONTRACTS_VERSION, or pass target_version for an older client)"
                ))
            }
        }
        Mode::Consumer => match parse_release(version) {
            Some(theirs) if Some(theirs.major) == parse_release(ours).map(|v| v.major) => Ok(()),
            Some(_) => Err(format!(
                "contracts_version {version:?} has another MAJOR than this client's {ours:?}; upgrade the client package"
            )),
            None => Err(format!("contracts_version {version:?} is not a SemVer version MAJOR.MINOR.PATCH")),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::is_iso_date;

    /// The hand-written calendar check says what chrono's `%Y-%m-%d` says, on
    /// every month and day (including 0, 13 and 32) of years around the edges.
    #[test]
    fn iso_dates_are_chronos_dates() {
        let years = (0..=12)
            .chain(1895..=2105)
            .chain(2395..=2405)
            .chain(9990..=9999);
        let mut checked = 0;
        for year in years {
            for month in 0..=13 {
                for day in 0..=32 {
                    let s = format!("{year:04}-{month:02}-{day:02}");
                    let chrono = chrono::NaiveDate::parse_from_str(&s, "%Y-%m-%d").is_ok();
                    assert_eq!(is_iso_date(&s), chrono, "{s}");
                    checked += 1;
                }
            }
        }
        assert!(checked > 100_000);
        for bad in [
            "2026-1-01",
            "2026-01-1x",
            "+202-01-01",
            "2026/01/01",
            "2026-01-01 ",
            "２026-01-01",
        ] {
            assert!(!is_iso_date(bad), "{bad}");
        }
    }
}
