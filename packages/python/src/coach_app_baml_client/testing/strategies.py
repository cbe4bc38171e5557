"""Hypothesis strategies of contract values: valid envelopes and DTOs, and invalid envelopes
that carry exactly one chosen issue at a known path.

Needs Hypothesis (``pip install "coach-app-baml-client[testing]"``).

>>> from hypothesis import given, settings
>>> from coach_app_baml_client import validate_envelope
>>> @settings(max_examples=20)
... @given(envelopes("GOAL_UPDATED"))
... def test_every_goal_update_validates(envelope):
...     validate_envelope(envelope)
>>> test_every_goal_update_validates()

The values are generated from the JSON Schemas the package ships
(``schemas/envelope.schema.json``, and ``schemas/history/<version>/`` for the
earlier releases in :data:`~coach_app_baml_client.KNOWN_VERSIONS`), which the
contracts compiler derives from the same IR as the validator. The walk reads
exactly the keywords the compiler emits and raises on any other one. Beyond
what the schemas say, the formats follow the validator: UUIDs are lowercase
canonical, timestamps RFC 3339 date-times with an offset (``Z``, ``z``,
``±hh:mm``, fractions, leap seconds at 23:59 UTC) on real calendar dates,
dates ``YYYY-MM-DD`` real calendar dates; ``int`` values fit in 64 bits;
strings hold no lone surrogates.

Invalid envelopes: :func:`invalid_envelopes` takes an issue code and makes
one change to a valid envelope, so that :func:`~coach_app_baml_client.validate_envelope`
reports exactly one issue, of that code, at the path it names
(:class:`InvalidEnvelope`). Supported codes (:data:`SUPPORTED_CODES`):

============================  =====================================================
code                          the change
============================  =====================================================
``missing_field``             a required field (of the envelope or of any class) removed
``unknown_field``             an undeclared field added (producer mode only)
``wrong_type``                a value of another JSON type (a fractional or
                              beyond-64-bit number for an ``int``)
``not_an_object``             a class value (or the envelope itself) that is not an object
``invalid_enum_value``        a string that is not a value of the enum
``invalid_literal``           another value for a literal (a union's discriminator)
``unknown_event_type``        ``type`` a string that names no event type
``invalid_uuid``              a non-canonical UUID (uppercase, braces, ``urn:``, …)
``invalid_timestamp``         no offset, an impossible date or time, a leap second
                              elsewhere than 23:59 UTC, …
``invalid_date``              an impossible date, a single-digit month, …
``unsupported_version``       producer: another ``contracts_version``; consumer:
                              another MAJOR or not ``MAJOR.MINOR.PATCH``
``invalid_json``              the JSON text broken (truncated, trailing comma or data, …)
``duplicate_key``             a key of an object written twice (same value)
``too_deep``                  a value replaced by more than 128 nested arrays
============================  =====================================================

The last three (and ``not_an_object`` at the root) exist only as text, so
their :attr:`InvalidEnvelope.envelope` is JSON text (``bytes``); the others
are ``dict``\\ s. ``too_large`` (an input above 16 MiB) is not generated.
Inside a union of classes only the union value itself and its discriminator
are changed: elsewhere in a member, which member's issues the validator
reports depends on the other members.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

try:
    from hypothesis import strategies as st
except ImportError as err:  # pragma: no cover - the test suite installs Hypothesis
    raise ImportError(
        "coach_app_baml_client.testing.strategies needs Hypothesis: "
        'pip install "coach-app-baml-client[testing]"'
    ) from err

from .. import CONTRACTS_VERSION, Mode
from ._mutations import SUPPORTED_CODES, TEXT_CODES, Mutations, envelope_sites, possible_codes
from ._schema import (
    ClassShape,
    ConstShape,
    Contracts,
    EnumShape,
    FormatShape,
    ListShape,
    MapShape,
    Node,
    NullableShape,
    PatternShape,
    ScalarShape,
    Shape,
    UnionShape,
    suggest,
)
from ._values import I64, JSON_VALUES, KEYS, date_strings, timestamp_strings, uuid_strings

__all__ = [
    "SUPPORTED_CODES",
    "TEXT_CODES",
    "InvalidEnvelope",
    "date_strings",
    "dtos",
    "envelopes",
    "invalid_envelopes",
    "timestamp_strings",
    "uuid_strings",
]

Json = Any
SearchStrategy = st.SearchStrategy
_MODES = ("producer", "consumer")


@dataclass(frozen=True)
class InvalidEnvelope:
    """An envelope with exactly one issue: ``validate_envelope(envelope, mode=mode,
    target_version=target_version)`` raises with one issue, of ``code`` at ``path``.

    >>> bad = InvalidEnvelope(b"[]", "not_an_object", "", "producer", None, "GOAL_UPDATED")
    >>> bad.text
    b'[]'
    """

    envelope: dict[str, Any] | bytes
    """The envelope: a ``dict``, or its JSON text for the codes only text can carry
    (:data:`TEXT_CODES`, and ``not_an_object`` at the root)."""
    code: str
    """The one issue's code."""
    path: str
    """The one issue's RFC 6901 JSON Pointer (``""``: the whole input)."""
    mode: Mode
    """The mode it is invalid in."""
    target_version: str | None
    """``None``, or (producer mode) the earlier release it was made for: pass it to the
    validator as ``target_version``."""
    event_type: str
    """The event type of the valid envelope it was made from."""

    @property
    def text(self) -> bytes:
        """The envelope as JSON text (UTF-8), what a socket would carry."""
        if isinstance(self.envelope, bytes):
            return self.envelope
        return json.dumps(self.envelope, ensure_ascii=False).encode()


