"""Check stored LLM output against this release before you upgrade to it.

Run it with the *next* version of this package installed (a virtualenv, a CI
job, a staging container), over the rows your backend stored under the policy
of :mod:`coach_app_baml_client.persistence` (``raw_output`` +
``parsed_output`` + ``contracts_version``)::

    python -m coach_app_baml_client.stored_rows --django summaries.SessionSummaryRecord \\
        --dto SessionSummaryContent [--write] [--report report.jsonl]
    python -m coach_app_baml_client.stored_rows --jsonl export.jsonl --dto SessionSummaryContent \\
        [--write --out upgraded.jsonl] [--format jsonl]

Each row gets one outcome, decided exactly as
:func:`~coach_app_baml_client.persistence.from_record` of this package would
read it:

``reads``
    Written under this MAJOR version; ``parsed_output`` validates as it is.
``upgrades``
    Written under an older release this package ships
    (:data:`~coach_app_baml_client.KNOWN_VERSIONS`, another MAJOR):
    :func:`~coach_app_baml_client.upgrade_dto` carries it forward and the
    result validates. ``--write`` stores the upgraded value.
``refused``
    It cannot be read: the upgrade is refused (``rule_id`` is the
    ``contracts diff`` rule in the way, ``pointer`` the RFC 6901 JSON Pointer
    into ``parsed_output``), it does not validate (``rule_id``
    ``invalid-value``, ``code`` the Pydantic error type, ``pointer``), or the
    row is malformed (``malformed-row``: a missing column or a JSONL line that
    is not an object; ``malformed-version``: ``contracts_version`` is not
    ``MAJOR.MINOR.PATCH``, a stricter check than ``from_record``'s;
    ``malformed-json``: ``parsed_output`` is text that is not JSON). Fix the
    data, or re-parse ``raw_output``.
``reparse``
    Written under a version this package cannot read at all (a newer MAJOR, or
    an older one it does not ship): re-parse ``raw_output`` with this
    release's ``b.parse.<Function>`` and store ``to_record(...)`` again.

The exit status is 0 when every row reads or upgrades, 1 when any row is
refused or needs a re-parse, 2 when the check could not run (bad arguments,
an unreadable source, a database error).

The same engine from Python (any iterable of rows: mappings or objects with
the three attributes; nothing is materialised)::

    >>> draft = {"title": "Book the gym", "owner": "CLIENT", "priority": "HIGH"}
    >>> row = {"id": 7, "parsed_output": draft, "contracts_version": CONTRACTS_VERSION}
    >>> [r.outcome.value for r in check_rows([row, {**row, "contracts_version": "99.0.0"}],
    ...                                      "ActionItemDraft")]
    ['reads', 'reparse']
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import difflib
import importlib
import json
import os
import sys
import time
import uuid
from collections.abc import Generator, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import IO, Any, Protocol, TextIO, TypeGuard, cast

from pydantic import BaseModel, ValidationError

from . import CONTRACTS_VERSION, KNOWN_VERSIONS, _native, upgrade_dto
from ._errors import UpgradeError
from .persistence import major_version

__all__ = [
    "INVALID_VALUE",
    "MALFORMED_JSON",
    "MALFORMED_ROW",
    "MALFORMED_VERSION",
    "Outcome",
    "RowResult",
    "Summary",
    "UsageError",
    "check_django",
    "check_jsonl",
    "check_record",
    "check_rows",
    "dto_model",
    "main",
    "report",
]

MALFORMED_ROW = "malformed-row"
"""Refused: a column is missing, or a JSONL line is not a JSON object."""
MALFORMED_VERSION = "malformed-version"
"""Refused: ``contracts_version`` is not a ``MAJOR.MINOR.PATCH`` string."""
MALFORMED_JSON = "malformed-json"
"""Refused: ``parsed_output`` is text that is not JSON."""
INVALID_VALUE = "invalid-value"
"""Refused: ``parsed_output`` does not validate with the model (as ``upgrade_dto`` names it)."""

_COLUMNS = ("parsed_output", "contracts_version")
_MISSING = object()


def _is_version(value: object) -> TypeGuard[str]:
    """True for a SemVer ``MAJOR.MINOR.PATCH`` string, as the core's parser reads it."""
    return isinstance(value, str) and _native.version_major(value) is not None


