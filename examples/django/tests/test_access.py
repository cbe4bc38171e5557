"""Nobody gets in where they do not belong, over real sockets against real Redis and PostgreSQL.

WebSocket: only a logged-in participant of a session, on a page of this site,
joins its group; everyone else is closed with a documented code (or refused at
the handshake) before any frame. HTTP: only a service holding a configured
token can store and broadcast a summary, and only a body of bounded size.
Every refusal is followed by :func:`clients.expect_next_event` on a
participant's socket: the first frame it gets is the next valid post's, so the
refusal stored nothing (checked in the database too) and broadcast nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from clients import (
    VALID_SUMMARY,
    expect_next_event,
    post_summary,
    receive,
    stored_rows,
    subscribe,
)
from conftest import (
    MAX_BODY_BYTES,
    MAX_WS_FRAME_BYTES,
    NEXT_SERVICE_TOKEN,
    Login,
    Logins,
    Server,
)
from websockets.exceptions import ConnectionClosed, InvalidStatus

UNAUTHENTICATED, FORBIDDEN, FRAME_TOO_LARGE = 4401, 4403, 4413


def closed_with(server: Server, session_id: uuid.UUID, user: Login | None) -> int:
    """The close code of a socket that must be closed before it gets any frame."""
    with (
        subscribe(server, session_id, user) as ws,
        pytest.raises(ConnectionClosed) as closed,
    ):
        ws.recv(timeout=10)  # a frame here would be returned, not raised
    assert closed.value.rcvd is not None, "the server closed without a close frame"
    return closed.value.rcvd.code


# --- WebSocket ---------------------------------------------------------------


def test_an_anonymous_socket_is_closed_4401(server: Server) -> None:
    assert closed_with(server, uuid.uuid4(), None) == UNAUTHENTICATED


def test_a_forged_session_cookie_is_anonymous(server: Server) -> None:
    forged = Login(0, "nobody", "sessionid", "not-a-session-key")
    assert closed_with(server, uuid.uuid4(), forged) == UNAUTHENTICATED


def test_a_logged_in_outsider_is_closed_4403(server: Server, login: Logins) -> None:
    session_id = uuid.uuid4()
    assert closed_with(server, session_id, login()) == FORBIDDEN
    # Taking part in another session does not help.
    assert closed_with(server, session_id, login(uuid.uuid4())) == FORBIDDEN


@pytest.mark.parametrize("origin", ["http://evil.example", "null", None])
def test_a_foreign_or_missing_origin_is_refused_at_the_handshake(
    server: Server, login: Logins, origin: str | None
) -> None:
    session_id = uuid.uuid4()
    with pytest.raises(InvalidStatus) as refused:
        subscribe(server, session_id, login(session_id), origin=origin)
    assert refused.value.response.status_code == 403


def test_refused_sockets_get_nothing_the_participant_gets(
    server: Server, login: Logins
) -> None:
    session_id = uuid.uuid4()
    with subscribe(server, session_id, login(session_id)) as ws:
        assert closed_with(server, session_id, None) == UNAUTHENTICATED
        assert closed_with(server, session_id, login()) == FORBIDDEN
        expect_next_event(server, session_id, ws)


def test_client_frames_are_ignored_and_an_oversized_one_closes_4413(
    server: Server, login: Logins
) -> None:
    session_id = uuid.uuid4()
    with subscribe(server, session_id, login(session_id)) as ws:
        ws.send("hello")
        ws.send(b"\x00\xff binary")
        ws.send("{not json")
        ws.send("x" * MAX_WS_FRAME_BYTES)  # at the limit: still fine
        expect_next_event(server, session_id, ws)  # the socket is alive and subscribed
        ws.send(
            "é" * (MAX_WS_FRAME_BYTES // 2 + 1)
        )  # UTF-8 bytes, not characters, count
        with pytest.raises(ConnectionClosed) as closed:
            receive(ws)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == FRAME_TOO_LARGE


# --- HTTP --------------------------------------------------------------------


@pytest.fixture
def participant_socket(server: Server, login: Logins, db: Any) -> Iterator[Any]:
    """A session with a participant subscribed; after the test, nothing reached it but the check."""
    session_id = uuid.uuid4()
    with subscribe(server, session_id, login(session_id)) as ws:
        yield session_id
        expect_next_event(server, session_id, ws)
    assert len(stored_rows(db, session_id)) == 1, "only the check's own post was stored"


def test_a_post_without_credentials_is_401(
    server: Server, participant_socket: uuid.UUID
) -> None:
    for headers in (
        {},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer"},
    ):
        response = post_summary(
            server, participant_socket, VALID_SUMMARY, token=None, headers=headers
        )
        assert response.status_code == 401, (headers, response.text)
        assert response.headers["WWW-Authenticate"].startswith("Bearer ")


def test_a_wrong_token_is_403(server: Server, participant_socket: uuid.UUID) -> None:
    for token in ["not-the-token", NEXT_SERVICE_TOKEN + "x", NEXT_SERVICE_TOKEN[:-1]]:
        response = post_summary(server, participant_socket, VALID_SUMMARY, token=token)
        assert response.status_code == 403, (token, response.text)


def test_an_oversized_body_is_413(
    server: Server, participant_socket: uuid.UUID
) -> None:
    too_big = b" " * (
        MAX_BODY_BYTES + 1
    )  # whitespace: valid JSON padding, only the size is wrong
    response = post_summary(
        server, participant_socket, VALID_SUMMARY.encode() + too_big
    )
    assert response.status_code == 413, response.text
    # Without a Content-Length (chunked), reading stops at the limit.
    chunks = iter([VALID_SUMMARY.encode(), too_big])
    response = post_summary(server, participant_socket, chunks)
    assert response.status_code == 413, response.text


def test_the_next_token_of_a_rotation_is_accepted_once(
    server: Server, login: Logins, db: Any
) -> None:
    session_id = uuid.uuid4()
    with subscribe(server, session_id, login(session_id)) as ws:
        response = post_summary(
            server, session_id, VALID_SUMMARY, token=NEXT_SERVICE_TOKEN
        )
        assert response.status_code == 201, response.text
        assert receive(ws)["meta"]["event_id"] == response.json()["event_id"]
        # Broadcast once: the next frame is the next post's, not a repeat.
        expect_next_event(server, session_id, ws)
    assert len(stored_rows(db, session_id)) == 2


def test_a_body_at_the_limit_is_read(
    server: Server, participant_socket: uuid.UUID
) -> None:
    padded = VALID_SUMMARY.encode().ljust(MAX_BODY_BYTES)
    response = httpx.post(
        f"{server.http_url}/api/sessions/{participant_socket}/summaries",
        content=padded,
        headers={"Content-Type": "application/json"},
        timeout=15,
    )
    assert response.status_code == 401  # past the size check, stopped at authentication
