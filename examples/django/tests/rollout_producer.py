"""The backend side of ``test_rollout.py``, run with the newer build (vB) on ``PYTHONPATH``.

Reads a JSON request on stdin: ``{"group", "goal", "old_envelope"}``
(``goal`` a Goal payload both versions accept, the rest made by the vA
package). Broadcasts, through the example's Redis channel layer, one envelope
per change of the MINOR release (the new optional field, the new enum value,
the new event type) and a plain one, through the example's streams layer
(reporting each one's position); upgrades what the vA package made. Prints one
JSON report on stdout.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coachsite.settings")

import django  # noqa: E402

django.setup()

from channels.layers import get_channel_layer  # noqa: E402
from coach_app_baml_client import (  # noqa: E402
    CONTRACTS_VERSION,
    KNOWN_VERSIONS,
    UpgradeError,
    envelope_json,
    upgrade_dto,
    upgrade_envelope,
    validate_envelope,
)
from coach_app_baml_client.channels import broadcast  # noqa: E402


async def send_all(group: str, goal: dict[str, Any]) -> tuple[list[str], list[Any]]:
    layer = get_channel_layer()
    sent, positions = [], []
    for event_type, payload in [
        ("GOAL_UPDATED", {**goal, "color": "teal"}),  # the new optional field
        ("GOAL_UPDATED", {**goal, "status": "ARCHIVED"}),  # the new enum value
        ("GOAL_ARCHIVED", goal),  # the new event type
        ("GOAL_UPDATED", goal),  # nothing new
    ]:
        text = envelope_json(event_type, payload).decode()
        position = await broadcast(layer, group, text)
        sent.append(text)
        positions.append(position.to_json() if position is not None else None)
    await layer.close()  # the streams layer's connections
    return sent, positions


def main() -> None:
    request = json.load(sys.stdin)
    sent, positions = asyncio.run(send_all(request["group"], request["goal"]))
    upgraded = upgrade_envelope(request["old_envelope"])
    validate_envelope(upgraded)  # producer mode, this (vB) version
    refused = {**request["old_envelope"], "payload": {**request["goal"], "color": "x"}}
    try:
        upgrade_envelope(refused)
        refusal = None
    except UpgradeError as err:
        refusal = {"rule_id": err.rule_id, "path": err.path}
    # A Goal stored by the vA backend (``parsed_output`` + ``contracts_version``).
    stored = upgrade_dto(
        "Goal", request["goal"], request["old_envelope"]["contracts_version"]
    )
    report = {
        "contracts_version": CONTRACTS_VERSION,
        "known_versions": list(KNOWN_VERSIONS),
        "sent": sent,
        "positions": positions,
        "upgraded": upgraded,
        "upgrade_refusal": refusal,
        "stored": stored,
    }
    json.dump(report, sys.stdout)


if __name__ == "__main__":
    main()
