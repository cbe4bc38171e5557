"""Differential test: our IR (contracts-compiler) and the pydantic models that
`baml-cli generate` writes agree on every class, enum and type alias.

The IR comes from ``cargo run -p contracts-compiler --bin contracts -- ir`` (tests/repo/contracts_ir.py)
(``crates/contracts-core/schemas/ir.json`` is only used when cargo is not
installed and that file is newer than every ``.baml`` file). The pydantic side
is ``packages/python/src/coach_app_baml_client/baml_client/types.py``
(``make generate``).

Both sides are reduced to the same structural *shape* and compared:

* string/int/float/bool -> str/int/float/bool; image/audio/video/pdf -> baml_py media
* ``T[]`` -> ``List[T]``, ``map<K, V>`` -> ``Dict[K, V]``
* ``A | B`` -> ``Union[A, B]`` (flattened, order-insensitive, ``T?`` adds ``None``)
* literals -> ``Literal[...]`` (``True`` and ``1`` are told apart)
* a class -> the generated ``BaseModel`` of that name, an enum -> the generated
  ``Enum`` whose values are exactly the IR's values (``@skip`` included: it
  only hides a value from the LLM)
* an alias -> its target (BAML erases ``Uuid``/``Timestamp``/``IsoDate`` to
  ``str``); a recursive alias is kept by name where it recurses

Per field: wire name (the model's field name, no pydantic alias), optionality
(IR optional <=> the annotation admits ``None`` <=> ``not is_required()``) and
type (the shapes with a top-level ``None`` removed). Every mismatch is
collected; the test prints them all at once.
"""

from __future__ import annotations

import copy
import enum
import subprocess
import types as pytypes
import typing
from pathlib import Path

import pytest
import typing_extensions
import generated_types
from contracts_ir import load_ir

REPO_ROOT = Path(__file__).resolve().parents[2]
BAML_SRC = REPO_ROOT / "baml_src"
BAML_CLI = REPO_ROOT / ".venv" / "bin" / "baml-cli"

# BaseModel classes types.py defines for BAML's own use, not from baml_src.
BAML_HELPER_CLASSES = {"Check", "Checked"}

Shape = tuple  # ("str",), ("list", Shape), ("union", frozenset[Shape]), ...

PRIMITIVE_SHAPES: dict[str, Shape] = {
    "string": ("str",),
    "int": ("int",),
    "float": ("float",),
    "bool": ("bool",),
    "null": ("none",),
    "image": ("media", "image"),
    "audio": ("media", "audio"),
    "video": ("media", "video"),
    "pdf": ("media", "pdf"),
}
PYTHON_SHAPES: dict[object, Shape] = {
    str: ("str",),
    int: ("int",),
    float: ("float",),
    bool: ("bool",),
    type(None): ("none",),
    None: ("none",),
    typing.Any: ("any",),
}
NONE: Shape = ("none",)


# --------------------------------------------------------------------------
# Loading both sides
# --------------------------------------------------------------------------


def load_generated_types() -> pytypes.ModuleType:
    return generated_types.load_generated_types("_contracts_test_ir_generated_types")


# --------------------------------------------------------------------------
# Shapes
# --------------------------------------------------------------------------


def make_union(members: typing.Iterable[Shape]) -> Shape:
    flat: set[Shape] = set()
    for m in members:
        flat |= m[1] if m[0] == "union" else {m}
    return next(iter(flat)) if len(flat) == 1 else ("union", frozenset(flat))


def admits_none(shape: Shape) -> bool:
    return shape in (NONE, ("any",)) or (shape[0] == "union" and NONE in shape[1])


def without_none(shape: Shape) -> Shape:
    if shape[0] == "union" and NONE in shape[1]:
        return make_union(shape[1] - {NONE})
    return shape