class Outcome(str, Enum):
    """What this release makes of one stored row."""

    READS = "reads"
    """Same MAJOR version: ``parsed_output`` validates as it is."""
    UPGRADES = "upgrades"
    """An older release this package ships: upgraded, and the result validates."""
    REFUSED = "refused"
    """Cannot be read: an upgrade rule refuses it, it does not validate, or it is malformed."""
    REPARSE = "reparse"
    """Written under a version this package cannot read: re-parse ``raw_output``."""


class UsageError(ValueError):
    """The check cannot run as asked (exit status 2); the message says how to fix it."""


class Writer(Protocol):
    """Where a report goes: a text file, ``sys.stdout``, an ``io.StringIO``."""

    def write(self, text: str, /) -> object: ...

    def flush(self) -> None: ...


@dataclass(frozen=True)
class RowResult:
    """The outcome of one row.

    >>> RowResult(3, Outcome.UPGRADES, "1.4.0", to="2.0.0").to_json()
    {'kind': 'row', 'id': 3, 'outcome': 'upgrades', 'contracts_version': '1.4.0', 'to': '2.0.0'}
    """

    id: object
    """The row's primary key (``id`` of a JSONL line, else its line number)."""
    outcome: Outcome
    contracts_version: object
    """``contracts_version`` as stored (``None`` when the column is missing)."""
    to: str | None = None
    """``upgrades``: the version the row was carried forward to (this package's)."""
    rule_id: str | None = None
    """``refused``: the ``contracts diff`` rule of :class:`~coach_app_baml_client.UpgradeError`,
    or ``invalid-value`` / ``malformed-row`` / ``malformed-version`` / ``malformed-json``."""
    code: str | None = None
    """``refused`` with ``invalid-value`` from the model: the Pydantic error type (``missing``...)."""
    pointer: str | None = None
    """``refused``: RFC 6901 JSON Pointer into ``parsed_output`` (``""`` is all of it)."""
    message: str | None = None
    """``refused`` / ``reparse``: what is wrong and what to do."""
    written: bool = False
    """``upgrades`` with ``--write``: the upgraded value was stored."""
    upgraded: dict[str, Any] | None = field(default=None, repr=False, compare=False)
    """``upgrades``: the value to store (``model.model_dump(mode="json")``, as ``to_record``)."""

    @property
    def readable(self) -> bool:
        """True for ``reads`` and ``upgrades``."""
        return self.outcome in (Outcome.READS, Outcome.UPGRADES)

    def to_json(self) -> dict[str, Any]:
        """The row's line of the JSON Lines report (fields that do not apply are left out)."""
        line: dict[str, Any] = {
            "kind": "row",
            "id": _json_id(self.id),
            "outcome": self.outcome.value,
            "contracts_version": _json_id(self.contracts_version),
        }
        for name in ("to", "rule_id", "code", "pointer", "message"):
            value = getattr(self, name)
            if value is not None:
                line[name] = value
        if self.written:
            line["written"] = True
        return line


