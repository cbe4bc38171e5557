"""The shipped contracts as data, for the testing kit: examples and JSON Schemas per version.

Private: :mod:`coach_app_baml_client.testing.examples` and
:mod:`coach_app_baml_client.testing.strategies` read the files the compiler
writes into ``schemas/`` (``examples.json``, ``envelope.schema.json`` and
``history/<version>/envelope.schema.json``) through this module, and nothing
else does. Each file is read once per process.

The bundle (``envelope.schema.json``) holds every class and enum of a version
under ``$defs``; :meth:`Contracts.shape` reads a schema node as one of the
shapes below, walking exactly the keywords the compiler emits and raising
:class:`UnsupportedSchemaError` on any other, so a schema change the kit does
not understand fails loudly instead of generating data that misses a rule.

>>> contracts = Contracts.of(None)
>>> contracts.shape(contracts.bundle["$defs"]["Priority"])
EnumShape(name='Priority', values=('LOW', 'MEDIUM', 'HIGH'))
"""

from __future__ import annotations

import difflib
import functools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeVar, Union, cast

from .. import CONTRACTS_VERSION, KNOWN_VERSIONS

__all__ = [
    "ClassShape",
    "ConstShape",
    "Contracts",
    "EnumShape",
    "FormatShape",
    "ListShape",
    "MapShape",
    "NullableShape",
    "PatternShape",
    "ScalarShape",
    "Shape",
    "UnionShape",
    "UnsupportedSchemaError",
    "suggest",
]

Node = Mapping[str, Any]
"""A JSON Schema node (a dict of the bundle)."""

ANNOTATIONS = frozenset(
    {"$schema", "$defs", "title", "description", "discriminator", "default", "examples"}
)
"""Keywords that say nothing about which values are valid."""
KEYWORDS = ANNOTATIONS | {
    "$ref",
    "type",
    "properties",
    "required",
    "additionalProperties",
    "enum",
    "const",
    "items",
    "anyOf",
    "oneOf",
    "format",
    "pattern",
}
"""Every keyword the contracts compiler emits (crates/contracts-compiler/src/schema.rs)."""

Format = Literal["uuid", "date-time", "date"]
FORMATS: tuple[Format, ...] = ("uuid", "date-time", "date")
ScalarKind = Literal["string", "integer", "number", "boolean", "null"]
SCALARS: tuple[ScalarKind, ...] = ("string", "integer", "number", "boolean", "null")


class UnsupportedSchemaError(ValueError):
    """The shipped schema uses a keyword or a form the testing kit does not read."""


@dataclass(frozen=True)
class ClassShape:
    """A BAML class: an object with declared ``fields`` (their schema nodes)."""

    name: str
    fields: Mapping[str, Node]
    required: tuple[str, ...]

    def literal_fields(self) -> dict[str, object]:
        """Fields whose schema is a ``const``, and their value (a union's discriminator)."""
        return {
            key: node["const"]
            for key, node in self.fields.items()
            if "const" in node and key in self.required
        }


@dataclass(frozen=True)
class MapShape:
    """``map<string, V>``: an object whose every value is a ``values``."""

    values: Node


@dataclass(frozen=True)
class ListShape:
    """``V[]``."""

    items: Node


@dataclass(frozen=True)
class EnumShape:
    """A BAML enum: one of ``values`` (strings)."""

    name: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class ConstShape:
    """A literal type: exactly ``value``."""

    value: object


@dataclass(frozen=True)
class ScalarShape:
    """A JSON scalar of this kind (``integer``: a whole number within 64 bits)."""

    kind: ScalarKind


@dataclass(frozen=True)
class FormatShape:
    """A string of a checked format: ``uuid`` (canonical lowercase), ``date-time`` (RFC 3339
    with offset), ``date`` (``YYYY-MM-DD``, a calendar date)."""

    format: Format
    name: str


@dataclass(frozen=True)
class PatternShape:
    """A string the schema constrains with a regular expression only (``contracts_version``)."""

    pattern: str


@dataclass(frozen=True)
class UnionShape:
    """One of at least two non-null ``members``."""

    members: tuple[Node, ...]


@dataclass(frozen=True)
class NullableShape:
    """``T?``: ``null`` or an ``inner``."""

    inner: Node


Shape = Union[
    ClassShape,
    MapShape,
    ListShape,
    EnumShape,
    ConstShape,
    ScalarShape,
    FormatShape,
    PatternShape,
    UnionShape,
    NullableShape,
]
_Named = TypeVar("_Named", ClassShape, EnumShape)  # the shapes that have a name to look up