# ---------------------------------------------------------------------------
# Valid values from the schema


class _Generator:
    """Strategies of valid values of one version's schema nodes.

    ``full``: every optional field present (and not null), every list and map
    non-empty, so that every place of the contract appears in the value.
    ``mode == "consumer"`` adds undeclared fields to objects of classes.
    """

    def __init__(self, contracts: Contracts, mode: Mode, full: bool) -> None:
        self.contracts = contracts
        self.mode = mode
        self.full = full
        self._classes: dict[str, SearchStrategy[dict[str, Json]]] = {}
        self._envelopes: dict[str, SearchStrategy[dict[str, Json]]] = {}

    def value(self, node: Node) -> SearchStrategy[Json]:
        shape = self.contracts.shape(node)
        if isinstance(shape, ClassShape):
            if shape.name not in self._classes:
                # Deferred: a class that contains itself does not recurse forever here.
                self._classes[shape.name] = st.deferred(lambda: self._class(shape))
            return self._classes[shape.name]
        if isinstance(shape, NullableShape):
            inner = self.value(shape.inner)
            return inner if self.full else st.one_of(st.none(), inner)
        return self._other(shape)

    def _other(self, shape: Shape) -> SearchStrategy[Json]:
        min_size = 1 if self.full else 0
        if isinstance(shape, MapShape):
            return st.dictionaries(KEYS, self.value(shape.values), min_size=min_size, max_size=3)
        if isinstance(shape, ListShape):
            return st.lists(self.value(shape.items), min_size=min_size, max_size=3)
        if isinstance(shape, EnumShape):
            return st.sampled_from(shape.values)
        if isinstance(shape, ConstShape):
            return st.just(shape.value)
        if isinstance(shape, UnionShape):
            return st.one_of([self.value(m) for m in shape.members])
        if isinstance(shape, FormatShape):
            return {"uuid": uuid_strings, "date-time": timestamp_strings, "date": date_strings}[
                shape.format
            ]()
        if isinstance(shape, PatternShape):
            return st.from_regex(shape.pattern, fullmatch=True)
        if isinstance(shape, ScalarShape):
            return {
                "string": st.text(max_size=30),
                "integer": st.integers(*I64),
                "number": st.one_of(
                    st.integers(-(2**53), 2**53), st.floats(allow_nan=False, allow_infinity=False)
                ),
                "boolean": st.booleans(),
                "null": st.none(),
            }[shape.kind]
        raise AssertionError(f"unhandled shape {shape!r}")  # pragma: no cover

    def _class(
        self, shape: ClassShape, fixed: Mapping[str, SearchStrategy[Json]] | None = None
    ) -> SearchStrategy[dict[str, Json]]:
        fixed = fixed or {}
        fields = {
            key: fixed[key] if key in fixed else self.value(node)
            for key, node in shape.fields.items()
        }
        required = {k: s for k, s in fields.items() if k in shape.required or self.full}
        optional = {k: s for k, s in fields.items() if k not in required}
        declared = st.fixed_dictionaries(required, optional=optional)
        if self.mode == "producer":
            return declared
        extra = st.dictionaries(
            KEYS.filter(lambda k: k not in shape.fields), JSON_VALUES, max_size=2
        )
        return st.tuples(declared, extra).map(lambda both: {**both[0], **both[1]})

    def envelope(self, event_type: str) -> SearchStrategy[dict[str, Json]]:
        if event_type not in self._envelopes:
            shape = self.contracts.envelope_class(event_type)
            fixed = {"type": st.just(event_type), "contracts_version": self._version()}
            self._envelopes[event_type] = self._class(shape, fixed)
        return self._envelopes[event_type]

    def _version(self) -> SearchStrategy[str]:
        version = self.contracts.version
        if self.mode == "producer":
            return st.just(version)
        # A consumer reads any version of its MAJOR: newer minors and patches included.
        major, minor, _ = version.split("-")[0].split("+")[0].split(".")
        newer = st.tuples(st.integers(int(minor), int(minor) + 3), st.integers(0, 9)).map(
            lambda v: f"{major}.{v[0]}.{v[1]}"
        )
        return st.one_of(st.just(version), newer)


def _check_mode(mode: str, version: str) -> Mode:
    if mode not in _MODES:
        raise ValueError(f'unknown mode {mode!r}: use "producer" or "consumer"')
    if mode == "consumer" and version != CONTRACTS_VERSION:
        raise ValueError(
            f"mode='consumer' generates what a client of this package (contracts "
            f"{CONTRACTS_VERSION}) accepts; for contracts {version}, what a tab of that release "
            "receives, use mode='producer'"
        )
    return mode


