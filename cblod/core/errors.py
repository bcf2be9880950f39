"""Errors of our own, carrying where in the input a problem was found.

A user fixing a secretariat's export needs the file, the record and the field, so every
input error carries those three; the CLI prints them as one line and the web layer turns them
into the right 4xx.
"""

from __future__ import annotations


class CblodError(Exception):
    """Base of every error cblod raises on purpose."""


class InputError(CblodError):
    """A source file (or one record or field in it) cannot be read as its format says."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        record: str | None = None,
        field: str | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.record = record
        self.field = field
        super().__init__(str(self))

    def located(
        self, *, file: str | None = None, record: str | None = None, field: str | None = None
    ) -> InputError:
        """Return this error with missing location parts filled in (inner code knows less)."""
        return InputError(
            self.message,
            file=self.file or file,
            record=self.record or record,
            field=self.field or field,
        )

    def __str__(self) -> str:
        where = [
            f"{label} {value!r}" if label != "file" else str(value)
            for label, value in (
                ("file", self.file),
                ("record", self.record),
                ("field", self.field),
            )
            if value
        ]
        return f"{': '.join([', '.join(where)]) + ': ' if where else ''}{self.message}"


class ValueParseError(InputError):
    """A single value (amount, date, code) does not parse; mappings add file and record."""


class UnknownFormatError(InputError):
    """No mapping module recognises the file."""


class StoreError(CblodError):
    """The store cannot be opened or written."""


class EngineError(StoreError):
    """A SPARQL server failed to answer a query it was sent (its own error, or unreachable):
    the endpoint says so as a 502, never as its own 500."""
