"""Deterministic valid examples of every event, class and enum, with overrides, for tests.

The examples are built by the contracts compiler from the same IR as the
validator and shipped as ``schemas/examples.json`` (the npm package ships the
same data), one set per version in :data:`~coach_app_baml_client.KNOWN_VERSIONS`:
the current contracts first, then every earlier release the package serves
(what an older tab receives). Each holds the required fields only (optional
fields are absent), one element per list, one entry per map, the first
member of a union and the first value of an enum; UUIDs, timestamps
(``"2026-01-05T09:30:00Z"``) and dates (``"2026-01-05"``) are fixed, so a test
that uses one reads the same values on every run.

>>> envelope = example_envelope("GOAL_UPDATED", payload={"title": "Run a 10k"})
>>> envelope["type"], envelope["payload"]["title"], envelope["meta"]["timestamp"]
('GOAL_UPDATED', 'Run a 10k', '2026-01-05T09:30:00Z')
>>> example_dto("ActionItemDraft", priority="HIGH")["priority"]
'HIGH'
>>> example_enum("Priority")
'LOW'

Overrides are merged into the example, guided by the contract: a ``dict``
given for a class-typed field is merged into that field's example value
(recursively; for an optional class field that the example leaves out, into
the example of that class), and for a union of classes into the member its
discriminator names (``{"kind": "attachment"}`` switches to the attachment
member's example); any other value replaces the example's (a list replaces the
whole list, a dict given for a ``map`` replaces the whole map). ``None`` is
JSON ``null``: on an optional field it is valid, on a required one the result
is invalid and raises. A key the class does not declare raises
:class:`ValueError` naming it and listing the declared fields (add unknown
fields to the returned dict yourself to test consumer mode). The result is
validated by the core in producer mode for that version, so an override of
the wrong type raises the usual
:class:`~coach_app_baml_client.EnvelopeValidationError` with the JSON Pointer
of every issue:

>>> example_envelope("GOAL_UPDATED", payload={"progress_percent": "half"})
Traceback (most recent call last):
...
coach_app_baml_client._errors.EnvelopeValidationError: invalid envelope: 1 issue(s)
  /payload/progress_percent: expected int, got a string (wrong_type)

The generated Pydantic models read every example of the current version:
``envelope_adapter.validate_python(example_envelope(...))`` or
``types.Goal.model_validate(example_dto("Goal"))``.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any, cast

from .. import (
    CONTRACTS_VERSION,
    ISSUE_CODES,
    IssueCode,
    UpgradeError,
    ValidationIssue,
    upgrade_dto,
    validate_envelope,
)
from .._errors import EnvelopeValidationError
from ._schema import (
    ClassShape,
    Contracts,
    Node,
    NullableShape,
    UnionShape,
    suggest,
    version_examples,
)

__all__ = ["example_dto", "example_enum", "example_envelope"]

_MISSING: Any = object()


def example_envelope(
    event_type: str,
    *,
    payload: Mapping[str, object] | None = None,
    meta: Mapping[str, object] | None = None,
    version: str | None = None,
) -> dict[str, Any]:
    """The example envelope of ``event_type``, with ``payload`` and ``meta`` overrides merged in.

    ``version`` is one of :data:`~coach_app_baml_client.KNOWN_VERSIONS`
    (default :data:`~coach_app_baml_client.CONTRACTS_VERSION`); an earlier
    release gives the envelope a tab of that release receives (its
    ``contracts_version``, its fields), validated against that release
    (``validate_envelope(..., target_version=version)``). Every call returns a
    new dict. Raises :class:`ValueError` for an unknown event type (naming
    the close matches), an unknown version or an undeclared override key,
    and :class:`~coach_app_baml_client.EnvelopeValidationError` when the
    result is not valid.

    >>> example_envelope("TYPING_INDICATOR", payload={"is_typing": True})["payload"]["is_typing"]
    True
    >>> example_envelope("TYPING_INDICATOR", meta={"request_id": "req-1"})["meta"]["request_id"]
    'req-1'
    >>> example_envelope("TYPING_INDICATR")
    Traceback (most recent call last):
    ...
    ValueError: unknown event type 'TYPING_INDICATR' in contracts ... (did you mean 'TYPING_INDICATOR'?); ...
    """
    contracts = Contracts.of(version)
    contracts.check_event_type(event_type)
    events: dict[str, Any] = version_examples(contracts.version)["events"]
    envelope = cast("dict[str, Any]", copy.deepcopy(events[event_type]))
    shape = contracts.envelope_class(event_type)
    where = f"example_envelope({event_type!r})"
    for name, override in (("payload", payload), ("meta", meta)):
        if override is None:
            continue
        if not isinstance(override, Mapping):  # pyright: ignore[reportUnnecessaryIsInstance]
            raise TypeError(
                f"{where}: {name}= takes a dict of the fields to change, "
                f"got {type(override).__name__}"
            )
        envelope[name] = _merge(
            contracts, envelope[name], override, shape.fields[name], f"/{name}", where
        )
    target = None if contracts.version == CONTRACTS_VERSION else contracts.version
    validate_envelope(envelope, mode="producer", target_version=target)
    return envelope


def example_dto(
    model: type | str,
    overrides: Mapping[str, object] | None = None,
    /,
    *,
    version: str | None = None,
    **fields: object,
) -> dict[str, Any]:
    """The example value of the class ``model`` (its BAML name or the generated Pydantic model).

    Fields to change are given as keyword arguments, or as a dict
    ``overrides`` for names that are not Python identifiers (keyword
    arguments win); they merge as in :func:`example_envelope`. The result is
    validated by the core (a valid value of that class in ``version``,
    producer mode): :class:`~coach_app_baml_client.EnvelopeValidationError`
    otherwise, with the JSON Pointer of the first issue, relative to the value.

    >>> example_dto("Price", amount_cents=4500)["amount_cents"]
    4500
    >>> example_dto("Price", {"currency": 978})
    Traceback (most recent call last):
    ...
    coach_app_baml_client._errors.EnvelopeValidationError: invalid envelope: 1 issue(s)
      /currency: expected string, got a number (wrong_type)
    >>> example_dto("Prise")
    Traceback (most recent call last):
    ...
    ValueError: unknown class 'Prise' in contracts ... (did you mean 'Price'?); ...
    """
    contracts = Contracts.of(version)
    name = model if isinstance(model, str) else model.__name__
    shape = contracts.class_shape(name)
    classes: dict[str, Any] = version_examples(contracts.version)["classes"]
    value: dict[str, Any] = copy.deepcopy(classes[name])
    changes: dict[str, object] = {**(overrides or {}), **fields}
    if changes:
        where = f"example_dto({name!r})"
        value = _merge_class(contracts, shape, value, changes, "", where)
    issues = dto_issues(name, value, contracts.version)
    if issues:
        raise EnvelopeValidationError(issues)
    return value


def example_enum(enum: type | str, *, version: str | None = None) -> str:
    """The example value of the enum ``enum`` (its BAML name or the generated ``Enum`` class):
    its first value.

    >>> example_enum("Sentiment")
    'POSITIVE'
    """
    contracts = Contracts.of(version)
    name = enum if isinstance(enum, str) else enum.__name__
    contracts.enum_shape(name)  # an unknown enum raises, naming the close matches
    enums: dict[str, str] = version_examples(contracts.version)["enums"]
    return enums[name]


_UPGRADE_MESSAGE = re.compile(r"can be upgraded: (?P<message>.*) \((?P<code>[a-z_]+)\)\Z", re.S)


def dto_issues(class_name: str, value: object, version: str) -> list[ValidationIssue]:
    """What the core finds wrong with ``value`` as a ``class_name`` of ``version`` (producer
    mode): no issue, or the first one, its path relative to the value.

    The core checks a bare class value as the first step of
    :func:`~coach_app_baml_client.upgrade_dto` (rule ``invalid-value``); a
    value that is valid but cannot be carried to the current version (an
    older release's class that changed since) has no issue here.

    >>> dto_issues("Price", {"amount_cents": 1}, CONTRACTS_VERSION)
    [ValidationIssue(path='/currency', code='missing_field', message=...)]
    """
    try:
        upgrade_dto(class_name, value, version)
    except UpgradeError as err:
        if err.rule_id != "invalid-value":
            return []
        match = _UPGRADE_MESSAGE.search(err.message)
        code = _issue_code(match["code"]) if match else None
        if match is None or code is None:  # pragma: no cover - the core's message changed
            raise RuntimeError(
                f"cannot read the issue out of the core's upgrade message {err.message!r}: "
                "update _UPGRADE_MESSAGE in coach_app_baml_client/testing/examples.py"
            ) from err
        return [ValidationIssue(err.path, code, match["message"])]
    return []


def _issue_code(text: str) -> IssueCode | None:
    """``text`` as the :data:`~coach_app_baml_client.IssueCode` it names, if it names one."""
    return next((code for code in ISSUE_CODES if code == text), None)


def _merge(
    contracts: Contracts, base: object, override: object, node: Node, path: str, where: str
) -> object:
    """``override`` merged into ``base``, a value of the schema ``node`` at ``path``."""
    shape = contracts.shape(node)
    if isinstance(shape, NullableShape):
        shape = contracts.shape(shape.inner)
    if not isinstance(override, Mapping):
        return copy.deepcopy(override)
    changes = cast("Mapping[str, object]", override)
    if isinstance(shape, UnionShape):
        member = _union_member(contracts, shape, base, changes)
        if member is None:
            return copy.deepcopy(changes)
        shape = member
    if not isinstance(shape, ClassShape):
        return copy.deepcopy(changes)  # a map, or a mistake validation will name
    if not (isinstance(base, dict) and _is_member(shape, cast("dict[str, Any]", base))):
        classes: dict[str, Any] = version_examples(contracts.version)["classes"]
        base = copy.deepcopy(classes[shape.name])
    return _merge_class(contracts, shape, cast("dict[str, Any]", base), changes, path, where)


def _merge_class(
    contracts: Contracts,
    shape: ClassShape,
    base: dict[str, Any],
    override: Mapping[str, object],
    path: str,
    where: str,
) -> dict[str, Any]:
    for key, value in override.items():
        if key not in shape.fields:
            raise ValueError(
                f"{where}: {path or 'the value'} has no field {key!r}"
                f"{suggest(str(key), shape.fields)}; {shape.name} declares: "
                f"{', '.join(shape.fields)}"
            )
        at = f"{path}/{key.replace('~', '~0').replace('/', '~1')}"
        base[key] = _merge(contracts, base.get(key, _MISSING), value, shape.fields[key], at, where)
    return base


def _is_member(shape: ClassShape, value: dict[str, Any]) -> bool:
    """Whether ``value`` carries ``shape``'s literals (always, for a class without any)."""
    return all(value.get(key) == literal for key, literal in shape.literal_fields().items())


def _union_member(
    contracts: Contracts, shape: UnionShape, base: object, override: Mapping[str, object]
) -> ClassShape | None:
    """The member of a union of classes that the override's literals name, else the one
    ``base`` is, else the first."""
    members = [contracts.shape(m) for m in shape.members]
    classes = [m for m in members if isinstance(m, ClassShape)]
    if len(classes) != len(members):
        return None
    named = [
        m
        for m in classes
        if any(key in override for key in m.literal_fields())
        and all(override[key] == v for key, v in m.literal_fields().items() if key in override)
    ]
    if named:
        return named[0]
    if isinstance(base, dict):
        current = [m for m in classes if _is_member(m, cast("dict[str, Any]", base))]
        if current:
            return current[0]
    return classes[0]