def suggest(name: str, known: Iterable[str]) -> str:
    """`` (did you mean 'X'?)`` for the close matches of ``name`` among ``known``, or ``""``.

    >>> suggest("SESSION_SUMARY_READY", ["SESSION_SUMMARY_READY", "GOAL_CREATED"])
    " (did you mean 'SESSION_SUMMARY_READY'?)"
    >>> suggest("goal", ["Goal", "Note"])
    " (did you mean 'Goal'?)"
    """
    candidates = list(known)
    folded = {c.casefold(): c for c in candidates}
    matches = [folded[name.casefold()]] if name.casefold() in folded else []
    matches += [
        m for m in difflib.get_close_matches(name, candidates, n=3, cutoff=0.6) if m not in matches
    ]
    if not matches:
        return ""
    return " (did you mean " + " or ".join(repr(m) for m in matches[:3]) + "?)"


def check_version(version: str | None) -> str:
    """``version``, or :data:`CONTRACTS_VERSION` for ``None``; a version not shipped is an error."""
    if version is None:
        return CONTRACTS_VERSION
    if not isinstance(version, str) or version not in KNOWN_VERSIONS:  # pyright: ignore[reportUnnecessaryIsInstance]
        raise ValueError(
            f"version {version!r} is not a contracts version this package ships; "
            f"use one of KNOWN_VERSIONS: {', '.join(KNOWN_VERSIONS)}"
        )
    return version


@functools.lru_cache(maxsize=None)
def _read_json(name: str) -> Any:
    from importlib import resources

    node = resources.files("coach_app_baml_client").joinpath("schemas")
    for part in name.split("/"):  # one part per call: Python 3.10's Traversable API
        node = node.joinpath(part)
    try:
        text = node.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FileNotFoundError(
            f"coach_app_baml_client/schemas/{name} is missing from this install; "
            "reinstall the package (the wheel ships it; in a checkout run `make generate`)"
        ) from None
    return json.loads(text)


def examples_document() -> dict[str, Any]:
    """``schemas/examples.json``, parsed once (do not mutate it: copy what you hand out)."""
    return cast("dict[str, Any]", _read_json("examples.json"))


def version_examples(version: str) -> dict[str, Any]:
    """``{"events": …, "classes": …, "enums": …}`` of ``version`` (one of :data:`KNOWN_VERSIONS`)."""
    versions: dict[str, Any] = examples_document()["versions"]
    if version not in versions:
        raise ValueError(
            f"schemas/examples.json has no examples of contracts {version}; "
            f"it has {', '.join(versions)} (reinstall the package)"
        )
    return cast("dict[str, Any]", versions[version])


