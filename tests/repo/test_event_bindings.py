"""Event envelopes: the compiler's event check, and the generated Python SDK against the
compiler's own event bindings.

The convention (baml_src/types/events.baml) has one home: the rules E0601-E0609 of
``contracts check`` (crates/contracts-compiler/src/check/events.rs), which ``make test-rust``
runs on baml_src. This file does not re-implement them. It runs ``contracts check --format
json`` on snippets, to show the check can fail, and reads the bindings the compiler derived
as the shipped envelope schema carries them (crates/contracts-core/schemas/
envelope.schema.json, written by ``contracts gen``: one ``oneOf`` member per event with its
``type`` constant, its ``payload`` and ``meta`` classes and its fields in order). The
generated pydantic module (``packages/python/src/coach_app_baml_client/baml_client/types.py``,
baml-cli's output) must agree with those bindings, which also catches stale generated code.
"""

from __future__ import annotations

import json
import subprocess
import types as pytypes
import typing
from dataclasses import dataclass
from pathlib import Path

import pytest
import typing_extensions
import generated_types
from contracts_ir import IR_COMMAND

REPO_ROOT = Path(__file__).resolve().parents[2]
BAML_SRC = REPO_ROOT / "baml_src"
ENVELOPE_SCHEMA = (
    REPO_ROOT / "crates" / "contracts-core" / "schemas" / "envelope.schema.json"
)

ENUM_NAME = "EventType"
UNION_NAME = "EventEnvelope"

# --------------------------------------------------------------------------
# The compiler's output
# --------------------------------------------------------------------------


def contracts_check(baml_src: Path) -> tuple[int, list[dict]]:
    """(exit code, diagnostics) of ``contracts check --format json --from baml_src``."""
    cmd = [*IR_COMMAND, "--", "check", "--format", "json", "--color", "never"]
    cmd += ["--from", str(baml_src)]
    proc = subprocess.run(cmd, cwd=REPO_ROOT, capture_output=True, text=True)
    diagnostics = []
    for line in proc.stderr.splitlines():
        try:
            diagnostics.append(json.loads(line))
        except json.JSONDecodeError:
            pytest.fail(f"`{' '.join(cmd)}` printed a non-JSON line: {line}")
    return proc.returncode, diagnostics


def event_codes(diagnostics: list[dict]) -> list[str]:
    """The sorted codes of the event-envelope rules (E06xx) among ``diagnostics``."""
    return sorted(d["code"] for d in diagnostics if d["code"].startswith("E06"))


@dataclass(frozen=True)
class Binding:
    """One event as the compiler bound it: ``type`` value -> envelope class."""

    event_type: str
    envelope: str
    payload: str
    meta: str
    fields: tuple[str, ...]


def _ref_name(schema: dict) -> str:
    return schema["$ref"].removeprefix("#/$defs/")


def compiler_bindings(schema_path: Path = ENVELOPE_SCHEMA) -> list[Binding]:
    """The event bindings in the envelope schema the compiler wrote (``contracts gen``)."""
    if not schema_path.is_file():
        pytest.fail(
            f"{schema_path.relative_to(REPO_ROOT)} does not exist: run `make generate`"
        )
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    bindings = []
    for member in schema["oneOf"]:
        name = _ref_name(member)
        envelope = schema["$defs"][name]
        properties = envelope["properties"]
        bindings.append(
            Binding(
                event_type=properties["type"]["const"],
                envelope=name,
                payload=_ref_name(properties["payload"]),
                meta=_ref_name(properties["meta"]),
                fields=tuple(properties),
            )
        )
    return bindings


def pascal(value: str) -> str:
    return "".join(part.capitalize() for part in value.lower().split("_") if part)


# --------------------------------------------------------------------------
# Generated pydantic module
# --------------------------------------------------------------------------


