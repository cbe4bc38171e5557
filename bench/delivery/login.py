"""One participant of the given sessions, logged in: prints ``{"cookie": "<name>=<value>"}``.

Run by ``bench/delivery_bench.py`` from examples/django with the example's settings in the
environment; the same steps as ``create_login`` in examples/django/tests/conftest.py.

    python bench/delivery/login.py <session uuid> [<session uuid> ...]
"""

from __future__ import annotations

import json
import sys
import uuid

import django


def main(session_ids: list[str]) -> None:
    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client
    from summaries.models import SessionParticipant

    user = get_user_model().objects.create_user(username=f"bench-{uuid.uuid4()}")
    SessionParticipant.objects.bulk_create(
        SessionParticipant(session_id=uuid.UUID(s), user=user) for s in session_ids
    )
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    print(json.dumps({"cookie": f"{name}={client.cookies[name].value}"}))


if __name__ == "__main__":
    main(sys.argv[1:])
