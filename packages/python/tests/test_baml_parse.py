"""Offline tests of the generated BAML Python client (coach_app_baml_client).

* ``b.parse.*`` / ``b.parse_stream.*`` on canned LLM outputs from
  testdata/llm/ (well-formed JSON, fenced JSON with chatter, malformed).
* End-to-end sync and streaming calls against tools/stub_llm.py, an
  OpenAI-compatible stub on a loopback port (no network, no API key).
* The real-time EventEnvelope union resolves by its ``type`` literal.

Only ``coach_app_baml_client.baml_client`` is imported so the same tests run
against the source tree (PYTHONPATH=packages/python/src) and the installed
wheel. The repository root (for testdata/ and tools/) comes from
COACH_REPO_ROOT, else it is found by walking up from this file.
"""

from __future__ import annotations

import json
import os
import subprocess
import typing
from pathlib import Path
from typing import Any, Iterator

import pytest
from baml_py.errors import BamlClientHttpError, BamlError, BamlValidationError
from pydantic import TypeAdapter, ValidationError

from coach_app_baml_client.baml_client import b
from coach_app_baml_client.baml_client import types


def _find_repo_root() -> Path:
    env = os.environ.get("COACH_REPO_ROOT")
    if env:
        return Path(env).resolve()
    for parent in Path(__file__).resolve().parents:
        if (parent / "baml_src").is_dir() and (parent / "testdata" / "llm").is_dir():
            return parent
    raise RuntimeError("cannot locate the repository root; set COACH_REPO_ROOT")


REPO_ROOT = _find_repo_root()
LLM_DIR = REPO_ROOT / "testdata" / "llm"
import stub_llm  # noqa: E402  (the stub lives in tools/, outside the package)


def canned(name: str) -> str:
    """Raw LLM completion text of testdata/llm/<name>.json."""
    return json.loads((LLM_DIR / f"{name}.json").read_text(encoding="utf-8"))["completion"]


# --------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------


class Stub:
    def __init__(self, proc: subprocess.Popen, port: int, log_path: Path):
        self.proc, self.port, self.log_path = proc, port, log_path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


@pytest.fixture(scope="module")
def stub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stub]:
    log_path = tmp_path_factory.mktemp("stub") / "stub_llm.log"
    with log_path.open("w") as log_file:
        # A small delay between SSE chunks lets the client observe partials.
        proc, port = stub_llm.spawn(LLM_DIR, chunk_delay_ms=15, stderr=log_file)
    try:
        yield Stub(proc, port, log_path)
    finally:
        stub_llm.stop(proc)


@pytest.fixture()
def client(stub: Stub):
    """The generated sync client pointed at the stub (env overridden per call)."""
    return b.with_options(
        env={"COACH_LLM_BASE_URL": stub.base_url, "COACH_LLM_API_KEY": "offline-stub"}
    )


def career_transcript() -> list[types.TranscriptSegment]:
    sid = "5d2f8a10-7c3e-4b9a-a1d4-6e0c9b3f2a77"
    lines = [
        ("COACH", "Welcome back, Lena. Where are you with the move into product management?"),
        ("CLIENT", "I've been a backend engineer for six years and I talked to two PMs at work."),
        ("COACH", "What if you rewrote your CV around the product decisions you influenced?"),
        ("CLIENT", "Yes. I'll update the CV by December 5th and email Marta this week."),
    ]
    return [
        types.TranscriptSegment(
            id=f"0b7e1c52-3d0f-4a8e-9d55-1f6a2c9e4b{i:02d}",
            session_id=sid,
            sequence=i,
            speaker=types.SpeakerRole(role),
            text=text,
            start_ms=i * 7000,
            end_ms=(i + 1) * 7000,
            confidence=0.95,
            is_final=True,
        )
        for i, (role, text) in enumerate(lines)
    ]


# --------------------------------------------------------------------------
# Fixture hygiene
# --------------------------------------------------------------------------


def test_canned_completions_are_well_formed() -> None:
    files = sorted(LLM_DIR.glob("*.json"))
    assert len(files) >= 5
    for f in files:
        case = json.loads(f.read_text(encoding="utf-8"))
        assert isinstance(case["completion"], str) and case["completion"], f
        assert case.get("match") is None or isinstance(case["match"], (str, list)), f


# --------------------------------------------------------------------------
# b.parse: canned outputs
# --------------------------------------------------------------------------


