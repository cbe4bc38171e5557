"""An abstract Django model for stored LLM output (the ``django`` extra).

Install: ``pip install "coach-app-baml-client[django]"``. Only this module
imports Django; import it from your app's ``models.py`` (Django must be set
up, as for any model)::

    from coach_app_baml_client.persistence_django import LLMOutputRecord
    from coach_app_baml_client.baml_client import types

    class SessionSummaryOutput(LLMOutputRecord):
        contracts_dto = "SessionSummaryContent"  # optional: the model parsed_output holds
        session = models.ForeignKey("coaching.Session", on_delete=models.CASCADE)

    row = SessionSummaryOutput.from_output(raw_text, summary_content, session=session)
    row.save()
    content = row.parsed(types.SessionSummaryContent)  # validated again on read

``parsed_output`` is a ``JSONField`` (``jsonb`` on PostgreSQL). The policy and
its checks are those of :mod:`coach_app_baml_client.persistence`.
"""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar

from django.db import models
from pydantic import BaseModel

from .persistence import ContractsVersionError, StoredOutput, from_record, to_record

__all__ = ["ContractsVersionError", "LLMOutputRecord"]

M = TypeVar("M", bound=BaseModel)
R = TypeVar("R", bound="LLMOutputRecord")


class LLMOutputRecord(models.Model):
    """Abstract: ``raw_output`` (text), ``parsed_output`` (JSON), ``contracts_version``."""

    raw_output = models.TextField(help_text="The LLM output text, verbatim.")
    parsed_output = models.JSONField(
        help_text="The parsed output, validated with the generated Pydantic model."
    )
    contracts_version = models.CharField(
        max_length=32, help_text="CONTRACTS_VERSION of the package that wrote the row."
    )

    contracts_dto: ClassVar[str | None] = None
    """The generated model ``parsed_output`` holds, by its BAML class name
    (``contracts_dto = "SessionSummaryContent"``): what
    ``python -m coach_app_baml_client.stored_rows --django app.Model`` checks
    the rows as when no ``--dto`` is given. Not a column."""

    class Meta:
        abstract = True

    @classmethod
    def from_output(cls: type[R], raw: str, parsed: BaseModel, **fields: Any) -> R:
        """A new, unsaved row for ``parsed`` (a generated model) parsed from ``raw``.

        ``fields`` sets the other columns of the concrete model.
        """
        stored: StoredOutput = to_record(raw, parsed)
        return cls(
            raw_output=stored.raw_output,
            parsed_output=stored.parsed_output,
            contracts_version=stored.contracts_version,
            **fields,
        )

    def parsed(self, model: type[M]) -> M:
        """``parsed_output`` validated as ``model``; raises ``ContractsVersionError``
        when the row was written under another MAJOR version."""
        return from_record(self, model)
