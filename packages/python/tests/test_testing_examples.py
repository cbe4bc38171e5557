"""coach_app_baml_client.testing: the examples, their overrides, and the README's pytest example.

Every example of every shipped version (``schemas/examples.json``, written by
the compiler) is checked by the core: envelopes with ``validate_envelope``
(producer mode, ``target_version`` for an earlier release), class values with
the core's class check (``upgrade_dto``'s ``invalid-value`` step), enum values
against the schema. The README section "Testing your app against the
contracts" is run as written, with pytest, in a subprocess.
"""

from __future__ import annotations

import copy
import doctest
import importlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from coach_app_baml_client import (
    CONTRACTS_VERSION,
    EVENT_TYPES,
    KNOWN_VERSIONS,
    EnvelopeValidationError,
    envelope_issues,
    upgrade_dto,
    validate_envelope,
)
from coach_app_baml_client.testing import example_dto, example_enum, example_envelope
from coach_app_baml_client.testing._schema import (
    Contracts,
    UnsupportedSchemaError,
    examples_document,
)
from coach_app_baml_client.testing.examples import dto_issues

HERE = Path(__file__).resolve().parent
README = Path(os.environ.get("COACH_REPO_ROOT", HERE.parents[2])) / "packages/python/README.md"


def target(version: str) -> str | None:
    return None if version == CONTRACTS_VERSION else version


def every(kind: str) -> list[tuple[str, str]]:
    """(version, name) of every example of ``kind`` (events, classes, enums) in every version."""
    versions: dict[str, Any] = examples_document()["versions"]
    return [(v, name) for v in KNOWN_VERSIONS for name in versions[v][kind]]


# ---------------------------------------------------------------------------
# The shipped examples


def test_the_examples_cover_every_shipped_version_event_class_and_enum() -> None:
    document = examples_document()
    assert document["contracts_version"] == CONTRACTS_VERSION
    assert list(document["versions"]) == list(KNOWN_VERSIONS)
    assert list(document["versions"][CONTRACTS_VERSION]["events"]) == EVENT_TYPES
    for version in KNOWN_VERSIONS:
        contracts = Contracts.of(version)
        examples = document["versions"][version]
        assert list(examples["events"]) == contracts.event_types, version
        assert sorted(examples["classes"]) == sorted(contracts.class_names), version
        assert sorted(examples["enums"]) == sorted(contracts.enum_names), version


@pytest.mark.parametrize(("version", "event_type"), every("events"))
def test_every_example_envelope_validates_in_the_core(version: str, event_type: str) -> None:
    envelope = example_envelope(event_type, version=version)
    assert envelope == examples_document()["versions"][version]["events"][event_type]
    assert envelope["type"] == event_type
    assert envelope["contracts_version"] == version
    validate_envelope(envelope, mode="producer", target_version=target(version))
    validate_envelope(json.dumps(envelope).encode(), target_version=target(version))
    if version == CONTRACTS_VERSION:
        validate_envelope(envelope, mode="consumer")


@pytest.mark.parametrize(("version", "class_name"), every("classes"))
def test_every_example_dto_validates_in_the_core(version: str, class_name: str) -> None:
    value = example_dto(class_name, version=version)
    assert value == examples_document()["versions"][version]["classes"][class_name]
    assert dto_issues(class_name, value, version) == []
    if version == CONTRACTS_VERSION:
        assert upgrade_dto(class_name, value, version) == value


@pytest.mark.parametrize(("version", "enum_name"), every("enums"))
def test_every_example_enum_value_is_a_value_of_its_enum(version: str, enum_name: str) -> None:
    value = example_enum(enum_name, version=version)
    assert value == Contracts.of(version).enum_shape(enum_name).values[0]


def test_the_generated_models_read_every_current_example() -> None:
    from coach_app_baml_client.baml_client import types
    from coach_app_baml_client.envelopes import envelope_adapter

    for event_type in EVENT_TYPES:
        model = envelope_adapter.validate_python(example_envelope(event_type))
        assert model.type == event_type
    read = 0
    for class_name in examples_document()["versions"][CONTRACTS_VERSION]["classes"]:
        model = getattr(types, class_name, None)
        if model is not None:
            model.model_validate(example_dto(class_name))
            read += 1
    assert read >= 40


