"""Event envelope convention, checked in baml_src and in the generated Python SDK.

Convention (baml_src/types/events.baml): for every value ``FOO_BAR`` of
``enum EventType`` there is exactly one class ``FooBarEvent`` with exactly the
fields, in this order::

    type "FOO_BAR"
    contracts_version string
    payload <DtoClass>
    meta EventMeta

and ``type EventEnvelope = FooBarEvent | ...`` is the union of exactly those
classes. An *envelope class* is any class whose ``type`` field is a string
literal.

The same facts are then checked on the generated pydantic module
(``packages/python/src/coach_app_baml_client/baml_client/types.py``, produced
by ``make generate``), which also catches stale generated code.
"""

from __future__ import annotations

import importlib.util
import re
import sys
import types as pytypes
import typing
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import typing_extensions

REPO_ROOT = Path(__file__).resolve().parents[2]
BAML_SRC = REPO_ROOT / "baml_src"
TYPES_DIR = BAML_SRC / "types"
PY_SRC = REPO_ROOT / "packages" / "python" / "src"
GENERATED_TYPES = PY_SRC / "coach_app_baml_client" / "baml_client" / "types.py"

ENUM_NAME = "EventType"
UNION_NAME = "EventEnvelope"
META_CLASS = "EventMeta"
ENVELOPE_FIELDS = ["type", "contracts_version", "payload", "meta"]

# --------------------------------------------------------------------------
# Minimal BAML reader: comments and attributes out, then enum/class/alias blocks.
# --------------------------------------------------------------------------

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")


def _skip_string(text: str, i: int) -> int:
    """Index just past the string literal starting at text[i] ('"' or '#...#"')."""
    if text[i] == "#":
        hashes = len(text[i:]) - len(text[i:].lstrip("#"))
        close = '"' + "#" * hashes
        end = text.find(close, i + hashes + 1)
        return len(text) if end < 0 else end + len(close)
    j = i + 1
    while j < len(text) and text[j] != '"':
        j += 2 if text[j] == "\\" else 1
    return j + 1


def _is_string_start(text: str, i: int) -> bool:
    if text[i] == '"':
        return True
    if text[i] == "#":
        j = i
        while j < len(text) and text[j] == "#":
            j += 1
        return j < len(text) and text[j] == '"'
    return False


def _blank(s: str) -> str:
    return re.sub(r"[^\n]", " ", s)


def strip_comments_and_attributes(text: str) -> str:
    """Blank out // and {// //} comments and @attr(...) / @@attr(...) attributes.

    String literals (plain and #"raw"#) are respected; newlines are kept so
    line numbers stay valid.
    """
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        if text.startswith("{//", i):
            end = text.find("//}", i + 3)
            end = n if end < 0 else end + 3
            out.append(_blank(text[i:end]))
            i = end
        elif text.startswith("//", i):
            end = text.find("\n", i)
            end = n if end < 0 else end
            out.append(_blank(text[i:end]))
            i = end
        elif text[i] == "@":
            j = i + (2 if text.startswith("@@", i) else 1)
            m = _IDENT.match(text, j)
            j = m.end() if m else j
            k = j
            while k < n and text[k] in " \t":
                k += 1
            if k < n and text[k] == "(":
                depth = 0
                while k < n:
                    if _is_string_start(text, k):
                        k = _skip_string(text, k)
                        continue
                    if text[k] == "(":
                        depth += 1
                    elif text[k] == ")":
                        depth -= 1
                        if depth == 0:
                            k += 1
                            break
                    k += 1
                j = k
            out.append(_blank(text[i:j]))
            i = j
        elif _is_string_start(text, i):
            end = _skip_string(text, i)
            out.append(text[i:end])
            i = end
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


@dataclass
class BamlClass:
    name: str
    where: str  # file:line
    fields: list[tuple[str, str]]  # (name, type text)

    def field_type(self, name: str) -> str | None:
        return next((t for n, t in self.fields if n == name), None)

    @property
    def type_literal(self) -> str | None:
        t = self.field_type("type")
        m = re.fullmatch(r'"([^"]*)"', t or "")
        return m.group(1) if m else None


