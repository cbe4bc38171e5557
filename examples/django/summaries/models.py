"""One table: every AI session summary, raw LLM text and parsed DTO side by side."""

from __future__ import annotations

import uuid

from coach_app_baml_client.persistence_django import LLMOutputRecord
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

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"summary {self.id} of session {self.session_id}"