def test_the_dto_check_is_the_cores_and_can_fail() -> None:
    value = example_dto("Goal")
    assert dto_issues("Goal", value, CONTRACTS_VERSION) == []
    bad = {**value, "progress_percent": 1.5}
    [issue] = dto_issues("Goal", bad, CONTRACTS_VERSION)
    assert (issue.path, issue.code) == ("/progress_percent", "wrong_type")
    assert "expected int" in issue.message
    missing = {k: v for k, v in value.items() if k != "title"}
    assert [(i.path, i.code) for i in dto_issues("Goal", missing, CONTRACTS_VERSION)] == [
        ("/title", "missing_field")
    ]


# ---------------------------------------------------------------------------
# Overrides


def test_payload_and_meta_overrides_merge_into_the_example() -> None:
    base = example_envelope("GOAL_UPDATED")
    envelope = example_envelope(
        "GOAL_UPDATED",
        payload={"title": "Run a 10k", "description": "by June"},
        meta={"request_id": "req-1"},
    )
    assert envelope["payload"] == {
        **base["payload"],
        "title": "Run a 10k",
        "description": "by June",
    }
    assert envelope["meta"] == {**base["meta"], "request_id": "req-1"}
    assert (envelope["type"], envelope["contracts_version"]) == ("GOAL_UPDATED", CONTRACTS_VERSION)


def test_a_dict_for_a_class_field_merges_recursively() -> None:
    base = example_envelope("SESSION_SUMMARY_READY")
    envelope = example_envelope(
        "SESSION_SUMMARY_READY", payload={"content": {"headline": "A good week"}}
    )
    content = envelope["payload"]["content"]
    assert content == {**base["payload"]["content"], "headline": "A good week"}


def test_a_dict_for_an_absent_optional_class_field_starts_from_that_class_example() -> None:
    base = example_envelope("MESSAGE_ADDED")
    assert "author" not in base["payload"]
    envelope = example_envelope("MESSAGE_ADDED", payload={"author": {"display_name": "Ann"}})
    assert envelope["payload"]["author"] == {**example_dto("PersonRef"), "display_name": "Ann"}
    meta = example_envelope("MESSAGE_ADDED", meta={"position": {"offset": 7}})["meta"]
    assert meta["position"] == {**example_dto("StreamPosition"), "offset": 7}


def test_a_discriminator_override_switches_the_union_member() -> None:
    text = example_envelope("MESSAGE_ADDED")["payload"]["content"]
    assert text["kind"] == "text"
    switched = example_envelope("MESSAGE_ADDED", payload={"content": {"kind": "attachment"}})
    assert switched["payload"]["content"] == example_dto("AttachmentContent")
    same = example_envelope("MESSAGE_ADDED", payload={"content": {"text": "Hi"}})
    assert same["payload"]["content"] == {**text, "text": "Hi"}


def test_lists_and_maps_are_replaced_not_merged() -> None:
    envelope = example_envelope(
        "MESSAGE_ADDED", payload={"reactions": {"thumbs_up": 2}}
    )  # a map<string, int>
    assert envelope["payload"]["reactions"] == {"thumbs_up": 2}
    summary = example_envelope(
        "SESSION_SUMMARY_READY", payload={"content": {"key_topics": ["a", "b"]}}
    )
    assert summary["payload"]["content"]["key_topics"] == ["a", "b"]
    empty = example_envelope("SESSION_SUMMARY_READY", payload={"content": {"action_items": []}})
    assert empty["payload"]["content"]["action_items"] == []


def test_none_is_null_valid_on_optional_fields_and_an_error_on_required_ones() -> None:
    envelope = example_envelope("GOAL_UPDATED", payload={"description": None})
    assert envelope["payload"]["description"] is None
    with pytest.raises(EnvelopeValidationError) as err:
        example_envelope("GOAL_UPDATED", payload={"title": None})
    assert [(i.path, i.code) for i in err.value.issues] == [("/payload/title", "wrong_type")]


