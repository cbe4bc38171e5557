"""Coach-app boundary contracts for Python.

- ``coach_app_baml_client.baml_client``: the BAML-generated Pydantic models
  (``baml_client.types``) and the shared BAML functions.
- This module: fast native validation of real-time event envelopes, the same
  validator (and the same error codes and JSON pointers) as the Node package.

>>> from coach_app_baml_client import is_valid_envelope
>>> is_valid_envelope(b'{"type": "NOT_AN_EVENT"}')
False
"""

from __future__ import annotations

import functools
import json
from typing import TYPE_CHECKING, Any, Literal

from . import _native
from ._errors import (
    DeliveryUnavailableError,
    DowngradeError,
    EnvelopeValidationError,
    ResumeError,
    RewriteError,
    UnsupportedVersionError,
    UpgradeError,
    ValidationIssue,
)
from ._issue_codes import ISSUE_CODES, IssueCode

if TYPE_CHECKING:
    from pydantic import BaseModel, TypeAdapter

    from .envelopes import EventEnvelope

__all__ = [
    "CONTRACTS_VERSION",
    "EVENT_TYPES",
    "ISSUE_CODES",
    "KNOWN_VERSIONS",
    "DeliveryUnavailableError",
    "DowngradeError",
    "EnvelopeValidationError",
    "EventEnvelope",
    "IssueCode",
    "Mode",
    "ResumeError",
    "RewriteError",
    "UnsupportedVersionError",
    "UpgradeError",
    "ValidationIssue",
    "downgrade_envelope",
    "envelope_adapter",
    "envelope_issues",
    "envelope_json",
    "is_valid_envelope",
    "json_schema",
    "make_envelope",
    "upgrade_dto",
    "upgrade_envelope",
    "validate_envelope",
]

Mode = Literal["producer", "consumer"]
"""``producer``: strict, what the backend must emit. ``consumer``: tolerant, what a client accepts."""

CONTRACTS_VERSION: str = _native.CONTRACTS_VERSION
"""The contracts version of this package; producers stamp it on every envelope."""

EVENT_TYPES: list[str] = _native.event_types()
"""Every ``EventType`` value, in declaration order."""

KNOWN_VERSIONS: tuple[str, ...] = tuple(_native.known_versions())
"""Every contracts version this package validates, downgrades and upgrades between and serves:
:data:`CONTRACTS_VERSION` first, then the released versions it ships (``schemas/history/``),
newest first."""


def _wire(envelope: object) -> bytes | str:
    """The JSON text of ``envelope`` (bytes, str, dict or a Pydantic model)."""
    if isinstance(envelope, (bytes, str)):
        return envelope
    if isinstance(envelope, (bytearray, memoryview)):
        return bytes(envelope)
    if isinstance(envelope, dict):
        return json.dumps(envelope, ensure_ascii=False, allow_nan=False).encode()
    model_dump_json = getattr(envelope, "model_dump_json", None)
    if callable(model_dump_json):
        return str(model_dump_json())
    raise TypeError(
        "expected an envelope as bytes, str, dict or a generated Pydantic envelope model, "
        f"got {type(envelope).__name__}"
    )


validate_envelope = _native.validate_envelope
is_valid_envelope = _native.is_valid_envelope
envelope_issues = _native.envelope_issues
# The three are the native functions themselves (no Python frame per call); their
# docstrings are in crates/py-binding/src/lib.rs and tests/test_api.py runs them.


class _ValidatedJSON(bytes):
    """JSON bytes that :func:`envelope_json` built and validated (producer mode, this version).

    Private: only :func:`envelope_json` makes them, so that
    :func:`~coach_app_baml_client.channels.broadcast` can send them without
    validating the same bytes a second time.
    """

    __slots__ = ()


def envelope_json(
    event_type: str,
    payload: object,
    *,
    correlation_id: str | None = None,
    actor_id: str | None = None,
    request_id: str | None = None,
) -> bytes:
    """Like :func:`make_envelope`, but returns the JSON bytes ready to send.

    The bytes are exactly what was validated (compact, ``type`` first, the
    payload as given); :func:`~coach_app_baml_client.channels.broadcast` sends
    them as the frame without validating them again.
    """
    text = _native.make_envelope(
        event_type,
        # A dict is written as JSON by the core (no json.dumps on the way).
        payload if isinstance(payload, dict) else _wire(payload),
        correlation_id=correlation_id,
        actor_id=actor_id,
        request_id=request_id,
    )
    return _ValidatedJSON(text, "utf-8")


def make_envelope(
    event_type: str,
    payload: object,
    *,
    correlation_id: str | None = None,
    actor_id: str | None = None,
    request_id: str | None = None,
) -> dict[str, Any]:
    """Build a validated envelope around ``payload`` (a dict or Pydantic model).

    Fills ``meta.event_id`` (UUIDv7), ``meta.timestamp`` (UTC now) and
    ``contracts_version``; raises :class:`EnvelopeValidationError` when the
    result is invalid.
    """
    result: dict[str, Any] = json.loads(
        envelope_json(
            event_type,
            payload,
            correlation_id=correlation_id,
            actor_id=actor_id,
            request_id=request_id,
        )
    )
    return result


