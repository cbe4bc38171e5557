"""One change to a valid envelope that makes exactly one issue of a chosen code.

Private to :mod:`coach_app_baml_client.testing.strategies`. A valid envelope
is read as *sites* (each value with what the contract says of it, each absent
optional field, the envelope's own fields), and each code has the changes
that give exactly that one issue at a site, following the validator's rules
(``crates/contracts-core/src/check.rs``, ``rules.rs``):

- a class value that is not an object is ``not_an_object``, any other value
  of another JSON kind ``wrong_type`` (also a non-object union of classes);
- inside a union of classes, only the union value itself and its
  discriminator (a literal every member declares) are changed: a change there
  gives every member the same issue, so whichever member the validator
  reports, it is that one; a change elsewhere in a member may make another
  member closer;
- ``type`` that is not a string makes the payload unchecked (one issue);
- ``invalid_json``, ``duplicate_key`` and ``too_deep`` exist in text only, and
  a text the parser refuses is one issue at ``""``.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, cast

from hypothesis import strategies as st

from .. import Mode
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
)
from ._values import INVALID_FORMATS, JSON_VALUES, KEYS, json_kind, not_ints, other_kinds

__all__ = ["SUPPORTED_CODES", "TEXT_CODES", "Mutations", "envelope_sites", "possible_codes"]

Json = Any
Path = tuple["str | int", ...]
SearchStrategy = st.SearchStrategy

TEXT_CODES: tuple[str, ...] = ("invalid_json", "duplicate_key", "too_deep")
"""Codes only JSON text can carry."""

SUPPORTED_CODES: tuple[str, ...] = (
    "missing_field",
    "unknown_field",
    "wrong_type",
    "not_an_object",
    "invalid_enum_value",
    "invalid_literal",
    "unknown_event_type",
    "invalid_uuid",
    "invalid_timestamp",
    "invalid_date",
    "unsupported_version",
    *TEXT_CODES,
)
"""Every issue code a change can make (``unknown_field`` in producer mode only)."""

ENVELOPE_FIELDS = ("type", "contracts_version", "payload", "meta")


Role = Literal["envelope", "type", "version", "value", "discriminator"]
_FULL: Any = object()
"""The value of a site of the static walk: an object with every field present."""


@dataclass(frozen=True)
class _Site:
    """A place in an envelope and what the contract says of it.

    ``value``: the value there (``present``), or :data:`_FULL` in the static
    walk (what a value with every optional part present would hold)."""

    path: Path
    shape: Shape
    role: Role = "value"
    nullable: bool = False
    present: bool = True
    value: Json = None
    literals: tuple[object, ...] = ()
    """A discriminator's: every union member's literal."""


Mutation = Callable[[st.DrawFn, "dict[str, Json]"], "tuple[dict[str, Any] | bytes, str]"]
"""Draws one change and applies it to a copy of the envelope: (the result, the issue's path)."""


def _pointer(path: Path) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def _unwrap(contracts: Contracts, node: Node) -> tuple[Shape, bool]:
    shape = contracts.shape(node)
    if isinstance(shape, NullableShape):
        return contracts.shape(shape.inner), True
    return shape, False


def _union_classes(contracts: Contracts, shape: UnionShape) -> list[ClassShape] | None:
    members = [contracts.shape(m) for m in shape.members]
    classes = [m for m in members if isinstance(m, ClassShape)]
    return classes if len(classes) == len(members) else None


def _discriminators(classes: Sequence[ClassShape]) -> dict[str, tuple[object, ...]]:
    """The keys every member declares as a required literal, with the members' literals."""
    if not classes:
        return {}
    literals = [c.literal_fields() for c in classes]
    keys = set(literals[0]).intersection(*literals[1:])
    return {k: tuple(lit[k] for lit in literals) for k in sorted(keys)}


def envelope_sites(
    contracts: Contracts, event_type: str, doc: dict[str, Json] | None
) -> list[_Site]:
    """The sites of ``doc`` (a valid envelope of ``event_type``); with ``None``, those of an
    envelope with every optional part present (what the contract makes possible)."""
    shape = contracts.envelope_class(event_type)
    value: Any = _FULL if doc is None else doc
    out = [
        _Site((), shape, "envelope", value=value),
        _Site(("type",), shape, "type"),
        _Site(("contracts_version",), shape, "version"),
    ]
    for key in ("payload", "meta"):
        if doc is None:
            _static_sites(contracts, shape.fields[key], (key,), set(), out)
        else:
            _sites(contracts, doc[key], shape.fields[key], (key,), out)
    return out


def _sites(contracts: Contracts, value: Json, node: Node, path: Path, out: list[_Site]) -> None:
    """Appends the sites of ``value`` (a valid value of ``node``) and of everything in it."""
    shape, nullable = _unwrap(contracts, node)
    out.append(_Site(path, shape, "value", nullable, True, value))
    if value is None:
        return
    if isinstance(shape, ClassShape):
        fields = cast("dict[str, Json]", value)
        for key, sub in shape.fields.items():
            if key in fields:
                _sites(contracts, fields[key], sub, (*path, key), out)
            else:
                sub_shape, sub_nullable = _unwrap(contracts, sub)
                out.append(_Site((*path, key), sub_shape, "value", sub_nullable, False))
    elif isinstance(shape, MapShape):
        for key, item in cast("dict[str, Json]", value).items():
            _sites(contracts, item, shape.values, (*path, key), out)
    elif isinstance(shape, ListShape):
        for index, item in enumerate(cast("list[Json]", value)):
            _sites(contracts, item, shape.items, (*path, index), out)
    elif isinstance(shape, UnionShape) and isinstance(value, dict):
        for key, literals in _discriminators(_union_classes(contracts, shape) or []).items():
            if key in value:
                out.append(_Site((*path, key), shape, "discriminator", literals=literals))


def _static_sites(
    contracts: Contracts, node: Node, path: Path, seen: set[str], out: list[_Site]
) -> None:
    """Appends the sites a value of ``node`` has when every optional part is present."""
    shape, nullable = _unwrap(contracts, node)
    out.append(_Site(path, shape, "value", nullable, True, _FULL))
    if isinstance(shape, ClassShape):
        if shape.name in seen:
            return
        seen = seen | {shape.name}
        for key, sub in shape.fields.items():
            _static_sites(contracts, sub, (*path, key), seen, out)
    elif isinstance(shape, MapShape):
        _static_sites(contracts, shape.values, (*path, "key"), seen, out)
    elif isinstance(shape, ListShape):
        _static_sites(contracts, shape.items, (*path, 0), seen, out)
    elif isinstance(shape, UnionShape):
        for key, literals in _discriminators(_union_classes(contracts, shape) or []).items():
            out.append(_Site((*path, key), shape, "discriminator", literals=literals))


def _present_keys(site: _Site) -> list[str]:
    """The keys of the object at ``site`` (all of them in the static walk)."""
    if site.value is _FULL:
        if site.role == "envelope":
            return list(ENVELOPE_FIELDS)
        if isinstance(site.shape, ClassShape):
            return list(site.shape.fields)
        return ["key"]  # a map: not empty
    value: Json = site.value
    return list(cast("dict[str, Json]", value)) if isinstance(value, dict) else []


def _copy(doc: dict[str, Json]) -> dict[str, Json]:
    return cast("dict[str, Json]", json.loads(json.dumps(doc)))


def _set(doc: dict[str, Json], path: Path, value: Json) -> dict[str, Json]:
    result = _copy(doc)
    target: Any = result
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return result


def _delete(doc: dict[str, Json], path: Path) -> dict[str, Json]:
    result = _copy(doc)
    target: Any = result
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return result


def _dumps(value: Json, duplicate: Path | None = None, at: Path = ()) -> str:
    """Compact JSON text of ``value``; the key at the path ``duplicate`` is written twice."""
    if isinstance(value, dict):
        parts: list[str] = []
        for key, item in cast("dict[str, Json]", value).items():
            entry = json.dumps(key, ensure_ascii=False) + ":" + _dumps(item, duplicate, (*at, key))
            parts += [entry, entry] if duplicate == (*at, key) else [entry]
        return "{" + ",".join(parts) + "}"
    if isinstance(value, list):
        items = cast("list[Json]", value)
        return "[" + ",".join(_dumps(v, duplicate, (*at, i)) for i, v in enumerate(items)) + "]"
    return json.dumps(value, ensure_ascii=False)


_DEEP_MARK = "\u0000coach-contracts-deep\u0000"


def _too_deep(path: Path) -> Mutation:
    def mutate(draw: st.DrawFn, doc: dict[str, Json]) -> tuple[bytes, str]:
        depth = draw(st.integers(128, 200), label="nested arrays")
        text = _dumps(_set(doc, path, _DEEP_MARK))
        mark = json.dumps(_DEEP_MARK, ensure_ascii=False)
        return text.replace(mark, "[" * depth + "]" * depth, 1).encode(), ""

    return mutate


def _broken_json(draw: st.DrawFn, doc: dict[str, Json]) -> tuple[bytes, str]:
    text = _dumps(doc)
    broken = draw(
        st.one_of(
            st.integers(0, len(text) - 1).map(lambda k: text[:k]),  # truncated
            st.just(text[:-1] + ",}"),  # a trailing comma
            st.sampled_from([" {}", "x", "]", ","]).map(lambda tail: text + tail),
            st.just(text.replace('"type"', "'type'", 1)),  # single quotes
            st.sampled_from(["x", "]", ",", "{"]).map(lambda head: head + text),
        ),
        label="broken text",
    )
    return broken.encode(), ""


class Mutations:
    """The changes that make exactly one issue of a code at a site."""

    def __init__(self, contracts: Contracts, mode: Mode, event_type: str) -> None:
        self.contracts = contracts
        self.mode = mode
        self.event_type = event_type

    def all(self, code: str, sites: Sequence[_Site]) -> list[Mutation]:
        """Every change that makes ``code`` at one of ``sites``."""
        return [m for site in sites for m in [self.at(code, site)] if m is not None]

    def at(self, code: str, site: _Site) -> Mutation | None:  # noqa: C901, PLR0911, PLR0912
        """The change that makes ``code`` at ``site``, or ``None``."""
        path = site.path
        pointer = _pointer(path)

        def setting(values: SearchStrategy[Json]) -> Mutation:
            return lambda draw, doc: (_set(doc, path, draw(values, label=code)), pointer)

        def keyed(keys: Sequence[str], change: Callable[[dict[str, Json], Path], Any]) -> Mutation:
            def mutate(draw: st.DrawFn, doc: dict[str, Json]) -> tuple[Any, str]:
                at = (*path, draw(st.sampled_from(keys), label="key"))
                return change(doc, at), _pointer(at)

            return mutate

        if code == "too_deep":
            return None if site.role == "envelope" else _too_deep(path)
        if site.role == "envelope":
            keys = _present_keys(site)
            if code == "missing_field":
                return keyed([k for k in ENVELOPE_FIELDS if k in keys], _delete)
            if code == "duplicate_key":
                return keyed(keys, lambda doc, at: _dumps(doc, duplicate=at).encode())
            if code == "not_an_object":
                root = other_kinds({"object"}, nullable=False)
                return lambda draw, doc: (json.dumps(draw(root, label=code)).encode(), "")
            if code == "invalid_json":
                return _broken_json
            if code == "unknown_field" and self.mode == "producer":
                return self._unknown_field(path, frozenset(ENVELOPE_FIELDS))
            return None
        if site.role == "type":
            if code == "unknown_event_type":
                names = frozenset(self.contracts.event_types)
                return setting(st.text(max_size=24).filter(lambda t: t not in names))
            if code == "wrong_type":
                return setting(other_kinds({"string"}, nullable=False))
            return None
        if site.role == "version":
            if code == "unsupported_version":
                return setting(self._unsupported_versions())
            if code == "wrong_type":
                return setting(other_kinds({"string"}, nullable=False))
            return None
        if site.role == "discriminator":  # what every member of the union reports alike
            literals = site.literals
            if code == "invalid_literal":
                return setting(st.text(max_size=10).filter(lambda v: v not in literals))
            if code == "wrong_type":
                return setting(other_kinds({json_kind(literals[0])}, nullable=False))
            if code == "missing_field":
                return lambda draw, doc: (_delete(doc, path), pointer)
            return None
        return self._value(code, site, setting, keyed)

    def _value(  # noqa: C901, PLR0911
        self,
        code: str,
        site: _Site,
        setting: Callable[[SearchStrategy[Json]], Mutation],
        keyed: Callable[[Sequence[str], Callable[[dict[str, Json], Path], Any]], Mutation],
    ) -> Mutation | None:
        shape = site.shape
        if isinstance(shape, (ClassShape, MapShape)) and site.present and site.value is not None:
            keys = _present_keys(site)
            if code == "duplicate_key" and keys:
                return keyed(keys, lambda doc, at: _dumps(doc, duplicate=at).encode())
            if isinstance(shape, ClassShape):
                required = [k for k in shape.required if k in keys]
                if code == "missing_field" and required:
                    return keyed(required, _delete)
                if code == "unknown_field" and self.mode == "producer":
                    return self._unknown_field(site.path, frozenset(shape.fields))
        if code == "not_an_object" and isinstance(shape, ClassShape):
            return setting(other_kinds({"object"}, site.nullable))
        if code == "wrong_type":
            wrong = self._wrong_kinds(shape, site.nullable)
            return None if wrong is None else setting(wrong)
        if code == "invalid_enum_value" and isinstance(shape, EnumShape):
            values = shape.values
            return setting(st.text(max_size=12).filter(lambda v: v not in values))
        if code == "invalid_literal" and isinstance(shape, ConstShape):
            return setting(_other_literals(shape.value))
        if isinstance(shape, FormatShape) and code == _FORMAT_CODES[shape.format]:
            return setting(INVALID_FORMATS[shape.format]())
        return None

    def _unknown_field(self, path: Path, declared: frozenset[str]) -> Mutation:
        def add(draw: st.DrawFn, doc: dict[str, Json]) -> tuple[dict[str, Any], str]:
            key = draw(KEYS.filter(lambda k: k not in declared), label="undeclared key")
            return _set(doc, (*path, key), draw(JSON_VALUES, label="its value")), _pointer(
                (*path, key)
            )

        return add

    def _wrong_kinds(self, shape: Shape, nullable: bool) -> SearchStrategy[Json] | None:
        """Values of another JSON kind than ``shape`` takes (``None``: it has no such value
        that is one ``wrong_type``)."""
        if isinstance(shape, ScalarShape) and shape.kind == "integer":
            return st.one_of(other_kinds({"number"}, nullable), not_ints())
        if isinstance(shape, UnionShape):
            # A union of classes: a non-object fails every member where it stands.
            if _union_classes(self.contracts, shape) is None:
                return None
            return other_kinds({"object"}, nullable)
        if isinstance(shape, ScalarShape):
            return None if shape.kind == "null" else other_kinds({shape.kind}, nullable)
        if isinstance(shape, ConstShape):
            return other_kinds({json_kind(shape.value)}, nullable)
        if isinstance(shape, (EnumShape, FormatShape, PatternShape)):
            return other_kinds({"string"}, nullable)
        if isinstance(shape, MapShape):
            return other_kinds({"object"}, nullable)
        if isinstance(shape, ListShape):
            return other_kinds({"array"}, nullable)
        return None  # a class's non-object is not_an_object

    def _unsupported_versions(self) -> SearchStrategy[str]:
        version = self.contracts.version
        if self.mode == "producer":
            return st.one_of(
                st.sampled_from(["0.0.0", "99.0.0", f"{version}-rc.1", f" {version}", ""]),
                st.text(max_size=12),
            ).filter(lambda v: v != version)
        major = int(version.split(".")[0])
        other_major = st.tuples(st.integers(1, 5), st.integers(0, 20), st.integers(0, 20)).map(
            lambda v: f"{major + v[0]}.{v[1]}.{v[2]}"
        )
        not_semver = st.sampled_from(
            [
                "",
                "0.2",
                "v0.2.0",
                "0.2.0.1",
                "x.y.z",
                " 0.2.0",
                "0.2.0 ",
                "1.0.0.0",
                "9" * 21 + ".0.0",
            ]
        )
        return st.one_of(other_major, not_semver)


_FORMAT_CODES = {"uuid": "invalid_uuid", "date-time": "invalid_timestamp", "date": "invalid_date"}


def _other_literals(literal: object) -> SearchStrategy[Json]:
    if isinstance(literal, bool):
        return st.just(not literal)
    if isinstance(literal, str):
        return st.text(max_size=10).filter(lambda v: v != literal)
    return st.integers(-(2**31), 2**31).filter(lambda v: v != literal)


@functools.lru_cache(maxsize=None)
def possible_codes(version: str, event_type: str, mode: Mode) -> frozenset[str]:
    """The codes some envelope of ``event_type`` can be given by one change."""
    contracts = Contracts.of(version)
    mutations = Mutations(contracts, mode, event_type)
    sites = envelope_sites(contracts, event_type, None)
    return frozenset(code for code in SUPPORTED_CODES if mutations.all(code, sites))
