"""downgrade_envelope through the public Python API (the logic is tested in contracts-core)."""

from __future__ import annotations

import pytest

from coach_app_baml_client import (
    CONTRACTS_VERSION,
    DowngradeError,
    downgrade_envelope,
    envelope_issues,
    make_envelope,
)

_TYPING = {
    "thread_id": "0192f0c1-7a52-7cc3-8d1e-000000000003",
    "user_id": "0192f0c1-7a52-7cc3-8d1e-000000000001",
    "is_typing": True,
}


def test_downgrade_to_the_current_version_is_identity_and_unknown_versions_raise() -> None:
    envelope = make_envelope("TYPING_INDICATOR", _TYPING)
    assert downgrade_envelope(envelope, CONTRACTS_VERSION) == envelope

    with pytest.raises(DowngradeError) as raised:
        downgrade_envelope(envelope, "0.0.9")
    err = raised.value
    assert isinstance(err, ValueError)
    assert err.rule_id == "unknown-version"
    assert err.path == ""
    assert "0.0.9" in str(err) and CONTRACTS_VERSION in str(err)

    with pytest.raises(DowngradeError) as raised:
        downgrade_envelope("{not json", "0.0.9")
    assert raised.value.rule_id == "invalid-envelope"

    # Validation with a target version outside the history says the same.
    issues = envelope_issues(envelope, target_version="0.0.9")
    assert [(i.path, i.code) for i in issues] == [("/contracts_version", "unsupported_version")]
    assert CONTRACTS_VERSION in issues[0].message
