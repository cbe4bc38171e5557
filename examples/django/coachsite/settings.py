"""Settings of the example: everything that differs per machine comes from the environment.

- ``DATABASE_URL``: ``postgresql://user[:password]@host:port/dbname`` (PostgreSQL only).
- ``REDIS_URL``: ``redis://host:port/db``, the Channels layer (``channels_redis``).
- ``COACH_SERVICE_TOKENS``: the bearer tokens that AI workers present to
  ``POST /api/sessions/<id>/summaries``, comma-separated (two during a
  rotation: the new one and the old one), each at least 32 characters. Unset:
  no service can post.
- ``COACH_MAX_BODY_BYTES`` (default 262144): the largest HTTP request body; a
  larger one is answered 413 before the view runs.
- ``COACH_MAX_WS_FRAME_BYTES`` (default 4096): the largest WebSocket frame a
  client may send; the consumer closes the socket (1009) above it.
- ``COACH_HISTORY_SIZE`` (500), ``COACH_HISTORY_AGE_SECONDS`` (300),
  ``COACH_REDIS_OUTAGE_CLOSE_SECONDS`` (10), ``COACH_REPORT_INTERVAL_SECONDS`` (5):
  the streams layer's settings (docs/delivery.md).
- ``COACH_OUTBOX_RELAY`` (``1``): ``0`` runs no outbox relay in this process (every
  process that shares the database must reach the same Redis, or its relay would publish
  the others' events to its own).
- ``COACH_CHANNEL_LAYER``: ``streams`` (default) or ``channels_redis`` (the plain
  ``RedisChannelLayer``, the delivery benchmark's baseline).
- ``DJANGO_SECRET_KEY`` / ``DJANGO_DEBUG``: optional (set a real secret key in
  any deployment: it signs the session cookies).

``python tools/services.py run -- <cmd>`` (repository root) exports the first
two for throwaway servers on loopback.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "example-only-not-secret")
DEBUG = os.environ.get("DJANGO_DEBUG", "") == "1"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]

INSTALLED_APPS = [
    "daphne",  # first: makes `manage.py runserver` serve the ASGI app (HTTP + WebSocket)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "channels",
    "summaries",
]

# Browsers log in with Django's session cookie; the same cookie authenticates
# their WebSocket (coachsite/asgi.py: AuthMiddlewareStack).
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = (
    os.environ.get("DJANGO_SECURE_COOKIES", "") == "1"
)

ROOT_URLCONF = "coachsite.urls"
ASGI_APPLICATION = "coachsite.asgi.application"


def _database(url: str) -> dict[str, object]:
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql"):
        raise ImproperlyConfigured(
            f"DATABASE_URL must be postgresql://..., got {url!r}"
        )
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parts.path.lstrip("/")) or "postgres",
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
    }


DATABASES = {
    "default": _database(
        os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/app")
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

MIN_SERVICE_TOKEN_LENGTH = 32


def _service_tokens(value: str) -> tuple[str, ...]:
    tokens = tuple(t.strip() for t in value.split(",") if t.strip())
    for token in tokens:
        if len(token) < MIN_SERVICE_TOKEN_LENGTH:
            raise ImproperlyConfigured(
                f"COACH_SERVICE_TOKENS: every token must be at least {MIN_SERVICE_TOKEN_LENGTH} "
                f"characters, got one of {len(token)}; generate one with "
                "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`"
            )
    return tokens


def _positive_int(name: str, default: int) -> int:
    raw = os.environ.get(name, str(default))
    if not raw.isdigit() or int(raw) == 0:
        raise ImproperlyConfigured(f"{name} must be a positive integer, got {raw!r}")
    return int(raw)


# Bearer tokens of the services allowed to post summaries (summaries/service_auth.py).
SERVICE_TOKENS = _service_tokens(os.environ.get("COACH_SERVICE_TOKENS", ""))
# The largest HTTP request body, enforced before Django reads it (coachsite/body_limit.py).
MAX_REQUEST_BODY_BYTES = _positive_int("COACH_MAX_BODY_BYTES", 256 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_REQUEST_BODY_BYTES
# The largest WebSocket frame a client may send (summaries/consumers.py).
MAX_WS_FRAME_BYTES = _positive_int("COACH_MAX_WS_FRAME_BYTES", 4096)

# Contract envelopes go through a stream per group (positions, bounded history, resume after a
# reconnect; docs/delivery.md); one Redis subscription per process and group.
# COACH_CHANNEL_LAYER=channels_redis selects channels_redis's RedisChannelLayer instead (one
# Redis write per socket and no history): the baseline of the delivery benchmark.
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
if os.environ.get("COACH_CHANNEL_LAYER", "streams") == "channels_redis":
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # socket_timeout above channels_redis's 5 s blocking read (brpop_timeout): with
            # redis-py's default of 5 s, a quiet socket's consumer dies (channels_redis#422).
            "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": 15}]},
        }
    }
else:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "coach_app_baml_client.layers.RedisStreamsChannelLayer",
            "CONFIG": {
                "hosts": [REDIS_URL],
                "history_size": _positive_int("COACH_HISTORY_SIZE", 500),
                "history_age": _positive_int("COACH_HISTORY_AGE_SECONDS", 300),
                "unreachable_close_after": _positive_int(
                    "COACH_REDIS_OUTAGE_CLOSE_SECONDS", 10
                ),
                "report_interval": _positive_int("COACH_REPORT_INTERVAL_SECONDS", 5),
            },
        }
    }

# Relay the outbox in this process (coachsite/asgi.py).
OUTBOX_RELAY = os.environ.get("COACH_OUTBOX_RELAY", "1") != "0"

USE_TZ = True
TIME_ZONE = "UTC"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "INFO"},
}
