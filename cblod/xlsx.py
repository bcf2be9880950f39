"""A spreadsheet (XLSX) written as it streams: the first bytes leave before the last row is read.

openpyxl and XlsxWriter, the well-kept writers, both build the whole workbook in a file or in
memory and zip it at the end, so a 120 000-row export would wait, then arrive at once, with
its size on disk or in memory. An XLSX is a zip of a few small XML parts and one sheet part;
Python's ``zipfile`` writes a zip to a stream that cannot seek (sizes follow each entry), so
the sheet part can be written row by row and handed on in pieces. Strings are inline (no
shared-strings table to hold), numbers are numbers, dates are Excel dates with a date format.
Read back by openpyxl in the tests.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from xml.sax.saxutils import escape

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Cell = str | int | float | Decimal | date | None
#: characters XML 1.0 cannot hold (a control character in a name must not break the file)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_EPOCH = date(1899, 12, 30)
#: Excel's limit for the text of one cell
MAX_CELL_TEXT = 32767

_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>
{sheets}
</Types>"""
_SHEET_TYPE = '<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
_ROOT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""
_WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets>{sheets}</sheets>
</workbook>"""
_WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
{sheets}
<Relationship Id="rIdStyles" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>
</Relationships>"""
#: style 0 plain, 1 a date (built-in format 14), 2 a bold heading, 3 a date and time (22)
_STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>
<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/><xf numFmtId="22" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>
</styleSheet>"""


def _column_letters(n: int) -> str:
    letters = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _cell(reference: str, value: Cell, style: int = 0) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        value = "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        moment = value.replace(tzinfo=None) - datetime(1899, 12, 30)
        return f'<c r="{reference}" s="3"><v>{moment.days + moment.seconds / 86400:.6f}</v></c>'
    if isinstance(value, date):
        return f'<c r="{reference}" s="1"><v>{(value - _EPOCH).days}</v></c>'
    if isinstance(value, int | float | Decimal):
        return f'<c r="{reference}"><v>{value}</v></c>'
    text = _NOT_XML.sub("", str(value))[:MAX_CELL_TEXT]
    space = ' xml:space="preserve"' if text != text.strip() else ""
    styled = f' s="{style}"' if style else ""
    return f'<c r="{reference}" t="inlineStr"{styled}><is><t{space}>{escape(text)}</t></is></c>'


def _rows(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> Iterator[str]:
    letters: list[str] = []

    def refs(width: int) -> list[str]:
        while len(letters) < width:
            letters.append(_column_letters(len(letters)))
        return letters

    yield '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    yield '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    yield '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" state="frozen"/></sheetView></sheetViews><sheetData>'
    cells = "".join(_cell(f"{c}1", h, 2) for c, h in zip(refs(len(header)), header, strict=False))
    yield f'<row r="1">{cells}</row>'
    for n, row in enumerate(rows, start=2):
        cells = "".join(_cell(f"{c}{n}", v) for c, v in zip(refs(len(row)), row, strict=False))
        yield f'<row r="{n}">{cells}</row>'
    yield "</sheetData></worksheet>"


class _Pipe(io.RawIOBase):
    """A write-only stream whose bytes are taken out in pieces (``zipfile`` writes here)."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self.chunks.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        out, self.chunks = b"".join(self.chunks), []
        return out


def stream(
    sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[Cell]]]],
) -> Iterator[bytes]:
    """The XLSX bytes of ``sheets`` (name, header, rows), in pieces of about 64 KiB."""
    pipe = _Pipe()
    with zipfile.ZipFile(pipe, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as book:
        book.writestr(
            "[Content_Types].xml",
            _CONTENT_TYPES.format(
                sheets="\n".join(_SHEET_TYPE.format(n=n) for n in range(1, len(sheets) + 1))
            ),
        )
        book.writestr("_rels/.rels", _ROOT_RELS)
        entries = "".join(
            f'<sheet name="{escape(name[:31], {chr(34): "&quot;"})}" sheetId="{n}" r:id="rId{n}"/>'
            for n, (name, _, _) in enumerate(sheets, start=1)
        )
        book.writestr("xl/workbook.xml", _WORKBOOK.format(sheets=entries))
        rels = "\n".join(
            f'<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{n}.xml"/>'
            for n in range(1, len(sheets) + 1)
        )
        book.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS.format(sheets=rels))
        book.writestr("xl/styles.xml", _STYLES)
        yield pipe.take()
        for n, (_, header, rows) in enumerate(sheets, start=1):
            with book.open(f"xl/worksheets/sheet{n}.xml", "w", force_zip64=True) as part:
                pending: list[str] = []
                size = 0
                for piece in _rows(header, rows):
                    pending.append(piece)
                    size += len(piece)
                    if size > 65536:
                        part.write("".join(pending).encode("utf-8"))
                        pending, size = [], 0
                        if out := pipe.take():
                            yield out
                part.write("".join(pending).encode("utf-8"))
            yield pipe.take()
    yield pipe.take()