def load_generated_types() -> pytypes.ModuleType:
    return generated_types.load_generated_types("_contracts_test_generated_types")


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
    module: pytypes.ModuleType, bindings: list[Binding]
) -> list[str]:
    """The generated module agrees with the compiler's event bindings."""
    from pydantic import BaseModel

    errors: list[str] = []
    src = "generated types.py"
    values = [b.event_type for b in bindings]
    by_envelope = {b.envelope: b for b in bindings}

    enum_cls = getattr(module, ENUM_NAME, None)
    if enum_cls is None:
        errors.append(f"{src}: enum {ENUM_NAME} missing")
    elif sorted(m.value for m in enum_cls) != sorted(values):
        errors.append(
            f"{src}: {ENUM_NAME} values {sorted(m.value for m in enum_cls)} != the compiler's {sorted(values)}"
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
    if set(gen_envelopes) != set(by_envelope):
        errors.append(
            f"{src}: envelope classes {sorted(gen_envelopes)} != the compiler's {sorted(by_envelope)} "
            "(stale generated code? run `make generate`)"
        )

    for name, cls in sorted(gen_envelopes.items()):
        binding = by_envelope.get(name)
        try:
            cls.model_rebuild(raise_errors=True)
        except Exception as exc:  # noqa: BLE001 - report, do not crash
            errors.append(f"{src}: {name} cannot resolve its annotations: {exc}")
            continue
        if binding is None:
            continue
        fields = cls.model_fields
        if tuple(fields) != binding.fields:
            errors.append(
                f"{src}: {name} fields {list(fields)} != {list(binding.fields)}"
            )
            continue
        literal = _literal_args(fields["type"].annotation)
        if literal != (binding.event_type,):
            errors.append(
                f"{src}: {name}.type is {literal}, the compiler says {binding.event_type!r}"
            )
        if fields["contracts_version"].annotation is not str:
            errors.append(
                f"{src}: {name}.contracts_version is {fields['contracts_version'].annotation}, expected str"
            )
        for role, expected in (("meta", binding.meta), ("payload", binding.payload)):
            annotation = fields[role].annotation
            if annotation is not getattr(module, expected, None):
                errors.append(
                    f"{src}: {name}.{role} is {annotation}, the compiler says {expected}"
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


# baml_src itself passes the compiler's event check in `make test-rust` (`contracts check`);
# running it here again would run that check twice per `make test`.


def test_envelope_classes_are_named_after_their_event_type() -> None:
    """The one part of the convention the compiler does not check (no generator depends
    on it; it is how a reader finds the envelope of GOAL_SET: GoalSetEvent)."""
    wrong = [
        f"{b.envelope} carries {b.event_type!r}: name it {pascal(b.event_type)}Event"
        for b in compiler_bindings()
        if b.envelope != f"{pascal(b.event_type)}Event"
    ]
    assert not wrong, wrong


def test_generated_python_event_types_match() -> None:
    errors = check_generated_event_bindings(load_generated_types(), compiler_bindings())
    assert not errors, "Generated Python event types are wrong:\n  - " + "\n  - ".join(
        errors
    )


# --------------------------------------------------------------------------
# The compiler's event check can fail: temporary snippets
# --------------------------------------------------------------------------

GOOD = """
enum EventType {
  GOAL_SET
  NOTE_ADDED
}
class EventMeta { id string }
class Goal { id string }
class Note { id string }
class GoalSetEvent {
  type "GOAL_SET"
  contracts_version string
  payload Goal
  meta EventMeta
}
class NoteAddedEvent {
  type "NOTE_ADDED"
  contracts_version string
  payload Note
  meta EventMeta
}
type EventEnvelope = GoalSetEvent | NoteAddedEvent
"""

TWO_ENVELOPES = GOOD.replace(
    "type EventEnvelope",
    'class GoalSetAgainEvent {\n  type "GOAL_SET"\n  contracts_version string\n'
    "  payload Goal\n  meta EventMeta\n}\ntype EventEnvelope",
)


@pytest.mark.parametrize(
    ("snippet", "codes"),
    [
        (GOOD, []),
        (TWO_ENVELOPES, ["E0607", "E0609"]),
        (GOOD.replace("  NOTE_ADDED", "  GOAL_DONE\n  NOTE_ADDED"), ["E0606"]),
        (
            GOOD.replace('type "NOTE_ADDED"', 'type "NOTE_REMOVED"'),
            ["E0605", "E0606", "E0609"],
        ),
        (
            GOOD.replace(
                "  meta EventMeta\n}\nclass Note", "  meta string\n}\nclass Note"
            ),
            ["E0604"],
        ),
        (
            GOOD.replace("  payload Note\n", "  payload Note\n  extra int\n"),
            ["E0601", "E0606", "E0609"],
        ),
        (
            GOOD.replace("= GoalSetEvent | NoteAddedEvent", "= GoalSetEvent | Goal"),
            ["E0609", "E0609"],
        ),
    ],
    ids=[
        "valid",
        "two-envelopes",
        "no-envelope",
        "unknown-type",
        "meta",
        "fields",
        "union",
    ],
)
def test_the_event_check_reports(
    tmp_path: Path, snippet: str, codes: list[str]
) -> None:
    (tmp_path / "baml_src").mkdir()
    (tmp_path / "baml_src" / "snippet.baml").write_text(snippet)
    exit_code, diagnostics = contracts_check(tmp_path / "baml_src")
    assert event_codes(diagnostics) == codes, diagnostics
    assert (exit_code == 0) == (not codes), (exit_code, diagnostics)


FIELDS = ("type", "contracts_version", "payload", "meta")
GOOD_BINDINGS = [
    Binding("GOAL_SET", "GoalSetEvent", "Goal", "EventMeta", FIELDS),
    Binding("NOTE_ADDED", "NoteAddedEvent", "Note", "EventMeta", FIELDS),
]


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
    errors = "\n".join(check_generated_event_bindings(fake, GOOD_BINDINGS))
    assert (
        "envelope classes ['GoalSetEvent'] != the compiler's ['GoalSetEvent', 'NoteAddedEvent']"
        in errors
    )
    assert "GoalSetEvent.meta is" in errors and "the compiler says EventMeta" in errors
    assert (
        "EventEnvelope members ['GhostEvent', 'GoalSetEvent'] != envelope classes ['GoalSetEvent']"
        in errors
    )

    # One member: the Union collapses to the ForwardRef itself.
    fake.EventEnvelope = typing.Union[typing.ForwardRef("GoalSetEvent")]  # noqa: UP007
    errors = "\n".join(check_generated_event_bindings(fake, GOOD_BINDINGS))
    assert "EventEnvelope members" not in errors
