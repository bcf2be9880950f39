"""Typed access to JSON records, with errors that name the file, the record and the field.

JSON sources (the Jems export, the keep.eu API) say what type each value has, and exports in
the wild get them wrong: a list where an object belongs, a number where a name belongs, an
amount as a float. Mappings read every value through a ``JsonRecord``, so a wrong type is a
clear ``InputError`` ("expected text, found list [] (file, record, field)") instead of a
``TypeError`` deep inside a parser.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

from ..core.errors import InputError, ValueParseError
from .values import Money, is_placeholder, parse_date, parse_rate

_KIND_NAMES = {str: "text", Decimal: "a number", dict: "an object", list: "a list", bool: "yes/no"}


def _describe(value: object) -> str:
    return f"{type(value).__name__} {value!r:.60}"


#: a BCP 47 language tag as RDF literals allow it
_LANGUAGE = re.compile(r"[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*")


class JsonRecord:
    """One JSON object of a source file, read field by field."""

    def __init__(self, data: Any, file: str, record: str, *, path: str = "") -> None:
        if not isinstance(data, dict):
            raise InputError(
                f"expected an object, found {_describe(data)}",
                file=file,
                record=record,
                field=path or None,
            )
        self.data, self.file, self.record, self.path = data, file, record, path

    def _field(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def error(self, field: str, message: str) -> InputError:
        return InputError(message, file=self.file, record=self.record, field=self._field(field))

    def get(self, field: str, kind: type = str, *, required: bool = False) -> Any:
        """The value of ``field`` if it has type ``kind``; None when absent or a placeholder.

        Numbers are accepted where text is expected (an id written as 12345), and integers
        where a Decimal is: both are what the value means, not a type mistake.
        """
        value = self.data.get(field)
        if value is None or (isinstance(value, str) and is_placeholder(value)):
            if required:
                raise self.error(field, "field is missing")
            return None
        if isinstance(value, bool) and kind is not bool:
            raise self.error(
                field, f"expected {_KIND_NAMES.get(kind, kind.__name__)}, found {_describe(value)}"
            )
        if kind is str and isinstance(value, int | Decimal):
            return str(value)
        if kind is Decimal and isinstance(value, int | Decimal):
            return Decimal(value)
        if not isinstance(value, kind):
            raise self.error(
                field, f"expected {_KIND_NAMES.get(kind, kind.__name__)}, found {_describe(value)}"
            )
        if isinstance(value, str) and not value.strip():
            if required:
                raise self.error(field, "field is empty")
            return None
        return value

    def money(self, field: str, *, as_text: bool = False) -> Money | None:
        """An amount in euro; ``as_text`` for formats that write amounts as decimal strings."""
        value = self.data.get(field)
        if as_text and isinstance(value, str) and not is_placeholder(value):
            try:
                value = Decimal(value.strip())
            except ArithmeticError:
                raise self.error(field, f"amount {value!r} is not a number") from None
        else:
            value = self.get(field, Decimal)
        if value is None:
            return None
        if not value.is_finite():
            raise self.error(field, f"amount {value} is not a number")
        if value < 0:
            raise self.error(field, f"amount {value} is negative")
        return Money(value)

    def rate(self, field: str) -> Decimal | None:
        """A percentage (80.00, "80%"); outside 0-100 is an error naming the field."""
        try:
            return parse_rate(self.data.get(field))
        except ValueParseError as exc:
            raise exc.located(file=self.file, record=self.record, field=self._field(field)) from exc

    def date(self, field: str) -> date | None:
        value = self.get(field)
        try:
            return parse_date(value) if value else None
        except ValueParseError as exc:
            raise exc.located(file=self.file, record=self.record, field=self._field(field)) from exc

    def language_keys(self) -> Iterator[str]:
        """The keys of an object keyed by language ("translations"), each checked to be a
        language tag (BCP 47), since a literal cannot carry anything else."""
        for key in self.data:
            if not _LANGUAGE.fullmatch(key):
                raise self.error(key, f"{key!r} is not a language tag")
            yield key

    def child(self, field: str) -> JsonRecord | None:
        """A nested object, or None when the field is absent."""
        value = self.get(field, dict)
        return JsonRecord(value, self.file, self.record, path=self._field(field)) if value else None

    def items(self, field: str, *, each: str | None = None) -> Iterator[JsonRecord]:
        """The objects of a list field; ``each`` makes each its own record ("partner 2")."""
        for n, item in enumerate(self.get(field, list) or [], start=1):
            if each:
                yield JsonRecord(item, self.file, f"{self.record} / {each} {n}")
            else:
                yield JsonRecord(
                    item, self.file, self.record, path=f"{self._field(field)}[{n - 1}]"
                )

    def texts(self, field: str, key: str) -> Iterator[tuple[str, str | None]]:
        """(text, language) of a list of ``{key: text, "language": code}`` objects."""
        for item in self.items(field):
            text = item.get(key)
            if text:
                yield text, item.get("language")