def render(shape: Shape) -> str:
    kind = shape[0]
    if kind in ("str", "int", "float", "bool", "any"):
        return kind
    if kind == "none":
        return "None"
    if kind == "list":
        return f"List[{render(shape[1])}]"
    if kind == "map":
        return f"Dict[{render(shape[1])}, {render(shape[2])}]"
    if kind == "union":
        return " | ".join(sorted(render(m) for m in shape[1]))
    if kind == "literal":
        return f"Literal[{shape[2]!r}]"
    if kind == "checked":
        return f"Checked[{render(shape[1])}, {sorted(shape[2])}]"
    if kind in ("class", "enum", "alias"):
        return f"{kind} {shape[1]}"
    return f"{kind}({', '.join(map(str, shape[1:]))})"


class IrIndex:
    def __init__(self, ir: dict) -> None:
        self.classes = {c["name"]: c for c in ir["classes"]}
        self.enums = {e["name"]: e for e in ir["enums"]}
        self.aliases = {a["name"]: a for a in ir["type_aliases"]}

    def shape(self, t: dict, expanding: frozenset[str] = frozenset()) -> Shape:
        kind = t["kind"]
        if kind == "primitive":
            return PRIMITIVE_SHAPES.get(t["name"], ("unknown", t["name"]))
        if kind == "literal":
            v = t["value"]
            return ("literal", type(v).__name__, v)
        if kind == "list":
            return ("list", self.shape(t["items"], expanding))
        if kind == "map":
            return (
                "map",
                self.shape(t["key"], expanding),
                self.shape(t["value"], expanding),
            )
        if kind == "union":
            return make_union(self.shape(m, expanding) for m in t["members"])
        if kind == "optional":
            return make_union([self.shape(t["inner"], expanding), NONE])
        if kind == "named":
            name = t["name"]
            if name in self.classes:
                return ("class", name)
            if name in self.enums:
                return ("enum", name)
            if name in self.aliases:
                if name in expanding:
                    return ("alias", name)
                return self.shape(self.aliases[name]["type"], expanding | {name})
            return ("unknown", name)
        return ("unknown", kind)

    def enum_values(self, name: str) -> list[str]:
        # @skip only hides a value from the LLM: the generated Enum keeps it.
        return [v["name"] for v in self.enums[name]["values"]]


class PyIndex:
    """The classes, enums and type aliases a generated types.py defines."""

    def __init__(self, module: pytypes.ModuleType) -> None:
        from pydantic import BaseModel

        self.module = module
        own = {
            name: obj
            for name, obj in vars(module).items()
            if isinstance(obj, type) and obj.__module__ == module.__name__
        }
        self.classes = {
            n: c
            for n, c in own.items()
            if issubclass(c, BaseModel) and n not in BAML_HELPER_CLASSES
        }
        self.enums = {n: c for n, c in own.items() if issubclass(c, enum.Enum)}
        annotations = vars(module).get("__annotations__", {})
        self.aliases = {
            n: getattr(module, n)
            for n, a in annotations.items()
            if a in (typing_extensions.TypeAlias, typing.TypeAlias, "TypeAlias")
            and hasattr(module, n)
        }
        self.checked = getattr(module, "Checked", None)

    def shape(self, ann: object, expanding: frozenset[str] = frozenset()) -> Shape:
        if isinstance(ann, typing.ForwardRef):
            ann = ann.__forward_arg__
        if isinstance(ann, str):
            return self._named(ann.strip("'\""), expanding)
        if ann in PYTHON_SHAPES:
            return PYTHON_SHAPES[ann]
        origin, args = typing.get_origin(ann), typing.get_args(ann)
        if origin in (typing.Union, pytypes.UnionType):
            return make_union(self.shape(a, expanding) for a in args)
        if origin in (typing.Literal, typing_extensions.Literal):
            return make_union(("literal", type(v).__name__, v) for v in args)
        if origin in (list, typing.List) and len(args) == 1:
            return ("list", self.shape(args[0], expanding))
        if origin in (dict, typing.Dict) and len(args) == 2:
            return (
                "map",
                self.shape(args[0], expanding),
                self.shape(args[1], expanding),
            )
        meta = getattr(ann, "__pydantic_generic_metadata__", None)
        if meta and self.checked is not None and meta["origin"] is self.checked:
            value, names = meta["args"]
            return (
                "checked",
                self.shape(value, expanding),
                frozenset(typing.get_args(names)),
            )
        if isinstance(ann, type):
            name = ann.__name__
            if self.classes.get(name) is ann:
                return ("class", name)
            if self.enums.get(name) is ann:
                return ("enum", name)
            import baml_py

            for media in ("image", "audio", "video", "pdf"):
                if ann is getattr(baml_py, media.capitalize(), object()):
                    return ("media", media)
        return ("foreign", repr(ann))

    def _named(self, name: str, expanding: frozenset[str]) -> Shape:
        if name in self.aliases:
            if name in expanding:
                return ("alias", name)
            return self.shape(self.aliases[name], expanding | {name})
        if name.isidentifier() and name in vars(self.module):
            return self.shape(getattr(self.module, name), expanding)
        try:  # a string annotation like "typing.Optional[str]", as pydantic would
            obj = eval(name, dict(vars(self.module)))  # noqa: S307 - generated code
        except Exception:  # noqa: BLE001
            return ("unresolved", name)
        return self.shape(obj, expanding)


