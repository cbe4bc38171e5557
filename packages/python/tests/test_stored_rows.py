"""The stored-rows check (coach_app_baml_client.stored_rows): every outcome, the reports, the
exit statuses, laziness on 200k rows, and the Django source on SQLite.

This tree ships no older release, so the tests that need one pretend this package is the next
MAJOR (``next_major``): CONTRACTS_VERSION becomes ``<MAJOR+1>.0.0`` and the real current
version becomes the shipped older release, upgraded by the real ``upgrade_dto`` (which knows
it). The real thing, against a release built in a tagged copy and PostgreSQL, is
examples/django/tests/test_stored_rows.py.
"""

from __future__ import annotations

import dataclasses
import doctest
import io
import itertools
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from summary_content import summary  # tests/summary_content.py

from coach_app_baml_client import CONTRACTS_VERSION, UpgradeError, upgrade_dto
from coach_app_baml_client import stored_rows as sr
from coach_app_baml_client.baml_client import types
from coach_app_baml_client.persistence import (
    ContractsVersionError,
    from_record,
    major_version,
    to_record,
)

RAW = "the LLM's text"
MAJOR = major_version(CONTRACTS_VERSION)
NEXT = f"{MAJOR + 1}.0.0"
DTO = "SessionSummaryContent"
DRAFT = {"title": "Book the gym", "owner": "CLIENT", "priority": "HIGH"}


def content(**changes: Any) -> dict[str, Any]:
    return {**to_record(RAW, summary()).parsed_output, **changes}


def row(id: object, version: object = CONTRACTS_VERSION, **changes: Any) -> dict[str, Any]:
    return {
        "id": id,
        "raw_output": RAW,
        "parsed_output": content(**changes),
        "contracts_version": version,
    }


@pytest.fixture
def next_major(monkeypatch: pytest.MonkeyPatch) -> str:
    """This package as the next MAJOR release, shipping the real current version as older."""
    monkeypatch.setattr(sr, "CONTRACTS_VERSION", NEXT)
    monkeypatch.setattr(sr, "KNOWN_VERSIONS", (NEXT, CONTRACTS_VERSION))

    def upgrade(model: Any, value: object, version: str) -> dict[str, Any]:
        # The next release removed MIXED (a MAJOR change); the rest is the real upgrade.
        if isinstance(value, dict) and value.get("sentiment") == "MIXED":
            raise UpgradeError("enum-value-removed", "/sentiment", '"MIXED" was removed')
        return upgrade_dto(model, value, version)

    monkeypatch.setattr(sr, "upgrade_dto", upgrade)
    return NEXT


# ---------------------------------------------------------------- the engine, outcome by outcome


def test_rows_of_this_major_read_in_every_record_form() -> None:
    stored = to_record(RAW, types.SessionSummaryContent.model_validate(content()))
    as_dict = dataclasses.asdict(stored)
    forms: list[object] = [
        stored,
        as_dict,
        SimpleNamespace(**as_dict),
        {**as_dict, "parsed_output": json.dumps(as_dict["parsed_output"])},
        {**as_dict, "contracts_version": f"{MAJOR}.999.0"},  # another MINOR: additive
    ]
    results = list(sr.check_rows(forms, DTO))
    assert [r.outcome for r in results] == [sr.Outcome.READS] * 5
    assert [r.id for r in results] == [1, 2, 3, 4, 5]  # no id: the position
    assert all(r.readable and r.rule_id is None and r.upgraded is None for r in results)


@pytest.mark.parametrize(
    ("changes", "code", "pointer"),
    [
        ({"sentiment": "ECSTATIC"}, "enum", "/sentiment"),
        ({"headline": None}, "string_type", "/headline"),
        (
            {"action_items": [{"title": "x", "owner": "CLIENT"}]},
            "missing",
            "/action_items/0/priority",
        ),
    ],
)
def test_a_row_that_does_not_validate_is_refused_with_the_code_and_the_pointer(
    changes: dict[str, Any], code: str, pointer: str
) -> None:
    result = sr.check_record(row("r1", **changes), DTO)
    assert (result.id, result.outcome, result.rule_id, result.code, result.pointer) == (
        "r1", sr.Outcome.REFUSED, sr.INVALID_VALUE, code, pointer,
    )  # fmt: skip
    assert result.message and "SessionSummaryContent does not validate" in result.message


