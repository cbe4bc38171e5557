"""msgspec Structs equivalent to the producer-mode contract, generated from ``schemas/ir.json``.

- every class -> a ``Struct`` with ``forbid_unknown_fields=True`` (producer mode);
- the envelope union -> a tagged union on ``type``; ``ChatMessage.content`` -> tagged on ``kind``;
- ``optional`` -> ``T | None = None`` (absent or null), enums -> ``Literal`` of the values;
- ``Uuid`` -> ``str`` with the canonical lowercase pattern (what the validator requires);
  ``Timestamp`` -> ``datetime`` with ``tz=True``; ``IsoDate`` -> ``date``;
- ``contracts_version`` -> ``Literal[CONTRACTS_VERSION]`` (producer mode).

``check_vectors()`` runs them over the vector corpus and returns every vector where msgspec's
verdict differs from the contract's, with the reason (see BENCHMARKS.md).
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Annotated, Any, Literal, Union

import msgspec

UUID_PATTERN = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"


def build(ir_path: Path, version: str) -> Any:
    """The ``EventEnvelope`` type (a tagged union of Structs) for ``msgspec.json.Decoder``."""
    ir = json.loads(ir_path.read_text())
    enums = {e["name"]: tuple(v["name"] for v in e["values"]) for e in ir["enums"]}
    aliases = {a["name"]: a["type"] for a in ir["type_aliases"]}
    classes = {c["name"]: c for c in ir["classes"]}
    built: dict[str, Any] = {}
    # Classes that appear in a union carry a literal discriminator: make them tagged.
    tags: dict[str, tuple[str, str]] = {}

    def find_unions(t: dict[str, Any]) -> None:
        if t["kind"] == "union":
            for m in t["members"]:
                cls = classes.get(m["name"])
                if cls is None:
                    continue
                for f in cls["fields"]:
                    if f["type"]["kind"] == "literal":
                        tags[cls["name"]] = (f["name"], f["type"]["value"])
                        break
        for k in ("inner", "items", "value"):
            if isinstance(t.get(k), dict):
                find_unions(t[k])
        for m in t.get("members", []):
            find_unions(m)

    for c in ir["classes"]:
        for f in c["fields"]:
            find_unions(f["type"])
    for a in ir["type_aliases"]:
        find_unions(a["type"])

    def py_type(t: dict[str, Any], field: str) -> Any:
        kind = t["kind"]
        if kind == "primitive":
            return {"string": str, "int": int, "float": float, "bool": bool}[t["name"]]
        if kind == "literal":
            return Literal[t["value"]]
        if kind == "optional":
            return Union[py_type(t["inner"], field), None]
        if kind == "list":
            return list[py_type(t["items"], field)]
        if kind == "map":
            return dict[py_type(t["key"], field), py_type(t["value"], field)]
        if kind == "union":
            return Union[tuple(py_type(m, field) for m in t["members"])]
        name = t["name"]
        if name == "Uuid":
            return Annotated[str, msgspec.Meta(pattern=UUID_PATTERN)]
        if name == "Timestamp":
            return Annotated[datetime.datetime, msgspec.Meta(tz=True)]
        if name == "IsoDate":
            return datetime.date
        if name in enums:
            return Literal[enums[name]]
        if name in aliases:
            return py_type(aliases[name], field)
        return struct(name)

    def struct(name: str) -> Any:
        if name in built:
            return built[name]
        cls = classes[name]
        tag_field, tag = tags.get(name, (None, None))
        fields: list[Any] = []
        for f in cls["fields"]:
            if f["name"] == tag_field:
                continue
            if f["name"] == "contracts_version":
                fields.append((f["name"], Literal[version]))
            elif f["type"]["kind"] == "optional":
                fields.append((f["name"], py_type(f["type"], f["name"]), None))
            else:
                fields.append((f["name"], py_type(f["type"], f["name"])))
        built[name] = msgspec.defstruct(
            name,
            fields,
            kw_only=True,
            forbid_unknown_fields=True,
            tag_field=tag_field,
            tag=tag if tag_field else None,
        )
        return built[name]

    return py_type(aliases["EventEnvelope"], "")


def decoder(ir_path: Path, version: str) -> msgspec.json.Decoder[Any]:
    return msgspec.json.Decoder(build(ir_path, version))


def explain(case: dict[str, Any], error: str | None) -> str:
    """Why msgspec's verdict differs from the contract's on one vector (best effort)."""
    data: bytes = case["bytes"]
    codes = {i["code"] for i in case["expect"]["issues"]}
    if "duplicate_key" in codes:
        return "duplicate keys: msgspec keeps the last value, the contract rejects them"
    if "too_deep" in codes:
        return "nesting inside an unknown field: msgspec does not limit depth there"
    if b"\xef\xbb\xbf" in data[:3]:
        return "BOM: the contract skips a leading UTF-8 BOM, msgspec rejects it"
    if codes & {"invalid_timestamp"}:
        return "date-time: msgspec's RFC 3339 parser accepts this form"
    if codes & {"invalid_date"}:
        return "date: msgspec's date parser accepts this form"
    if case["expect"]["valid"] and error and ("int" in error or "float" in error):
        return "integral float for an int (`1.0`, `1e3`): JSON has one number type; msgspec is strict"
    if case["expect"]["valid"] and error and "datetime" in error:
        return "date-time: msgspec rejects this form (e.g. a leap second)"
    if codes & {"wrong_type"} and not error:
        return "int above the i64 range: msgspec accepts up to u64, the contract stops at i64"
    return f"unexplained (msgspec: {error or 'valid'}; contract: {sorted(codes) or 'valid'})"


def check_vectors(
    dec: msgspec.json.Decoder[Any], cases: list[dict[str, Any]]
) -> list[str]:
    """Producer-mode vectors (without ``target_version``) where msgspec disagrees."""
    diffs = []
    for case in cases:
        if case["mode"] != "producer" or "target_version" in case:
            continue
        try:
            dec.decode(case["bytes"])
            error = None
        except (msgspec.ValidationError, msgspec.DecodeError) as e:
            error = str(e)
        if (error is None) != case["expect"]["valid"]:
            diffs.append(f"{case['file']}: {explain(case, error)}")
    return diffs
