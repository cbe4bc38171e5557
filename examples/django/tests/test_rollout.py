"""A rollout window for real: a newer backend serves each connected client the version it speaks.

In a temporary git repository copied from this one (tagged_release.py, in
``target/rollout-e2e/repo``): tag the current version (vA, the contracts of the
package installed here), make a MINOR change (an optional field ``Goal.color``,
a ``GoalStatus`` value ``ARCHIVED``, an event type ``GOAL_ARCHIVED``), bump with
``tools/bump.py``, generate, and build the Python package of vB. Then daphne serves
the Django example with vB against real Redis, and real WebSocket clients
announcing vA, vB, nothing and 99.0.0 connect at once while vB broadcasts.
The vA client is checked with this process's package, which *is* vA: what a
vA browser tab would run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from clients import ops, receive, subscribe
from coach_app_baml_client import make_envelope, validate_envelope
from conftest import EXAMPLE, REPO, Logins, daphne
from tagged_release import Release, build_release
from websockets.exceptions import ConnectionClosed

PREFIX = "coach-contracts."
GOAL = json.loads(
    (REPO / "testdata/vectors/valid-goal-updated-minimal.json").read_text()
)["input"]["payload"]
# The MINOR change: (file, old text, new text), each old text found exactly once.
CHANGES = [
    ("baml_src/types/goals.baml", "  ABANDONED\n}", "  ABANDONED\n  ARCHIVED\n}"),
    (
        "baml_src/types/goals.baml",
        '  updated_at Timestamp\n  @@description("A client goal',
        '  updated_at Timestamp\n  color string? @description("Display color.")\n'
        '  @@description("A client goal',
    ),
    (
        "baml_src/types/events.baml",
        '  GOAL_UPDATED @description("A goal changed (status, progress, milestones, ...). Payload: Goal.")\n',
        '  GOAL_UPDATED @description("A goal changed (status, progress, milestones, ...). Payload: Goal.")\n'
        '  GOAL_ARCHIVED @description("A goal was archived. Payload: Goal.")\n',
    ),
    (
        "baml_src/types/events.baml",
        "| GoalUpdatedEvent |",
        "| GoalUpdatedEvent | GoalArchivedEvent |",
    ),
]
ARCHIVED_EVENT = """
class GoalArchivedEvent {
  type "GOAL_ARCHIVED"
  contracts_version string
  payload Goal
  meta EventMeta
  @@description("Envelope of the GOAL_ARCHIVED event: a goal was archived.")
}
"""


@pytest.fixture(scope="module")
def release() -> Release:
    return build_release(
        "rollout-e2e",
        CHANGES,
        "minor",
        appends={"baml_src/types/events.baml": ARCHIVED_EVENT},
    )


def produce(
    site: Path, service_env: dict[str, str], request: dict[str, Any]
) -> dict[str, Any]:
    from conftest import django_env

    done = subprocess.run(
        [sys.executable, str(EXAMPLE / "tests/rollout_producer.py")],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        env={
            **os.environ,
            **service_env,
            **django_env(),
            # The tagged release's package, and the example's coachsite.
            "PYTHONPATH": os.pathsep.join([str(site), str(EXAMPLE)]),
        },
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def test_each_client_gets_what_its_version_decodes(
    release: Release,
    service_env: dict[str, str],
    migrated: None,
    login: Logins,
    tmp_path: Path,
) -> None:
    old, new = release.old, release.new
    session_id = uuid.uuid4()
    user = login(session_id)
    group = f"session.{session_id}"
    with daphne(
        service_env, tmp_path / "daphne.log", {"PYTHONPATH": str(release.site)}
    ) as server:
        assert ops(server.http_url)["known_versions"] == [new, old]
        with (
            subscribe(server, session_id, user, subprotocols=[PREFIX + old]) as a,
            subscribe(server, session_id, user, subprotocols=[PREFIX + new]) as b,
            subscribe(server, session_id, user) as silent,
        ):
            assert (a.subprotocol, b.subprotocol, silent.subprotocol) == (
                PREFIX + old, PREFIX + new, None,
            )  # fmt: skip
            with subscribe(
                server, session_id, user, subprotocols=[PREFIX + "99.0.0"]
            ) as future:
                with pytest.raises(ConnectionClosed) as closed:
                    future.recv(timeout=10)
                assert closed.value.rcvd is not None and closed.value.rcvd.code == 4406
            assert ops(server.http_url)["connected_versions"] == {old: 1, new: 2}

            old_envelope = make_envelope("GOAL_UPDATED", GOAL)  # made by vA
            report = produce(
                release.site,
                service_env,
                {"group": group, "goal": GOAL, "old_envelope": old_envelope},
            )
            sent, positions = report["sent"], report["positions"]
            assert report["contracts_version"] == new and len(sent) == 4
            assert [p["offset"] for p in positions] == [1, 2, 3, 4]

            # vB and the silent client: every envelope, byte for byte, with its position
            # appended to meta (what envelope_json wrote ends with meta's closing brace).
            framed = [
                text[:-2]
                + ',"position":'
                + json.dumps(position, separators=(",", ":"))
                + "}}"
                for text, position in zip(sent, positions)
            ]
            for ws in (b, silent):
                assert [ws.recv(timeout=10) for _ in sent] == framed
            # vA: the field-added and the plain envelope, downgraded; never the new
            # enum value or the new event type (the plain one comes last: they were
            # skipped, not late).
            got = [receive(a), receive(a)]
            for frame, text, position in zip(
                got, (sent[0], sent[3]), (positions[0], positions[3])
            ):
                validate_envelope(frame)  # producer mode of vA: this process's package
                original = json.loads(text)
                assert frame["contracts_version"] == old
                # Downgraded frames keep their position.
                assert frame["meta"] == {**original["meta"], "position": position}
                assert frame["payload"] == {
                    k: v for k, v in original["payload"].items() if k != "color"
                }
            status = ops(server.http_url)

        assert status["skipped_frames"] == [
            {"version": old, "rule_id": "enum-value-added", "frames": 1},
            {"version": old, "rule_id": "event-type-added", "frames": 1},
        ]
        log = server.log.read_text()
        for rule in ("enum-value-added", "event-type-added"):
            assert f"not sent to contracts {old} clients: {rule}" in log, log

    # The other direction, in the vB build: what the vA package made, carried forward.
    assert report["upgraded"] == {**old_envelope, "contracts_version": new}
    assert report["upgrade_refusal"] == {
        "rule_id": "invalid-envelope",
        "path": "/payload/color",
    }
    assert report["stored"] == GOAL  # the new optional field stays absent