# --------------------------------------------------------------------------
# The comparator
# --------------------------------------------------------------------------


def _field_annotations(cls: type) -> dict[str, object]:
    """Annotations as written in types.py (forward refs unresolved), so that a
    recursive alias stays recognisable by name."""
    raw: dict[str, object] = {}
    for klass in reversed(cls.__mro__):
        raw.update(vars(klass).get("__annotations__", {}))
    return raw


def compare_class(ir_cls: dict, py_cls: type, ir: IrIndex, py: PyIndex) -> list[str]:
    name = ir_cls["name"]
    errors: list[str] = []
    fields = py_cls.model_fields
    ir_fields = {f["name"]: f for f in ir_cls["fields"]}

    only_ir = sorted(set(ir_fields) - set(fields))
    only_py = sorted(set(fields) - set(ir_fields))
    if only_ir or only_py:
        errors.append(
            f"{name}: field names differ: only in IR {only_ir}, only in pydantic {only_py}"
        )

    allow_extra = py_cls.model_config.get("extra") == "allow"
    if bool(ir_cls.get("dynamic")) != allow_extra:
        errors.append(
            f"{name}: IR dynamic={bool(ir_cls.get('dynamic'))} but pydantic "
            f"model_config extra={py_cls.model_config.get('extra')!r}"
        )

    raw = _field_annotations(py_cls)
    for fname in [f for f in ir_fields if f in fields]:
        where = f"{name}.{fname}"
        info = fields[fname]
        aliases = {
            a
            for a in (info.alias, info.serialization_alias, info.validation_alias)
            if a is not None and a != fname
        }
        if aliases:
            errors.append(
                f"{where}: pydantic puts it on the wire as {sorted(map(str, aliases))}, "
                f"IR wire name is {fname!r}"
            )
        ir_shape = ir.shape(ir_fields[fname]["type"])
        py_shape = py.shape(raw.get(fname, info.annotation))
        ir_opt, py_none, py_req = (
            admits_none(ir_shape),
            admits_none(py_shape),
            info.is_required(),
        )
        if ir_opt != py_none or ir_opt == py_req:
            errors.append(
                f"{where}: {'optional' if ir_opt else 'required'} in IR, but in pydantic "
                f"the annotation {'admits' if py_none else 'does not admit'} None and "
                f"is_required() is {py_req}"
            )
        if without_none(ir_shape) != without_none(py_shape):
            hint = (
                " (pydantic wraps @check fields in Checked)"
                if py_shape[0] == "checked"
                else ""
            )
            errors.append(
                f"{where}: type differs: IR {render(without_none(ir_shape))}, "
                f"pydantic {render(without_none(py_shape))}{hint}"
            )
    return errors


