# Type stubs for the private native module built from crates/py-binding.
# Checked against the compiled module by `stubtest` in the test suite.
from typing import Any, Final, Literal, final

from ._errors import ValidationIssue

__all__ = [
    "CONTRACTS_VERSION",
    "CLOUDEVENT_TYPE_PREFIX",
    "CLOUDEVENT_STRUCTURED_CONTENT_TYPE",
    "contracts_version",
    "event_types",
    "envelope_issues",
    "validate_envelope",
    "is_valid_envelope",
    "make_envelope",
    "downgrade_envelope",
    "with_position",
    "upgrade_envelope",
    "upgrade_dto",
    "negotiate_version",
    "known_versions",
    "version_major",
    "to_cloudevent",
    "from_cloudevent",
    "FoundIssues",
]

CONTRACTS_VERSION: Final[str]
CLOUDEVENT_TYPE_PREFIX: Final[str]
CLOUDEVENT_STRUCTURED_CONTENT_TYPE: Final[str]

@final
class FoundIssues:
    """The issues of an ``EnvelopeValidationError`` raised natively, until Python reads them."""

    def issues(self) -> list[ValidationIssue]: ...
    def message(self) -> str: ...

def contracts_version() -> str: ...
def event_types() -> list[str]: ...
def envelope_issues(
    envelope: object,
    mode: Literal["producer", "consumer"] = "producer",
    target_version: str | None = None,
    max_issues: int | None = None,
    max_depth: int | None = None,
    max_bytes: int | None = None,
) -> list[ValidationIssue]: ...
def validate_envelope(
    envelope: object,
    mode: Literal["producer", "consumer"] = "producer",
    target_version: str | None = None,
    max_issues: int | None = None,
    max_depth: int | None = None,
    max_bytes: int | None = None,
) -> None: ...
def is_valid_envelope(
    envelope: object,
    mode: Literal["producer", "consumer"] = "producer",
    target_version: str | None = None,
    max_depth: int | None = None,
    max_bytes: int | None = None,
) -> bool: ...
def make_envelope(
    event_type: str,
    payload: bytes | str | dict[str, Any],
    *,
    event_id: str | None = None,
    timestamp: str | None = None,
    correlation_id: str | None = None,
    actor_id: str | None = None,
    request_id: str | None = None,
) -> str: ...
def downgrade_envelope(data: bytes | str, to: str) -> str: ...
def with_position(data: bytes | str, stream: str, epoch: str, offset: int) -> str: ...
def upgrade_envelope(data: bytes | str) -> str: ...
def upgrade_dto(class_name: str, data: bytes | str, version: str) -> str: ...
def negotiate_version(announced: list[str]) -> tuple[int, str] | None: ...
def known_versions() -> list[str]: ...
def version_major(version: str) -> int | None: ...
def to_cloudevent(
    data: bytes | str,
    source: str,
    mode: str = "producer",
    target_version: str | None = None,
    max_issues: int | None = None,
    max_depth: int | None = None,
    max_bytes: int | None = None,
) -> str: ...
def from_cloudevent(
    data: bytes | str,
    mode: str = "consumer",
    target_version: str | None = None,
    max_issues: int | None = None,
    max_depth: int | None = None,
    max_bytes: int | None = None,
) -> str: ...
