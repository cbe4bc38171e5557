"""Store LLM output the way every backend of this project does.

The policy: keep ``raw_output`` (the LLM's text, verbatim), ``parsed_output``
(the generated model as JSON; a ``jsonb`` column) and ``contracts_version``
(the version of these contracts that wrote it). Validate ``parsed_output``
with the generated Pydantic model when writing and again when reading, and
refuse to read a record written under another MAJOR version: its shape may
have changed incompatibly. ``raw_output`` lets you re-parse such a record with
the current BAML function (``b.parse.<Function>(raw_output)``).

>>> from coach_app_baml_client.baml_client import types
>>> draft = types.ActionItemDraft(title="Book the gym", owner="CLIENT", priority="HIGH")
>>> stored = to_record('{"title": "Book the gym", ...}', draft)
>>> stored.parsed_output["title"], stored.contracts_version == CONTRACTS_VERSION
('Book the gym', True)
>>> from_record(stored, types.ActionItemDraft) == draft
True

Django users: ``coach_app_baml_client.persistence_django.LLMOutputRecord`` is
an abstract model with these three columns.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel

from . import CONTRACTS_VERSION, KNOWN_VERSIONS, _native, upgrade_dto

__all__ = [
    "ContractsVersionError",
    "StoredOutput",
    "from_record",
    "major_version",
    "to_record",
]

M = TypeVar("M", bound=BaseModel)


class ContractsVersionError(ValueError):
    """A stored record was written under another MAJOR contracts version."""


@dataclass(frozen=True)
class StoredOutput:
    """The three stored columns of one LLM output."""

    raw_output: str
    """The LLM's text, verbatim (a ``text`` column)."""
    parsed_output: dict[str, Any]
    """The parsed result as JSON-compatible data (a ``jsonb`` column)."""
    contracts_version: str
    """The ``CONTRACTS_VERSION`` that wrote the record (a ``text`` column)."""


def major_version(version: str) -> int:
    """The MAJOR part of a SemVer ``MAJOR.MINOR.PATCH`` version.

    Read by the core's SemVer parser (the ``semver`` crate), so Python and
    Rust agree on what a version is. Raises :class:`ContractsVersionError`
    for anything else.

    >>> major_version("2.4.1")
    2
    >>> major_version("1.0.0-rc.1+build.5")
    1
    """
    major = _native.version_major(version.strip())
    if major is None:
        raise ContractsVersionError(
            f"stored contracts_version {version!r} is not a MAJOR.MINOR.PATCH version"
        )
    return major


def to_record(raw_output: str, parsed: BaseModel) -> StoredOutput:
    """The record to store for ``parsed`` (a generated model) parsed from ``raw_output``.

    ``parsed_output`` is ``parsed.model_dump(mode="json")``, validated again
    with ``type(parsed)`` so that what is stored is guaranteed to read back.
    """
    if not isinstance(raw_output, str):
        raise TypeError(f"raw_output must be str, got {type(raw_output).__name__}")
    if not isinstance(parsed, BaseModel):
        raise TypeError(f"parsed must be a generated Pydantic model, got {type(parsed).__name__}")
    data: dict[str, Any] = parsed.model_dump(mode="json")
    type(parsed).model_validate(data)
    return StoredOutput(
        raw_output=raw_output, parsed_output=data, contracts_version=CONTRACTS_VERSION
    )


def _field(record: object, name: str) -> Any:
    if isinstance(record, Mapping):
        if name not in record:
            raise KeyError(f"stored record has no {name!r}")
        return record[name]
    try:
        return getattr(record, name)
    except AttributeError:
        raise AttributeError(
            f"stored record {type(record).__name__} has no attribute {name!r}; expected "
            "raw_output, parsed_output and contracts_version"
        ) from None


def from_record(record: StoredOutput | Mapping[str, Any] | object, model: type[M]) -> M:
    """Read ``parsed_output`` of ``record`` back as ``model``, validating it.

    ``record`` is a :class:`StoredOutput`, a mapping (a DB row as a dict) or
    any object with the three attributes (a Django model instance).
    ``parsed_output`` may be a dict or JSON text. A record of the same MAJOR
    version is validated as it is (the changes since were additive). One of
    the previous MAJOR that this package still ships
    (:data:`~coach_app_baml_client.KNOWN_VERSIONS`) is first rewritten into
    the current version with :func:`~coach_app_baml_client.upgrade_dto`
    (raising :class:`~coach_app_baml_client.UpgradeError` when it cannot be
    carried forward). Raises :class:`ContractsVersionError` for any other
    MAJOR version, and ``pydantic.ValidationError`` when ``parsed_output``
    does not fit ``model``.
    """
    version = _field(record, "contracts_version")
    if not isinstance(version, str):
        raise ContractsVersionError(
            f"stored contracts_version must be a string, got {type(version).__name__}"
        )
    parsed = _field(record, "parsed_output")
    stored_major, current_major = major_version(version), major_version(CONTRACTS_VERSION)
    if stored_major != current_major and version in KNOWN_VERSIONS:
        return model.model_validate(upgrade_dto(model, parsed, version))
    if stored_major != current_major:
        raise ContractsVersionError(
            f"this record was written with contracts {version} (MAJOR {stored_major}) but this "
            f"package implements contracts {CONTRACTS_VERSION} (MAJOR {current_major}); its "
            "parsed_output may not fit the current models. Migrate the stored records (for "
            f"example re-parse raw_output with the current b.parse.<Function>, then store "
            f"to_record(raw_output, parsed) again), or read them with "
            f"coach-app-baml-client {stored_major}.x."
        )
    if isinstance(parsed, (str, bytes, bytearray)):
        return model.model_validate_json(parsed)
    return model.model_validate(parsed)
