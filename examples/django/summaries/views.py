"""HTTP side: the AI worker posts a session summary; we validate, store and broadcast it."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from uuid import UUID

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from coach_app_baml_client import (
    CONTRACTS_VERSION,
    KNOWN_VERSIONS,
    EnvelopeValidationError,
    envelope_json,
)
from coach_app_baml_client.baml_client.types import (
    SessionSummary,
    SessionSummaryContent,
)
from coach_app_baml_client.channels import cluster_status
from django.db import IntegrityError, transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from pydantic import ValidationError

from .access import service_refusal
from .groups import session_group
from .models import OutboxEvent, SessionSummaryRecord

log = logging.getLogger(__name__)

EVENT_TYPE = "SESSION_SUMMARY_READY"
MAX_MODEL_NAME = SessionSummaryRecord._meta.get_field("model").max_length or 200
MAX_REQUEST_ID = SessionSummaryRecord._meta.get_field("request_id").max_length or 200


def _now() -> str:
    return (
        datetime.now(timezone.utc)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z")
    )


def _bad_request(
    message: str, errors: list[dict[str, object]] | None = None
) -> JsonResponse:
    return JsonResponse({"error": message, "errors": errors or []}, status=400)


# A service-to-service API authenticated by a bearer token, never by cookies,
# so a browser cannot be tricked into posting: CSRF protection does not apply.
@csrf_exempt
@require_POST
async def post_session_summary(request: HttpRequest, session_id: UUID) -> JsonResponse:
    """``POST /api/sessions/<session_id>/summaries``.

    Header ``Authorization: Bearer <token>`` with one of
    ``settings.SERVICE_TOKENS``.
    Body: the ``SessionSummaryContent`` JSON that the ``SummarizeSession`` LLM
    function returned, verbatim. Headers: ``X-LLM-Model`` (model identifier),
    optional ``X-Correlation-ID`` (a UUID) and ``X-Request-ID``.

    - 401 without a bearer token, 403 with a token that is not configured,
      413 (``coachsite/body_limit.py``) for a body above
      ``settings.MAX_REQUEST_BODY_BYTES``: the body is not even parsed.
    - 400 with Pydantic's errors when the body is not a valid
      ``SessionSummaryContent`` (or with the validator's issues when it breaks a
      rule Pydantic does not check, such as an ``IsoDate`` format): nothing is
      stored or broadcast.
    - 201 otherwise: the raw text, the parsed DTO and the contracts version are
      stored in one row, together with the ``SESSION_SUMMARY_READY`` envelope
      carrying the ``SessionSummary`` (in the outbox, one transaction), which
      is then broadcast to the ``session.<session_id>`` group: at once when
      Redis answers, else by the outbox relay as soon as it does. The answer
      never depends on Redis, and never comes after a row was stored without
      its event.
    - A retry (the same ``X-Request-ID``) stores nothing and broadcasts
      nothing: it gets the first answer again, with ``Idempotent-Replayed: true``.
    """
    if (refusal := service_refusal(request)) is not None:
        return refusal
    try:
        raw_output = request.body.decode("utf-8")
    except UnicodeDecodeError:
        return _bad_request("the body must be UTF-8 JSON")
    try:
        content = SessionSummaryContent.model_validate_json(raw_output)
    except ValidationError as err:
        errors = json.loads(err.json(include_url=False))
        return _bad_request("invalid SessionSummaryContent", errors)

    correlation_id = request.headers.get("X-Correlation-ID")
    if correlation_id is not None:
        try:
            correlation_id = str(UUID(correlation_id))
        except ValueError:
            return _bad_request("X-Correlation-ID must be a UUID")

    model_name = request.headers.get("X-LLM-Model", "unknown")
    if len(model_name) > MAX_MODEL_NAME:
        return _bad_request(f"X-LLM-Model must be at most {MAX_MODEL_NAME} characters")
    request_id = request.headers.get("X-Request-ID")
    if request_id is not None and len(request_id) > MAX_REQUEST_ID:
        return _bad_request(f"X-Request-ID must be at most {MAX_REQUEST_ID} characters")
    if request_id is not None and (done := await _earlier(request_id)) is not None:
        return done
    # Unsaved row: raw_output verbatim, parsed_output = the validated DTO as JSON,
    # contracts_version = this package's (persistence.to_record underneath).
    record = SessionSummaryRecord.from_output(
        raw_output,
        content,
        session_id=session_id,
        model=model_name,
        request_id=request_id,
    )
    summary = SessionSummary(
        id=str(record.id),
        session_id=str(session_id),
        content=content,
        model=model_name,
        generated_at=_now(),
        reviewed_by_coach=False,
    )
    try:
        # Checks the contract rules that Pydantic does not (UUID and timestamp
        # formats, ...), before anything is stored. The JSON text validated
        # here is what every current client receives, byte for byte.
        envelope = envelope_json(
            EVENT_TYPE,
            summary,
            correlation_id=correlation_id,
            request_id=request_id,
        )
    except EnvelopeValidationError as err:
        # Only the posted content can be at fault here: it is a client error too.
        issues = [
            {"path": i.path, "code": i.code, "message": i.message} for i in err.issues
        ]
        return _bad_request("SessionSummaryContent breaks the contract rules", issues)

    record.event_id = json.loads(envelope)["meta"]["event_id"]
    try:
        event = await _store(record, session_group(session_id), envelope)
    except IntegrityError:  # the same X-Request-ID, posted concurrently: that one won
        done = await _earlier(request_id) if request_id is not None else None
        if done is None:
            raise
        return done
    published = await event.publish(get_channel_layer())
    log.info(
        "stored summary %s of session %s; event %s",
        record.id,
        session_id,
        "broadcast" if published else "left to the outbox relay",
    )
    return _created(record)


@sync_to_async
def _store(record: SessionSummaryRecord, group: str, envelope: bytes) -> OutboxEvent:
    """The row and its event, in one transaction: both are stored or neither is."""
    with transaction.atomic():
        record.save(force_insert=True)
        return OutboxEvent.enqueue(group, envelope)


async def _earlier(request_id: str) -> JsonResponse | None:
    """The answer of the POST that stored ``request_id`` already, if one did."""
    record = await SessionSummaryRecord.objects.filter(request_id=request_id).afirst()
    if record is None:
        return None
    response = _created(record)
    response["Idempotent-Replayed"] = "true"
    return response


def _created(record: SessionSummaryRecord) -> JsonResponse:
    return JsonResponse(
        {
            "id": str(record.id),
            "event_id": str(record.event_id),
            "contracts_version": record.contracts_version,
        },
        status=201,
    )


@require_GET
async def contracts_status(request: HttpRequest) -> JsonResponse:
    """``GET /api/ops/contracts``: the contracts versions the cluster's sockets speak.

    For operators during a rollout (same bearer tokens as the summary API),
    from any process: ``connected_versions`` counts open sockets per version
    over every live process (an old version can be dropped from the history
    once it stays at zero), ``skipped_frames`` counts envelopes not sent to
    clients whose version cannot carry them, by ``contracts diff`` rule,
    ``delivery`` the streams' counters (resyncs by cause, replayed frames,
    lost Redis connections). ``processes`` is how many processes reported
    within the last three report intervals (a dead one drops out);
    ``per_process`` has each one's own counts.
    """
    if (refusal := service_refusal(request)) is not None:
        return refusal
    status = await cluster_status(get_channel_layer())
    return JsonResponse(
        {
            "contracts_version": CONTRACTS_VERSION,
            "known_versions": list(KNOWN_VERSIONS),
            **status,
        }
    )