@dataclass
class Summary:
    """Counts over a run; :meth:`add` each :class:`RowResult`. Bounded: it keeps no rows.

    >>> summary = Summary("ActionItemDraft", "2.0.0")
    >>> summary.add(RowResult(1, Outcome.READS, "2.0.0"))
    >>> summary.add(RowResult(2, Outcome.REPARSE, "99.0.0"))
    >>> summary.counts[Outcome.READS], summary.ok
    (1, False)
    """

    dto: str
    contracts_version: str
    """The version of this package: what the rows are checked against."""
    write: bool = False
    rows: int = 0
    counts: dict[Outcome, int] = field(default_factory=lambda: dict.fromkeys(Outcome, 0))
    upgrades_from: dict[str, int] = field(default_factory=dict[str, int])
    """``upgrades`` per stored version."""
    refused_by_rule: dict[str, int] = field(default_factory=dict[str, int])
    reparse_versions: dict[str, int] = field(default_factory=dict[str, int])
    written: int = 0

    def add(self, result: RowResult) -> None:
        """Count ``result``."""
        self.rows += 1
        self.counts[result.outcome] += 1
        version = str(result.contracts_version)
        if result.outcome is Outcome.UPGRADES:
            self.upgrades_from[version] = self.upgrades_from.get(version, 0) + 1
        elif result.outcome is Outcome.REFUSED:
            rule = result.rule_id or INVALID_VALUE
            self.refused_by_rule[rule] = self.refused_by_rule.get(rule, 0) + 1
        elif result.outcome is Outcome.REPARSE:
            self.reparse_versions[version] = self.reparse_versions.get(version, 0) + 1
        if result.written:
            self.written += 1

    @property
    def unreadable(self) -> int:
        """Rows refused or needing a re-parse."""
        return self.counts[Outcome.REFUSED] + self.counts[Outcome.REPARSE]

    @property
    def ok(self) -> bool:
        """True when every row reads or upgrades (exit status 0)."""
        return self.unreadable == 0

    def to_json(self) -> dict[str, Any]:
        """The last line of the JSON Lines report."""
        return {
            "kind": "summary",
            "dto": self.dto,
            "contracts_version": self.contracts_version,
            "rows": self.rows,
            **{outcome.value: n for outcome, n in self.counts.items()},
            "upgrades_from": dict(sorted(self.upgrades_from.items())),
            "refused_by_rule": dict(sorted(self.refused_by_rule.items())),
            "reparse_versions": dict(sorted(self.reparse_versions.items())),
            "dry_run": not self.write,
            "written": self.written,
            "ok": self.ok,
        }


def dto_model(dto: type[BaseModel] | str) -> type[BaseModel]:
    """The generated model named ``dto`` (a class of ``coach_app_baml_client.baml_client.types``).

    >>> dto_model("ActionItemDraft").__name__
    'ActionItemDraft'
    >>> dto_model("SessionSumaryContent")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    coach_app_baml_client.stored_rows.UsageError: 'SessionSumaryContent' is not a generated model of coach_app_baml_client.baml_client.types; did you mean: SessionSummaryContent, ...?
    """
    if not isinstance(dto, str):
        return dto
    from .baml_client import types

    found = getattr(types, dto, None)
    if isinstance(found, type) and issubclass(found, BaseModel):
        return found
    names = [
        name
        for name, value in vars(types).items()
        if isinstance(value, type) and issubclass(value, BaseModel) and value is not BaseModel
    ]
    close = difflib.get_close_matches(dto, names, n=3)
    hint = f"did you mean: {', '.join(close)}?" if close else "pass the BAML class name"
    raise UsageError(
        f"{dto!r} is not a generated model of coach_app_baml_client.baml_client.types; {hint}"
    )


def _json_id(value: object) -> object:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, uuid.UUID):
        return str(value)
    return str(value)


def _column(record: object, name: str) -> object:
    if isinstance(record, Mapping):
        mapping = cast("Mapping[str, object]", record)
        return mapping.get(name, _MISSING)
    return getattr(record, name, _MISSING)


def _record_id(record: object, default: object) -> object:
    for name in ("id", "pk"):
        value = _column(record, name)
        if value is not _MISSING and value is not None:
            return value
    return default


def _pointer(loc: Sequence[int | str]) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in loc)


def _validate(model: type[BaseModel], value: object) -> BaseModel | RowResult:
    try:
        return model.model_validate(value)
    except ValidationError as err:
        first = err.errors()[0]
        return RowResult(
            None,
            Outcome.REFUSED,
            None,
            rule_id=INVALID_VALUE,
            code=first["type"],
            pointer=_pointer(first["loc"]),
            message=f"{model.__name__} does not validate: {first['msg']} "
            f"({err.error_count()} error(s) in all)",
        )


