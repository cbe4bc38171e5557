"""The summaries (raw LLM text and parsed DTO side by side) and who may follow a session."""

from __future__ import annotations

import uuid

from coach_app_baml_client.outbox_django import ContractsOutbox
from coach_app_baml_client.persistence_django import LLMOutputRecord
from django.conf import settings
from django.db import models


class SessionSummaryRecord(LLMOutputRecord):
    """A ``SessionSummaryContent`` produced by the ``SummarizeSession`` LLM function.

    Inherited from :class:`LLMOutputRecord`: ``raw_output`` (the text exactly as
    received), ``parsed_output`` (the validated DTO as JSON) and
    ``contracts_version`` (of the package that validated it). Read it back with
    ``coach_app_baml_client.persistence.from_record(record, SessionSummaryContent)``,
    which re-validates and refuses another MAJOR contracts version.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    session_id = models.UUIDField(db_index=True)
    model = models.CharField(max_length=200, help_text="LLM model identifier.")
    created_at = models.DateTimeField(auto_now_add=True)
    request_id = models.CharField(
        max_length=200,
        null=True,
        blank=True,
        unique=True,
        help_text="X-Request-ID of the POST that made the row: a retry returns this row.",
    )
    event_id = models.UUIDField(
        null=True,
        blank=True,
        help_text="meta.event_id of the SESSION_SUMMARY_READY envelope.",
    )

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"summary {self.id} of session {self.session_id}"


class SessionParticipant(models.Model):
    """A user who may follow one coaching session's real-time events.

    The WebSocket consumer lets a logged-in user join ``session.<session_id>``
    only when a row links them to that session. In a real backend this is the
    session's coach and client (or a join on the sessions table).
    """

    session_id = models.UUIDField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session_id", "user"], name="one_participation_per_user"
            )
        ]

    def __str__(self) -> str:
        return f"user {self.user_id} in session {self.session_id}"


class OutboxEvent(ContractsOutbox):
    """A broadcast stored with the row it is about, published after the commit (or by the relay)."""

    def __str__(self) -> str:
        return f"event {self.event_id} to {self.group}"