@dataclass
class BamlModel:
    enums: dict[str, tuple[str, list[str]]] = field(
        default_factory=dict
    )  # name -> (where, values)
    classes: dict[str, BamlClass] = field(default_factory=dict)
    aliases: dict[str, tuple[str, list[str]]] = field(
        default_factory=dict
    )  # name -> (where, members)
    duplicates: list[str] = field(default_factory=list)


def parse_baml(sources: dict[str, str]) -> BamlModel:
    """Parse {file label: BAML text} into enums, classes and union aliases."""
    model = BamlModel()
    for label, raw in sources.items():
        text = strip_comments_and_attributes(raw)

        def where(pos: int, label: str = label, text: str = text) -> str:
            return f"{label}:{text.count(chr(10), 0, pos) + 1}"

        for m in re.finditer(r"\b(enum|class)\s+(\w+)\s*\{([^{}]*)\}", text):
            kind, name, body = m.groups()
            lines = [ln.strip() for ln in body.splitlines() if ln.strip()]
            if name in model.enums or name in model.classes:
                model.duplicates.append(
                    f"{name} defined twice (again at {where(m.start())})"
                )
            if kind == "enum":
                values = [ln.split()[0] for ln in lines]
                model.enums[name] = (where(m.start()), values)
            else:
                fields = []
                for ln in lines:
                    parts = ln.split(None, 1)
                    fields.append(
                        (parts[0], parts[1].strip() if len(parts) > 1 else "")
                    )
                model.classes[name] = BamlClass(name, where(m.start()), fields)
        for m in re.finditer(r"\btype\s+(\w+)\s*=\s*\|?\s*(\w+(?:\s*\|\s*\w+)*)", text):
            members = [s.strip() for s in m.group(2).split("|")]
            model.aliases[m.group(1)] = (where(m.start()), members)
    return model


def pascal(value: str) -> str:
    return "".join(part.capitalize() for part in value.lower().split("_") if part)


def check_baml_event_bindings(model: BamlModel) -> list[str]:
    """All violations of the envelope convention in parsed BAML."""
    errors = list(model.duplicates)
    if ENUM_NAME not in model.enums:
        return errors + [f"enum {ENUM_NAME} not found"]
    enum_where, values = model.enums[ENUM_NAME]
    if len(set(values)) != len(values):
        errors.append(f"{enum_where}: enum {ENUM_NAME} repeats a value: {values}")
    envelopes = {
        c.name: c for c in model.classes.values() if c.type_literal is not None
    }

    for value in values:
        matching = sorted(c.name for c in envelopes.values() if c.type_literal == value)
        expected = f"{pascal(value)}Event"
        if not matching:
            errors.append(
                f'{ENUM_NAME}.{value}: no envelope class (expected class {expected} with type "{value}")'
            )
        elif len(matching) > 1:
            errors.append(
                f"{ENUM_NAME}.{value}: {len(matching)} envelope classes: {', '.join(matching)}"
            )
        elif matching[0] != expected:
            errors.append(
                f"{envelopes[matching[0]].where}: envelope class {matching[0]} for {value} "
                f"must be named {expected}"
            )
    for cls in envelopes.values():
        if cls.type_literal not in values:
            errors.append(
                f'{cls.where}: class {cls.name} has type "{cls.type_literal}" which is not a value of {ENUM_NAME}'
            )
        names = [n for n, _ in cls.fields]
        if names != ENVELOPE_FIELDS:
            errors.append(
                f"{cls.where}: class {cls.name} fields are {names}, expected exactly {ENVELOPE_FIELDS}"
            )
        if cls.field_type("contracts_version") not in (None, "string"):
            errors.append(f"{cls.where}: {cls.name}.contracts_version must be `string`")
        meta = cls.field_type("meta")
        if meta is not None and meta != META_CLASS:
            errors.append(
                f"{cls.where}: {cls.name}.meta is `{meta}`, expected `{META_CLASS}`"
            )
        payload = cls.field_type("payload")
        if payload is not None and payload not in model.classes:
            errors.append(
                f"{cls.where}: {cls.name}.payload `{payload}` is not a class defined in baml_src"
            )

    if UNION_NAME not in model.aliases:
        errors.append(f"type {UNION_NAME} = ... not found")
    else:
        union_where, members = model.aliases[UNION_NAME]
        if len(set(members)) != len(members):
            errors.append(f"{union_where}: {UNION_NAME} repeats a member")
        missing = sorted(set(envelopes) - set(members))
        extra = sorted(set(members) - set(envelopes))
        if missing:
            errors.append(
                f"{union_where}: {UNION_NAME} lacks envelope classes: {', '.join(missing)}"
            )
        if extra:
            errors.append(
                f"{union_where}: {UNION_NAME} has members that are not envelope classes: {', '.join(extra)}"
            )
    return errors


