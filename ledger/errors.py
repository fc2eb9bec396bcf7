"""One base class for everything Pledger refuses, so callers catch one thing.

LedgerError                 anything the ledger refuses; the CLI prints it on one line, exit 2
├── InvalidEvent            an event breaks EVENTS.md (field, value, reference, order)
│   └── SignatureError      its signature is bad, misplaced or missing (docs/signing.md)
├── InvalidInput            a line or file cannot be read as the interchange format
├── ConflictError           a write lost every retry against concurrent writers
├── NoLedger                a read command found no ledger at the given place
└── UnknownPartnership      no stream for that partnership id (or none chosen)
"""

from __future__ import annotations

import json
from typing import Any


def show(value: Any, limit: int = 80) -> str:
    """Render a value for an error message: one line, bounded, control characters escaped."""
    try:
        text = json.dumps(value, ensure_ascii=True, default=str)
    except (TypeError, ValueError):  # pragma: no cover - defensive
        text = repr(value)
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return text


class LedgerError(Exception):
    """Base of every error the ledger raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        self.line: int | None = None

    def at_line(self, line: int) -> LedgerError:
        """Name the input line the error came from (import files)."""
        if self.line is None:
            self.line = line
            self.message = f"line {line}: {self.message}"
            self.args = (self.message,)
        return self

    def at_row(self, row: int, column: str | None = None) -> LedgerError:
        """Name the spreadsheet row (the header is row 1) and column the error came from (CSV
        import), in place of the line number the ledger's write gave it."""
        if self.line is not None:
            self.message = self.message.removeprefix(f"line {self.line}: ")
        self.line = row
        where = f"row {row}" + (f", column {column}" if column else "")
        self.message = f"{where}: {self.message}"
        self.args = (self.message,)
        return self

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple[Any, ...]:
        # pickled by its fields (a parallel import sends it between processes): the default
        # would call the class again with the final message, which most __init__s refuse
        return _rebuild, (type(self), self.__dict__)


def _rebuild(cls: type[LedgerError], fields: dict[str, Any]) -> LedgerError:
    error = cls.__new__(cls)
    Exception.__init__(error, fields["message"])
    error.__dict__.update(fields)
    return error


class InvalidEvent(LedgerError):
    """An event that EVENTS.md does not allow: names the event, the field and the value."""

    def __init__(self, event_type: str, field: str | None, value: Any, reason: str) -> None:
        self.event_type = event_type
        self.field = field
        self.value = value
        self.reason = reason
        where = event_type or "event"
        if field is not None:
            where += f" field {field!r} = {show(value)}"
        super().__init__(f"{where}: {reason}")


class SignatureError(InvalidEvent):
    """A signature that does not verify, a key the registry does not allow at that point, or
    a missing signature where one is required. ``verify`` reports these as their own kind."""


class InvalidInput(LedgerError):
    """Input that is not valid interchange format (bad JSON, bad UTF-8, line too long)."""


class ConflictError(LedgerError):
    """A write kept losing to concurrent writers and gave up; nothing was written."""


class NoLedger(LedgerError):
    """A read command pointed at a database that does not exist."""


class UnknownPartnership(LedgerError):
    """The partnership has no stream in this ledger (or none was chosen)."""


class NotIntact(LedgerError):
    """The stored history does not verify, so the command refuses to build on it."""

    exit_code = 1
