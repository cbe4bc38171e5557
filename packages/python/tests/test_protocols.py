"""The handshake helpers: announcing a version, choosing what to serve, the close codes."""

from __future__ import annotations

import pytest

from coach_app_baml_client import CONTRACTS_VERSION, KNOWN_VERSIONS, UnsupportedVersionError
from coach_app_baml_client.protocols import (
    SUBPROTOCOL_PREFIX,
    Choice,
    CloseCode,
    choose_version,
    contracts_protocols,
)

MAJOR, MINOR, PATCH = (int(p) for p in CONTRACTS_VERSION.split("."))
CURRENT = f"{SUBPROTOCOL_PREFIX}{CONTRACTS_VERSION}"


def test_a_client_announces_the_version_it_was_built_with() -> None:
    assert contracts_protocols() == [CURRENT]
    assert contracts_protocols("1.2.3") == ["coach-contracts.1.2.3"]
    assert KNOWN_VERSIONS[0] == CONTRACTS_VERSION


def test_current_newer_and_silent_clients_are_served_the_current_version() -> None:
    assert choose_version([CURRENT]) == Choice(CURRENT, CONTRACTS_VERSION)
    newer = f"{SUBPROTOCOL_PREFIX}{MAJOR}.{MINOR + 1}.0"
    # The echo is what the client offered (a browser requires that), the version ours.
    assert choose_version(["chat", newer]) == Choice(newer, CONTRACTS_VERSION)
    assert choose_version([]) is None
    assert choose_version(["graphql-ws"]) is None
    # Of several offers, the one served the newest version; the first on a tie.
    assert choose_version([f"{SUBPROTOCOL_PREFIX}junk", newer, CURRENT]) == Choice(
        newer, CONTRACTS_VERSION
    )


@pytest.mark.parametrize(
    ("announced", "reason"),
    [
        (f"{MAJOR + 1}.0.0", "newer-major"),
        ("99.0.0", "newer-major"),
        ("0.0.0", "not-in-history"),
        (f"{CONTRACTS_VERSION}-rc.1", "not-in-history"),
        ("", "malformed"),
        ("latest", "malformed"),
        ("1.0", "malformed"),
    ],
)
def test_an_unservable_version_is_refused_with_the_supported_ones(
    announced: str, reason: str
) -> None:
    with pytest.raises(UnsupportedVersionError) as refused:
        choose_version([f"{SUBPROTOCOL_PREFIX}{announced}"])
    err = refused.value
    assert isinstance(err, ValueError)
    assert (err.announced, err.reason) == (announced, reason)
    assert f"supported: {', '.join(KNOWN_VERSIONS)}" in str(err)


def test_close_codes_follow_http_statuses() -> None:
    assert {c.name: int(c) for c in CloseCode} == {
        "SERVICE_RESTART": 1012,
        "TRY_AGAIN_LATER": 1013,
        "RESTART": 4012,
        "RETRY_LATER": 4013,
        "BAD_REQUEST": 4400,
        "UNAUTHENTICATED": 4401,
        "FORBIDDEN": 4403,
        "UNSUPPORTED_VERSION": 4406,
        "FRAME_TOO_LARGE": 4413,
    }
