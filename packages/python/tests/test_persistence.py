"""The raw_output + parsed_output + contracts_version storage policy."""

from __future__ import annotations

import dataclasses
import json
from types import SimpleNamespace

import pydantic
import pytest
from summary_content import summary  # tests/summary_content.py

from coach_app_baml_client import CONTRACTS_VERSION
from coach_app_baml_client.baml_client import types
from coach_app_baml_client.persistence import (
    ContractsVersionError,
    StoredOutput,
    from_record,
    major_version,
    to_record,
)

RAW = 'Here you go:\n```json\n{"headline": "Progress on the CV", ...}\n```'


def test_round_trip_through_every_record_form() -> None:
    parsed = summary()
    stored = to_record(RAW, parsed)
    assert stored.raw_output == RAW
    assert stored.contracts_version == CONTRACTS_VERSION
    assert stored.parsed_output["sentiment"] == "POSITIVE"
    json.dumps(stored.parsed_output)  # plain JSON, ready for a jsonb column
    row = dataclasses.asdict(stored)
    as_text = {**row, "parsed_output": json.dumps(row["parsed_output"])}
    for record in (stored, row, SimpleNamespace(**row), as_text):
        assert from_record(record, types.SessionSummaryContent) == parsed


def test_stored_output_is_frozen() -> None:
    stored = to_record(RAW, summary())
    with pytest.raises(dataclasses.FrozenInstanceError):
        stored.raw_output = "changed"  # type: ignore[misc]


def test_another_minor_version_is_read() -> None:
    major = major_version(CONTRACTS_VERSION)
    record = dataclasses.replace(to_record(RAW, summary()), contracts_version=f"{major}.999.0")
    assert from_record(record, types.SessionSummaryContent) == summary()


def test_another_major_version_is_refused_with_what_to_do() -> None:
    major = major_version(CONTRACTS_VERSION)
    record = dataclasses.replace(to_record(RAW, summary()), contracts_version=f"{major + 1}.0.0")
    with pytest.raises(ContractsVersionError) as info:
        from_record(record, types.SessionSummaryContent)
    assert isinstance(info.value, ValueError)
    message = str(info.value)
    assert f"{major + 1}.0.0" in message and CONTRACTS_VERSION in message
    assert "re-parse raw_output" in message


@pytest.mark.parametrize("version", ["", "v1", "latest"])
def test_a_malformed_version_is_refused(version: str) -> None:
    record = dataclasses.replace(to_record(RAW, summary()), contracts_version=version)
    with pytest.raises(ContractsVersionError):
        from_record(record, types.SessionSummaryContent)


def test_parsed_output_is_validated_on_read() -> None:
    stored = to_record(RAW, summary())
    broken = StoredOutput(RAW, {**stored.parsed_output, "sentiment": "ECSTATIC"}, CONTRACTS_VERSION)
    with pytest.raises(pydantic.ValidationError):
        from_record(broken, types.SessionSummaryContent)


def test_missing_columns_are_named() -> None:
    with pytest.raises(KeyError, match="contracts_version"):
        from_record({"raw_output": RAW, "parsed_output": {}}, types.SessionSummaryContent)
    with pytest.raises(AttributeError, match="parsed_output"):
        from_record(
            SimpleNamespace(raw_output=RAW, contracts_version=CONTRACTS_VERSION),
            types.SessionSummaryContent,
        )


def test_to_record_wants_a_model() -> None:
    with pytest.raises(TypeError, match="Pydantic model"):
        to_record(RAW, {"headline": "x"})  # type: ignore[arg-type]


def test_django_abstract_model() -> None:
    pytest.importorskip("django")
    from django_setup import configure_django  # tests/django_setup.py

    configure_django()
    from django.db import connection, models

    from coach_app_baml_client.persistence_django import LLMOutputRecord

    assert LLMOutputRecord._meta.abstract
    fields = {f.name: type(f) for f in LLMOutputRecord._meta.get_fields()}
    assert fields["raw_output"] is models.TextField
    assert fields["parsed_output"] is models.JSONField
    assert fields["contracts_version"] is models.CharField

    class SummaryOutput(LLMOutputRecord):
        session_ref = models.CharField(max_length=36)

        class Meta:
            app_label = "contracts_tests"

    with connection.schema_editor() as editor:
        editor.create_model(SummaryOutput)
    row = SummaryOutput.from_output(RAW, summary(), session_ref="s-1")
    row.save()
    loaded = SummaryOutput.objects.get(pk=row.pk)
    assert loaded.contracts_version == CONTRACTS_VERSION and loaded.session_ref == "s-1"
    assert loaded.parsed(types.SessionSummaryContent) == summary()
    loaded.contracts_version = "999.0.0"
    with pytest.raises(ContractsVersionError):
        loaded.parsed(types.SessionSummaryContent)
