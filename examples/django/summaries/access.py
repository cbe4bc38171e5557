"""Who may do what: the services that post summaries, the users who follow a session.

- HTTP: :func:`service_refusal` checks the ``Authorization: Bearer <token>``
  header against ``settings.SERVICE_TOKENS`` in constant time: no header (or
  not a bearer token) is 401 with ``WWW-Authenticate``, a token that matches no
  configured one is 403.
- WebSocket: :func:`is_participant` is the check the consumer runs once, at
  connect, before joining the session's group.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from uuid import UUID

from django.conf import settings
from django.http import HttpRequest, JsonResponse

from .models import SessionParticipant

log = logging.getLogger(__name__)

REALM = "coach-services"


def _digest(token: str) -> bytes:
    # Comparing fixed-size digests keeps even the token's length out of the timing.
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()


def service_refusal(request: HttpRequest) -> JsonResponse | None:
    """The 401/403 response for a request that is not from a configured service, else None."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        log.warning("refused %s %s: no bearer token", request.method, request.path)
        response = JsonResponse(
            {
                "error": "authentication required: send Authorization: Bearer <service token>"
            },
            status=401,
        )
        response["WWW-Authenticate"] = f'Bearer realm="{REALM}"'
        return response
    presented = _digest(token.strip())
    # Every configured token is compared (no early exit), each in constant time.
    matches = [
        hmac.compare_digest(presented, _digest(t)) for t in settings.SERVICE_TOKENS
    ]
    if not any(matches):
        log.warning(
            "refused %s %s: unknown service token", request.method, request.path
        )
        return JsonResponse(
            {"error": "this token is not allowed to post summaries"}, status=403
        )
    return None


async def is_participant(user: object, session_id: UUID) -> bool:
    """True when ``user`` (``scope["user"]``) is logged in and takes part in ``session_id``."""
    if not getattr(user, "is_authenticated", False):
        return False
    return await SessionParticipant.objects.filter(
        session_id=session_id, user_id=getattr(user, "pk", None)
    ).aexists()