class Contracts:
    """One version's bundle schema, read as shapes. :meth:`of` caches one per version."""

    def __init__(self, version: str, bundle: Mapping[str, Any]) -> None:
        self.version = version
        self.bundle = bundle
        defs: Mapping[str, Node] = bundle.get("$defs", {})
        self.defs = defs
        discriminator: Mapping[str, Any] = bundle.get("discriminator", {})
        mapping: Mapping[str, str] = discriminator.get("mapping", {})
        if discriminator.get("propertyName") != "type" or not mapping:
            raise UnsupportedSchemaError(
                f"the envelope bundle of contracts {version} has no discriminator mapping on `type`"
            )
        self.event_classes: dict[str, str] = {
            event_type: self._ref_name(ref) for event_type, ref in mapping.items()
        }

    @staticmethod
    def of(version: str | None) -> Contracts:
        """The contracts of ``version`` (``None``: :data:`CONTRACTS_VERSION`), read once."""
        return _contracts(check_version(version))

    @property
    def event_types(self) -> list[str]:
        """The event types of this version, in declaration order."""
        return list(self.event_classes)

    @property
    def class_names(self) -> list[str]:
        """Every class of this version."""
        return self._names_of(ClassShape)

    @property
    def enum_names(self) -> list[str]:
        """Every enum of this version."""
        return self._names_of(EnumShape)

    def _names_of(self, kind: type[_Named]) -> list[str]:
        return [name for name, node in self.defs.items() if isinstance(self.shape(node), kind)]

    def check_event_type(self, event_type: str) -> str:
        """``event_type`` if this version has it; otherwise an error listing close matches."""
        if event_type not in self.event_classes:
            raise ValueError(
                f"unknown event type {event_type!r} in contracts {self.version}"
                f"{suggest(str(event_type), self.event_classes)}; "
                f"the event types are: {', '.join(self.event_classes)}"
            )
        return event_type

    def envelope_class(self, event_type: str) -> ClassShape:
        """The envelope class of ``event_type`` (its ``type``, ``contracts_version``, ``payload``, ``meta``)."""
        shape = self.class_shape(self.event_classes[self.check_event_type(event_type)])
        missing = {"type", "contracts_version", "payload", "meta"} - set(shape.fields)
        if missing:
            raise UnsupportedSchemaError(
                f"the envelope class {shape.name} has no {', '.join(sorted(missing))}"
            )
        return shape

    def class_shape(self, name: str) -> ClassShape:
        """The class ``name``; an error listing close matches when this version has none."""
        return self._named(name, ClassShape, "class", "classes")

    def enum_shape(self, name: str) -> EnumShape:
        """The enum ``name``; an error listing close matches when this version has none."""
        return self._named(name, EnumShape, "enum", "enums")

    def _named(self, name: str, kind: type[_Named], noun: str, nouns: str) -> _Named:
        node = self.defs.get(name)
        shape = None if node is None else self.shape(node)
        if not isinstance(shape, kind):
            names = self._names_of(kind)
            raise ValueError(
                f"unknown {noun} {name!r} in contracts {self.version}{suggest(name, names)}; "
                f"the {nouns} are: {', '.join(names)}"
            )
        return shape

    def _ref_name(self, ref: str) -> str:
        prefix = "#/$defs/"
        if not ref.startswith(prefix) or "/" in ref[len(prefix) :]:
            raise UnsupportedSchemaError(f"only `#/$defs/<Name>` references are read, got {ref!r}")
        name = ref[len(prefix) :].replace("~1", "/").replace("~0", "~")
        if name not in self.defs:
            raise UnsupportedSchemaError(f"unresolvable $ref {ref!r}")
        return name

    def resolve(self, node: Node) -> tuple[Node, str | None]:
        """``node`` with its ``$ref`` followed (annotations beside a ``$ref`` are allowed), and
        the name of the definition it came from."""
        name: str | None = None
        while "$ref" in node:
            extra = set(node) - ANNOTATIONS - {"$ref"}
            if extra:
                raise UnsupportedSchemaError(
                    f"keywords beside $ref are not read: {', '.join(sorted(extra))}"
                )
            name = self._ref_name(node["$ref"])
            node = self.defs[name]
        return node, name

    def shape(self, node: Node) -> Shape:
        """What ``node`` accepts, as one of the shapes; :class:`UnsupportedSchemaError` for any
        keyword or combination the contracts compiler does not emit."""
        node, name = self.resolve(node)
        unknown = set(node) - KEYWORDS
        if unknown:
            raise UnsupportedSchemaError(
                f"unsupported JSON Schema keyword(s) {', '.join(sorted(unknown))} in "
                f"{name or node.get('title', 'a schema node')} (contracts {self.version}): "
                "extend coach_app_baml_client/testing/_schema.py"
            )
        name = name or node.get("title")
        if "const" in node:
            return ConstShape(node["const"])
        if "enum" in node:
            values: list[Any] = list(node["enum"])
            if (
                not all(isinstance(v, str) for v in values)
                or node.get("type", "string") != "string"
            ):
                raise UnsupportedSchemaError(f"enum {name} has values that are not strings")
            return EnumShape(str(name), tuple(cast("list[str]", values)))
        union = node.get("anyOf", node.get("oneOf"))
        if union is not None:
            members = cast("list[Node]", union)
            real = tuple(m for m in members if self.resolve(m)[0].get("type") != "null")
            if len(real) == len(members) - 1 and len(real) == 1:
                return NullableShape(real[0])
            if len(real) != len(members) or len(real) < 2:
                raise UnsupportedSchemaError(f"a union with null among several members ({name})")
            return UnionShape(real)
        kind = node.get("type")
        if kind == "object":
            return self._object(node, name)
        if kind == "array":
            if "items" not in node:
                raise UnsupportedSchemaError(f"an array without `items` ({name})")
            return ListShape(cast("Node", node["items"]))
        if kind == "string" and "format" in node:
            fmt = node["format"]
            if fmt not in FORMATS:
                raise UnsupportedSchemaError(f"unsupported format {fmt!r} ({name})")
            return FormatShape(fmt, str(name or fmt))
        if kind == "string" and "pattern" in node:
            return PatternShape(str(node["pattern"]))
        if kind in SCALARS:
            return ScalarShape(kind)
        raise UnsupportedSchemaError(f"unsupported schema node {name or ''}: {dict(node)!r:.200}")

    def _object(self, node: Node, name: str | None) -> Shape:
        extra = node.get("additionalProperties")
        properties: Mapping[str, Node] = node.get("properties", {})
        required: list[str] = list(node.get("required", []))
        if isinstance(extra, Mapping):
            if properties or required:
                raise UnsupportedSchemaError(
                    f"an object with properties and a value schema ({name})"
                )
            return MapShape(cast("Node", extra))
        if extra is not False:
            raise UnsupportedSchemaError(
                f"an object that is neither a class (additionalProperties: false) nor a map ({name})"
            )
        undeclared = [key for key in required if key not in properties]
        if undeclared:
            raise UnsupportedSchemaError(f"{name} requires undeclared {', '.join(undeclared)}")
        return ClassShape(str(name), properties, tuple(required))


@functools.lru_cache(maxsize=None)
def _contracts(version: str) -> Contracts:
    name = (
        "envelope.schema.json"
        if version == CONTRACTS_VERSION
        else f"history/{version}/envelope.schema.json"
    )
    return Contracts(version, cast("Mapping[str, Any]", _read_json(name)))
