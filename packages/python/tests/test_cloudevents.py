"""The CloudEvents binding against the official Python SDK (``cloudevents`` on PyPI).

* every valid envelope of the vector corpus round-trips exactly;
* the SDK parses what ``to_cloudevent`` writes (structured JSON, and over HTTP);
* events the SDK builds (structured, and binary over HTTP) convert back to
  validated envelopes;
* the shared cases of ``testdata/cloudevents/`` give the same (path, code)
  pairs as in Rust and Node.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from coach_app_baml_client import CONTRACTS_VERSION, EnvelopeValidationError
from coach_app_baml_client.cloudevents import (
    STRUCTURED_CONTENT_TYPE,
    TYPE_PREFIX,
    from_cloudevent,
    from_cloudevent_json,
    to_cloudevent,
    to_cloudevent_json,
)

sdk = pytest.importorskip(
    "cloudevents.core.v1.event", reason="the cloudevents SDK is a test dependency"
)
from cloudevents.core.bindings import http as sdk_http  # noqa: E402
from cloudevents.core.formats.json import JSONFormat  # noqa: E402

ROOT = Path(os.environ.get("COACH_REPO_ROOT", Path(__file__).resolve().parents[3]))
VECTORS = ROOT / "testdata" / "vectors"
CASES = ROOT / "testdata" / "cloudevents"
SOURCE = "/coach-app/backend"
OPTIONAL_META = ("correlation_id", "actor_id", "request_id")


def _major_plus_one() -> str:
    return f"{int(CONTRACTS_VERSION.split('.')[0]) + 1}.0.0"


def _expand(raw: str) -> str:
    return raw.replace("{{CONTRACTS_VERSION}}", CONTRACTS_VERSION).replace(
        "{{NEXT_MAJOR}}", _major_plus_one()
    )


def _valid_envelopes() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in sorted(VECTORS.glob("*.json")):
        doc = json.loads(_expand(path.read_text(encoding="utf-8")))
        if (
            doc["mode"] == "producer"
            and doc["expect"]["valid"]
            and "target_version" not in doc
            and isinstance(doc.get("input"), dict)
        ):
            found.append((path.stem, doc["input"]))
    return found


VALID = _valid_envelopes()
# Python's datetime has no leap second, so the SDK (which parses `time` into one)
# refuses `…T23:59:60Z`; the contract allows it and our own round trip keeps it.
FOR_SDK = [(n, e) for n, e in VALID if ":60" not in e["meta"]["timestamp"]]


def _without_null_meta(envelope: dict[str, Any]) -> dict[str, Any]:
    """What a CloudEvent carries back: no null meta field, and no ``meta.position`` (a
    position belongs to one delivery stream, not to the event)."""
    meta = {k: v for k, v in envelope["meta"].items() if v is not None and k != "position"}
    return {**envelope, "meta": meta}


def test_the_corpus_has_a_valid_envelope_per_event_type() -> None:
    from coach_app_baml_client import EVENT_TYPES

    assert {e["type"] for _, e in VALID} == set(EVENT_TYPES)


@pytest.mark.parametrize(("name", "envelope"), VALID, ids=[n for n, _ in VALID])
def test_every_valid_envelope_round_trips(name: str, envelope: dict[str, Any]) -> None:
    event = to_cloudevent(envelope, source=SOURCE)
    assert event["specversion"] == "1.0"
    assert event["type"] == TYPE_PREFIX + envelope["type"]
    assert event["id"] == envelope["meta"]["event_id"]
    assert event["time"] == envelope["meta"]["timestamp"]
    assert event["contractsversion"] == CONTRACTS_VERSION
    assert event["dataschema"] == (
        f"urn:coach-app:contracts:{CONTRACTS_VERSION}:events:{envelope['type']}"
    )
    assert event["data"] == envelope["payload"]
    assert from_cloudevent(event, mode="producer") == _without_null_meta(envelope)


def test_leap_second_envelopes_are_the_only_ones_the_sdk_cannot_hold() -> None:
    left_out = {n for n, _ in VALID} - {n for n, _ in FOR_SDK}
    assert left_out and all("leap-second" in n for n in left_out)


@pytest.mark.parametrize(("name", "envelope"), FOR_SDK, ids=[n for n, _ in FOR_SDK])
def test_the_sdk_parses_what_we_write(name: str, envelope: dict[str, Any]) -> None:
    body = to_cloudevent_json(envelope, source=SOURCE)
    for parsed in (
        JSONFormat().read(None, body),
        sdk_http.from_http(
            sdk_http.HTTPMessage(headers={"content-type": STRUCTURED_CONTENT_TYPE}, body=body),
            JSONFormat(),
        ),
    ):
        assert parsed.get_specversion() == "1.0"
        assert parsed.get_id() == envelope["meta"]["event_id"]
        assert parsed.get_source() == SOURCE
        assert parsed.get_type() == TYPE_PREFIX + envelope["type"]
        assert parsed.get_time() == datetime.fromisoformat(
            envelope["meta"]["timestamp"].replace("Z", "+00:00")
        )
        assert parsed.get_data() == envelope["payload"]
        assert parsed.get_extension("contractsversion") == CONTRACTS_VERSION
        for field in OPTIONAL_META:
            assert parsed.get_extension(field.replace("_", "")) == envelope["meta"].get(field)


def _sdk_event(envelope: dict[str, Any]) -> Any:
    """The event a producer using the SDK directly would build for ``envelope``."""
    meta = envelope["meta"]
    attributes: dict[str, Any] = {
        "type": TYPE_PREFIX + envelope["type"],
        "source": "https://coach-app.example/jobs",
        "id": meta["event_id"],
        "time": datetime.fromisoformat(meta["timestamp"].replace("Z", "+00:00")),
        "datacontenttype": "application/json",
        "contractsversion": envelope["contracts_version"],
        "subject": "an attribute the envelope has no place for",
    }
    for field in OPTIONAL_META:
        if meta.get(field) is not None:
            attributes[field.replace("_", "")] = meta[field]
    return sdk.CloudEvent(attributes, data=envelope["payload"])


@pytest.mark.parametrize(("name", "envelope"), FOR_SDK, ids=[n for n, _ in FOR_SDK])
def test_events_the_sdk_builds_convert_back(name: str, envelope: dict[str, Any]) -> None:
    event = _sdk_event(envelope)
    structured = JSONFormat().write(event)
    binary = sdk_http.to_binary(event, JSONFormat())
    from_binary = JSONFormat().write(sdk_http.from_http(binary, JSONFormat()))
    for wire in (structured, from_binary):
        back = from_cloudevent(wire, mode="producer")
        assert back["type"] == envelope["type"]
        assert back["payload"] == envelope["payload"]
        assert back["meta"]["event_id"] == envelope["meta"]["event_id"]
        # The SDK re-serialises the time: the same instant, maybe spelled differently.
        assert datetime.fromisoformat(back["meta"]["timestamp"].replace("Z", "+00:00")) == (
            datetime.fromisoformat(envelope["meta"]["timestamp"].replace("Z", "+00:00"))
        )
        assert {k: v for k, v in back["meta"].items() if k in OPTIONAL_META} == {
            k: v for k, v in envelope["meta"].items() if k in OPTIONAL_META and v is not None
        }


def _cases() -> list[tuple[str, dict[str, Any]]]:
    return [
        (p.stem, json.loads(_expand(p.read_text(encoding="utf-8"))))
        for p in sorted(CASES.glob("*.json"))
    ]


CASE_LIST = _cases()


def test_the_shared_cases_are_present() -> None:
    assert len(CASE_LIST) >= 10, f"{CASES} holds {len(CASE_LIST)} cases"


@pytest.mark.parametrize(("name", "case"), CASE_LIST, ids=[n for n, _ in CASE_LIST])
def test_shared_cloudevent_case(name: str, case: dict[str, Any]) -> None:
    data = case["event_text"] if "event_text" in case else json.dumps(case["event"])
    expected = sorted((i["path"], i["code"]) for i in case["expect"]["issues"])
    try:
        envelope = json.loads(from_cloudevent_json(data, mode=case["mode"]))
    except EnvelopeValidationError as err:
        assert sorted((i.path, i.code) for i in err.issues) == expected
        assert not case["expect"]["valid"]
        return
    assert expected == [] and case["expect"]["valid"]
    if "envelope" in case["expect"]:
        assert envelope == case["expect"]["envelope"]


def test_an_invalid_envelope_or_source_is_refused() -> None:
    with pytest.raises(EnvelopeValidationError) as err:
        to_cloudevent({"type": "GOAL_CREATED"}, source=SOURCE)
    assert {"/payload", "/meta"} <= {i.path for i in err.value.issues}
    with pytest.raises(ValueError, match="must not be empty"):
        to_cloudevent(VALID[0][1], source="")


def test_docstring_examples_run() -> None:
    import doctest

    import coach_app_baml_client.cloudevents as module

    result = doctest.testmod(module)
    assert result.attempted > 0
    assert result.failed == 0
