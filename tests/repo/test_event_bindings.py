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

baml_src is read through the compiler's IR (``contracts ir``, which prints
the IR of any valid tree without applying the project lints), so this test
checks the convention independently of ``contracts check`` while sharing its
parser. The same facts are then checked on the generated pydantic module
(``packages/python/src/coach_app_baml_client/baml_client/types.py``, produced
by ``make generate``), which also catches stale generated code.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
import types as pytypes
import typing
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import typing_extensions
from contracts_ir import load_ir

REPO_ROOT = Path(__file__).resolve().parents[2]
BAML_SRC = REPO_ROOT / "baml_src"
PY_SRC = REPO_ROOT / "packages" / "python" / "src"
GENERATED_TYPES = PY_SRC / "coach_app_baml_client" / "baml_client" / "types.py"

ENUM_NAME = "EventType"
UNION_NAME = "EventEnvelope"
META_CLASS = "EventMeta"
ENVELOPE_FIELDS = ["type", "contracts_version", "payload", "meta"]

# --------------------------------------------------------------------------
# baml_src through the compiler's IR (`contracts ir`)
# --------------------------------------------------------------------------


def render(ty: dict) -> str:
    """A type of the IR as BAML text (``string``, ``"GOAL_SET"``, ``Goal[]``)."""
    kind = ty["kind"]
    if kind in ("primitive", "named"):
        return ty["name"]
    if kind == "literal":
        return json.dumps(ty["value"])
    if kind == "list":
        return f"({render(ty['items'])})[]"
    if kind == "optional":
        return f"({render(ty['inner'])})?"
    if kind == "map":
        return f"map<{render(ty['key'])}, {render(ty['value'])}>"
    return " | ".join(render(m) for m in ty["members"])


def _where(location: dict) -> str:
    return f"{location['file']}:{location['line']}"


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


def model_from_ir(ir: dict) -> BamlModel:
    """Enums, classes and union aliases of an IR."""
    model = BamlModel()
    for e in ir["enums"]:
        model.enums[e["name"]] = (
            _where(e["location"]),
            [v["name"] for v in e["values"]],
        )
    for c in ir["classes"]:
        fields = [(f["name"], render(f["type"])) for f in c["fields"]]
        model.classes[c["name"]] = BamlClass(c["name"], _where(c["location"]), fields)
    for a in ir["type_aliases"]:
        ty = a["type"]
        members = ty["members"] if ty["kind"] == "union" else [ty]
        model.aliases[a["name"]] = (_where(a["location"]), [render(m) for m in members])
    return model


def parse_baml(sources: dict[str, str], tmp: Path) -> BamlModel:
    """The model of ``{file name: BAML text}``, written under ``tmp/baml_src``."""
    root = tmp / "baml_src"
    for name, text in sources.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return model_from_ir(load_ir(root))


def pascal(value: str) -> str:
    return "".join(part.capitalize() for part in value.lower().split("_") if part)


def check_baml_event_bindings(model: BamlModel) -> list[str]:
    """All violations of the envelope convention in parsed BAML."""
    # Duplicate names never get here: `contracts ir` rejects them (E0401).
    errors: list[str] = []
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


def load_repo_model() -> BamlModel:
    return model_from_ir(load_ir(BAML_SRC))


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


@pytest.fixture
def check(tmp_path: Path) -> typing.Callable[[str], list[str]]:
    """Checks a snippet (each call in a folder of its own)."""
    calls = iter(range(1000))

    def run(snippet: str) -> list[str]:
        folder = tmp_path / str(next(calls))
        return check_baml_event_bindings(parse_baml({"snippet.baml": snippet}, folder))

    return run


def test_checker_accepts_a_valid_snippet(
    tmp_path: Path, check: typing.Callable[[str], list[str]]
) -> None:
    model = parse_baml({"snippet.baml": GOOD}, tmp_path)
    assert model.enums["EventType"][1] == ["GOAL_SET", "NOTE_ADDED"]
    assert "GhostEvent" not in model.classes
    assert model.aliases["EventEnvelope"][1] == ["GoalSetEvent", "NoteAddedEvent"]
    assert check(GOOD) == []


def test_checker_reports_value_with_two_envelopes(
    check: typing.Callable[[str], list[str]],
) -> None:
    snippet = GOOD.replace(
        "type EventEnvelope",
        'class GoalSetAgainEvent {\n  type "GOAL_SET"\n  contracts_version string\n'
        "  payload Goal\n  meta EventMeta\n}\ntype EventEnvelope",
    )
    errors = check(snippet)
    assert any(
        "EventType.GOAL_SET: 2 envelope classes: GoalSetAgainEvent, GoalSetEvent" in e
        for e in errors
    ), errors
    assert any("lacks envelope classes: GoalSetAgainEvent" in e for e in errors), errors


def test_checker_reports_value_without_envelope(
    check: typing.Callable[[str], list[str]],
) -> None:
    snippet = GOOD.replace("  NOTE_ADDED", "  GOAL_DONE\n  NOTE_ADDED")
    errors = check(snippet)
    assert errors == [
        'EventType.GOAL_DONE: no envelope class (expected class GoalDoneEvent with type "GOAL_DONE")'
    ]


def test_checker_reports_unknown_value_bad_name_fields_meta_and_union(
    check: typing.Callable[[str], list[str]],
) -> None:
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
    errors = "\n".join(check(snippet))
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
        check(GOOD.replace("= GoalSetEvent | NoteAddedEvent", "= GoalSetEvent | Goal"))
    )
    assert "lacks envelope classes: NoteAddedEvent" in errors
    assert "members that are not envelope classes: Goal" in errors


def test_generated_checker_reports_mismatches(tmp_path: Path) -> None:
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
        check_generated_event_bindings(
            fake, parse_baml({"snippet.baml": GOOD}, tmp_path)
        )
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
        check_generated_event_bindings(
            fake, parse_baml({"snippet.baml": GOOD}, tmp_path)
        )
    )
    assert "EventEnvelope members" not in errors
