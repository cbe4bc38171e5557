"""Channels group names shared by the view (producer) and the consumer."""

from uuid import UUID


def session_group(session_id: UUID | str) -> str:
    """The group that receives every real-time event of one coaching session."""
    return f"session.{UUID(str(session_id))}"
