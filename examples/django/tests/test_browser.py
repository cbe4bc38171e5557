"""The example frontend in real headless Chromium against this backend.

The page (examples/frontend, bundled from the packed npm tarball, so its
``./validate`` is the portable build) connects to ``ws/sessions/<id>/`` as a
logged-in participant. The AI worker posts a summary: the page must render the
``SESSION_SUMMARY_READY`` event with its payload fields. A frame that is not a
valid envelope, put straight on the channel layer as a broken producer would,
must be reported and not rendered; an event type the page does not know must
be skipped. An outsider's page sees the 4403 close code. And the page, which
connects with ``connectEnvelopes``, survives restarts of its server without
losing an event.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from browser import BrowserUnavailable, Chromium, build_frontend, serve
from clients import VALID_SUMMARY, post_summary
from coach_app_baml_client import CONTRACTS_VERSION
from conftest import Login, Logins, Server, django_env
from asgi_workers import Worker

SCREENSHOTS = Path(__file__).resolve().parents[3] / "dist" / "screenshots"


@pytest.fixture(scope="session")
def frontend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The example page's base URL, served on loopback."""
    try:
        out = build_frontend(tmp_path_factory.mktemp("frontend"))
    except BrowserUnavailable as err:
        pytest.fail(str(err))
    with serve(out) as url:
        yield url


@pytest.fixture
def chromium() -> Iterator[Chromium]:
    try:
        browser = Chromium()
    except BrowserUnavailable as err:
        pytest.fail(f"{err} (make setup installs Chromium and playwright-core)")
    try:
        yield browser
    finally:
        browser.close()


def open_page(
    chromium: Chromium,
    frontend: str,
    server: Server,
    session_id: uuid.UUID,
    user: Login,
) -> None:
    ws = f"{server.ws_url}/ws/sessions/{session_id}/"
    chromium.open(
        f"{frontend}/index.html?ws={ws}",
        cookies=[
            {
                "name": user.cookie_name,
                "value": user.cookie_value,
                "url": server.http_url,
            }
        ],
    )


def inject(session_id: uuid.UUID, envelope: Any) -> None:
    """Puts ``envelope`` on the session's group the way ``broadcast`` does, but unvalidated."""
    from channels.layers import get_channel_layer
    from summaries.groups import session_group

    layer = get_channel_layer()
    assert layer is not None
    message = {
        "type": "contracts.event",
        "text": json.dumps(envelope),
        "version": CONTRACTS_VERSION,
    }
    async_to_sync(layer.group_send)(session_group(session_id), message)


def status(chromium: Chromium) -> str:
    return str(chromium.eval("document.getElementById('status').textContent"))


def events(chromium: Chromium) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = chromium.eval(
        """[...document.querySelectorAll('#events > li')].map((li) => ({
             type: li.dataset.type,
             eventId: li.dataset.eventId,
             fields: Object.fromEntries([...li.querySelectorAll('[data-field]')]
               .map((f) => [f.dataset.field, f.querySelector('code').textContent])),
           }))"""
    )
    return result


