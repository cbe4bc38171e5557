"""Exceptions and issue records raised by the native validator.

They are defined in Python (and raised from Rust) so applications can import,
catch, subclass and type-check them like any other Python class.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from ._issue_codes import IssueCode
from ._native import FoundIssues

__all__ = [
    "DeliveryUnavailableError",
    "DowngradeError",
    "EnvelopeValidationError",
    "RewriteError",
    "UnservableReason",
    "UnsupportedVersionError",
    "UpgradeError",
    "ValidationIssue",
    "ResumeError",
]


class ValidationIssue(NamedTuple):
    """One problem in an envelope.

    >>> ValidationIssue("/payload/title", "missing_field", "missing required field `title`")
    ValidationIssue(path='/payload/title', code='missing_field', message='missing required field `title`')
    """

    path: str
    """RFC 6901 JSON Pointer to the offending value (``""`` is the whole envelope)."""
    code: IssueCode
    """A stable code such as ``missing_field`` (one of :data:`IssueCode`); the same in Rust,
    Python and Node."""
    message: str
    """What is wrong and how to fix it."""

    def __str__(self) -> str:
        return f"{self.path or '(root)'}: {self.message} ({self.code})"


class EnvelopeValidationError(ValueError):
    """An envelope failed validation; ``.issues`` lists every problem.

    >>> err = EnvelopeValidationError([ValidationIssue("/type", "missing_field", "missing `type`")])
    >>> print(err)
    invalid envelope: 1 issue(s)
      /type: missing `type` (missing_field)
    """

    issues: list[ValidationIssue]

    def __init__(self, issues: list[ValidationIssue], message: str | None = None) -> None:
        """``message`` defaults to the summary line and one line per issue."""
        self.issues = list(issues)
        if message is None:
            lines = [f"invalid envelope: {len(self.issues)} issue(s)"]
            lines += [f"  {issue}" for issue in self.issues]
            message = "\n".join(lines)
        super().__init__(message)

    # The native validator raises this class without running `__init__`: its
    # args are `(FoundIssues,)`, the issues as the core found them, because
    # most invalid envelopes are caught and dropped and building the message
    # and the issue tuples cost more than finding the issues. Every way to
    # read the error (`.issues`, `.args`, `str`, `repr`, pickling, copying)
    # first turns it into what `__init__` makes: `args == (message,)` and
    # `.issues` in the instance dict.

    def _materialize(self) -> None:
        args = _BASE_ARGS.__get__(self)
        if len(args) == 1 and type(args[0]) is FoundIssues:
            found: FoundIssues = args[0]
            self.__dict__["issues"] = found.issues()
            _BASE_ARGS.__set__(self, (found.message(),))

    if not TYPE_CHECKING:  # type checkers see `issues` as the attribute it is

        def __getattr__(self, name: str) -> object:
            if name == "issues":
                self._materialize()
                if "issues" in self.__dict__:
                    return self.__dict__["issues"]
            raise AttributeError(
                f"{type(self).__name__!r} object has no attribute {name!r}", name=name, obj=self
            )

    @property
    def args(self) -> tuple[Any, ...]:  # pyright: ignore[reportIncompatibleVariableOverride]
        self._materialize()
        return _BASE_ARGS.__get__(self)

    @args.setter
    def args(self, value: tuple[Any, ...]) -> None:  # pyright: ignore[reportIncompatibleVariableOverride]
        self._materialize()
        _BASE_ARGS.__set__(self, value)

    def __str__(self) -> str:
        self._materialize()
        return super().__str__()

    def __repr__(self) -> str:
        self._materialize()
        return super().__repr__()

    def __reduce__(self) -> tuple[Any, ...]:
        # `BaseException.__reduce__` would call `cls(message)`, which reads the
        # message as the issues: rebuild the same args and dict instead.
        self._materialize()
        return (_rebuild, (type(self), _BASE_ARGS.__get__(self)), self.__dict__)


_BASE_ARGS: Any = BaseException.__dict__["args"]
"""The `args` attribute of every exception (a descriptor), under `EnvelopeValidationError.args`."""


def _rebuild(cls: type[BaseException], args: tuple[Any, ...]) -> BaseException:
    """An exception of ``cls`` with ``args``, without running its ``__init__`` (unpickling)."""
    return BaseException.__new__(cls, *args)


class RewriteError(ValueError):
    """An envelope (or a DTO) cannot be rewritten to another contracts version without loss.

    ``rule_id`` is the ``contracts diff`` rule of the change in the way (or
    ``unknown-version``, ``invalid-envelope``, ``unknown-class``,
    ``invalid-value``); ``path`` is an RFC 6901 JSON Pointer into the input.
    The base of :class:`DowngradeError` and :class:`UpgradeError`.
    """

    rule_id: str
    path: str
    message: str

    def __init__(self, rule_id: str, path: str, message: str) -> None:
        self.rule_id = rule_id
        self.path = path
        self.message = message
        super().__init__(f"{path or '(root)'}: {message} ({rule_id})")


class DowngradeError(RewriteError):
    """An envelope cannot be downgraded to an older contracts version without loss.

    ``rule_id`` is the ``contracts diff`` rule of the change that makes it
    lossy (``event-type-added``, ``enum-value-added``,
    ``field-added-required``, ``field-optional-to-required``,
    ``field-type-changed``), or ``unknown-version`` / ``invalid-envelope``;
    ``path`` is an RFC 6901 JSON Pointer into the envelope.

    >>> err = DowngradeError("enum-value-added", "/payload/status", "ARCHIVED is new")
    >>> (err.rule_id, err.path)
    ('enum-value-added', '/payload/status')
    >>> print(err)
    /payload/status: ARCHIVED is new (enum-value-added)
    """


class UpgradeError(RewriteError):
    """An envelope or DTO of an older contracts version cannot be carried forward to this one.

    ``rule_id`` is the ``contracts diff`` rule of the change in the way
    (``event-type-removed``, ``enum-value-removed``, ``field-removed``,
    ``field-added-required``, ``field-optional-to-required``,
    ``field-type-changed``, ``class-removed``), or ``unknown-version``,
    ``invalid-envelope``, ``unknown-class``, ``invalid-value``; ``path`` is an
    RFC 6901 JSON Pointer into the input.

    >>> err = UpgradeError("field-added-required", "/payload/owner", "owner is required now")
    >>> isinstance(err, RewriteError), err.rule_id
    (True, 'field-added-required')
    """


UnservableReason = Literal["malformed", "newer-major", "not-in-history"]
"""Why a client's announced contracts version cannot be served."""