def compare(ir_json: dict, module: pytypes.ModuleType) -> list[str]:
    """Every disagreement between the IR and a generated types.py."""
    ir, py = IrIndex(ir_json), PyIndex(module)
    errors: list[str] = []

    for name in sorted(set(ir.classes) - set(py.classes)):
        errors.append(f"class {name}: in the IR but not generated")
    for name in sorted(set(py.classes) - set(ir.classes)):
        errors.append(f"class {name}: generated but not in the IR")
    for name in sorted(set(ir.classes) & set(py.classes)):
        errors += compare_class(ir.classes[name], py.classes[name], ir, py)

    for name in sorted(set(ir.enums) - set(py.enums)):
        errors.append(f"enum {name}: in the IR but not generated")
    for name in sorted(set(py.enums) - set(ir.enums)):
        errors.append(f"enum {name}: generated but not in the IR")
    for name in sorted(set(ir.enums) & set(py.enums)):
        want = ir.enum_values(name)
        got = [m.value for m in py.enums[name]]
        if sorted(want) != sorted(got):
            skipped = [v["name"] for v in ir.enums[name]["values"] if v["skip"]]
            note = f" (@skip in IR: {skipped})" if skipped else ""
            errors.append(
                f"enum {name}: values differ: only in IR {sorted(set(want) - set(got))}, "
                f"only in pydantic {sorted(set(got) - set(want))}{note}"
            )

    for name in sorted(set(ir.aliases) - set(py.aliases)):
        errors.append(f"type alias {name}: in the IR but not exported by types.py")
    for name in sorted(set(py.aliases) - set(ir.aliases)):
        errors.append(f"type alias {name}: exported by types.py but not in the IR")
    for name in sorted(set(ir.aliases) & set(py.aliases)):
        want = ir.shape(ir.aliases[name]["type"], frozenset({name}))
        got = py.shape(py.aliases[name], frozenset({name}))
        if want != got:
            errors.append(
                f"type alias {name}: IR {render(want)}, pydantic {render(got)}"
            )
    return errors


def _report(errors: list[str]) -> str:
    return (
        f"{len(errors)} disagreement(s) between the IR and the generated pydantic "
        "models (stale? run `make generate`):\n  - " + "\n  - ".join(errors)
    )


# --------------------------------------------------------------------------
# The repository
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def repo_ir() -> dict:
    return load_ir()


@pytest.fixture(scope="module")
def generated() -> pytypes.ModuleType:
    return load_generated_types()


def test_ir_matches_generated_pydantic(
    repo_ir: dict, generated: pytypes.ModuleType
) -> None:
    assert repo_ir["classes"] and repo_ir["enums"], "the IR is empty"
    errors = compare(repo_ir, generated)
    assert not errors, _report(errors)


def test_every_ir_type_is_compared(
    repo_ir: dict, generated: pytypes.ModuleType
) -> None:
    """No IR type or generated annotation falls through to an unknown shape."""
    ir, py = IrIndex(repo_ir), PyIndex(generated)
    bad: list[str] = []

    def walk(shape: Shape, where: str) -> None:
        if shape[0] in ("unknown", "unresolved", "foreign"):
            bad.append(f"{where}: {render(shape)}")
        for part in shape[1:]:
            if isinstance(part, tuple):
                walk(part, where)
            elif isinstance(part, frozenset):
                for m in part:
                    if isinstance(m, tuple):
                        walk(m, where)

    for c in repo_ir["classes"]:
        for f in c["fields"]:
            walk(ir.shape(f["type"]), f"IR {c['name']}.{f['name']}")
    for name, cls in py.classes.items():
        for fname, ann in _field_annotations(cls).items():
            if fname in cls.model_fields:
                walk(py.shape(ann), f"pydantic {name}.{fname}")
    assert not bad, "shapes the comparator does not understand:\n  - " + "\n  - ".join(
        bad
    )