def _read_sources(paths: typing.Iterable[Path]) -> dict[str, str]:
    return {p.relative_to(REPO_ROOT).as_posix(): p.read_text() for p in sorted(paths)}


def load_repo_model() -> BamlModel:
    type_files = sorted(TYPES_DIR.glob("*.baml"))
    assert type_files, f"no .baml files in {TYPES_DIR}"
    # Event types come from baml_src/types; payload classes may live anywhere in baml_src.
    model = parse_baml(_read_sources(type_files))
    others = [p for p in BAML_SRC.rglob("*.baml") if p.parent != TYPES_DIR]
    for name, cls in parse_baml(_read_sources(others)).classes.items():
        model.classes.setdefault(name, cls)
    return model


# --------------------------------------------------------------------------
# Generated pydantic module
# --------------------------------------------------------------------------


def load_generated_types() -> pytypes.ModuleType:
    """Import the generated types.py without running the package's __init__
    (which loads the compiled `_native` extension)."""
    if not GENERATED_TYPES.is_file():
        pytest.fail(
            f"{GENERATED_TYPES.relative_to(REPO_ROOT)} does not exist: run `make generate`"
        )
    name = "_contracts_test_generated_types"
    if name in sys.modules:
        return sys.modules[name]
    if str(PY_SRC) not in sys.path:
        sys.path.insert(0, str(PY_SRC))
    spec = importlib.util.spec_from_file_location(name, GENERATED_TYPES)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # pydantic resolves forward refs through sys.modules
    spec.loader.exec_module(module)
    return module


def _literal_args(annotation: object) -> tuple[object, ...] | None:
    if typing.get_origin(annotation) in (typing.Literal, typing_extensions.Literal):
        return typing.get_args(annotation)
    return None


def _union_member_names(alias: object) -> list[str]:
    names = []
    # A one-member Union collapses to the member itself.
    args = (
        typing.get_args(alias) if typing.get_origin(alias) is typing.Union else (alias,)
    )
    for arg in args:
        if isinstance(arg, typing.ForwardRef):
            names.append(arg.__forward_arg__)
        elif isinstance(arg, str):
            names.append(arg)
        else:
            names.append(getattr(arg, "__name__", repr(arg)))
    return names


