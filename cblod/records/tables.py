"""Rows of spreadsheet-like sources (CSV files, XLSX sheets) with forgiving column names.

Export headers drift: case, spacing, "Partner's" with a straight or a curly apostrophe, "(EUR)"
or not. A column is found by its normalised name (letters and digits only, lower case), so a
mapping names columns once. Rows are streamed (openpyxl's read-only mode for XLSX) and carry
their sheet and row number, so an error can say exactly where it is.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from ..core.errors import InputError, ValueParseError
from .values import clean_text, is_placeholder, parse_date


@functools.lru_cache(maxsize=8192)
def normalise(header: str) -> str:
    """Cached: a mapping asks for the same few hundred column names on every row."""
    return re.sub(r"[^a-z0-9]+", "", str(header or "").casefold())


@dataclass
class Row:
    file: str
    sheet: str
    number: int  # 1-based, the header being row 1
    cells: dict[str, object]  # normalised header -> value

    @property
    def where(self) -> str:
        return f"{self.sheet} row {self.number}"

    def error(self, column: str, message: str) -> InputError:
        return InputError(message, file=self.file, record=self.where, field=column)

    def raw(self, *columns: str) -> Any:
        for column in columns:
            value = self.cells.get(normalise(column))
            if value is not None and not (isinstance(value, str) and is_placeholder(value)):
                return value
        return None

    def text(self, *columns: str) -> str | None:
        value = self.raw(*columns)
        return clean_text(str(value)) if value is not None else None

    def decimal(self, *columns: str) -> Decimal | None:
        """A plain number (XLSX number or "927642.71" text); currency words are not expected."""
        value = self.raw(*columns)
        if value is None:
            return None
        if isinstance(value, bool):
            raise self.error(columns[0], f"expected an amount, found {value!r}")
        text = repr(value) if isinstance(value, float) else str(value)
        try:
            amount = Decimal(text.strip().replace(" ", ""))
        except InvalidOperation:
            raise self.error(columns[0], f"amount {value!r} is not a number") from None
        if amount < 0:
            raise self.error(columns[0], f"amount {value!r} is negative")
        return amount

    def date(self, *columns: str) -> date | None:
        value = self.raw(*columns)
        if value is None:
            return None
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        try:
            return parse_date(str(value))
        except ValueParseError as exc:
            raise exc.located(file=self.file, record=self.where, field=columns[0]) from exc

    def flag(self, *columns: str) -> bool | None:
        value = self.raw(*columns)
        if value is None:
            return None
        if isinstance(value, bool):
            return value
        text = str(value).strip().casefold()
        if text in {"yes", "true", "1", "y"}:
            return True
        if text in {"no", "false", "0", "n"}:
            return False
        raise self.error(columns[0], f"expected Yes or No, found {value!r}")


def csv_rows(text: str, file: str, sheet: str = "CSV") -> Iterator[Row]:
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [normalise(h) for h in next(reader, [])]
    for number, values in enumerate(reader, start=2):
        if any(v.strip() for v in values):
            yield Row(file, sheet, number, dict(zip(header, values, strict=False)))


def xlsx_sheets(data: bytes) -> list[str]:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        return list(workbook.sheetnames)
    finally:
        workbook.close()


def xlsx_rows(data: bytes, file: str, sheet: str) -> Iterator[Row]:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        rows = workbook[sheet].iter_rows(values_only=True)
        header = [normalise(h) for h in next(rows, ())]
        for number, values in enumerate(rows, start=2):
            if any(v not in (None, "") for v in values):
                yield Row(file, sheet, number, dict(zip(header, values, strict=False)))
    finally:
        workbook.close()


def xlsx_row_count(data: bytes, sheet: str) -> int | None:
    """The rows a sheet says it has (its dimension), for progress displays; None if unsaid."""
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        return workbook[sheet].max_row
    finally:
        workbook.close()


def find_sheet(names: list[str], wanted: str) -> str | None:
    return next((n for n in names if normalise(n) == normalise(wanted)), None)