def check_record(record: object, dto: type[BaseModel] | str, *, id: object = None) -> RowResult:
    """The outcome of one stored row under this package.

    ``record`` is a mapping (a DB row as a dict, a JSONL line) or an object
    with the attributes (a Django model instance, a
    :class:`~coach_app_baml_client.persistence.StoredOutput`); only
    ``parsed_output`` (a dict or JSON text) and ``contracts_version`` are
    read. ``id`` names the row in the result; by default the record's ``id``
    or ``pk``.

    >>> r = check_record({"parsed_output": {"title": "x"}, "contracts_version": CONTRACTS_VERSION},
    ...                  "ActionItemDraft", id=1)
    >>> (r.outcome.value, r.rule_id, r.code, r.pointer)
    ('refused', 'invalid-value', 'missing', '/owner')
    """
    model = dto_model(dto)
    row_id = _record_id(record, None) if id is None else id
    values = {name: _column(record, name) for name in _COLUMNS}
    missing = [name for name, value in values.items() if value is _MISSING]
    version = values["contracts_version"]
    stored_version = None if version is _MISSING else version

    def refused(rule_id: str, message: str, pointer: str = "") -> RowResult:
        return RowResult(
            row_id, Outcome.REFUSED, stored_version, rule_id=rule_id, pointer=pointer,
            message=message,
        )  # fmt: skip

    if missing:
        return refused(
            MALFORMED_ROW,
            f"the row has no {' and no '.join(missing)}; a stored LLM output has "
            "raw_output, parsed_output and contracts_version",
        )
    if not _is_version(version):
        return refused(
            MALFORMED_VERSION,
            f"contracts_version {version!r} is not a MAJOR.MINOR.PATCH version; set it to the "
            "version of the package that wrote the row, or re-parse raw_output",
        )
    stored_major, current_major = major_version(version), major_version(CONTRACTS_VERSION)
    upgrade = stored_major != current_major
    if upgrade and version not in KNOWN_VERSIONS:
        newer = stored_major > current_major
        why = (
            f"a newer MAJOR than this package's {CONTRACTS_VERSION}"
            if newer
            else "an older release this package does not ship "
            f"(it reads {', '.join(KNOWN_VERSIONS)})"
        )
        return RowResult(
            row_id,
            Outcome.REPARSE,
            version,
            message=f"written with contracts {version}, {why}: re-parse raw_output with this "
            "release's b.parse.<Function> and store to_record(raw_output, parsed) again",
        )
    parsed = values["parsed_output"]
    if isinstance(parsed, (str, bytes, bytearray)):
        try:
            parsed = json.loads(parsed)
        except ValueError as err:
            return refused(
                MALFORMED_JSON,
                f"parsed_output is text but not JSON ({err}); store the model's JSON, or "
                "re-parse raw_output",
            )
    if upgrade:
        try:
            parsed = upgrade_dto(model, parsed, version)
        except UpgradeError as err:
            return refused(err.rule_id, err.message, err.path)
        except (TypeError, ValueError) as err:
            return refused(INVALID_VALUE, f"parsed_output cannot be upgraded: {err}")
    checked = _validate(model, parsed)
    if isinstance(checked, RowResult):
        return dataclasses.replace(checked, id=row_id, contracts_version=version)
    if not upgrade:
        return RowResult(row_id, Outcome.READS, version)
    return RowResult(
        row_id,
        Outcome.UPGRADES,
        version,
        to=CONTRACTS_VERSION,
        upgraded=checked.model_dump(mode="json"),
    )


def check_rows(records: Iterable[object], dto: type[BaseModel] | str) -> Iterator[RowResult]:
    """:func:`check_record` of each record, lazily: one row in memory at a time.

    A record without ``id`` / ``pk`` gets its 1-based position as id.
    """
    model = dto_model(dto)
    for position, record in enumerate(records, start=1):
        yield check_record(record, model, id=_record_id(record, position))


def _rewritten_line(row: dict[str, Any], result: RowResult) -> str:
    assert result.upgraded is not None
    parsed: object = result.upgraded
    if isinstance(row.get("parsed_output"), str):  # keep the form it was stored in
        parsed = json.dumps(result.upgraded, ensure_ascii=False)
    new = {**row, "parsed_output": parsed, "contracts_version": result.to}
    return json.dumps(new, ensure_ascii=False) + "\n"