def envelopes(
    event_type: str | None = None, version: str | None = None, mode: Mode = "producer"
) -> SearchStrategy[dict[str, Any]]:
    """Valid envelopes of ``event_type`` (``None``: of every event type) in ``version``.

    ``mode="producer"``: what the validator accepts in producer mode
    (``contracts_version`` is ``version``; for an earlier release, validate
    with ``target_version=version``): exactly the declared fields, optional
    ones absent, ``null`` or present. ``mode="consumer"``: what a client of
    this package accepts (consumer mode, current version only): undeclared
    fields added here and there, ``contracts_version`` a release of the same
    MAJOR, maybe newer.

    >>> from coach_app_baml_client import is_valid_envelope
    >>> is_valid_envelope(envelopes("NOTE_ADDED").example())
    True
    """
    contracts = Contracts.of(version)
    generator = _Generator(contracts, _check_mode(mode, contracts.version), full=False)
    types = [contracts.check_event_type(event_type)] if event_type else contracts.event_types
    return st.one_of([generator.envelope(t) for t in types])


def dtos(name: type | str, version: str | None = None) -> SearchStrategy[dict[str, Any]]:
    """Valid values of the class ``name`` (its BAML name or the generated Pydantic model) in
    ``version``, as the validator checks them in producer mode.

    >>> from coach_app_baml_client.baml_client import types
    >>> types.Price.model_validate(dtos("Price").example()).currency is not None
    True
    """
    contracts = Contracts.of(version)
    class_name = name if isinstance(name, str) else name.__name__
    shape = contracts.class_shape(class_name)
    return _Generator(contracts, "producer", full=False).value({"$ref": f"#/$defs/{shape.name}"})


def _check_code(code: str, mode: Mode) -> str:
    if code == "too_large":
        raise ValueError(
            "too_large needs an input above the validator's max_bytes (16 MiB): "
            "not generated; test it with one large envelope of your own"
        )
    if code not in SUPPORTED_CODES:
        raise ValueError(
            f"unknown issue code {code!r}{suggest(str(code), SUPPORTED_CODES)}; "
            f"invalid_envelopes supports: {', '.join(SUPPORTED_CODES)}"
        )
    if code == "unknown_field" and mode == "consumer":
        raise ValueError(
            "consumer mode ignores unknown fields: unknown_field exists in producer mode only"
        )
    return code


def invalid_envelopes(
    code: str,
    event_type: str | None = None,
    version: str | None = None,
    mode: Mode = "producer",
) -> SearchStrategy[InvalidEnvelope]:
    """Envelopes with exactly one issue, of ``code``, at a known path (:class:`InvalidEnvelope`).

    Each is a valid envelope of :func:`envelopes` (same ``event_type``,
    ``version``, ``mode``) changed once (see the module's table). With
    ``event_type=None``, envelopes of every event type that has a place for
    ``code`` (``invalid_date`` needs a date field); an ``event_type`` without
    one is a :class:`ValueError`, and so is a code outside
    :data:`SUPPORTED_CODES`.

    >>> from coach_app_baml_client import envelope_issues
    >>> bad = invalid_envelopes("invalid_uuid", "GOAL_UPDATED").example()
    >>> [(issue.code, issue.path) for issue in envelope_issues(bad.envelope)] == [
    ...     ("invalid_uuid", bad.path)
    ... ]
    True
    """
    contracts = Contracts.of(version)
    checked_mode = _check_mode(mode, contracts.version)
    _check_code(code, checked_mode)
    types = [contracts.check_event_type(event_type)] if event_type else contracts.event_types
    able = [t for t in types if code in possible_codes(contracts.version, t, checked_mode)]
    if not able:
        raise ValueError(
            f"no single change gives an envelope of {event_type} (contracts {contracts.version}) "
            f"a {code} issue: it has no such place; event types that have one: "
            + ", ".join(
                t
                for t in contracts.event_types
                if code in possible_codes(contracts.version, t, checked_mode)
            )
        )
    target = None if contracts.version == CONTRACTS_VERSION else contracts.version
    some = _Generator(contracts, checked_mode, full=False)
    full = _Generator(contracts, checked_mode, full=True)

    @st.composite
    def build(draw: st.DrawFn) -> InvalidEnvelope:
        event = draw(st.sampled_from(able), label="event type")
        mutations = Mutations(contracts, checked_mode, event)
        doc = draw(some.envelope(event), label="valid envelope")
        found = mutations.all(code, envelope_sites(contracts, event, doc))
        if not found:  # the optional parts that have a place for it are absent: all present
            doc = draw(full.envelope(event), label="valid envelope, all parts present")
            found = mutations.all(code, envelope_sites(contracts, event, doc))
        mutate = draw(st.sampled_from(found), label="change")
        result, path = mutate(draw, doc)
        return InvalidEnvelope(result, code, path, checked_mode, target, event)

    return build()