def test_parse_well_formed_json() -> None:
    s = b.parse.SummarizeSession(canned("summarize_career_transition"))
    assert isinstance(s, types.SessionSummaryContent)
    assert s.headline.startswith("Lena commits")
    assert s.sentiment is types.Sentiment.POSITIVE
    assert s.risk_flag is False
    assert isinstance(s.confidence, float) and s.confidence == pytest.approx(0.87)
    assert len(s.key_topics) == 4
    assert len(s.action_items) == 2
    first, second = s.action_items
    assert isinstance(first, types.ActionItemDraft)
    assert first.owner is types.ActionItemOwner.CLIENT
    assert first.priority is types.Priority.HIGH
    assert first.due_date == "2026-12-05"
    assert second.due_date is None and second.details is None
    assert len(s.follow_up_questions) == 2


def test_parse_fenced_json_with_chatter_and_omitted_optionals() -> None:
    raw = canned("summarize_stress_fenced")
    assert raw.startswith("Sure!") and "```json" in raw
    s = b.parse.SummarizeSession(raw)
    assert s.sentiment is types.Sentiment.MIXED
    assert s.breakthroughs == []
    assert len(s.action_items) == 1
    item = s.action_items[0]
    assert item.owner is types.ActionItemOwner.CLIENT
    assert item.priority is types.Priority.MEDIUM
    assert item.due_date is None and item.details is None  # omitted in the JSON
    assert s.confidence == pytest.approx(0.74)


def test_parse_extract_action_items() -> None:
    r = b.parse.ExtractActionItems(canned("extract_items_coach_notes"))
    assert isinstance(r, types.ActionItemExtraction)
    assert [i.owner for i in r.items] == [
        types.ActionItemOwner.CLIENT,
        types.ActionItemOwner.COACH,
        types.ActionItemOwner.CLIENT,
    ]
    assert r.items[0].due_date == "2026-12-04"
    assert r.needs_coach_review is True
    empty = b.parse.ExtractActionItems(canned("extract_items_vague_chat"))
    assert empty.items == [] and empty.needs_coach_review is False


@pytest.mark.parametrize(
    ("fixture", "missing"),
    [
        ("summarize_malformed_refusal", "headline"),
        ("summarize_malformed_missing_fields", "overview"),
        ("summarize_truncated", "overview"),
    ],
)
def test_parse_malformed_raises(fixture: str, missing: str) -> None:
    # NB (BAML 0.220): b.parse.* raises the *base* baml_py.BamlError with a
    # "Failed to coerce value" message, not BamlValidationError (that one is
    # only raised by real function calls, see test_sync_call_refusal_...).
    with pytest.raises(BamlError) as exc_info:
        b.parse.SummarizeSession(canned(fixture))
    msg = str(exc_info.value)
    assert "Failed to coerce value" in msg
    assert f"Missing required field: {missing}" in msg
    assert not isinstance(exc_info.value, BamlClientHttpError)


def test_parse_rejects_unknown_enum_value() -> None:
    raw = json.loads(canned("summarize_career_transition"))
    raw["sentiment"] = "ECSTATIC"
    with pytest.raises(BamlError, match="sentiment"):
        b.parse.SummarizeSession(json.dumps(raw))


def test_parse_stream_accepts_partial_output() -> None:
    """Streaming parser: a prefix yields a partial object with Optional fields."""
    full = canned("summarize_career_transition")
    cut = full.index('"sentiment"')
    partial = b.parse_stream.SummarizeSession(full[:cut])
    assert partial.headline is not None and partial.headline.startswith("Lena commits")
    assert partial.sentiment is None
    assert partial.action_items == [] or partial.action_items is None


# --------------------------------------------------------------------------
# End-to-end against the stub
# --------------------------------------------------------------------------


def test_sync_call_end_to_end(client: Any, stub: Stub) -> None:
    ctx = types.SessionSummaryContext(
        client_name="Lena Hoffmann",
        coach_name="Daniel Okafor",
        active_goals=["Move into a product management role by Q3 2027"],
        language="en-GB",
    )
    s = client.SummarizeSession(transcript=career_transcript(), context=ctx)
    assert isinstance(s, types.SessionSummaryContent)
    assert s.sentiment is types.Sentiment.POSITIVE
    assert len(s.action_items) == 2
    assert "summarize_career_transition.json" in stub.log()


def test_sync_call_refusal_raises_validation_error(client: Any, stub: Stub) -> None:
    seg = career_transcript()[0].model_copy(
        update={"text": "[stub:refusal] Let's talk about something private."}
    )
    with pytest.raises(BamlValidationError) as exc_info:
        client.SummarizeSession(transcript=[seg], context=None)
    assert exc_info.value.raw_output == canned("summarize_malformed_refusal")
    assert "SESSION TRANSCRIPT" in exc_info.value.prompt