@pytest.mark.parametrize(
    ("record", "rule_id", "fragment"),
    [
        ({"contracts_version": CONTRACTS_VERSION}, sr.MALFORMED_ROW, "no parsed_output"),
        ({"parsed_output": {}}, sr.MALFORMED_ROW, "no contracts_version"),
        ({"parsed_output": {}, "contracts_version": 2}, sr.MALFORMED_VERSION, "2 is not"),
        ({"parsed_output": {}, "contracts_version": "v1"}, sr.MALFORMED_VERSION, "'v1'"),
        ({"parsed_output": {}, "contracts_version": "1.0"}, sr.MALFORMED_VERSION, "MAJOR.MINOR"),
        ({"parsed_output": {}, "contracts_version": None}, sr.MALFORMED_VERSION, "None"),
        (
            {"parsed_output": "{not json", "contracts_version": CONTRACTS_VERSION},
            sr.MALFORMED_JSON,
            "not JSON",
        ),
    ],
)
def test_a_malformed_row_is_refused_with_a_clear_rule(
    record: dict[str, Any], rule_id: str, fragment: str
) -> None:
    result = sr.check_record(record, DTO, id=9)
    assert (result.outcome, result.rule_id, result.pointer) == (sr.Outcome.REFUSED, rule_id, "")
    assert result.message and fragment in result.message


def test_a_newer_major_needs_a_reparse() -> None:
    result = sr.check_record(row(1, "99.0.0"), DTO)
    assert (result.outcome, result.contracts_version) == (sr.Outcome.REPARSE, "99.0.0")
    assert result.message and "re-parse raw_output" in result.message
    assert "newer MAJOR" in result.message
    # Even when parsed_output is garbage: raw_output is what counts for such a row.
    garbage = {**row(2, "99.0.0"), "parsed_output": "{oops"}
    assert sr.check_record(garbage, DTO).outcome is sr.Outcome.REPARSE


def test_the_outcomes_agree_with_from_record() -> None:
    """What the check says is what the application's read path does, row by row."""
    rows = [
        row(1),
        row(2, f"{MAJOR}.999.0"),
        row(3, sentiment="ECSTATIC"),
        row(4, "99.0.0"),
        {"id": 5, "parsed_output": "{oops", "contracts_version": CONTRACTS_VERSION},
    ]
    for record, result in zip(rows, sr.check_rows(rows, DTO)):
        if result.readable:
            from_record(record, types.SessionSummaryContent)
        else:
            with pytest.raises((ValueError, ContractsVersionError)):
                from_record(record, types.SessionSummaryContent)


def test_an_older_shipped_release_upgrades(next_major: str) -> None:
    result = sr.check_record(row("old"), DTO)
    assert (result.outcome, result.contracts_version, result.to) == (
        sr.Outcome.UPGRADES, CONTRACTS_VERSION, next_major,
    )  # fmt: skip
    # What --write stores: the model's JSON, as to_record writes it.
    assert result.upgraded == content()
    assert result.to_json() == {
        "kind": "row",
        "id": "old",
        "outcome": "upgrades",
        "contracts_version": CONTRACTS_VERSION,
        "to": next_major,
    }


def test_an_upgrade_refusal_reports_the_rule_and_the_pointer(next_major: str) -> None:
    refused = sr.check_record(row("m", sentiment="MIXED"), DTO)
    assert (refused.outcome, refused.rule_id, refused.pointer) == (
        sr.Outcome.REFUSED, "enum-value-removed", "/sentiment",
    )  # fmt: skip
    # The real core: an invalid older row cannot be upgraded (invalid-value, its pointer).
    invalid = sr.check_record(row("i", confidence="high"), DTO)
    assert (invalid.rule_id, invalid.pointer) == ("invalid-value", "/confidence")


def test_an_older_major_that_is_not_shipped_needs_a_reparse(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sr, "CONTRACTS_VERSION", NEXT)
    monkeypatch.setattr(sr, "KNOWN_VERSIONS", (NEXT,))
    result = sr.check_record(row(1), DTO)
    assert result.outcome is sr.Outcome.REPARSE
    assert result.message and "does not ship" in result.message and NEXT in result.message


def test_the_dto_is_named_or_given() -> None:
    assert sr.dto_model(DTO) is types.SessionSummaryContent
    assert sr.dto_model(types.ActionItemDraft) is types.ActionItemDraft
    for wrong in ("SessionSumary", "Sentiment", "BaseModel_"):
        with pytest.raises(sr.UsageError, match="not a generated model"):
            sr.dto_model(wrong)


