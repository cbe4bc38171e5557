# pyright: strict
"""A consumer of the public API, type-checked by ``pyright --strict`` (test_typing.py).

Not collected by pytest (no ``test_`` prefix); never imported at run time.
"""

from __future__ import annotations

from typing import Any

from typing_extensions import assert_never

from pydantic import TypeAdapter

from coach_app_baml_client import (
    CONTRACTS_VERSION,
    DeliveryUnavailableError,
    EVENT_TYPES,
    ISSUE_CODES,
    KNOWN_VERSIONS,
    EnvelopeValidationError,
    IssueCode,
    UnsupportedVersionError,
    UpgradeError,
    ValidationIssue,
    envelope_issues,
    envelope_json,
    is_valid_envelope,
    json_schema,
    make_envelope,
    upgrade_dto,
    upgrade_envelope,
    validate_envelope,
)
from coach_app_baml_client.baml_client import types
from coach_app_baml_client.channels import (
    ContractsConsumer,
    GroupSendLayer,
    SkippedFrames,
    broadcast,
    cluster_status,
    connected_versions,
    skipped_frames,
)
from coach_app_baml_client.client import EventStream, StreamRefused
from coach_app_baml_client.delivery import (
    StreamPosition,
    StreamSettings,
    parse_resume,
    resume_query,
)
from coach_app_baml_client.layers import RedisStreamsChannelLayer
from coach_app_baml_client.protocols import (
    RECONNECT_AT_ONCE,
    REFUSALS,
    Choice,
    CloseCode,
    choose_version,
    contracts_protocols,
)
from coach_app_baml_client.cloudevents import (
    STRUCTURED_CONTENT_TYPE,
    from_cloudevent,
    from_cloudevent_json,
    to_cloudevent,
    to_cloudevent_json,
)
from coach_app_baml_client.envelopes import EventEnvelope, envelope_adapter
from coach_app_baml_client.persistence import (
    ContractsVersionError,
    StoredOutput,
    from_record,
    to_record,
)


class Layer:
    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        del group, message


def build(goal: types.Goal, request_id: str | None) -> dict[str, Any]:
    envelope: dict[str, Any] = make_envelope("GOAL_UPDATED", goal, request_id=request_id)
    wire: bytes = envelope_json("GOAL_UPDATED", goal.model_dump())
    validate_envelope(wire, mode="consumer", target_version=CONTRACTS_VERSION)
    return envelope


async def send(goal: types.Goal) -> list[str]:
    layer: GroupSendLayer = Layer()
    try:
        await broadcast(layer, "goals", build(goal, None), message_type="goal.event")
    except EnvelopeValidationError as err:
        issues: list[ValidationIssue] = err.issues
        return [f"{i.path} {i.code}: {i.message}" for i in issues]
    return []


def retry_later(issue: ValidationIssue) -> bool:
    """``code`` is the ``IssueCode`` literal: a match over it can be exhaustive."""
    code: IssueCode = issue.code
    match code:
        case "too_large" | "too_deep":
            return False
        case (
            "invalid_json"
            | "not_an_object"
            | "missing_field"
            | "unknown_field"
            | "wrong_type"
            | "invalid_enum_value"
            | "invalid_literal"
            | "unknown_event_type"
            | "invalid_timestamp"
            | "invalid_date"
            | "invalid_uuid"
            | "unsupported_version"
            | "duplicate_key"
        ):
            return code in ISSUE_CODES and max_depth_checked()
        case _:
            assert_never(code)


def max_depth_checked() -> bool:
    return is_valid_envelope(b"{}", max_depth=8, max_bytes=1024) or not envelope_issues(
        b"{}", max_issues=1, max_depth=8, max_bytes=1024
    )


def decode(raw: bytes) -> str:
    if not is_valid_envelope(raw, mode="consumer"):
        return "; ".join(str(i) for i in envelope_issues(raw, mode="consumer"))
    event: EventEnvelope = envelope_adapter.validate_json(raw)
    if isinstance(event, types.GoalUpdatedEvent):
        goal: types.Goal = event.payload
        return f"{goal.title}: {goal.progress_percent}% ({goal.status.value})"
    adapter: TypeAdapter[EventEnvelope] = envelope_adapter
    return adapter.dump_json(event).decode()


def schemas() -> dict[str, dict[str, Any]]:
    bundle: dict[str, Any] = json_schema()
    return {"": bundle, **{t: json_schema(t) for t in EVENT_TYPES}}


def store(raw: str, content: types.SessionSummaryContent) -> types.SessionSummaryContent:
    record: StoredOutput = to_record(raw, content)
    try:
        again: types.SessionSummaryContent = from_record(record, types.SessionSummaryContent)
    except ContractsVersionError as err:
        raise RuntimeError(str(err)) from err
    row: dict[str, Any] = {
        "raw_output": record.raw_output,
        "parsed_output": record.parsed_output,
        "contracts_version": record.contracts_version,
    }
    return from_record(row, type(again))


class GoalEvents(ContractsConsumer):
    max_frame_bytes = 1024

    async def authorize(self) -> bool:
        return self.contracts_version in KNOWN_VERSIONS

    async def connect(self) -> None:
        await self.join("goals")
        await self.accept()


def rollout(stored: dict[str, Any], version: str) -> tuple[types.Goal, dict[str, int]]:
    try:
        upgraded: dict[str, Any] = upgrade_envelope(stored)
        goal = types.Goal.model_validate(upgrade_dto(types.Goal, upgraded["payload"], version))
    except UpgradeError as err:
        raise RuntimeError(f"{err.rule_id} at {err.path}: {err.message}") from err
    try:
        choice: Choice | None = choose_version(contracts_protocols(version))
    except UnsupportedVersionError as err:
        code: int = CloseCode.UNSUPPORTED_VERSION
        raise RuntimeError(f"{code} {err.announced} {err.reason}") from err
    served: str = CONTRACTS_VERSION if choice is None else choice.version
    skipped: dict[SkippedFrames, int] = skipped_frames()
    counts: dict[str, int] = connected_versions()
    counts[served] = sum(skipped.values()) + len(GoalEvents.__name__)
    return goal, counts


def cloudevents(envelope: dict[str, Any]) -> tuple[str, bytes]:
    event: dict[str, Any] = to_cloudevent(envelope, source="/coach-app/backend")
    body: bytes = to_cloudevent_json(envelope, source="/coach-app/backend", target_version=None)
    back: dict[str, Any] = from_cloudevent(event, mode="producer")
    raw: bytes = from_cloudevent_json(body)
    return STRUCTURED_CONTENT_TYPE, raw if back else body


async def delivery(url: str) -> dict[str, Any]:
    layer = RedisStreamsChannelLayer(hosts=["redis://127.0.0.1:6379/0"], history_size=100)
    settings: StreamSettings = layer.settings
    try:
        position: StreamPosition | None = await broadcast(layer, "goals", b"{}")
    except DeliveryUnavailableError as err:
        return {"unavailable": err.group, "size": settings.history_size}
    resume: dict[str, StreamPosition] = parse_resume(resume_query([position] if position else []))
    refused: list[int] = sorted(int(c) for c in REFUSALS | RECONNECT_AT_ONCE)
    async with EventStream(url, positions=resume, backoff=0.5) as events:
        async for envelope in events:
            return {"first": envelope, "refused": refused, "state": events.state}
    try:
        return await cluster_status(layer)
    except StreamRefused as err:
        return {"code": err.code}
