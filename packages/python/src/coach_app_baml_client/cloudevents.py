"""CloudEvents 1.0 for the envelopes: one envelope is one structured-mode CloudEvent.

The conversion and its validation run in the native core (the same code as
the Node package and the Rust crate); this module only converts arguments.

=================================  ============================================
CloudEvent attribute               envelope field
=================================  ============================================
``specversion``                    ``"1.0"``
``id``                             ``meta.event_id``
``source``                         the ``source=`` you pass (a URI-reference)
``type``                           ``"com.coach-app." + type``
``time``                           ``meta.timestamp``
``datacontenttype``                ``"application/json"``
``dataschema``                     ``urn:coach-app:contracts:<version>:events:<type>``
``data``                           ``payload``
``contractsversion``               ``contracts_version``
``correlationid``, ``actorid``,    ``meta.correlation_id``, ``meta.actor_id``,
``requestid``                      ``meta.request_id`` (left out when null)
=================================  ============================================

``meta.position`` is not carried: it is where the envelope sat in one
WebSocket delivery stream, not part of the event.

Send the JSON of :func:`to_cloudevent_json` with ``Content-Type:
application/cloudevents+json`` (:data:`STRUCTURED_CONTENT_TYPE`), or hand the
dict of :func:`to_cloudevent` to any CloudEvents SDK. :func:`from_cloudevent`
validates what arrives (consumer mode by default: the receiving side) and
reports issues with JSON Pointers into the CloudEvent (``/data/title``,
``/id``, ``/correlationid``).

>>> from coach_app_baml_client import make_envelope
>>> envelope = make_envelope("TYPING_INDICATOR", {
...     "thread_id": "0192f0c1-7a52-7cc3-8d1e-000000000010",
...     "user_id": "0192f0c1-7a52-7cc3-8d1e-000000000002",
...     "is_typing": True,
... })
>>> event = to_cloudevent(envelope, source="/coach-app/backend")
>>> event["type"], event["id"] == envelope["meta"]["event_id"]
('com.coach-app.TYPING_INDICATOR', True)
>>> from_cloudevent(event) == envelope
True
"""

from __future__ import annotations

import json
from typing import Any

from . import Mode, _native, _wire

__all__ = [
    "STRUCTURED_CONTENT_TYPE",
    "TYPE_PREFIX",
    "from_cloudevent",
    "from_cloudevent_json",
    "to_cloudevent",
    "to_cloudevent_json",
]

STRUCTURED_CONTENT_TYPE: str = _native.CLOUDEVENT_STRUCTURED_CONTENT_TYPE
"""``application/cloudevents+json``: the ``Content-Type`` of a structured-mode event."""

TYPE_PREFIX: str = _native.CLOUDEVENT_TYPE_PREFIX
"""``com.coach-app.``: every CloudEvent ``type`` is this prefix and the envelope's ``type``."""


def to_cloudevent_json(
    envelope: object, *, source: str, target_version: str | None = None
) -> bytes:
    """The structured-mode CloudEvent of ``envelope``, as JSON bytes ready to send.

    ``envelope`` is anything :func:`~coach_app_baml_client.validate_envelope`
    accepts; it is validated in producer mode first (against
    ``target_version`` when given) and :class:`EnvelopeValidationError` lists
    its issues. ``source`` must be a URI-reference naming the producer
    (``ValueError`` otherwise). The payload's JSON becomes ``data`` unchanged.

    >>> to_cloudevent_json({"type": "GOAL_CREATED"}, source="not a uri")
    Traceback (most recent call last):
    ...
    ValueError: the CloudEvents source "not a uri" is not a URI-reference: ' ' at position 3 must be percent-encoded
    """
    return _native.to_cloudevent(_wire(envelope), source, "producer", target_version).encode()


def to_cloudevent(
    envelope: object, *, source: str, target_version: str | None = None
) -> dict[str, Any]:
    """Like :func:`to_cloudevent_json`, but returns the CloudEvent as a dict."""
    event: dict[str, Any] = json.loads(
        to_cloudevent_json(envelope, source=source, target_version=target_version)
    )
    return event


def from_cloudevent_json(
    event: object,
    *,
    mode: Mode = "consumer",
    target_version: str | None = None,
    max_issues: int | None = None,
    max_depth: int | None = None,
    max_bytes: int | None = None,
) -> bytes:
    """The envelope a structured-mode CloudEvent carries, validated, as JSON bytes.

    ``event`` is the CloudEvent as JSON ``bytes``/``str`` or a dict. It must
    be CloudEvents 1.0 with a ``com.coach-app.`` type, JSON ``data`` and the
    ``contractsversion`` extension; attributes the envelope has no place for
    (``subject``, a broker's extensions) are ignored. Raises
    :class:`EnvelopeValidationError` with every issue, at paths into the
    CloudEvent. ``max_issues``, ``max_depth`` and ``max_bytes`` are those of
    :func:`~coach_app_baml_client.validate_envelope` (``ValueError`` out of bounds).

    >>> try:
    ...     from_cloudevent_json({"specversion": "0.3"})
    ... except Exception as err:
    ...     print(sorted(i.path for i in err.issues))
    ['/contractsversion', '/data', '/id', '/source', '/specversion', '/time', '/type']
    """
    return _native.from_cloudevent(
        _wire(event), mode, target_version, max_issues, max_depth, max_bytes
    ).encode()


def from_cloudevent(
    event: object,
    *,
    mode: Mode = "consumer",
    target_version: str | None = None,
    max_issues: int | None = None,
    max_depth: int | None = None,
    max_bytes: int | None = None,
) -> dict[str, Any]:
    """Like :func:`from_cloudevent_json`, but returns the envelope as a dict."""
    envelope: dict[str, Any] = json.loads(
        from_cloudevent_json(
            event,
            mode=mode,
            target_version=target_version,
            max_issues=max_issues,
            max_depth=max_depth,
            max_bytes=max_bytes,
        )
    )
    return envelope