class UnsupportedVersionError(ValueError):
    """A client announced a contracts version this build cannot serve.

    ``reason`` is ``malformed`` (not ``MAJOR.MINOR.PATCH``), ``newer-major``
    (the backend must be upgraded first) or ``not-in-history`` (an older
    version that is not a release this build keeps); the message lists the
    supported versions.

    >>> err = UnsupportedVersionError("99.0.0", "newer-major", "contracts 99.0.0 ...")
    >>> (err.announced, err.reason)
    ('99.0.0', 'newer-major')
    """

    announced: str
    reason: UnservableReason

    def __init__(self, announced: str, reason: UnservableReason, message: str) -> None:
        self.announced = announced
        self.reason = reason
        super().__init__(message)


class DeliveryUnavailableError(ConnectionError):
    """The event stream (Redis) could not be reached in time.

    Raised by :func:`~coach_app_baml_client.channels.broadcast` within the
    layer's ``publish_timeout``: the envelope may or may not have been
    published, and publishing it again is safe (the stream drops an envelope
    whose ``meta.event_id`` it already holds). ``group`` is the stream.

    >>> err = DeliveryUnavailableError("session.42", "Redis did not answer within 2.0 s")
    >>> print(err)
    could not publish to stream 'session.42': Redis did not answer within 2.0 s; publishing the same envelope again is safe
    """

    group: str

    def __init__(self, group: str, reason: str) -> None:
        self.group = group
        super().__init__(
            f"could not publish to stream {group!r}: {reason}; "
            "publishing the same envelope again is safe"
        )


class ResumeError(ValueError):
    """A client's ``resume`` query parameter is malformed.

    ``value`` is the offending entry; the message says what a valid one looks
    like. A :class:`~coach_app_baml_client.channels.ContractsConsumer` closes
    such a socket with 4400.

    >>> print(ResumeError("x", "expected <stream>:<epoch>:<offset>"))
    resume='x': expected <stream>:<epoch>:<offset>
    """

    value: str

    def __init__(self, value: str, message: str) -> None:
        self.value = value
        super().__init__(f"resume={value[:80]!r}: {message}")
