//! The value rules both validation paths share, so their verdicts cannot drift.

use crate::validate::Mode;

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

/// `YYYY-MM-DD` with exactly these digits, and a real calendar date.
pub(crate) fn is_iso_date(s: &str) -> bool {
    let shape = s.len() == 10
        && s.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    shape && chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()
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

/// Parses `MAJOR.MINOR.PATCH` (pre-release/build suffixes ignored).
pub(crate) fn parse_version(v: &str) -> Option<(u64, u64, u64)> {
    let core = v.split(['-', '+']).next()?;
    let mut parts = core.split('.').map(|p| p.parse::<u64>().ok());
    let version = (parts.next()??, parts.next()??, parts.next()??);
    parts.next().is_none().then_some(version)
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
        Mode::Consumer => match parse_version(version) {
            Some((major, _, _)) if Some(major) == parse_version(ours).map(|v| v.0) => Ok(()),
            Some(_) => Err(format!(
                "contracts_version {version:?} has another MAJOR than this client's {ours:?}; upgrade the client package"
            )),
            None => Err(format!("contracts_version {version:?} is not a SemVer version MAJOR.MINOR.PATCH")),
        },
    }
}