def check_jsonl(
    lines: Iterable[str], dto: type[BaseModel] | str, *, out: IO[str] | None = None
) -> Iterator[RowResult]:
    """Check a JSON Lines export, one line at a time.

    Each non-blank line is an object with ``parsed_output`` (an object, or
    JSON text), ``contracts_version`` and, optionally, ``id`` (the line
    number otherwise) and ``raw_output`` (not read; copied to ``out``). With
    ``out``, every line is copied to it, upgraded rows with their upgraded
    ``parsed_output`` and ``contracts_version`` (their result has
    ``written=True``).

    >>> line = json.dumps({"parsed_output": {"title": "x"}, "contracts_version": "1.0"})
    >>> [(r.id, r.rule_id) for r in check_jsonl(["\\n", line], "ActionItemDraft")]
    [(2, 'malformed-version')]
    """
    model = dto_model(dto)
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            if out is not None:
                out.write(line)
            continue
        row: object
        try:
            row = json.loads(line)
        except ValueError as err:
            row = None
            result = RowResult(
                number, Outcome.REFUSED, None, rule_id=MALFORMED_ROW, pointer="",
                message=f"line {number} is not JSON ({err}); one JSON object per line",
            )  # fmt: skip
        else:
            if isinstance(row, dict):
                row = cast("dict[str, Any]", row)
                result = check_record(row, model, id=_record_id(row, number))
            else:
                result = RowResult(
                    number, Outcome.REFUSED, None, rule_id=MALFORMED_ROW, pointer="",
                    message=f"line {number} is a JSON {type(row).__name__}, not an object",
                )  # fmt: skip
        if out is not None:
            if result.outcome is Outcome.UPGRADES and isinstance(row, dict):
                out.write(_rewritten_line(row, result))  # pyright: ignore[reportUnknownArgumentType]
                result = dataclasses.replace(result, written=True)
            else:
                out.write(line if line.endswith("\n") else line + "\n")
        yield result


def _django_model(label: str) -> Any:
    """The model class ``app_label.ModelName``, Django set up; it must be an LLMOutputRecord."""
    if not os.environ.get("DJANGO_SETTINGS_MODULE"):
        raise UsageError(
            "--django needs DJANGO_SETTINGS_MODULE (the settings of your project, as for "
            "manage.py), e.g. DJANGO_SETTINGS_MODULE=mysite.settings"
        )
    try:
        django: Any = importlib.import_module("django")
    except ImportError:
        raise UsageError(
            'Django is not installed: pip install "coach-app-baml-client[django]"'
        ) from None
    django.setup()
    apps: Any = importlib.import_module("django.apps").apps
    try:
        model: Any = apps.get_model(label)
    except (LookupError, ValueError) as err:
        raise UsageError(
            f"--django {label!r}: {err}; expected app_label.ModelName of an installed app "
            "(e.g. summaries.SessionSummaryRecord)"
        ) from None
    from .persistence_django import LLMOutputRecord

    if not issubclass(model, LLMOutputRecord):
        raise UsageError(
            f"--django {label!r}: {model.__module__}.{model.__name__} does not inherit "
            "coach_app_baml_client.persistence_django.LLMOutputRecord; only such models follow "
            "the raw_output + parsed_output + contracts_version policy this check reads"
        )
    return model