# --------------------------------------------------------------------------
# The comparator finds mismatches
# --------------------------------------------------------------------------


def _field(ir: dict, cls: str, name: str) -> dict:
    return next(
        f
        for c in ir["classes"]
        if c["name"] == cls
        for f in c["fields"]
        if f["name"] == name
    )


def test_comparator_reports_exactly_the_injected_ir_mismatches(
    repo_ir: dict, generated: pytypes.ModuleType
) -> None:
    baseline = set(compare(repo_ir, generated))
    ir = copy.deepcopy(repo_ir)

    start = _field(ir, "TimeRange", "start")  # made optional
    start["type"] = {"kind": "optional", "inner": start["type"]}
    _field(ir, "Price", "currency")["name"] = "currency_code"  # renamed
    _field(ir, "Attachment", "size_bytes")["type"] = {
        "kind": "primitive",
        "name": "float",
    }
    avatar = _field(ir, "PersonRef", "avatar_url")  # optional -> required
    avatar["type"] = avatar["type"]["inner"]
    # list<str> -> list<Uuid>: the alias erases to str, so no mismatch
    _field(ir, "CoachingSession", "agenda")["type"]["items"] = {
        "kind": "named",
        "name": "Uuid",
    }
    # map value int -> enum
    _field(ir, "ChatMessage", "reactions")["type"]["value"] = {
        "kind": "named",
        "name": "Priority",
    }
    # union member dropped
    content = _field(ir, "ChatMessage", "content")["type"]
    content["members"] = content["members"][:1]
    # union members reordered: order does not matter
    envelope = next(a for a in ir["type_aliases"] if a["name"] == "EventEnvelope")
    envelope["type"]["members"].reverse()
    next(e for e in ir["enums"] if e["name"] == "Priority")["values"][0]["skip"] = True
    next(e for e in ir["enums"] if e["name"] == "UserRole")["values"].append(
        {
            "name": "GUEST",
            "alias": None,
            "description": None,
            "skip": False,
            "location": {},
        }
    )
    # only a function returns it, so no field breaks
    ir["classes"] = [c for c in ir["classes"] if c["name"] != "ActionItemExtraction"]
    ir["type_aliases"].append(
        {"name": "Ghostly", "type": {"kind": "primitive", "name": "string"}}
    )
    ir["classes"].append(
        {"name": "Ghost", "dynamic": False, "fields": [], "constraints": []}
    )

    errors = compare(ir, generated)
    assert baseline - set(errors) == set(), "a mutation hid an existing mismatch"
    new = sorted(set(errors) - baseline)
    expected = sorted(
        [
            "TimeRange.start: optional in IR, but in pydantic the annotation does not "
            "admit None and is_required() is True",
            "Price: field names differ: only in IR ['currency_code'], only in pydantic ['currency']",
            "Attachment.size_bytes: type differs: IR float, pydantic int",
            "PersonRef.avatar_url: required in IR, but in pydantic the annotation admits "
            "None and is_required() is False",
            "ChatMessage.reactions: type differs: IR Dict[str, enum Priority], "
            "pydantic Dict[str, int]",
            "ChatMessage.content: type differs: IR class TextContent, "
            "pydantic class AttachmentContent | class TextContent",
            "enum UserRole: values differ: only in IR ['GUEST'], only in pydantic []",
            "class ActionItemExtraction: generated but not in the IR",
            "class Ghost: in the IR but not generated",
            "type alias Ghostly: in the IR but not exported by types.py",
        ]
    )
    assert new == expected, "\n".join(new)


