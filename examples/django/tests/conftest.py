"""Fixtures: real Redis + PostgreSQL (tools/services.py), migrations, a daphne server,
service tokens and logged-in users.

When ``REDIS_URL`` and ``DATABASE_URL`` are already set (``python tools/services.py
run -- pytest ...``) those servers are used; otherwise the session starts its own.
The tests skip only when the server binaries are missing and cannot be installed.

Logged-in users, for the WebSocket tests and for browser tests: the ``login``
fixture (a :class:`Logins` factory) creates a user in the example's database,
optionally makes them a participant of some sessions, and returns their Django
session cookie (:class:`Login`)::

    def test_x(server, login):
        alice = login(session_id)              # participant of session_id
        alice.cookie_name, alice.cookie_value  # e.g. for a browser context's addCookies
        connect(ws_url, additional_headers=alice.ws_headers(server), ...)
"""

from __future__ import annotations

import contextlib
import os
import secrets
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
import services  # tools/services.py (on the path through pytest.ini)

EXAMPLE = Path(__file__).resolve().parents[1]
REPO = EXAMPLE.parents[1]

# The bearer tokens daphne accepts (COACH_SERVICE_TOKENS): the current one and,
# as during a rotation, the next one. Fresh per run, never a constant in the tree.
SERVICE_TOKEN = secrets.token_urlsafe(32)
NEXT_SERVICE_TOKEN = secrets.token_urlsafe(32)
# Small limits, so the tests can cross them cheaply.
MAX_BODY_BYTES = 64 * 1024
MAX_WS_FRAME_BYTES = 1024


@dataclass(frozen=True)
class Server:
    http_url: str
    ws_url: str
    database_url: str
    log: Path

    @property
    def origin(self) -> str:
        """The ``Origin`` a page served by this server sends."""
        return self.http_url


@pytest.fixture(scope="session")
def service_env() -> Iterator[dict[str, str]]:
    if os.environ.get("REDIS_URL") and os.environ.get("DATABASE_URL"):
        yield {
            "REDIS_URL": os.environ["REDIS_URL"],
            "DATABASE_URL": os.environ["DATABASE_URL"],
        }
        return
    with contextlib.ExitStack() as stack:
        try:
            svc = stack.enter_context(services.running())
        except services.ServiceUnavailable as err:
            pytest.skip(f"needs real Redis and PostgreSQL servers: {err}")
        yield svc.env()


@contextlib.contextmanager
def daphne(
    service_env: dict[str, str], log: Path, extra_env: dict[str, str] | None = None
) -> Iterator[Server]:
    """The example served by daphne on a free loopback port, stopped on exit.

    ``extra_env`` is added to the environment (``PYTHONPATH`` to serve another
    build of the contracts package, say).
    """
    env = {
        **os.environ,
        **service_env,
        **django_env(),
        "PYTHONUNBUFFERED": "1",
        **(extra_env or {}),
    }
    from asgi_workers import Worker

    worker = Worker(
        "daphne", env, log, ("--websocket-max-message-size", str(MAX_BODY_BYTES))
    )
    worker.start()
    try:
        yield Server(
            http_url=worker.http_url,
            ws_url=worker.ws_url,
            database_url=service_env["DATABASE_URL"],
            log=log,
        )
    finally:
        worker.stop()


@pytest.fixture(scope="session")
def migrated(service_env: dict[str, str]) -> None:
    """The example's database, migrated."""
    migrate = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=EXAMPLE,
        env={**os.environ, **service_env, **django_env()},
        capture_output=True,
        text=True,
    )
    assert migrate.returncode == 0, (
        f"migrate failed:\n{migrate.stdout}\n{migrate.stderr}"
    )


@pytest.fixture(scope="session")
def server(
    service_env: dict[str, str],
    migrated: None,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Server]:
    with daphne(
        service_env, tmp_path_factory.mktemp("daphne") / "daphne.log"
    ) as running:
        yield running


def django_env() -> dict[str, str]:
    """The settings daphne and the test process share (coachsite/settings.py).

    No outbox relay: the servers of these tests share the database with the delivery tests'
    clusters (tests/delivery.py), which have Redis servers of their own; a relay here would
    publish their outbox to this Redis. The clusters turn it on.
    """
    return {
        "COACH_OUTBOX_RELAY": "0",
        "DJANGO_SETTINGS_MODULE": "coachsite.settings",
        "COACH_SERVICE_TOKENS": f"{SERVICE_TOKEN},{NEXT_SERVICE_TOKEN}",
        "COACH_MAX_BODY_BYTES": str(MAX_BODY_BYTES),
        "COACH_MAX_WS_FRAME_BYTES": str(MAX_WS_FRAME_BYTES),
    }


@dataclass(frozen=True)
class Login:
    """A logged-in user of the example: their id and Django session cookie."""

    user_id: int
    username: str
    cookie_name: str
    cookie_value: str

    @property
    def cookie(self) -> str:
        """The ``Cookie`` header value."""
        return f"{self.cookie_name}={self.cookie_value}"

    def ws_headers(self, server: Server) -> dict[str, str]:
        """Handshake headers of a page of ``server`` that this user has open."""
        return {"Origin": server.origin, "Cookie": self.cookie}


Logins = Callable[..., Login]


@pytest.fixture(scope="session")
def django_orm(migrated: None, service_env: dict[str, str]) -> None:
    """Django set up in the test process, on the server's (migrated) database."""
    os.environ.update(service_env)
    os.environ.update(django_env())
    import django

    django.setup()


def create_login(session_ids: Iterable[uuid.UUID] = ()) -> Login:
    """A new user, participant of ``session_ids``, logged in through Django's session engine.

    Needs Django set up on the example's database (the ``django_orm`` fixture).
    """
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client
    from summaries.models import SessionParticipant

    user = get_user_model().objects.create_user(username=f"user-{uuid.uuid4()}")
    SessionParticipant.objects.bulk_create(
        SessionParticipant(session_id=s, user=user) for s in session_ids
    )
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return Login(user.pk, user.get_username(), name, client.cookies[name].value)


@pytest.fixture
def login(django_orm: None) -> Logins:
    """``login(*session_ids)``: a new logged-in user taking part in those sessions."""

    def make(*session_ids: uuid.UUID) -> Login:
        return create_login(session_ids)

    return make


@pytest.fixture
def db(server: Server) -> Iterator[psycopg.Connection[dict[str, object]]]:
    """A direct connection to the example's database, to check what was stored."""
    from psycopg.rows import dict_row

    with psycopg.connect(
        server.database_url, autocommit=True, row_factory=dict_row
    ) as conn:
        yield conn
