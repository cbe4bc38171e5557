"""``IssueCode``: the ``Literal`` that ``contracts gen`` writes from contracts-core's enum."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import get_args

from coach_app_baml_client import ISSUE_CODES, IssueCode, ValidationIssue, envelope_issues

VECTORS = (
    Path(os.environ.get("COACH_REPO_ROOT", Path(__file__).resolve().parents[3]))
    / "testdata"
    / "vectors"
)


def test_the_literal_and_the_tuple_list_the_same_codes() -> None:
    assert get_args(IssueCode) == ISSUE_CODES
    assert len(set(ISSUE_CODES)) == len(ISSUE_CODES) == 15


def test_every_code_the_validator_reports_is_an_issue_code() -> None:
    seen: set[str] = set()
    for path in sorted(VECTORS.glob("*.json")):
        vector = json.loads(path.read_text())
        seen.update(i["code"] for i in vector["expect"]["issues"])
    seen.update(i.code for i in envelope_issues(b"{not json"))
    assert seen <= set(ISSUE_CODES)
    assert len(seen) > 10  # the corpus exercises most codes; a broken glob would not


def test_validation_issue_code_is_typed() -> None:
    issue = ValidationIssue("/type", "wrong_type", "expected a string")
    code: IssueCode = issue.code
    assert code in ISSUE_CODES


def test_both_package_readmes_name_every_code() -> None:
    # A new code reaches the packages by `contracts gen`; this keeps their docs in step.
    packages = VECTORS.parents[1] / "packages"
    for readme in (packages / "python" / "README.md", packages / "typescript" / "README.md"):
        text = readme.read_text(encoding="utf-8")
        missing = [code for code in ISSUE_CODES if f"`{code}`" not in text]
        assert not missing, f"{readme} does not name the issue codes {missing}"
