"""End to end over real sockets: HTTP POST -> Django -> Postgres + Redis -> WebSocket.

The body posted is a real ``SummarizeSession`` LLM completion from
``testdata/llm/``; the frame the WebSocket client receives must validate in
consumer mode, and the row must hold the raw text, the parsed DTO and the
contracts version.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from clients import (
    MODEL,
    VALID_SUMMARY,
    completion,
    expect_next_event,
    post_summary,
    receive,
    stored_rows,
    subscribe,
)
from coach_app_baml_client import CONTRACTS_VERSION, validate_envelope
from coach_app_baml_client.baml_client.types import SessionSummaryContent
from coach_app_baml_client.envelopes import envelope_adapter
from coach_app_baml_client.persistence import from_record
from conftest import Logins, Server

EVENT_TYPE = "SESSION_SUMMARY_READY"


def test_summary_is_stored_and_broadcast(
    server: Server, db: Any, login: Logins
) -> None:
    session_id, other_session = uuid.uuid4(), uuid.uuid4()
    raw = VALID_SUMMARY
    expected = SessionSummaryContent.model_validate_json(raw)
    user = login(session_id, other_session)

    with (
        subscribe(server, session_id, user) as ws,
        subscribe(server, other_session, user) as other,
    ):
        response = post_summary(server, session_id, raw)
        assert response.status_code == 201, response.text
        created = response.json()

        frame = receive(ws)
        validate_envelope(frame, mode="consumer")  # raises on any issue
        assert frame["type"] == EVENT_TYPE
        assert frame["contracts_version"] == CONTRACTS_VERSION
        assert frame["meta"]["event_id"] == created["event_id"]
        event = envelope_adapter.validate_python(
            frame
        )  # the typed SessionSummaryReadyEvent
        assert event.payload.id == created["id"]
        assert event.payload.session_id == str(session_id)
        assert event.payload.model == MODEL
        assert event.payload.content == expected

        # The group is per session: the other subscriber got nothing of it.
        expect_next_event(server, other_session, other)

    [row] = stored_rows(db, session_id)
    assert str(row["id"]) == created["id"]
    assert row["raw_output"] == raw  # verbatim, whitespace included
    assert row["parsed_output"] == expected.model_dump(mode="json")
    assert row["contracts_version"] == CONTRACTS_VERSION
    assert row["model"] == MODEL
    # Reading it back re-validates against the current contracts.
    assert from_record(row, SessionSummaryContent) == expected


INVALID_BODIES = {
    # Pydantic: headline and overview missing, sentiment "ECSTATIC".
    "missing-fields": completion("summarize_malformed_missing_fields"),
    # Pydantic: not JSON at all.
    "refusal": completion("summarize_malformed_refusal"),
    # Pydantic: JSON cut off by max_tokens.
    "truncated": completion("summarize_truncated"),
}


@pytest.mark.parametrize("name", sorted(INVALID_BODIES))
def test_invalid_summary_is_rejected(
    server: Server, db: Any, login: Logins, name: str
) -> None:
    session_id = uuid.uuid4()
    with subscribe(server, session_id, login(session_id)) as ws:
        response = post_summary(server, session_id, INVALID_BODIES[name])
        assert response.status_code == 400, response.text
        body = response.json()
        assert body["error"] == "invalid SessionSummaryContent"
        assert body["errors"] and all(
            {"loc", "msg", "type"} <= set(e) for e in body["errors"]
        )
        assert stored_rows(db, session_id) == []
        # Ordering proof that nothing was queued for this group.
        expect_next_event(server, session_id, ws)


def test_pydantic_errors_are_reported(server: Server) -> None:
    response = post_summary(
        server, uuid.uuid4(), completion("summarize_malformed_missing_fields")
    )
    assert response.status_code == 400
    errors = {(tuple(e["loc"]), e["type"]) for e in response.json()["errors"]}
    assert (("headline",), "missing") in errors
    assert (("overview",), "missing") in errors
    assert (("sentiment",), "enum") in errors


def test_contract_rule_breach_is_rejected(
    server: Server, db: Any, login: Logins
) -> None:
    """A rule Pydantic cannot see (IsoDate format) is caught by the envelope validator."""
    session_id = uuid.uuid4()
    content = json.loads(VALID_SUMMARY)
    content["action_items"][0]["due_date"] = "next Friday"
    SessionSummaryContent.model_validate(content)  # Pydantic alone accepts it
    with subscribe(server, session_id, login(session_id)) as ws:
        response = post_summary(server, session_id, json.dumps(content))
        assert response.status_code == 400, response.text
        paths = [e["path"] for e in response.json()["errors"]]
        assert "/payload/content/action_items/0/due_date" in paths
        assert stored_rows(db, session_id) == []
        expect_next_event(server, session_id, ws)
