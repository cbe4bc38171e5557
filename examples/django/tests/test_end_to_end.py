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

import httpx
import pytest
from coach_app_baml_client import CONTRACTS_VERSION, validate_envelope
from coach_app_baml_client.baml_client.types import SessionSummaryContent
from coach_app_baml_client.envelopes import envelope_adapter
from coach_app_baml_client.persistence import from_record
from conftest import REPO, Server
from websockets.sync.client import ClientConnection, connect

EVENT_TYPE = "SESSION_SUMMARY_READY"
MODEL = "gpt-4.1-2025-04-14"
FRAME_TIMEOUT = 10.0
# How long "nothing arrives" is waited for before the ordering check below.
SILENCE = 1.0


def completion(name: str) -> str:
    """The raw LLM output of ``testdata/llm/<name>.json``, exactly as the model returned it."""
    return str(
        json.loads((REPO / "testdata/llm" / f"{name}.json").read_text())["completion"]
    )


def post_summary(
    server: Server, session_id: uuid.UUID, body: str | bytes
) -> httpx.Response:
    return httpx.post(
        f"{server.http_url}/api/sessions/{session_id}/summaries",
        content=body,
        headers={"Content-Type": "application/json", "X-LLM-Model": MODEL},
        timeout=15,
    )


def subscribe(server: Server, session_id: uuid.UUID) -> ClientConnection:
    return connect(f"{server.ws_url}/ws/sessions/{session_id}/", open_timeout=10)


def receive(ws: ClientConnection, timeout: float = FRAME_TIMEOUT) -> dict[str, Any]:
    frame = ws.recv(timeout=timeout)
    assert isinstance(frame, str), "envelopes are sent as text frames"
    result: dict[str, Any] = json.loads(frame)
    return result


def stored_rows(db: Any, session_id: uuid.UUID) -> list[dict[str, Any]]:
    return db.execute(
        "SELECT * FROM summaries_sessionsummaryrecord WHERE session_id = %s",
        (session_id,),
    ).fetchall()


def test_summary_is_stored_and_broadcast(server: Server, db: Any) -> None:
    session_id, other_session = uuid.uuid4(), uuid.uuid4()
    raw = completion("summarize_career_transition")
    expected = SessionSummaryContent.model_validate_json(raw)

    with subscribe(server, session_id) as ws, subscribe(server, other_session) as other:
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

        # The group is per session: the other subscriber gets nothing.
        with pytest.raises(TimeoutError):
            other.recv(timeout=SILENCE)

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
def test_invalid_summary_is_rejected(server: Server, db: Any, name: str) -> None:
    session_id = uuid.uuid4()
    with subscribe(server, session_id) as ws:
        response = post_summary(server, session_id, INVALID_BODIES[name])
        assert response.status_code == 400, response.text
        body = response.json()
        assert body["error"] == "invalid SessionSummaryContent"
        assert body["errors"] and all(
            {"loc", "msg", "type"} <= set(e) for e in body["errors"]
        )

        with pytest.raises(TimeoutError):
            ws.recv(timeout=SILENCE)
        assert stored_rows(db, session_id) == []

        # Ordering proof that nothing was queued for this group: the first frame
        # after a valid post is that post's event.
        ok = post_summary(server, session_id, completion("summarize_career_transition"))
        assert ok.status_code == 201, ok.text
        assert receive(ws)["meta"]["event_id"] == ok.json()["event_id"]


def test_pydantic_errors_are_reported(server: Server) -> None:
    response = post_summary(
        server, uuid.uuid4(), completion("summarize_malformed_missing_fields")
    )
    assert response.status_code == 400
    errors = {(tuple(e["loc"]), e["type"]) for e in response.json()["errors"]}
    assert (("headline",), "missing") in errors
    assert (("overview",), "missing") in errors
    assert (("sentiment",), "enum") in errors


def test_contract_rule_breach_is_rejected(server: Server, db: Any) -> None:
    """A rule Pydantic cannot see (IsoDate format) is caught by the envelope validator."""
    session_id = uuid.uuid4()
    content = json.loads(completion("summarize_career_transition"))
    content["action_items"][0]["due_date"] = "next Friday"
    SessionSummaryContent.model_validate(content)  # Pydantic alone accepts it
    with subscribe(server, session_id) as ws:
        response = post_summary(server, session_id, json.dumps(content))
        assert response.status_code == 400, response.text
        paths = [e["path"] for e in response.json()["errors"]]
        assert "/payload/content/action_items/0/due_date" in paths
        with pytest.raises(TimeoutError):
            ws.recv(timeout=SILENCE)
    assert stored_rows(db, session_id) == []
