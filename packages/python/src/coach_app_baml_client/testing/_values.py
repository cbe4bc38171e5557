"""Strategies of JSON values and of the strings of each format, valid and invalid.

Private to :mod:`coach_app_baml_client.testing.strategies` (which checks that
Hypothesis is installed before importing this); the public ones are
re-exported there. The formats follow the validator's rules
(``crates/contracts-core/src/rules.rs``): a UUID is lowercase 8-4-4-4-12
hex; a timestamp an RFC 3339 date-time with a ``T`` and an offset on a real
calendar date, with ``:60`` only at 23:59 UTC; a date ``YYYY-MM-DD`` on a
real calendar date (year 0000 included, proleptic Gregorian). Every invalid
string breaks one of these rules by construction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

__all__ = [
    "INVALID_FORMATS",
    "JSON_VALUES",
    "KEYS",
    "date_strings",
    "json_kind",
    "not_ints",
    "other_kinds",
    "timestamp_strings",
    "uuid_strings",
]

Json = Any
SearchStrategy = st.SearchStrategy
I64 = (-(2**63), 2**63 - 1)
"""The range of a contract ``int``."""


# ---------------------------------------------------------------------------
# Formats


def _pad(n: int, width: int) -> str:
    return str(n).zfill(width)


def _days_in(year: int, month: int) -> int:
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def uuid_strings() -> SearchStrategy[str]:
    """UUIDs in the one form the validator accepts: lowercase 8-4-4-4-12 hex.

    >>> value = uuid_strings().example()
    >>> value == value.lower() and len(value) == 36
    True
    """
    return st.uuids(allow_nil=True).map(str)


@st.composite
def _ymd(draw: st.DrawFn) -> tuple[int, int, int]:
    year = draw(st.one_of(st.integers(0, 9999), st.sampled_from([1900, 2000, 2024, 2100])))
    month = draw(st.integers(1, 12))
    day = draw(st.integers(1, _days_in(year, month)))
    return year, month, day


def date_strings() -> SearchStrategy[str]:
    """``YYYY-MM-DD`` calendar dates (years 0000-9999, leap days included)."""
    return _ymd().map(lambda d: f"{_pad(d[0], 4)}-{_pad(d[1], 2)}-{_pad(d[2], 2)}")


@st.composite
def _timestamp_parts(draw: st.DrawFn) -> tuple[str, str, str, str, str]:
    """(date, separator, hh:mm:ss, fraction, offset) of a valid RFC 3339 date-time."""
    date = draw(date_strings())
    sep = draw(st.sampled_from("Tt"))
    h, m, s = draw(st.integers(0, 23)), draw(st.integers(0, 59)), draw(st.integers(0, 59))
    fraction = draw(st.one_of(st.just(""), st.from_regex(r"\.[0-9]{1,9}", fullmatch=True)))
    offset = draw(
        st.one_of(
            st.sampled_from(["Z", "z", "+00:00", "-00:00"]),
            st.tuples(st.sampled_from("+-"), st.integers(0, 23), st.integers(0, 59)).map(
                lambda o: f"{o[0]}{_pad(o[1], 2)}:{_pad(o[2], 2)}"
            ),
        )
    )
    return date, sep, f"{_pad(h, 2)}:{_pad(m, 2)}:{_pad(s, 2)}", fraction, offset


def timestamp_strings() -> SearchStrategy[str]:
    """RFC 3339 date-times with an offset that the validator accepts, leap seconds included."""
    return st.one_of(
        _timestamp_parts().map("".join),
        st.sampled_from(
            ["2016-12-31T23:59:60Z", "2016-12-31T23:59:60.5Z", "2017-01-01T00:59:60+01:00"]
        ),
    )


_NO_DIGITS = st.text(st.characters(exclude_characters="0123456789"), max_size=12)


def _replace_at(text: str, index: int, char: str) -> str:
    index %= len(text)
    return text[:index] + char + text[index + 1 :]


def _invalid_uuids() -> SearchStrategy[str]:
    # Every entry breaks the 36-character lowercase 8-4-4-4-12 form (the validator's whole rule).
    return st.one_of(
        st.builds(
            _replace_at, uuid_strings(), st.integers(0, 35), st.sampled_from("ABCDEFgGxz {}_")
        ),
        uuid_strings().map(lambda u: u.replace("-", "")),
        uuid_strings().map(lambda u: "{" + u + "}"),
        uuid_strings().map(lambda u: "urn:uuid:" + u),
        uuid_strings().map(lambda u: u[:-1]),
        uuid_strings().map(lambda u: u + "0"),
        uuid_strings().map(lambda u: " " + u),
        st.text(st.characters(exclude_characters="0123456789abcdef-"), max_size=40),
    )


@st.composite
def _invalid_date_strings(draw: st.DrawFn) -> str:
    y, m, d = draw(_ymd())
    year = _pad(y, 4)
    return draw(
        st.sampled_from(
            [
                f"{year}-{_pad(m, 2)}-{_days_in(y, m) + 1}",  # one day past the month's end
                f"{year}-{_pad(m, 2)}-00",
                f"{year}-{draw(st.sampled_from(['00', '13', '19', '99']))}-{_pad(d, 2)}",
                f"{year}-{m}-{d}" if m < 10 or d < 10 else f"{year}-{_pad(m, 2)}-{d}-",
                f"{year}/{_pad(m, 2)}/{_pad(d, 2)}",
                f"{year}-{_pad(m, 2)}-{_pad(d, 2)}T00:00:00Z",
                f" {year}-{_pad(m, 2)}-{_pad(d, 2)}",
                f"{year}-{_pad(m, 2)}-{_pad(d, 2)} ",
                f"+{year}-{_pad(m, 2)}-{_pad(d, 2)}",
                draw(_NO_DIGITS),
            ]
        )
    )


@st.composite
def _invalid_timestamp_strings(draw: st.DrawFn) -> str:
    date, sep, hms, fraction, offset = draw(_timestamp_parts())
    h, mi, _ = hms.split(":")
    wrong_hour = draw(st.integers(24, 99))
    wrong_minute = draw(st.integers(60, 99))
    # A leap second anywhere but 23:59 UTC (the time below is never 23:59 in UTC).
    not_2359 = "10:00:60Z" if (h, mi) != ("10", "00") else "11:00:60Z"
    return draw(
        st.sampled_from(
            [
                f"{date}{sep}{hms}{fraction}",  # no offset
                f"{date} {hms}{fraction}{offset}",
                f"{date}_{hms}{fraction}{offset}",
                f"{draw(_invalid_date_strings())}T{hms}{offset}",
                f"{date}{sep}{wrong_hour}:{mi}:00{offset}",
                f"{date}{sep}{h}:{wrong_minute}:00{offset}",
                f"{date}{sep}{h}:{mi}:{draw(st.integers(61, 99))}{offset}",
                f"{date}T{not_2359}",
                f"{date}{sep}{h}:{mi}{offset}",  # no seconds
                f"{date}{sep}{hms}.{offset}",  # a dot without digits
                f"{date}{sep}{hms}+0100",
                f"{date}{sep}{hms}+01",
                f"{date}{sep}{hms}+{draw(st.integers(24, 99))}:00",
                f"{date}{sep}{hms}+01:{wrong_minute}",
                f"{date}{sep}{hms}\u221201:00",  # U+2212 MINUS SIGN
                f"{date}{sep}{hms}{fraction}{offset} ",
                f" {date}{sep}{hms}{fraction}{offset}",
                date,
                draw(_NO_DIGITS),
            ]
        )
    )


# ---------------------------------------------------------------------------
# JSON values

SCALAR_VALUES: SearchStrategy[Json] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(*I64),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=10),
)
JSON_VALUES: SearchStrategy[Json] = st.recursive(
    SCALAR_VALUES,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)
KEYS = st.text(max_size=12)

# One strategy per JSON kind, for "a value of another type".
KINDS: dict[str, SearchStrategy[Json]] = {
    "null": st.none(),
    "boolean": st.booleans(),
    "number": st.one_of(st.integers(-(2**31), 2**31), st.floats(-1e9, 1e9)),
    "string": st.text(max_size=10),
    "array": st.lists(SCALAR_VALUES, max_size=2),
    "object": st.dictionaries(st.text(max_size=6), SCALAR_VALUES, max_size=2),
}


def other_kinds(accepted: set[str], nullable: bool) -> SearchStrategy[Json]:
    """Values of every JSON kind but ``accepted`` (and but ``null`` when ``nullable``).

    >>> json_kind(other_kinds({"string", "number", "array", "object", "null"}, False).example())
    'boolean'
    """
    kinds = [k for k in KINDS if k not in accepted and not (k == "null" and nullable)]
    return st.one_of([KINDS[k] for k in kinds])


def not_ints() -> SearchStrategy[Json]:
    """Numbers that are not a 64-bit ``int`` (``3.0`` is one, JSON has one number type)."""
    return st.one_of(
        st.floats(-1e6, 1e6).filter(lambda f: not f.is_integer()),
        st.integers(2**63, 2**70),
        st.integers(-(2**70), -(2**63) - 1),
    )


def json_kind(value: Json) -> str:
    """The JSON kind of a parsed value: ``null``, ``boolean``, ``number``, ``string``,
    ``array`` or ``object``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


INVALID_FORMATS: dict[str, Callable[[], SearchStrategy[str]]] = {
    "uuid": _invalid_uuids,
    "date-time": _invalid_timestamp_strings,
    "date": _invalid_date_strings,
}
"""Strings each format rejects, by format name."""