def downgrade_envelope(envelope: object, to: str) -> dict[str, Any]:
    """Rewrite an envelope of this version for a client of the older contracts version ``to``.

    Fields ``to`` did not have are dropped (recursively) and
    ``contracts_version`` becomes ``to``; the result validates against that
    version (``validate_envelope(result, target_version=to)``). ``to ==
    CONTRACTS_VERSION`` returns the envelope unchanged. Raises
    :class:`DowngradeError` (``.rule_id``, ``.path``) when the older client
    would lose data (a new event type or enum value, a field it requires, a
    changed type) or when ``to`` is not a version this package knows.

    >>> downgrade_envelope({"type": "X"}, CONTRACTS_VERSION)
    {'type': 'X'}
    """
    result: dict[str, Any] = json.loads(_native.downgrade_envelope(_wire(envelope), to))
    return result


def upgrade_envelope(envelope: object) -> dict[str, Any]:
    """Rewrite an envelope of an older released version into one of :data:`CONTRACTS_VERSION`.

    For what older producers sent or what was persisted: the envelope's
    ``contracts_version`` names the version it was made with (one of
    :data:`KNOWN_VERSIONS`). Fields added since stay absent (they are
    optional), ``contracts_version`` becomes :data:`CONTRACTS_VERSION`, and the
    result validates in producer mode. An envelope of this version comes back
    unchanged once it validates. Raises :class:`UpgradeError` (``.rule_id``,
    ``.path``) when it cannot be carried forward (``event-type-removed``,
    ``enum-value-removed``, ``field-removed``, ``field-added-required``,
    ``field-type-changed``, ``unknown-version``, ``invalid-envelope``).

    >>> envelope = make_envelope("TYPING_INDICATOR", {
    ...     "thread_id": "0192f0c1-7a52-7cc3-8d1e-000000000010",
    ...     "user_id": "0192f0c1-7a52-7cc3-8d1e-000000000002",
    ...     "is_typing": True,
    ... })
    >>> upgrade_envelope(envelope) == envelope
    True
    >>> upgrade_envelope({**envelope, "contracts_version": "0.0.1"})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    coach_app_baml_client._errors.UpgradeError: (root): contracts "0.0.1" is not a version this build knows; ...
    """
    result: dict[str, Any] = json.loads(_native.upgrade_envelope(_wire(envelope)))
    return result


def upgrade_dto(model: type | str, value: object, version: str) -> dict[str, Any]:
    """Rewrite ``value``, a DTO of the released contracts ``version``, into one of this version.

    ``model`` is the generated model class (``types.SessionSummaryContent``)
    or its BAML class name; ``value`` a dict, JSON text or model instance.
    For persisted ``parsed_output`` + ``contracts_version``: the result fits
    the current models (``model.model_validate(result)``). The rules are
    :func:`upgrade_envelope`'s with paths relative to the value, plus
    ``unknown-class``, ``class-removed`` and ``invalid-value``; raises
    :class:`UpgradeError`.

    >>> draft = {"title": "Book the gym", "owner": "CLIENT", "priority": "HIGH"}
    >>> upgrade_dto("ActionItemDraft", draft, CONTRACTS_VERSION) == draft
    True
    """
    class_name = model if isinstance(model, str) else model.__name__
    result: dict[str, Any] = json.loads(_native.upgrade_dto(class_name, _wire(value), version))
    return result


def json_schema(event_type: str | None = None) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) shipped with this package, as a new dict.

    Without ``event_type``: the bundle of every envelope (a ``oneOf``
    discriminated by ``type``, with every class under ``$defs``). With one:
    the self-contained schema of that event's envelope. The schemas describe
    the same contract as the validator; formats (``uuid``, ``date``,
    ``date-time``) are checked by :func:`validate_envelope` but only annotated
    here.

    >>> json_schema("SESSION_STARTED")["properties"]["type"]
    {'const': 'SESSION_STARTED'}
    >>> json_schema()["discriminator"]["propertyName"]
    'type'
    """
    if event_type is None:
        name = "envelope.schema.json"
    elif event_type in EVENT_TYPES:
        name = f"events/{event_type}.schema.json"
    else:
        raise ValueError(
            f"unknown event type {event_type!r}; expected one of: {', '.join(EVENT_TYPES)}"
        )
    schema: dict[str, Any] = json.loads(_schema_text(name))
    return schema


@functools.lru_cache(maxsize=None)
def _schema_text(name: str) -> str:
    from importlib import resources

    node = resources.files(__name__).joinpath("schemas")
    for part in name.split("/"):  # one part per call: Python 3.10's Traversable API
        node = node.joinpath(part)
    return node.read_text(encoding="utf-8")


def __getattr__(name: str) -> object:
    # The Pydantic union imports the generated models (and baml_py); load it
    # only when asked so that validation alone stays cheap to import.
    if name in ("EventEnvelope", "envelope_adapter"):
        from . import envelopes

        return getattr(envelopes, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


if TYPE_CHECKING:
    envelope_adapter: TypeAdapter[EventEnvelope]
    _ = BaseModel