def test_comparator_reports_mismatches_on_the_pydantic_side(
    repo_ir: dict, generated: pytypes.ModuleType
) -> None:
    baseline = set(compare(repo_ir, generated))
    fake = pytypes.ModuleType(generated.__name__)
    fake.__dict__.update(vars(generated))
    fake.__annotations__ = dict(vars(generated).get("__annotations__", {}))
    source = (
        "class Price(BaseModel):\n"
        "    amount_cents: float\n"
        "    currency: typing.Optional[str] = Field(default=None, alias='Currency')\n"
        "    tax_cents: int\n"
        "class Mood(str, Enum):\n"
        "    HAPPY = 'HAPPY'\n"
        "class Orphan(BaseModel):\n"
        "    x: int\n"
        "Extra: typing_extensions.TypeAlias = str\n"
    )
    exec(compile(source, "fake_types.py", "exec", dont_inherit=True), fake.__dict__)  # noqa: S102
    del fake.__annotations__["Uuid"]
    new = sorted(set(compare(repo_ir, fake)) - baseline)
    assert new == sorted(
        [
            "Price: field names differ: only in IR [], only in pydantic ['tax_cents']",
            "Price.amount_cents: type differs: IR int, pydantic float",
            "Price.currency: pydantic puts it on the wire as ['Currency'], IR wire name is 'currency'",
            "Price.currency: required in IR, but in pydantic the annotation admits None "
            "and is_required() is False",
            "enum Mood: generated but not in the IR",
            "class Orphan: generated but not in the IR",
            "type alias Uuid: in the IR but not exported by types.py",
            "type alias Extra: exported by types.py but not in the IR",
        ]
    ), "\n".join(new)


# --------------------------------------------------------------------------
# BAML features the contracts do not use yet, end to end
# --------------------------------------------------------------------------

FEATURES_BAML = """
generator py {
  output_type "python/pydantic"
  output_dir "../out"
  version "0.220.0"
}
type Id = string
type Shape = Circle | Square
type JVal = string | int | JVal[] | map<string, JVal>
enum Color {
  RED
  GREEN @skip
  BLUE @alias("bleu")
}
class Circle {
  kind "circle"
  r float
}
class Square {
  kind "square"
  side int @check(positive, {{ this > 0 }})
  small int? @check(lt10, {{ this < 10 }}) @check(gt0, {{ this > 0 }})
  flag true
  n 3 | 4
  maybe (int | string)?
  b int @assert(pos, {{ this > 0 }})
  renamed string @alias("Renamed")
  sh Shape
  shopt Shape?
  j JVal
  id Id
  m map<Color, int>
  lo (int?)[]
  img image?
  @@dynamic
}
"""


def test_features_the_contracts_do_not_use_yet(tmp_path: Path) -> None:
    """Recursive and union aliases, int/bool literals, enum map keys, media,
    @@dynamic, @alias and @assert agree; the known BAML 0.220 differences from
    the IR (@check wraps the field in Checked) are reported; @skip values stay
    in the generated Enum, as in the IR."""
    src = tmp_path / "baml_src"
    src.mkdir()
    (src / "main.baml").write_text(FEATURES_BAML)
    if not BAML_CLI.is_file():
        pytest.fail(f"{BAML_CLI.relative_to(REPO_ROOT)} missing: run `make setup`")
    proc = subprocess.run(
        [str(BAML_CLI), "generate", "--from", str(src)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    types_py = tmp_path / "out" / "baml_client" / "types.py"
    assert proc.returncode == 0 and types_py.is_file(), proc.stdout + proc.stderr
    module = generated_types.import_types_module(
        types_py, f"_contracts_test_ir_features_{id(tmp_path)}"
    )
    errors = compare(load_ir(src), module)
    assert sorted(errors) == sorted(
        [
            "Square.side: type differs: IR int, pydantic Checked[int, ['positive']] "
            "(pydantic wraps @check fields in Checked)",
            "Square.small: optional in IR, but in pydantic the annotation does not "
            "admit None and is_required() is True",
            "Square.small: type differs: IR int, pydantic Checked[None | int, "
            "['gt0', 'lt10']] (pydantic wraps @check fields in Checked)",
        ]
    ), "\n".join(errors)