def check_generated_event_bindings(
    module: pytypes.ModuleType, model: BamlModel
) -> list[str]:
    """The generated module agrees with the convention and with baml_src."""
    from pydantic import BaseModel

    errors: list[str] = []
    src = "generated types.py"
    _, values = model.enums.get(ENUM_NAME, ("", []))
    baml_envelopes = {
        c.name: c for c in model.classes.values() if c.type_literal is not None
    }

    enum_cls = getattr(module, ENUM_NAME, None)
    if enum_cls is None:
        errors.append(f"{src}: enum {ENUM_NAME} missing")
    elif sorted(m.value for m in enum_cls) != sorted(values):
        errors.append(
            f"{src}: {ENUM_NAME} values {sorted(m.value for m in enum_cls)} != baml_src {sorted(values)}"
        )

    gen_envelopes: dict[str, type] = {}
    for attr, obj in vars(module).items():
        if (
            isinstance(obj, type)
            and issubclass(obj, BaseModel)
            and obj is not BaseModel
        ):
            f = getattr(obj, "model_fields", {}).get("type")
            if f is not None and _literal_args(f.annotation) is not None:
                gen_envelopes[attr] = obj
    if set(gen_envelopes) != set(baml_envelopes):
        errors.append(
            f"{src}: envelope classes {sorted(gen_envelopes)} != baml_src {sorted(baml_envelopes)} "
            "(stale generated code? run `make generate`)"
        )

    meta_cls = getattr(module, META_CLASS, None)
    for name, cls in sorted(gen_envelopes.items()):
        try:
            cls.model_rebuild(raise_errors=True)
        except Exception as exc:  # noqa: BLE001 - report, do not crash
            errors.append(f"{src}: {name} cannot resolve its annotations: {exc}")
            continue
        fields = cls.model_fields
        if list(fields) != ENVELOPE_FIELDS:
            errors.append(f"{src}: {name} fields {list(fields)} != {ENVELOPE_FIELDS}")
            continue
        literal = _literal_args(fields["type"].annotation)
        if literal is None or len(literal) != 1 or literal[0] not in values:
            errors.append(
                f"{src}: {name}.type is {literal}, expected one {ENUM_NAME} value"
            )
        elif name != f"{pascal(str(literal[0]))}Event":
            errors.append(
                f"{src}: {name}.type is {literal[0]!r}, class must be {pascal(str(literal[0]))}Event"
            )
        if fields["contracts_version"].annotation is not str:
            errors.append(
                f"{src}: {name}.contracts_version is {fields['contracts_version'].annotation}, expected str"
            )
        if meta_cls is None or fields["meta"].annotation is not meta_cls:
            errors.append(
                f"{src}: {name}.meta is {fields['meta'].annotation}, expected {META_CLASS}"
            )
        baml_cls = baml_envelopes.get(name)
        if baml_cls is not None:
            payload_cls = getattr(module, baml_cls.field_type("payload") or "", None)
            if payload_cls is None or fields["payload"].annotation is not payload_cls:
                errors.append(
                    f"{src}: {name}.payload is {fields['payload'].annotation}, "
                    f"baml_src says {baml_cls.field_type('payload')}"
                )
            if literal and baml_cls.type_literal != literal[0]:
                errors.append(
                    f"{src}: {name}.type {literal[0]!r} != baml_src {baml_cls.type_literal!r}"
                )

    alias = getattr(module, UNION_NAME, None)
    if alias is None:
        errors.append(f"{src}: {UNION_NAME} missing")
    else:
        members = _union_member_names(alias)
        if sorted(members) != sorted(gen_envelopes):
            errors.append(
                f"{src}: {UNION_NAME} members {sorted(members)} != envelope classes {sorted(gen_envelopes)}"
            )
    return errors


# --------------------------------------------------------------------------
# Tests on the repository
# --------------------------------------------------------------------------


def test_baml_event_envelopes_follow_the_convention() -> None:
    errors = check_baml_event_bindings(load_repo_model())
    assert not errors, (
        "Event envelope convention violated in baml_src:\n  - " + "\n  - ".join(errors)
    )


def test_generated_python_event_types_match() -> None:
    model = load_repo_model()
    errors = check_generated_event_bindings(load_generated_types(), model)
    assert not errors, "Generated Python event types are wrong:\n  - " + "\n  - ".join(
        errors
    )


# --------------------------------------------------------------------------
# The checkers can fail: temporary snippets
# --------------------------------------------------------------------------

GOOD = """
// A comment mentioning class GhostEvent { type "GHOST" }
enum EventType {
  @@description("kinds")
  GOAL_SET @description("x // not a comment { }")
  NOTE_ADDED @description(#"
     multi-line ) raw "string"
  "#)
}
class EventMeta { id string }
class Goal { id string }
class Note { id string }
class GoalSetEvent {
  type "GOAL_SET" @description("literal")
  contracts_version string
  payload Goal
  meta EventMeta
  @@description("envelope")
}
class NoteAddedEvent {
  type "NOTE_ADDED"
  contracts_version string
  payload Note
  meta EventMeta
}
type EventEnvelope = GoalSetEvent | NoteAddedEvent
"""


def _check(snippet: str) -> list[str]:
    return check_baml_event_bindings(parse_baml({"snippet.baml": snippet}))


def test_checker_accepts_a_valid_snippet() -> None:
    model = parse_baml({"snippet.baml": GOOD})
    assert model.enums["EventType"][1] == ["GOAL_SET", "NOTE_ADDED"]
    assert "GhostEvent" not in model.classes
    assert model.aliases["EventEnvelope"][1] == ["GoalSetEvent", "NoteAddedEvent"]
    assert _check(GOOD) == []