def test_stream_call_end_to_end(client: Any, stub: Stub) -> None:
    notes = (
        "Session 4 with Priya.\n"
        "- Priya will draft the team-charter proposal by next Friday.\n"
        "- I send her the Radical Candor chapter summary.\n"
        "- Priya to book a 1:1 with each direct report.\n"
    )
    ctx = types.ActionItemExtractionContext(
        client_name="Priya Raman", coach_name="Sofia Lindqvist", today="2026-11-25", goal_titles=[]
    )
    stream = client.stream.ExtractActionItems(notes=notes, context=ctx)
    partial_counts = [len(p.items or []) for p in stream]
    final = stream.get_final_response()
    # The stub sends the answer in many small SSE chunks, so several partials
    # arrive and the item list grows monotonically while streaming.
    assert len(partial_counts) >= 3
    assert partial_counts == sorted(partial_counts)
    assert isinstance(final, types.ActionItemExtraction)
    assert len(final.items) == 3
    assert final.items[1].owner is types.ActionItemOwner.COACH
    assert final.needs_coach_review is True
    log = stub.log()
    assert "stream=True" in log and "extract_items_coach_notes.json" in log


def test_unmatched_prompt_is_a_client_http_error(client: Any, stub: Stub) -> None:
    with pytest.raises(BamlClientHttpError) as exc_info:
        client.ExtractActionItems(notes="zz-no-canned-completion-matches-this-zz", context=None)
    assert exc_info.value.status_code == 400
    assert "no canned completion" in str(exc_info.value)


# --------------------------------------------------------------------------
# Event envelope union
# --------------------------------------------------------------------------


META = {"event_id": "7f9c2b1e-4d3a-4e8b-9c6f-0a1b2c3d4e5f", "timestamp": "2026-11-25T10:00:00Z"}


def envelope_classes() -> list[type]:
    """EventEnvelope's members (the generated alias holds forward references)."""
    return [
        getattr(types, m.__forward_arg__) if isinstance(m, typing.ForwardRef) else m
        for m in typing.get_args(types.EventEnvelope)
    ]


def test_event_envelope_resolves_by_type_literal() -> None:
    adapter = TypeAdapter(typing.Union[tuple(envelope_classes())])
    deleted = adapter.validate_python(
        {
            "type": "MESSAGE_DELETED",
            "contracts_version": "0.1.0",
            "payload": {
                "message_id": "1a2b3c4d-0000-4000-8000-000000000001",
                "thread_id": "1a2b3c4d-0000-4000-8000-000000000002",
                "deleted_by": "1a2b3c4d-0000-4000-8000-000000000003",
                "deleted_at": "2026-11-25T10:00:00Z",
            },
            "meta": META,
        }
    )
    assert isinstance(deleted, types.MessageDeletedEvent)
    goal = {
        "id": "1a2b3c4d-0000-4000-8000-000000000010",
        "client_id": "1a2b3c4d-0000-4000-8000-000000000011",
        "title": "Run a half marathon",
        "category": "HEALTH",
        "status": "ACTIVE",
        "priority": "MEDIUM",
        "progress_percent": 40,
        "milestones": [],
        "created_at": "2026-10-01T08:00:00Z",
        "updated_at": "2026-11-25T10:00:00Z",
    }
    # Two event types share the Goal payload: only the literal tells them apart.
    for etype, cls in (
        ("GOAL_CREATED", types.GoalCreatedEvent),
        ("GOAL_UPDATED", types.GoalUpdatedEvent),
    ):
        ev = adapter.validate_python(
            {"type": etype, "contracts_version": "0.1.0", "payload": goal, "meta": META}
        )
        assert type(ev) is cls and ev.type == etype
        assert ev.payload.category is types.CoachingFocus.HEALTH
    with pytest.raises(ValidationError):
        adapter.validate_python(
            {"type": "GOAL_DELETED", "contracts_version": "0.1.0", "payload": goal, "meta": META}
        )


def test_every_event_type_has_exactly_one_envelope_class() -> None:
    resolved = envelope_classes()
    literals = {}
    for cls in resolved:
        assert list(cls.model_fields) == ["type", "contracts_version", "payload", "meta"], cls
        (lit,) = typing.get_args(cls.model_fields["type"].annotation)
        literals[lit] = cls
    assert set(literals) == {e.value for e in types.EventType}
    assert len(resolved) == len(types.EventType)