def check_django(
    model: Any, dto: type[BaseModel] | str, *, write: bool = False, batch_size: int = 1000
) -> Iterator[RowResult]:
    """Check every row of ``model`` (a concrete ``LLMOutputRecord`` subclass), lazily.

    Rows are read by primary key, ``batch_size`` at a time (keyset pages:
    ``pk > last ORDER BY pk LIMIT batch_size``; only ``pk``,
    ``parsed_output`` and ``contracts_version`` are loaded), so memory stays
    bounded and no cursor stays open between batches. With ``write``, each
    batch runs in its own ``transaction.atomic()``, its rows locked
    (``SELECT ... FOR UPDATE``): the upgraded rows of a batch get their new
    ``parsed_output`` and ``contracts_version`` together or not at all, and a
    row changed since it was read is left alone (the update also matches the
    old ``contracts_version``). A failure stops the run with the earlier
    batches committed, which is safe: a rewritten row reads as is, so running
    again continues where it stopped. One transaction per batch, not per run,
    so that millions of rows hold no locks for the whole run.
    """
    if batch_size < 1:
        raise UsageError(f"batch_size must be at least 1, got {batch_size}")
    transaction: Any = importlib.import_module("django.db").transaction
    target = dto_model(dto)
    manager: Any = getattr(model, "_default_manager")
    rows: Any = manager.order_by("pk").only("pk", "parsed_output", "contracts_version")
    last: object = None
    while True:
        page: Any = rows if last is None else rows.filter(pk__gt=last)
        if write:
            with transaction.atomic(using=manager.db):
                batch: list[Any] = list(page.select_for_update()[:batch_size])
                results = [check_record(row, target, id=row.pk) for row in batch]
                results = [_store(manager, result) for result in results]
        else:
            batch = list(page[:batch_size])
            results = [check_record(row, target, id=row.pk) for row in batch]
        yield from results
        if len(batch) < batch_size:
            return
        last = batch[-1].pk


def _store(manager: Any, result: RowResult) -> RowResult:
    if result.outcome is not Outcome.UPGRADES:
        return result
    updated = manager.filter(pk=result.id, contracts_version=result.contracts_version).update(
        parsed_output=result.upgraded, contracts_version=result.to
    )
    return dataclasses.replace(result, written=bool(updated))


class _Progress:
    """``checked N / TOTAL rows`` on stderr, redrawn at most 10 times a second."""

    def __init__(self, stream: TextIO | None, total: int | None) -> None:
        self.stream = stream
        self.total = total
        self.shown = 0.0
        self.drawn = False

    def update(self, summary: Summary) -> None:
        if self.stream is None:
            return
        now = time.monotonic()
        if now - self.shown < 0.1:
            return
        self.shown = now
        done = f"{summary.rows:,}"
        if self.total:
            done += f" / {self.total:,} ({100 * summary.rows / self.total:.1f}%)"
        self.stream.write(f"\r\x1b[Kchecked {done} rows; {summary.unreadable:,} cannot be read")
        self.stream.flush()
        self.drawn = True

    def clear(self) -> None:
        if self.stream is not None and self.drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.drawn = False


def _row_line(result: RowResult) -> str:
    where = f"{result.pointer}: " if result.pointer else ""
    why = (
        f" ({result.rule_id}{', ' + result.code if result.code else ''})" if result.rule_id else ""
    )
    version = result.contracts_version
    shown = version if _is_version(version) else repr(version)
    return (
        f"{result.outcome.value:<8} {_json_id(result.id)}  contracts {shown}: "
        f"{where}{result.message}{why}\n"
    )


def _summary_text(summary: Summary) -> str:
    def detail(counts: dict[str, int]) -> str:
        return ", ".join(f"{key}: {n:,}" for key, n in sorted(counts.items()))

    mode = "written" if summary.write else "dry run: nothing written"
    lines = [
        f"Checked {summary.rows:,} {summary.dto} rows against contracts "
        f"{summary.contracts_version} ({mode}).",
        f"  reads     {summary.counts[Outcome.READS]:,}",
        f"  upgrades  {summary.counts[Outcome.UPGRADES]:,}"
        + (f"   from {detail(summary.upgrades_from)}" if summary.upgrades_from else ""),
        f"  refused   {summary.counts[Outcome.REFUSED]:,}"
        + (f"   {detail(summary.refused_by_rule)}" if summary.refused_by_rule else ""),
        f"  reparse   {summary.counts[Outcome.REPARSE]:,}"
        + (
            f"   written with {detail(summary.reparse_versions)}"
            if summary.reparse_versions
            else ""
        ),
    ]
    if summary.write:
        lines.append(f"  rewritten {summary.written:,} upgraded rows")
    elif summary.counts[Outcome.UPGRADES]:
        lines.append(
            f"Run again with --write to store the upgraded rows as {summary.contracts_version}."
        )
    if summary.ok:
        lines.append(f"Every row reads with contracts {summary.contracts_version}.")
    else:
        lines.append(
            f"{summary.unreadable:,} row(s) cannot be read with contracts "
            f"{summary.contracts_version}: fix or re-parse them before upgrading."
        )
    return "\n".join(lines) + "\n"