def test_checker_reports_value_with_two_envelopes() -> None:
    snippet = GOOD.replace(
        "type EventEnvelope",
        'class GoalSetAgainEvent {\n  type "GOAL_SET"\n  contracts_version string\n'
        "  payload Goal\n  meta EventMeta\n}\ntype EventEnvelope",
    )
    errors = _check(snippet)
    assert any(
        "EventType.GOAL_SET: 2 envelope classes: GoalSetAgainEvent, GoalSetEvent" in e
        for e in errors
    ), errors
    assert any("lacks envelope classes: GoalSetAgainEvent" in e for e in errors), errors


def test_checker_reports_value_without_envelope() -> None:
    snippet = GOOD.replace("  NOTE_ADDED", "  GOAL_DONE\n  NOTE_ADDED")
    errors = _check(snippet)
    assert errors == [
        'EventType.GOAL_DONE: no envelope class (expected class GoalDoneEvent with type "GOAL_DONE")'
    ]


def test_checker_reports_unknown_value_bad_name_fields_meta_and_union() -> None:
    snippet = (
        GOOD.replace('type "NOTE_ADDED"', 'type "NOTE_REMOVED"')
        .replace("class GoalSetEvent", "class GoalEvent")
        .replace("GoalSetEvent | ", "GoalEvent | ")
        .replace(
            "  meta EventMeta\n  @@description",
            "  meta string\n  extra int\n  @@description",
        )
        + "\ntype Other = Goal | Note\n"
    )
    errors = "\n".join(_check(snippet))
    assert "EventType.NOTE_ADDED: no envelope class" in errors
    assert (
        'class NoteAddedEvent has type "NOTE_REMOVED" which is not a value of EventType'
        in errors
    )
    assert "envelope class GoalEvent for GOAL_SET must be named GoalSetEvent" in errors
    assert (
        "fields are ['type', 'contracts_version', 'payload', 'meta', 'extra']" in errors
    )
    assert "GoalEvent.meta is `string`, expected `EventMeta`" in errors

    errors = "\n".join(
        _check(GOOD.replace("= GoalSetEvent | NoteAddedEvent", "= GoalSetEvent | Goal"))
    )
    assert "lacks envelope classes: NoteAddedEvent" in errors
    assert "members that are not envelope classes: Goal" in errors


def test_generated_checker_reports_mismatches() -> None:
    from pydantic import BaseModel

    fake = pytypes.ModuleType("_fake_generated_types")

    class EventMeta(BaseModel):
        id: str

    class Goal(BaseModel):
        id: str

    class GoalSetEvent(BaseModel):
        type: typing_extensions.Literal["GOAL_SET"]
        contracts_version: str
        payload: Goal
        meta: Goal  # wrong

    fake.EventMeta, fake.Goal, fake.GoalSetEvent = EventMeta, Goal, GoalSetEvent
    # Same shape as the generated alias: a typing.Union of forward references.
    fake.EventEnvelope = typing.Union[  # noqa: UP007
        typing.ForwardRef("GoalSetEvent"), typing.ForwardRef("GhostEvent")
    ]
    fake.EventType = __import__("enum").Enum(
        "EventType", {"GOAL_SET": "GOAL_SET", "NOTE_ADDED": "NOTE_ADDED"}
    )
    errors = "\n".join(
        check_generated_event_bindings(fake, parse_baml({"snippet.baml": GOOD}))
    )
    assert (
        "envelope classes ['GoalSetEvent'] != baml_src ['GoalSetEvent', 'NoteAddedEvent']"
        in errors
    )
    assert "GoalSetEvent.meta is" in errors and "expected EventMeta" in errors
    assert (
        "EventEnvelope members ['GhostEvent', 'GoalSetEvent'] != envelope classes ['GoalSetEvent']"
        in errors
    )

    # One member: the Union collapses to the ForwardRef itself.
    fake.EventEnvelope = typing.Union[typing.ForwardRef("GoalSetEvent")]  # noqa: UP007
    errors = "\n".join(
        check_generated_event_bindings(fake, parse_baml({"snippet.baml": GOOD}))
    )
    assert "EventEnvelope members" not in errors