def test_the_docstring_examples_run() -> None:
    result = doctest.testmod(sr)
    assert result.attempted >= 10 and result.failed == 0


# ------------------------------------------------------------------------------ bounded memory


ROWS = 200_000


def draft_rows(pulled: list[int], check: Any = None) -> Iterator[dict[str, Any]]:
    for i in range(ROWS):
        if check is not None:
            check(i)
        pulled[0] = i + 1
        yield {"id": i, "parsed_output": DRAFT, "contracts_version": CONTRACTS_VERSION}


def test_rows_are_checked_one_at_a_time() -> None:
    pulled = [0]
    results = sr.check_rows(draft_rows(pulled), "ActionItemDraft")
    assert pulled == [0]  # nothing read before the first result is asked for
    first = list(itertools.islice(results, 3))
    assert [r.id for r in first] == [0, 1, 2] and pulled == [3]


class CountingSink:
    """A report stream that counts its lines (and keeps the last one), holding nothing else."""

    def __init__(self) -> None:
        self.lines = 0
        self.last = ""

    def write(self, text: str, /) -> int:
        self.lines += text.count("\n")
        self.last = text
        return len(text)

    def flush(self) -> None:
        pass


def test_a_200k_row_run_streams_the_report_as_it_goes() -> None:
    """Each row's report line is written before the next row is even read."""
    sink = CountingSink()
    pulled = [0]

    def written_so_far(i: int) -> None:
        assert sink.lines == i, "the report lags behind the rows read"

    summary = sr.report(
        sr.check_rows(draft_rows(pulled, written_so_far), "ActionItemDraft"),
        sr.Summary("ActionItemDraft", CONTRACTS_VERSION),
        jsonl=sink,
    )
    assert pulled == [ROWS] and summary.rows == ROWS and summary.counts[sr.Outcome.READS] == ROWS
    # The summary keeps counts, not rows.
    assert (summary.upgrades_from, summary.refused_by_rule, summary.reparse_versions) == (
        {},
        {},
        {},
    )
    assert sink.lines == ROWS + 1 and json.loads(sink.last)["reads"] == ROWS


def test_a_jsonl_export_is_read_line_by_line() -> None:
    pulled = [0]

    def lines() -> Iterator[str]:
        for i in range(ROWS):
            pulled[0] = i + 1
            yield (
                json.dumps({"parsed_output": DRAFT, "contracts_version": CONTRACTS_VERSION}) + "\n"
            )

    results = sr.check_jsonl(lines(), "ActionItemDraft")
    assert [r.id for r in itertools.islice(results, 2)] == [1, 2] and pulled == [2]


# -------------------------------------------------------------------------------- the CLI


def write_jsonl(path: Path, rows: list[object]) -> Path:
    path.write_text(
        "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows),
        encoding="utf-8",
    )
    return path


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = sr.main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_every_row_reads_exit_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    export = write_jsonl(tmp_path / "rows.jsonl", [row(1), row(2)])
    status, out, err = cli(capsys, "--jsonl", str(export), "--dto", DTO)
    assert status == 0 and err == ""
    assert f"Checked 2 {DTO} rows against contracts {CONTRACTS_VERSION}" in out
    assert "Every row reads" in out and "dry run" in out


def test_mixed_outcomes_exit_1_with_both_reports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], next_major: str
) -> None:
    export = write_jsonl(
        tmp_path / "rows.jsonl",
        [
            {**row("a"), "contracts_version": next_major},  # written by the new release
            row("b"),  # the older release: upgrades
            row("c", sentiment="MIXED"),  # refused by the MAJOR change
            row("d", "99.0.0"),  # from the future: re-parse
            "[1, 2]",  # line 5: not an object
            "",  # blank lines are skipped
            "{broken",  # line 7: not JSON
        ],
    )
    report = tmp_path / "report.jsonl"
    status, out, err = cli(capsys, "--jsonl", str(export), "--dto", DTO, "--report", str(report))
    assert status == 1 and err == ""
    lines = [json.loads(line) for line in report.read_text().splitlines()]
    assert [(r["id"], r["outcome"], r.get("rule_id"), r.get("pointer")) for r in lines[:-1]] == [
        ("a", "reads", None, None),
        ("b", "upgrades", None, None),
        ("c", "refused", "enum-value-removed", "/sentiment"),
        ("d", "reparse", None, None),
        (5, "refused", "malformed-row", ""),
        (7, "refused", "malformed-row", ""),
    ]
    assert lines[1]["to"] == next_major
    assert lines[-1] == {
        "kind": "summary",
        "dto": DTO,
        "contracts_version": next_major,
        "rows": 6,
        "reads": 1,
        "upgrades": 1,
        "refused": 3,
        "reparse": 1,
        "upgrades_from": {CONTRACTS_VERSION: 1},
        "refused_by_rule": {"enum-value-removed": 1, "malformed-row": 2},
        "reparse_versions": {"99.0.0": 1},
        "dry_run": True,
        "written": 0,
        "ok": False,
    }
    # The human report lists the rows that cannot be read, and only those.
    listed = [line.split()[:2] for line in out.splitlines() if line[:1] in "rR" and "  " in line]
    assert [x for x in listed if x[0] in ("refused", "reparse")] == [
        ["refused", "c"], ["reparse", "d"], ["refused", "5"], ["refused", "7"],
    ]  # fmt: skip
    assert '"MIXED" was removed (enum-value-removed)' in out
    assert f"upgrades  1   from {CONTRACTS_VERSION}: 1" in out
    assert "4 row(s) cannot be read" in out and "--write" in out