def report(
    results: Iterable[RowResult],
    summary: Summary,
    *,
    jsonl: Writer | None = None,
    text: Writer | None = None,
    progress: TextIO | None = None,
    total: int | None = None,
) -> Summary:
    """Consume ``results`` one at a time into ``summary`` and the reports; returns ``summary``.

    ``jsonl`` gets one object per row (:meth:`RowResult.to_json`) then the
    summary (:meth:`Summary.to_json`); ``text`` gets a line per row that
    cannot be read (refused, reparse) as it is found, then the summary;
    ``progress`` (a terminal) a progress line, out of ``total`` rows when known.
    """
    bar = _Progress(progress, total)
    listed = False
    for result in results:
        summary.add(result)
        if jsonl is not None:
            jsonl.write(json.dumps(result.to_json(), ensure_ascii=False) + "\n")
        if text is not None and not result.readable:
            bar.clear()
            text.write(_row_line(result))
            listed = True
        bar.update(summary)
    bar.clear()
    if jsonl is not None:
        jsonl.write(json.dumps(summary.to_json(), ensure_ascii=False) + "\n")
        jsonl.flush()
    if text is not None:
        text.write(("\n" if listed else "") + _summary_text(summary))
        text.flush()
    return summary


@contextlib.contextmanager
def _replaced_atomically(path: Path) -> Generator[IO[str], None, None]:
    """A file written next to ``path`` and renamed onto it only when the block completes."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with temporary.open("w", encoding="utf-8") as stream:
            yield stream
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m coach_app_baml_client.stored_rows",
        description="Check stored LLM output (raw_output + parsed_output + contracts_version) "
        "against this version of the contracts, before you upgrade to it: each row reads as is, "
        "upgrades, is refused (with the rule id and the JSON Pointer) or needs a re-parse of "
        "raw_output.",
        epilog="Exit status: 0 every row reads or upgrades; 1 some row is refused or needs a "
        "re-parse; 2 the check could not run.",
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--django",
        metavar="APP_LABEL.MODEL",
        help="a model inheriting persistence_django.LLMOutputRecord (needs DJANGO_SETTINGS_MODULE)",
    )
    source.add_argument(
        "--jsonl",
        metavar="PATH",
        type=Path,
        help="a JSON Lines export: one object per line with parsed_output, contracts_version, "
        "optional id and raw_output",
    )
    parser.add_argument(
        "--dto",
        metavar="CLASS",
        help="the generated model parsed_output holds (e.g. SessionSummaryContent); with "
        "--django, defaults to the model's contracts_dto",
    )
    parser.add_argument(
        "--write",
        action="store_true",
        help="store the upgraded rows (default: a dry run). --django: one transaction per batch; "
        "--jsonl: writes an upgraded copy to --out",
    )
    parser.add_argument("--out", metavar="PATH", type=Path, help="--jsonl --write: the copy")
    parser.add_argument(
        "--report", metavar="PATH", type=Path, help="write the JSON Lines report to PATH"
    )
    parser.add_argument(
        "--format",
        choices=("text", "jsonl"),
        default="text",
        help="stdout: the human report (text, default) or the JSON Lines report (jsonl; the "
        "summary then goes to stderr)",
    )
    parser.add_argument(
        "--batch-size", metavar="N", type=int, default=1000, help="--django rows per batch"
    )
    parser.add_argument(
        "--no-progress", action="store_true", help="no progress line, even on a terminal"
    )
    return parser


def _dto_name(args: argparse.Namespace, model: Any) -> str:
    if args.dto:
        return str(args.dto)
    declared = getattr(model, "contracts_dto", None) if model is not None else None
    if isinstance(declared, str) and declared:
        return declared
    where = (
        f'or set contracts_dto = "SessionSummaryContent" on {model.__name__}'
        if model is not None
        else "e.g. --dto SessionSummaryContent"
    )
    raise UsageError(f"which model does parsed_output hold? pass --dto CLASS, {where}")


def _check_arguments(args: argparse.Namespace) -> None:
    if args.batch_size < 1:
        raise UsageError(f"--batch-size must be at least 1, got {args.batch_size}")
    if args.out is not None and not (args.write and args.jsonl is not None):
        raise UsageError("--out is the upgraded copy of --jsonl --write; use it with both")
    if args.jsonl is not None and args.write and args.out is None:
        raise UsageError("--jsonl --write needs --out PATH: the export is not rewritten in place")
    if args.jsonl is not None and not args.jsonl.is_file():
        raise UsageError(f"--jsonl {str(args.jsonl)!r}: no such file")
    if (
        args.out is not None
        and args.jsonl is not None
        and args.out.resolve() == args.jsonl.resolve()
    ):
        raise UsageError("--out must not be the --jsonl file: it is read while the copy is written")


def _run(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> Summary:
    _check_arguments(args)
    model = _django_model(args.django) if args.django is not None else None
    dto = dto_model(_dto_name(args, model))
    summary = Summary(dto.__name__, CONTRACTS_VERSION, write=bool(args.write))
    progress = stderr if not args.no_progress and stderr.isatty() else None
    with contextlib.ExitStack() as stack:
        jsonl = _Tee(
            stdout if args.format == "jsonl" else None,
            stack.enter_context(args.report.open("w", encoding="utf-8")) if args.report else None,
        )
        total = None
        if model is not None:
            if progress is not None:
                total = int(getattr(model, "_default_manager").count())
            results = check_django(model, dto, write=args.write, batch_size=args.batch_size)
        else:
            lines = stack.enter_context(args.jsonl.open(encoding="utf-8"))
            out = stack.enter_context(_replaced_atomically(args.out)) if args.write else None
            results = check_jsonl(lines, dto, out=out)
        report(
            results,
            summary,
            jsonl=jsonl if jsonl.streams else None,
            text=stdout if args.format == "text" else None,
            progress=progress,
            total=total,
        )
    if args.format == "jsonl":
        stderr.write(_summary_text(summary))
    return summary


class _Tee:
    """Writes to every stream given (stdout and --report)."""

    def __init__(self, *streams: Writer | None) -> None:
        self.streams = [s for s in streams if s is not None]

    def write(self, text: str, /) -> int:
        for stream in self.streams:
            stream.write(text)
        return len(text)

    def flush(self) -> None:
        for stream in self.streams:
            stream.flush()


def _database_errors() -> tuple[type[Exception], ...]:
    if "django.db" not in sys.modules:
        return ()
    error: type[Exception] = importlib.import_module("django.db").DatabaseError
    return (error,)


def main(argv: Sequence[str] | None = None) -> int:
    """The command line (``python -m coach_app_baml_client.stored_rows --help``).

    Returns the exit status: 0 when every row reads or upgrades, 1 when some
    row is refused or needs a re-parse, 2 when the check could not run.
    """
    args = _parser().parse_args(argv)
    try:
        summary = _run(args, sys.stdout, sys.stderr)
    except (UsageError, OSError) as err:
        sys.stderr.write(f"error: {err}\n")
        return 2
    except UnicodeDecodeError as err:
        sys.stderr.write(f"error: --jsonl {args.jsonl}: not UTF-8 text ({err}); nothing written\n")
        return 2
    except Exception as err:
        if not isinstance(err, _database_errors()):
            raise
        sys.stderr.write(
            f"error: the database could not be read or written: {err}\n"
            "(with --write, the batches before this one are committed; run again to continue)\n"
        )
        return 2
    return 0 if summary.ok else 1


if __name__ == "__main__":
    sys.exit(main())
