"""Writing query results in the SPARQL 1.1 result formats, and graphs through pyoxigraph.

Solutions are written here rather than by pyoxigraph so that the row cap is enforced while
rows are read: a query over the cap is refused with a clear message instead of half-sent.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar
from xml.sax.saxutils import escape, quoteattr

from pyoxigraph import BlankNode, Literal, NamedNode, Quad, Triple, serialize

from .. import xlsx
from ..core.rdfterms import Term
from ..core.vocab import PREFIXES
from .formats import Format

T = TypeVar("T")

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


class TooManyResults(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(
            f"the result has more than {limit} rows, the most this endpoint returns in one "
            "answer; narrow the query or page through it with LIMIT and OFFSET"
        )


def take(items: Iterable[T], limit: int) -> list[T]:
    """Up to ``limit`` items; TooManyResults when there are more."""
    out: list[T] = []
    for item in items:
        if len(out) == limit:
            raise TooManyResults(limit)
        out.append(item)
    return out


def _json_term(term: Term) -> dict[str, Any]:
    if isinstance(term, NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, Triple):
        return {
            "type": "triple",
            "value": {
                "subject": _json_term(term.subject),
                "predicate": _json_term(term.predicate),
                "object": _json_term(term.object),
            },
        }
    out: dict[str, Any] = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value != XSD_STRING:
        out["datatype"] = term.datatype.value
    return out


def _xml_term(term: Term) -> str:
    if isinstance(term, NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, Triple):
        parts = zip(
            ("subject", "predicate", "object"),
            (term.subject, term.predicate, term.object),
            strict=True,
        )
        return "<triple>" + "".join(f"<{n}>{_xml_term(t)}</{n}>" for n, t in parts) + "</triple>"
    attrs = ""
    if term.language:
        attrs = f" xml:lang={quoteattr(term.language)}"
    elif term.datatype.value not in (XSD_STRING, RDF_LANG_STRING):
        attrs = f" datatype={quoteattr(term.datatype.value)}"
    return f"<literal{attrs}>{escape(term.value)}</literal>"


def _csv_value(term: Term | None) -> str:
    if term is None:
        return ""
    if isinstance(term, BlankNode):
        return f"_:{term.value}"
    if isinstance(term, Triple):
        return str(term)
    return term.value


_NUMBERS = {f"http://www.w3.org/2001/XMLSchema#{t}" for t in (
    "integer", "decimal", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
    "negativeInteger", "nonPositiveInteger", "unsignedInt", "unsignedLong", "unsignedShort",
    "unsignedByte",
)}  # fmt: skip
_FLOATS = {"http://www.w3.org/2001/XMLSchema#double", "http://www.w3.org/2001/XMLSchema#float"}


def _xlsx_value(term: Term | None) -> xlsx.Cell:
    """A cell: numbers and dates as a spreadsheet's own, anything else as its text."""
    if isinstance(term, Literal) and not term.language:
        datatype = term.datatype.value
        try:
            if datatype in _NUMBERS:
                return Decimal(term.value)
            if datatype in _FLOATS:
                return float(term.value)
            if datatype == "http://www.w3.org/2001/XMLSchema#date":
                return date.fromisoformat(term.value[:10])
            if datatype == "http://www.w3.org/2001/XMLSchema#dateTime":
                return datetime.fromisoformat(term.value.replace("Z", "+00:00")).replace(
                    tzinfo=None
                )
        except (ValueError, ArithmeticError):
            pass
    return _csv_value(term)


def _tsv_value(term: Term | None) -> str:
    if term is None:
        return ""
    return str(term).replace("\t", "\\t")


def write_solutions(variables: list[str], rows: list[list[Term | None]], fmt: Format) -> bytes:
    if fmt.name == "json":
        bindings = [
            {v: _json_term(t) for v, t in zip(variables, row, strict=True) if t is not None}
            for row in rows
        ]
        doc = {"head": {"vars": variables}, "results": {"bindings": bindings}}
        return json.dumps(doc, ensure_ascii=False).encode()
    if fmt.name == "xml":
        head = "".join(f"<variable name={quoteattr(v)}/>" for v in variables)
        body = "".join(
            "<result>"
            + "".join(
                f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>"
                for v, t in zip(variables, row, strict=True)
                if t is not None
            )
            + "</result>"
            for row in rows
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
            f"<head>{head}</head><results>{body}</results></sparql>\n"
        ).encode()
    if fmt.name == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(variables)
        writer.writerows([_csv_value(t) for t in row] for row in rows)
        return out.getvalue().encode()
    if fmt.name == "xlsx":
        table = ([_xlsx_value(t) for t in row] for row in rows)
        return b"".join(xlsx.stream([("SPARQL results", variables, table)]))
    lines = ["\t".join(f"?{v}" for v in variables)]
    lines += ["\t".join(_tsv_value(t) for t in row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def write_boolean(value: bool, fmt: Format) -> bytes:
    """JSON and XML as SPARQL Results say; CSV/TSV as the one-cell table other engines write."""
    word = "true" if value else "false"
    if fmt.name == "json":
        return json.dumps({"head": {}, "boolean": value}).encode()
    if fmt.name == "csv":
        return f"_askResult\r\n{word}\r\n".encode()
    if fmt.name == "tsv":
        return f"?_askResult\n{word}\n".encode()
    if fmt.name == "xlsx":
        return b"".join(xlsx.stream([("SPARQL results", ["_askResult"], [[value]])]))
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head/>'
        f"<boolean>{word}</boolean></sparql>\n"
    ).encode()


def write_graph(triples: list[Triple], fmt: Format) -> bytes:
    """Turtle and TriG with cblod's prefixes (readable); quad formats in the default graph."""
    prefixes = PREFIXES if fmt.name in {"ttl", "trig"} else None
    if fmt.name in {"trig", "nq"}:
        quads = [Quad(t.subject, t.predicate, t.object) for t in triples]
        return serialize(quads, format=fmt.rdf, prefixes=prefixes) or b""
    return serialize(triples, format=fmt.rdf, prefixes=prefixes) or b""
