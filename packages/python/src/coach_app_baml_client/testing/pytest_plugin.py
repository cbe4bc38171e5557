"""The pytest plugin of coach-app-baml-client: the ``contracts_layer`` fixture.

Installing the package registers it (the ``pytest11`` entry point
``coach_app_contracts``); nothing to add to ``conftest.py``. Disable it with
``pytest -p no:coach_app_contracts``. At load it imports only pytest and the
standard library; Channels and the recording layer are imported when a test
asks for the fixture.

``contracts_layer`` is a new
:class:`~coach_app_baml_client.testing.channels.RecordingChannelLayer`,
installed as Channels' default layer for one test (``get_channel_layer()``
returns it, and every consumer runs on it), the previous layer restored
afterwards. It needs no Redis and no ``CHANNEL_LAYERS`` setting; a test that
uses it is skipped when Channels is not installed. Example::

    from channels.layers import get_channel_layer
    from coach_app_baml_client import envelope_json
    from coach_app_baml_client.channels import broadcast

    async def test_finishing_a_session_tells_its_participants(contracts_layer):
        await finish_session(session_id)  # your code: broadcasts SESSION_SUMMARY_READY
        contracts_layer.assert_broadcast(
            f"session.{session_id}",
            type="SESSION_SUMMARY_READY",
            payload={"session_id": session_id},
        )
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from .channels import RecordingChannelLayer

__all__ = ["contracts_layer"]

INSTALL_HINT = (
    "the contracts_layer fixture needs Django Channels: "
    'pip install "coach-app-baml-client[channels]"'
)


@pytest.fixture
def contracts_layer() -> Iterator[RecordingChannelLayer]:
    """A :class:`~coach_app_baml_client.testing.channels.RecordingChannelLayer` installed as
    Channels' default layer for this test (restored after it): see
    ``assert_broadcast``, ``assert_nothing_broadcast``, ``broadcasts``, ``received``."""
    try:
        importlib.import_module("channels.layers")
    except ImportError as err:
        pytest.skip(f"{INSTALL_HINT} ({err})")
    from .channels import recording_layer

    with recording_layer() as layer:
        yield layer