def test_a_wrong_override_raises_the_cores_error_with_every_path() -> None:
    with pytest.raises(EnvelopeValidationError) as err:
        example_envelope(
            "GOAL_UPDATED",
            payload={"progress_percent": "half", "client_id": "NOT-A-UUID"},
            meta={"timestamp": "yesterday"},
        )
    assert sorted((i.path, i.code) for i in err.value.issues) == [
        ("/meta/timestamp", "invalid_timestamp"),
        ("/payload/client_id", "invalid_uuid"),
        ("/payload/progress_percent", "wrong_type"),
    ]
    with pytest.raises(EnvelopeValidationError) as dto_err:
        example_dto("Goal", priority="URGENT")
    assert [(i.path, i.code) for i in dto_err.value.issues] == [("/priority", "invalid_enum_value")]


def test_an_undeclared_override_key_names_it_and_the_declared_fields() -> None:
    with pytest.raises(
        ValueError, match=r"/payload has no field 'titel' \(did you mean 'title'\?\)"
    ):
        example_envelope("GOAL_UPDATED", payload={"titel": "x"})
    with pytest.raises(ValueError) as err:
        example_envelope("SESSION_SUMMARY_READY", payload={"content": {"headlin": "x"}})
    message = str(err.value)
    assert "/payload/content has no field 'headlin'" in message
    assert "SessionSummaryContent declares: headline, overview" in message
    with pytest.raises(ValueError, match=r"EventMeta declares: event_id, timestamp"):
        example_envelope("GOAL_UPDATED", meta={"eventid": "x"})
    with pytest.raises(ValueError, match=r"the value has no field 'nme'.*PersonRef declares"):
        example_dto("PersonRef", nme="Ann")


def test_example_dto_takes_the_model_class_a_mapping_and_keywords() -> None:
    from coach_app_baml_client.baml_client import types

    assert example_dto(types.Price) == example_dto("Price")
    both = example_dto("Price", {"currency": "EUR", "amount_cents": 1}, amount_cents=2)
    assert (both["currency"], both["amount_cents"]) == ("EUR", 2)
    assert example_enum(types.Priority) == "LOW"
    # A field may share a name with a parameter: `model` and `overrides` are positional-only.
    assert example_dto("SessionSummary", model="gpt-x")["model"] == "gpt-x"
    assert types.Price.model_validate(both).amount_cents == 2


def test_unknown_names_are_errors_listing_close_matches() -> None:
    with pytest.raises(ValueError, match=r"did you mean 'SESSION_SUMMARY_READY' or .*GOAL_CREATED"):
        example_envelope("SESSION_SUMARY_READY")
    with pytest.raises(ValueError, match=r"did you mean 'GOAL_UPDATED'"):
        example_envelope("goal_updated")
    with pytest.raises(ValueError, match=r"unknown class 'SessionSumary'.*'SessionSummary'"):
        example_dto("SessionSumary")
    with pytest.raises(ValueError, match=r"unknown enum 'Prority'.*'Priority'"):
        example_enum("Prority")
    with pytest.raises(ValueError, match=r"unknown class 'Priority'"):
        example_dto("Priority")  # an enum, not a class
    with pytest.raises(ValueError, match=r"'0\.0\.1' is not a contracts version.*KNOWN_VERSIONS"):
        example_envelope("GOAL_UPDATED", version="0.0.1")
    with pytest.raises(TypeError, match=r"payload= takes a dict"):
        example_envelope("GOAL_UPDATED", payload=["title"])  # type: ignore[arg-type]


def test_every_call_returns_a_fresh_copy_that_shares_nothing() -> None:
    first = example_envelope("SESSION_SUMMARY_READY")
    first["payload"]["content"]["key_topics"].append("changed")
    first["meta"]["event_id"] = "changed"
    assert example_envelope("SESSION_SUMMARY_READY") != first
    topics = ["one"]
    override = {"content": {"key_topics": topics}}
    made = example_envelope("SESSION_SUMMARY_READY", payload=override)
    topics.append("two")
    assert made["payload"]["content"]["key_topics"] == ["one"]
    assert override == {"content": {"key_topics": ["one", "two"]}}
    dto = example_dto("Goal")
    dto["milestones"].clear()
    assert example_dto("Goal")["milestones"]


def test_an_older_version_gives_what_a_tab_of_that_release_receives() -> None:
    for version in KNOWN_VERSIONS[1:]:  # none while no release is shipped
        envelope = example_envelope("GOAL_UPDATED", version=version)
        assert envelope["contracts_version"] == version
        assert envelope_issues(envelope, target_version=version) == []