def test_format_jsonl_puts_the_report_on_stdout(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = write_jsonl(tmp_path / "rows.jsonl", [row(1), row(2, "99.0.0")])
    status, out, err = cli(capsys, "--jsonl", str(export), "--dto", DTO, "--format", "jsonl")
    assert status == 1
    lines = [json.loads(line) for line in out.splitlines()]
    assert [r["kind"] for r in lines] == ["row", "row", "summary"]
    assert lines[-1]["reparse"] == 1 and lines[-1]["ok"] is False
    assert "reparse   1" in err  # the human summary goes to stderr


def test_write_makes_an_upgraded_copy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], next_major: str
) -> None:
    as_text = {**row("t"), "parsed_output": json.dumps(content())}
    rows: list[object] = [row("a"), row("m", sentiment="MIXED"), as_text, "[]"]
    export = write_jsonl(tmp_path / "rows.jsonl", rows)
    out_path = tmp_path / "upgraded.jsonl"
    status, out, _ = cli(
        capsys, "--jsonl", str(export), "--dto", DTO, "--write", "--out", str(out_path),
        "--format", "jsonl",
    )  # fmt: skip
    assert status == 1  # the MIXED row and the array are still refused
    report = [json.loads(line) for line in out.splitlines()]
    assert [r.get("written", False) for r in report[:-1]] == [True, False, True, False]
    assert report[-1]["written"] == 2 and report[-1]["dry_run"] is False
    copy = out_path.read_text().splitlines()
    original = export.read_text().splitlines()
    assert json.loads(copy[0]) == {**row("a"), "contracts_version": next_major}
    assert copy[1] == original[1] and copy[3] == original[3]  # copied as they were
    upgraded_text = json.loads(copy[2])
    assert upgraded_text["contracts_version"] == next_major
    assert json.loads(upgraded_text["parsed_output"]) == content()  # still JSON text
    assert not list(tmp_path.glob(".*.tmp"))
    # The copy, checked again: the upgraded rows read as they are.
    status, out, _ = cli(capsys, "--jsonl", str(out_path), "--dto", DTO, "--format", "jsonl")
    summary = json.loads(out.splitlines()[-1])
    assert (status, summary["reads"], summary["upgrades"], summary["refused"]) == (1, 2, 0, 2)


def test_write_leaves_no_copy_when_the_export_cannot_be_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = tmp_path / "rows.jsonl"
    export.write_bytes(json.dumps(row(1)).encode() + b"\n\xff\xfe\n")
    out_path = tmp_path / "copy.jsonl"
    status, _, err = cli(
        capsys, "--jsonl", str(export), "--dto", DTO, "--write", "--out", str(out_path)
    )
    assert status == 2 and "utf-8" in err
    assert not out_path.exists() and not list(tmp_path.glob(".*.tmp"))


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--jsonl", "{export}"], "pass --dto CLASS"),
        (["--jsonl", "{export}", "--dto", "Nope"], "'Nope' is not a generated model"),
        (["--jsonl", "{export}", "--dto", DTO, "--write"], "needs --out PATH"),
        (["--jsonl", "{export}", "--dto", DTO, "--out", "x.jsonl"], "--out is the upgraded copy"),
        (["--jsonl", "{export}", "--dto", DTO, "--write", "--out", "{export}"], "must not be"),
        (["--jsonl", "{missing}", "--dto", DTO], "no such file"),
        (["--jsonl", "{export}", "--dto", DTO, "--batch-size", "0"], "at least 1"),
        (["--django", "summaries.SessionSummaryRecord"], "needs DJANGO_SETTINGS_MODULE"),
    ],
)
def test_usage_errors_exit_2_and_say_what_to_do(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    message: str,
) -> None:
    monkeypatch.delenv("DJANGO_SETTINGS_MODULE", raising=False)
    export = write_jsonl(tmp_path / "rows.jsonl", [row(1)])
    paths = {"export": str(export), "missing": str(tmp_path / "missing.jsonl")}
    status, out, err = cli(capsys, *(a.format(**paths) for a in argv))
    assert status == 2 and out == ""
    assert err.startswith("error: ") and message in err