def test_a_participant_sees_what_the_backend_broadcasts_and_only_that(
    server: Server, login: Logins, frontend: str, chromium: Chromium
) -> None:
    session_id = uuid.uuid4()
    open_page(chromium, frontend, server, session_id, login(session_id))
    chromium.wait("document.getElementById('status').textContent.startsWith('open')")
    # The page announced its contracts version and the server chose it.
    assert status(chromium) == f"open (coach-contracts.{CONTRACTS_VERSION})"
    assert chromium.eval("document.getElementById('build').textContent") == "portable"

    posted = post_summary(server, session_id, VALID_SUMMARY)
    assert posted.status_code == 201, posted.text
    chromium.wait("document.querySelectorAll('#events > li').length === 1")
    [event] = events(chromium)
    content = json.loads(VALID_SUMMARY)
    assert event["type"] == "SESSION_SUMMARY_READY"
    assert event["eventId"] == posted.json()["event_id"]
    assert event["fields"]["headline"] == content["headline"]
    assert event["fields"]["sentiment"] == content["sentiment"]
    assert json.loads(event["fields"]["action_items"]) == [
        a["title"] for a in content["action_items"]
    ]

    # A broken producer's frame (most of the payload missing): reported, not rendered.
    envelope = {
        "type": "SESSION_SUMMARY_READY",
        "contracts_version": chromium.eval(
            "document.getElementById('version').textContent"
        ),
        "payload": {"headline": 42},
        "meta": {"event_id": str(uuid.uuid4()), "timestamp": "2026-12-01T10:00:00Z"},
    }
    inject(session_id, envelope)
    chromium.wait("document.querySelectorAll('#invalid > li').length === 1")
    codes = chromium.eval(
        "[...document.querySelectorAll('#invalid li[data-code]')].map((li) => li.dataset.path + ' ' + li.dataset.code)"
    )
    assert "/payload/id missing_field" in codes
    # A newer backend's event type: skipped, as consumers must.
    inject(session_id, {**envelope, "type": "SESSION_RESCHEDULED_V2"})
    chromium.wait("document.querySelectorAll('#unknown > li').length === 1")
    assert chromium.eval("document.querySelector('#unknown > li').dataset.type") == (
        "SESSION_RESCHEDULED_V2"
    )
    assert [e["eventId"] for e in events(chromium)] == [posted.json()["event_id"]]
    assert chromium.errors() == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    chromium.screenshot(SCREENSHOTS / "frontend-live-events.png")


def test_an_outsiders_page_sees_the_close_code(
    server: Server, login: Logins, frontend: str, chromium: Chromium
) -> None:
    session_id = uuid.uuid4()
    open_page(chromium, frontend, server, session_id, login(uuid.uuid4()))
    chromium.wait("document.getElementById('status').textContent.startsWith('closed')")
    assert status(chromium).startswith("closed (4403")


def test_the_page_survives_server_restarts_without_losing_an_event(
    server: Server,
    service_env: dict[str, str],
    login: Logins,
    frontend: str,
    chromium: Chromium,
    tmp_path: Path,
) -> None:
    """The page's server stops (SIGTERM: 1012/4012) and is SIGKILLed (1006), each time
    while summaries are posted through another server; the page reconnects with
    ``connectEnvelopes``, resumes, and renders every event exactly once, in order."""
    session_id = uuid.uuid4()
    user = login(session_id)
    env = {**os.environ, **service_env, **django_env(), "PYTHONUNBUFFERED": "1"}
    page_server = Worker("daphne", env, tmp_path / "daphne.log")
    page_server.start()
    posted: list[str] = []

    def post(through: Server) -> None:
        response = post_summary(through, session_id, VALID_SUMMARY)
        assert response.status_code == 201, response.text
        posted.append(response.json()["event_id"])

    def rendered() -> list[str]:
        return [e["eventId"] for e in events(chromium)]

    try:
        ours = Server(page_server.http_url, page_server.ws_url, "", page_server.log)
        open_page(chromium, frontend, ours, session_id, user)
        chromium.wait(
            "document.getElementById('status').textContent.startsWith('open')"
        )
        for _ in range(2):
            post(ours)
        chromium.wait("document.querySelectorAll('#events > li').length === 2")
        for stop in (page_server.stop, page_server.kill):
            stop()
            chromium.wait(
                "document.getElementById('status').textContent.startsWith('reconnecting')"
            )
            for _ in range(3):
                post(server)  # the other process, while the page's is down
            page_server.start()
            chromium.wait(
                "document.getElementById('status').textContent.startsWith('open')"
            )
            post(ours)
            chromium.wait(
                f"document.querySelectorAll('#events > li').length >= {len(posted)}"
            )
        assert len(posted) == 10
        assert rendered() == posted  # every event once, in the order it was posted
        assert chromium.eval("document.getElementById('resyncs').textContent") == "0"
        # Chromium itself logs each attempt made while the server was down; nothing else.
        refused = "ERR_CONNECTION_REFUSED"
        assert [e for e in chromium.errors() if refused not in e] == []
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        chromium.screenshot(SCREENSHOTS / "frontend-after-restarts.png")
    finally:
        page_server.stop()