def test_the_schema_walker_refuses_keywords_the_compiler_does_not_emit() -> None:
    bundle = copy.deepcopy(Contracts.of(None).bundle)
    contracts = Contracts("9.9.9", bundle)
    bundle["$defs"]["Priority"]["minLength"] = 1
    with pytest.raises(UnsupportedSchemaError, match=r"unsupported JSON Schema keyword.*minLength"):
        contracts.shape(bundle["$defs"]["Priority"])
    bundle["$defs"]["Uuid"]["format"] = "email"
    with pytest.raises(UnsupportedSchemaError, match=r"unsupported format 'email'"):
        contracts.shape({"$ref": "#/$defs/Uuid"})
    with pytest.raises(UnsupportedSchemaError, match=r"only `#/\$defs/<Name>` references"):
        contracts.shape({"$ref": "other.json#/Goal"})


@pytest.mark.parametrize(
    "module_name",
    [
        "coach_app_baml_client.testing",
        "coach_app_baml_client.testing.examples",
        "coach_app_baml_client.testing._schema",
    ],
)
def test_docstring_examples_run(module_name: str) -> None:
    result = doctest.testmod(importlib.import_module(module_name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


# ---------------------------------------------------------------------------
# What a production install loads


def run_python(code: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr


def test_the_package_never_imports_the_testing_kit_or_hypothesis() -> None:
    run_python(
        "import sys\n"
        "import coach_app_baml_client, coach_app_baml_client.channels, coach_app_baml_client.layers\n"
        "import coach_app_baml_client.persistence, coach_app_baml_client.rollout\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] == 'hypothesis'\n"
        "                or m.startswith('coach_app_baml_client.testing'))\n"
        "assert not loaded, loaded\n"
    )


def test_the_testing_kit_imports_nothing_heavy() -> None:
    """Hypothesis, Channels, Django and pytest load with the submodules that need them only."""
    run_python(
        "import sys\n"
        "import coach_app_baml_client.testing\n"
        "from coach_app_baml_client.testing import example_envelope\n"
        "example_envelope('GOAL_UPDATED')\n"
        "heavy = sorted(m for m in sys.modules\n"
        "               if m.split('.')[0] in ('hypothesis', 'channels', 'django', 'pytest'))\n"
        "assert not heavy, heavy\n"
        "assert 'coach_app_baml_client.testing.strategies' not in sys.modules\n"
    )


# ---------------------------------------------------------------------------
# The README's pytest example, run as written

README_BLOCK = re.compile(
    r"<!-- [^>]*\bpytest: (?P<name>test_\w+\.py)[^>]*-->\n```python\n(?P<code>.*?)```", re.S
)


def readme_pytest_blocks(text: str) -> list[tuple[str, str]]:
    """The ``python`` blocks of the README marked ``<!-- ... pytest: test_<name>.py ... -->``."""
    return [(m["name"], m["code"]) for m in README_BLOCK.finditer(text)]


def test_the_readme_testing_example_runs_as_written(tmp_path: Path) -> None:
    pytest.importorskip("hypothesis")
    pytest.importorskip("channels")
    text = README.read_text(encoding="utf-8")
    section = text[
        text.index("## Testing your app against the contracts") : text.index("## Development")
    ]
    blocks = readme_pytest_blocks(section)
    assert blocks, "the README's testing section has a block marked <!-- pytest: test_....py -->"
    for name, code in blocks:
        (tmp_path / name).write_text(code, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
        env={k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")},
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    passed = re.search(r"(\d+) passed", output)
    tests = sum(len(re.findall(r"^def test_", code, re.M)) for _, code in blocks)
    assert passed is not None and int(passed[1]) == tests >= 3, output
    assert "skipped" not in output, output


def test_the_readme_extractor_finds_marked_blocks_only() -> None:
    text = (
        "<!-- pytest: test_a.py -->\n```python\ndef test_a(): pass\n```\n"
        "<!-- pyright-strict -->\n```python\nx = 1\n```\n"
        "<!-- pyright-strict; pytest: test_b.py -->\n```python\ndef test_b(): pass\n```\n"
    )
    assert readme_pytest_blocks(text) == [
        ("test_a.py", "def test_a(): pass\n"),
        ("test_b.py", "def test_b(): pass\n"),
    ]