def test_argparse_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in ([], ["--jsonl", "a", "--django", "b.C"], ["--format", "xml"]):
        with pytest.raises(SystemExit) as exited:
            sr.main(argv)
        assert exited.value.code == 2
    assert "usage: python -m coach_app_baml_client.stored_rows" in capsys.readouterr().err


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_only_on_a_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    export = write_jsonl(tmp_path / "rows.jsonl", [row(1), row(2, "99.0.0")])
    _, _, err = cli(capsys, "--jsonl", str(export), "--dto", DTO)
    assert err == ""  # captured stderr is not a terminal
    for flags, shown in (([], True), (["--no-progress"], False)):
        terminal = Terminal()
        monkeypatch.setattr(sys, "stderr", terminal)
        monkeypatch.setattr(sr._Progress, "update", _always_draw(sr._Progress.update))
        assert sr.main(["--jsonl", str(export), "--dto", DTO, *flags]) == 1
        monkeypatch.undo()
        assert ("checked 2 rows; 1 cannot be read" in terminal.getvalue()) is shown
        # The line is cleared at the end, so what follows starts on a clean line.
        assert terminal.getvalue().endswith("\r\x1b[K") is shown
    capsys.readouterr()


def _always_draw(update: Any) -> Any:
    def draw(self: Any, summary: sr.Summary) -> None:
        self.shown = 0.0  # no throttling: a test run is faster than the 0.1 s redraw interval
        update(self, summary)

    return draw


def test_python_dash_m_runs_the_command(tmp_path: Path) -> None:
    export = write_jsonl(tmp_path / "rows.jsonl", [row(1), row(2, sentiment="ECSTATIC")])
    done = subprocess.run(
        [sys.executable, "-m", "coach_app_baml_client.stored_rows", "--jsonl", str(export),
         "--dto", DTO, "--format", "jsonl"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    summary = json.loads(done.stdout.splitlines()[-1])
    assert (summary["reads"], summary["refused"]) == (1, 1)


# ------------------------------------------------------------------- Django, on SQLite


DJANGO_APP = {
    "rowsapp/__init__.py": "",
    "rowsapp/models.py": """
        from django.db import models
        from coach_app_baml_client.persistence_django import LLMOutputRecord

        class Summary(LLMOutputRecord):
            contracts_dto = "SessionSummaryContent"

        class Anonymous(LLMOutputRecord):
            pass

        class Plain(models.Model):
            parsed_output = models.JSONField()
            contracts_version = models.CharField(max_length=32)
    """,
    "rowsite.py": """
        INSTALLED_APPS = ["rowsapp"]
        DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "rows.sqlite3"}}
        DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
        USE_TZ = True
    """,
}


def run_django(tmp_path: Path, script: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script), *args],
        cwd=tmp_path,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "rowsite",
            "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")]),
        },
        capture_output=True,
        text=True,
        timeout=120,
    )


PATCH_NEXT_MAJOR = f"""
import sys
from coach_app_baml_client import stored_rows as sr
sr.CONTRACTS_VERSION = {NEXT!r}
sr.KNOWN_VERSIONS = ({NEXT!r}, {CONTRACTS_VERSION!r})
"""


@pytest.fixture
def django_site(tmp_path: Path) -> Path:
    pytest.importorskip("django")
    for name, text in DJANGO_APP.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(textwrap.dedent(text))
    rows = [row(i) for i in range(1, 6)]
    rows[1]["parsed_output"]["sentiment"] = "ECSTATIC"
    rows[3]["contracts_version"] = "99.0.0"
    done = run_django(
        tmp_path,
        """
        import json, sys, django
        from django.core.management import call_command
        django.setup()
        call_command("migrate", run_syncdb=True, verbosity=0)
        from rowsapp.models import Summary, Plain
        for r in json.loads(sys.argv[1]):
            Summary.objects.create(**r)
        """,
        json.dumps(rows),
    )
    assert done.returncode == 0, done.stderr
    return tmp_path


