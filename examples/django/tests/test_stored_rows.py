"""Rows stored by an earlier release, checked (and upgraded) by the next one, on PostgreSQL.

vA is the package installed here; vB is built in a temporary tagged copy
(tagged_release.py, in ``target/rows-e2e/repo``) with a MAJOR change to
``SessionSummaryContent``: the ``Sentiment`` value ``MIXED`` is removed (the
rows that hold it cannot be carried forward: ``enum-value-removed``) and an
optional field ``language`` is added. Rows are written into the example's
``SessionSummaryRecord`` table with ``LLMOutputRecord.from_output`` by vA (and
one by vB, one stamped ``99.0.0``), in a database of their own on the real
PostgreSQL server; then ``python -m coach_app_baml_client.stored_rows`` runs
with vB, as a backend would before bumping its dependency.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from coach_app_baml_client import CONTRACTS_VERSION
from conftest import EXAMPLE, django_env
from tagged_release import Release, build_release

# The MAJOR change: (file, old text, new text), each old text found exactly once.
EDITS = [
    ("baml_src/types/sessions.baml", "  NEUTRAL\n  MIXED\n", "  NEUTRAL\n"),
    (
        "baml_src/types/sessions.baml",
        '  confidence float @description("Model self-assessed confidence in [0.0, 1.0].")\n',
        '  confidence float @description("Model self-assessed confidence in [0.0, 1.0].")\n'
        '  language string? @description("BCP 47 tag of the summary\'s language.")\n',
    ),
    # A BAML test asserted MIXED; it must still compile.
    (
        "baml_src/tests/summarize_session.baml",
        'this.sentiment == "MIXED"',
        'this.sentiment == "NEGATIVE"',
    ),
]
TABLE = "summaries_sessionsummaryrecord"
CONTENT: dict[str, Any] = {
    "headline": "Progress on the CV",
    "overview": "The client rewrote two sections of the CV.",
    "key_topics": ["cv", "interviews", "confidence"],
    "sentiment": "POSITIVE",
    "breakthroughs": [],
    "action_items": [
        {"title": "Send the CV to two mentors", "owner": "CLIENT", "priority": "HIGH"}
    ],
    "follow_up_questions": ["What did the mentors say?"],
    "risk_flag": False,
    "confidence": 0.8,
}


def pk(n: int) -> str:
    """Row ``n``'s primary key: they sort in ``n`` order, as the check reads them."""
    return f"00000000-0000-4000-8000-{n:012d}"


@dataclass(frozen=True)
class Stored:
    """One row to store: by which release, holding what, and what vB must make of it."""

    n: int
    writer: str  # "vA" or "vB"
    outcome: str
    sentiment: str = "POSITIVE"
    version: str | None = None  # stamped over the writer's own
    rule_id: str | None = None
    pointer: str | None = None


ROWS = [
    Stored(1, "vA", "upgrades"),
    Stored(2, "vA", "refused", sentiment="MIXED", rule_id="enum-value-removed", pointer="/sentiment"),
    Stored(3, "vA", "upgrades", sentiment="NEGATIVE"),
    Stored(4, "vB", "reads"),
    Stored(5, "vA", "upgrades"),
    Stored(6, "vA", "upgrades"),
    Stored(7, "vA", "reparse", version="99.0.0"),
]  # fmt: skip

WRITER = """
import json, sys, uuid
import django
django.setup()
from coach_app_baml_client import CONTRACTS_VERSION
from coach_app_baml_client.baml_client import types
from summaries.models import SessionSummaryRecord
for spec in json.load(sys.stdin):
    content = types.SessionSummaryContent.model_validate(spec["content"])
    row = SessionSummaryRecord.from_output(
        "LLM text " + spec["id"], content, id=uuid.UUID(spec["id"]),
        session_id=uuid.uuid4(), model="test-llm",
    )
    if spec["version"]:
        row.contracts_version = spec["version"]
    row.save(force_insert=True)
print(CONTRACTS_VERSION)
"""


@pytest.fixture(scope="module")
def release() -> Release:
    return build_release("rows-e2e", EDITS, "major")


