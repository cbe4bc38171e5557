"""The session summary the storage tests (test_persistence.py, test_stored_rows.py) store and read."""

from __future__ import annotations

from coach_app_baml_client.baml_client import types


def summary() -> types.SessionSummaryContent:
    """A valid SessionSummaryContent with one action item."""
    return types.SessionSummaryContent(
        headline="Progress on the CV",
        overview="The client rewrote two sections.",
        key_topics=["cv", "interviews", "confidence"],
        sentiment=types.Sentiment.POSITIVE,
        breakthroughs=[],
        action_items=[
            types.ActionItemDraft(
                title="Send the CV to two mentors",
                owner=types.ActionItemOwner.CLIENT,
                priority=types.Priority.HIGH,
                due_date="2026-12-01",
            )
        ],
        follow_up_questions=["What did the mentors say?"],
        risk_flag=False,
        confidence=0.8,
    )