def test_django_rows_by_primary_key_in_batches(django_site: Path) -> None:
    # contracts_dto on the model stands in for --dto; batches of 2 over 5 rows.
    done = run_django(
        django_site,
        "from coach_app_baml_client.stored_rows import main; raise SystemExit(main())",
        "--django", "rowsapp.Summary", "--batch-size", "2", "--format", "jsonl",
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(r["id"], r["outcome"]) for r in lines[:-1]] == [
        (1, "reads"), (2, "refused"), (3, "reads"), (4, "reparse"), (5, "reads"),
    ]  # fmt: skip
    assert (lines[1]["rule_id"], lines[1]["code"], lines[1]["pointer"]) == (
        "invalid-value", "enum", "/sentiment",
    )  # fmt: skip
    assert lines[-1]["dto"] == DTO


def test_django_batches_are_read_lazily(django_site: Path) -> None:
    done = run_django(
        django_site,
        """
        import django
        django.setup()
        from django.db import connection
        from django.test.utils import CaptureQueriesContext
        from coach_app_baml_client.stored_rows import check_django
        from rowsapp.models import Summary
        with CaptureQueriesContext(connection) as queries:
            results = check_django(Summary, "SessionSummaryContent", batch_size=2)
            assert len(queries) == 0
            first = next(results)
            assert (first.id, len(queries)) == (1, 1), (first, len(queries))
            rest = list(results)
        selects = [q["sql"] for q in queries if q["sql"].startswith("SELECT")]
        assert len(rest) == 4 and len(selects) == 3, selects
        assert all('ORDER BY "rowsapp_summary"."id" ASC LIMIT 2' in s for s in selects), selects
        assert '"raw_output"' not in selects[0], selects[0]
        print("ok")
        """,
    )
    assert done.returncode == 0 and done.stdout == "ok\n", done.stderr


def test_django_write_rewrites_the_upgraded_rows(django_site: Path) -> None:
    done = run_django(
        django_site,
        PATCH_NEXT_MAJOR
        + """
import json, django
status = sr.main(["--django", "rowsapp.Summary", "--write", "--batch-size", "2",
                  "--report", "report.jsonl"])
from rowsapp.models import Summary
stored = {r.pk: (r.contracts_version, r.parsed_output) for r in Summary.objects.all()}
print(json.dumps({"status": status, "stored": stored}))
""",
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.splitlines()[-1])
    assert result["status"] == 1  # the invalid row and the future one remain
    versions = {pk: v for pk, (v, _) in result["stored"].items()}
    assert versions == {"1": NEXT, "2": CONTRACTS_VERSION, "3": NEXT, "4": "99.0.0", "5": NEXT}
    assert result["stored"]["1"][1] == content()
    report = [json.loads(line) for line in (django_site / "report.jsonl").read_text().splitlines()]
    assert [r.get("written", False) for r in report[:-1]] == [True, False, True, False, True]
    assert report[-1]["written"] == 3 and report[-1]["upgrades"] == 3
    # Run again: the rewritten rows read as they are.
    again = run_django(
        django_site,
        PATCH_NEXT_MAJOR + 'raise SystemExit(sr.main(["--django", "rowsapp.Summary", "--format", "jsonl"]))',
    )  # fmt: skip
    summary = json.loads(again.stdout.splitlines()[-1])
    assert (summary["reads"], summary["upgrades"], summary["refused"], summary["reparse"]) == (
        3, 0, 1, 1,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("label", "message"),
    [
        (
            "rowsapp.Plain",
            "does not inherit coach_app_baml_client.persistence_django.LLMOutputRecord",
        ),
        ("rowsapp.Nope", "expected app_label.ModelName"),
        ("nothing", "expected app_label.ModelName"),
        ("rowsapp.Anonymous", 'or set contracts_dto = "SessionSummaryContent" on Anonymous'),
    ],
)
def test_django_model_errors_exit_2(django_site: Path, label: str, message: str) -> None:
    done = run_django(
        django_site,
        "from coach_app_baml_client.stored_rows import main; raise SystemExit(main())",
        "--django", label,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert done.stdout == "" and message in done.stderr