@pytest.fixture
def database(service_env: dict[str, str]) -> Iterator[dict[str, str]]:
    """A fresh, migrated database on the real server, just for these rows: the check reads
    the whole table, which other tests of the session also write to. Yields its env."""
    url = urlsplit(service_env["DATABASE_URL"])
    name = f"rows_check_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(service_env["DATABASE_URL"], autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    env = {**service_env, "DATABASE_URL": urlunsplit(url._replace(path=f"/{name}"))}
    try:
        migrate = subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput"],
            cwd=EXAMPLE, env={**os.environ, **env, **django_env()},
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert migrate.returncode == 0, migrate.stderr
        yield env
    finally:
        with psycopg.connect(service_env["DATABASE_URL"], autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def python(
    env: dict[str, str], site: Path | None, *args: str, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    """``python *args`` in the example, with vB first on the path when ``site`` is given."""
    extra = {"PYTHONPATH": str(site)} if site else {}
    return subprocess.run(
        [sys.executable, *args],
        cwd=EXAMPLE, input=stdin, capture_output=True, text=True, timeout=300,
        env={**os.environ, **env, **django_env(), **extra},
    )  # fmt: skip


def store(env: dict[str, str], release: Release) -> None:
    for writer, site, version in (
        ("vA", None, release.old),
        ("vB", release.site, release.new),
    ):
        specs = [
            {
                "id": pk(r.n),
                "content": {**CONTENT, "sentiment": r.sentiment},
                "version": r.version,
            }
            for r in ROWS
            if r.writer == writer
        ]
        done = python(env, site, "-c", WRITER, stdin=json.dumps(specs))
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == version  # written by that release's package


@dataclass(frozen=True)
class Check:
    status: int
    rows: list[dict[str, Any]]
    summary: dict[str, Any]
    stdout: str
    stderr: str


def check(env: dict[str, str], release: Release, tmp_path: Path, *args: str) -> Check:
    """The command, run with vB, its JSON Lines report parsed."""
    report = tmp_path / f"report-{uuid.uuid4().hex}.jsonl"
    done = python(
        env, release.site, "-m", "coach_app_baml_client.stored_rows",
        "--django", "summaries.SessionSummaryRecord", "--dto", "SessionSummaryContent",
        "--report", str(report), *args,
    )  # fmt: skip
    lines = (
        [json.loads(line) for line in report.read_text().splitlines()]
        if report.exists()
        else []
    )
    rows = [line for line in lines if line["kind"] == "row"]
    summaries = [line for line in lines if line["kind"] == "summary"]
    return Check(
        done.returncode,
        rows,
        summaries[0] if summaries else {},
        done.stdout,
        done.stderr,
    )


def stored_versions(env: dict[str, str]) -> dict[str, str]:
    with psycopg.connect(env["DATABASE_URL"]) as conn:
        rows = conn.execute(
            f"SELECT id, contracts_version FROM {TABLE} ORDER BY id"
        ).fetchall()
    return {str(id): version for id, version in rows}


def test_each_row_of_the_earlier_release_gets_its_outcome(
    release: Release, database: dict[str, str], tmp_path: Path
) -> None:
    assert (release.old, release.new) == (
        CONTRACTS_VERSION,
        "1.0.0",
    )  # 0.x -> 1.0.0: MAJOR
    store(database, release)
    before = stored_versions(database)

    result = check(database, release, tmp_path)

    assert result.status == 1, result.stderr  # a row is refused, one needs a re-parse
    assert [(r["id"], r["outcome"]) for r in result.rows] == [
        (pk(r.n), r.outcome) for r in ROWS
    ]
    for expected, got in zip(ROWS, result.rows):
        version = expected.version or (
            release.new if expected.writer == "vB" else release.old
        )
        assert got["contracts_version"] == version
        if expected.outcome == "upgrades":
            assert got["to"] == release.new
        if expected.outcome == "refused":
            assert (got["rule_id"], got["pointer"]) == (
                expected.rule_id,
                expected.pointer,
            )
            assert '"MIXED" of Sentiment' in got["message"]
        if expected.outcome == "reparse":
            assert "re-parse raw_output" in got["message"]
    assert {k: result.summary[k] for k in ("rows", "reads", "upgrades", "refused", "reparse")} == {
        "rows": 7, "reads": 1, "upgrades": 4, "refused": 1, "reparse": 1,
    }  # fmt: skip
    assert result.summary["contracts_version"] == release.new  # vB did the reading
    assert result.summary["refused_by_rule"] == {"enum-value-removed": 1}
    assert result.summary["upgrades_from"] == {release.old: 4}
    assert result.summary["reparse_versions"] == {"99.0.0": 1}
    assert (result.summary["dry_run"], result.summary["written"]) == (True, 0)
    # The human report names the two rows that cannot be read, and only them.
    listed = [
        line.split()[:2]
        for line in result.stdout.splitlines()
        if line[:8].strip() in ("refused", "reparse")
    ]
    assert listed == [["refused", pk(2)], ["reparse", pk(7)]]
    assert "/sentiment:" in result.stdout and "(enum-value-removed)" in result.stdout
    assert stored_versions(database) == before  # a dry run writes nothing


def test_write_rewrites_the_upgraded_rows_one_batch_transaction_at_a_time(
    release: Release, database: dict[str, str], tmp_path: Path
) -> None:
    store(database, release)
    # Batches of 3 by primary key: [1 2 3] [4 5 6] [7]. Row 6's update fails (a trigger), after
    # row 5's in the same batch: batch 1 stays committed, batch 2 is rolled back whole.
    with psycopg.connect(database["DATABASE_URL"], autocommit=True) as conn:
        conn.execute(
            "CREATE FUNCTION refuse_update() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'test refuses to update row %', OLD.id; END $$"
        )
        conn.execute(
            f"CREATE TRIGGER refuse_update BEFORE UPDATE ON {TABLE} FOR EACH ROW "
            f"WHEN (OLD.id = '{pk(6)}') EXECUTE FUNCTION refuse_update()"
        )
    failed = check(database, release, tmp_path, "--write", "--batch-size", "3")
    assert failed.status == 2, failed.stderr
    assert "the database could not be read or written" in failed.stderr
    assert f"test refuses to update row {pk(6)}" in failed.stderr
    old, new = release.old, release.new
    assert stored_versions(database) == {
        pk(1): new, pk(2): old, pk(3): new, pk(4): new, pk(5): old, pk(6): old, pk(7): "99.0.0",
    }  # fmt: skip
    assert [r["id"] for r in failed.rows if r.get("written")] == [pk(1), pk(3)]
    assert failed.summary == {}  # the run stopped: no summary line

    with psycopg.connect(database["DATABASE_URL"], autocommit=True) as conn:
        conn.execute(f"DROP TRIGGER refuse_update ON {TABLE}")
    done = check(database, release, tmp_path, "--write", "--batch-size", "3")
    assert done.status == 1, done.stderr  # rows 2 and 7 still cannot be read
    assert [(r["id"], r["outcome"], r.get("written", False)) for r in done.rows] == [
        (pk(1), "reads", False), (pk(2), "refused", False), (pk(3), "reads", False),
        (pk(4), "reads", False), (pk(5), "upgrades", True), (pk(6), "upgrades", True),
        (pk(7), "reparse", False),
    ]  # fmt: skip
    assert (done.summary["dry_run"], done.summary["written"]) == (False, 2)
    assert stored_versions(database) == {
        pk(1): new, pk(2): old, pk(3): new, pk(4): new, pk(5): new, pk(6): new, pk(7): "99.0.0",
    }  # fmt: skip
    with psycopg.connect(database["DATABASE_URL"]) as conn:
        (parsed,) = conn.execute(
            f"SELECT parsed_output FROM {TABLE} WHERE id = %s", (pk(5),)
        ).fetchone() or (None,)
    # Stored as vB's to_record writes it: the new optional field is there, empty.
    assert parsed["language"] is None and parsed["headline"] == CONTENT["headline"]
    assert parsed["action_items"][0]["title"] == CONTENT["action_items"][0]["title"]

    again = check(database, release, tmp_path)
    assert again.status == 1
    assert {k: again.summary[k] for k in ("reads", "upgrades", "refused", "reparse")} == {
        "reads": 5, "upgrades": 0, "refused": 1, "reparse": 1,
    }  # fmt: skip
