"""What the tests do over the wire: post summaries as the AI worker, subscribe as a browser."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
from conftest import REPO, SERVICE_TOKEN, Login, Server
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Origin, Subprotocol

MODEL = "gpt-4.1-2025-04-14"
FRAME_TIMEOUT = 10.0


def completion(name: str) -> str:
    """The raw LLM output of ``testdata/llm/<name>.json``, exactly as the model returned it."""
    return str(
        json.loads((REPO / "testdata/llm" / f"{name}.json").read_text())["completion"]
    )


VALID_SUMMARY = completion("summarize_career_transition")


def post_summary(
    server: Server,
    session_id: uuid.UUID,
    body: str | bytes | Iterator[bytes],
    *,
    token: str | None = SERVICE_TOKEN,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """``POST /api/sessions/<id>/summaries`` as the AI worker (``token=None``: no credentials)."""
    sent = {"Content-Type": "application/json", "X-LLM-Model": MODEL, **(headers or {})}
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    return httpx.post(
        f"{server.http_url}/api/sessions/{session_id}/summaries",
        content=body,
        headers=sent,
        timeout=15,
    )


def subscribe(
    server: Server,
    session_id: uuid.UUID,
    user: Login | None,
    *,
    origin: str | None = "same",
    subprotocols: list[str] | None = None,
) -> ClientConnection:
    """Open ``ws/sessions/<id>/`` as ``user``'s browser tab (``None``: not logged in).

    ``origin="same"`` sends the server's own origin, ``None`` sends no ``Origin``.
    """
    headers: dict[str, str] = {}
    if user is not None:
        headers["Cookie"] = user.cookie
    sent_origin = server.origin if origin == "same" else origin
    return connect(
        f"{server.ws_url}/ws/sessions/{session_id}/",
        origin=None if sent_origin is None else Origin(sent_origin),
        additional_headers=headers,
        subprotocols=None
        if subprotocols is None
        else [Subprotocol(p) for p in subprotocols],
        open_timeout=10,
    )


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


def expect_next_event(
    server: Server, session_id: uuid.UUID, ws: ClientConnection
) -> None:
    """Posts a valid summary and checks that its event is the next frame ``ws`` gets.

    The group's messages arrive in order, so this proves that nothing was sent
    to the group since ``ws`` joined it (a refused request queued no frame).
    """
    ok = post_summary(server, session_id, VALID_SUMMARY)
    assert ok.status_code == 201, ok.text
    assert receive(ws)["meta"]["event_id"] == ok.json()["event_id"]


def ops(http_url: str) -> dict[str, Any]:
    """``GET /api/ops/contracts`` of the server at ``http_url``, as an operator (service token)."""
    response = httpx.get(
        f"{http_url}/api/ops/contracts",
        headers={"Authorization": f"Bearer {SERVICE_TOKEN}"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result
