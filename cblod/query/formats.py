"""Result media types, and choosing one for a request (Accept with q-values, or ``format=``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pyoxigraph import RdfFormat
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header


@dataclass(frozen=True)
class Format:
    mime: str
    name: str  # the format= value and download extension
    rdf: RdfFormat | None = None  # for graph results


SOLUTIONS = (
    Format("application/sparql-results+json", "json"),
    Format("application/sparql-results+xml", "xml"),
    Format("text/csv", "csv"),
    Format("text/tab-separated-values", "tsv"),
    # a spreadsheet: numbers as numbers, dates as dates (not a SPARQL standard format)
    Format("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
)
#: ASK answers as JSON and XML (the standard's), and as CSV/TSV, the one-column table other
#: engines write (``_askResult`` / ``true``), since clients such as SPARQLWrapper offer them
BOOLEAN = SOLUTIONS
GRAPH = (
    Format("text/turtle", "ttl", RdfFormat.TURTLE),
    Format("application/n-triples", "nt", RdfFormat.N_TRIPLES),
    Format("application/ld+json", "jsonld", RdfFormat.JSON_LD),
    Format("application/rdf+xml", "rdf", RdfFormat.RDF_XML),
    Format("application/trig", "trig", RdfFormat.TRIG),
    Format("application/n-quads", "nq", RdfFormat.N_QUADS),
)
HTML = Format("text/html", "html")

#: Other names clients use for the same formats, in Accept headers and in ``format=`` values:
#: per result kind ("solutions" for SELECT and ASK, "graph" for CONSTRUCT and DESCRIBE), the
#: media type meant. Like Fuseki and Virtuoso, ``xml`` and ``json`` mean the kind's own XML
#: or JSON: SPARQL Results for a table, RDF/XML and JSON-LD for a graph.
ALIASES = {
    "application/json": {
        "solutions": "application/sparql-results+json",
        "graph": "application/ld+json",
    },
    "application/xml": {
        "solutions": "application/sparql-results+xml",
        "graph": "application/rdf+xml",
    },
    "text/xml": {"solutions": "application/sparql-results+xml", "graph": "application/rdf+xml"},
    "text/javascript": {"solutions": "application/sparql-results+json"},
    "application/javascript": {"solutions": "application/sparql-results+json"},
    "application/x-turtle": {"graph": "text/turtle"},
    "application/turtle": {"graph": "text/turtle"},
    # Turtle is N3 without N3's extensions: a Turtle answer is a valid N3 answer
    "text/n3": {"graph": "text/turtle"},
    "text/rdf+n3": {"graph": "text/turtle"},
    "application/n3": {"graph": "text/turtle"},
    "application/x-json+ld": {"graph": "application/ld+json"},
    "text/plain": {"graph": "application/n-triples"},
}
#: Short names in ``format=``, ``output=`` and ``results=``, per result kind.
FORMAT_NAMES = {
    "json": ALIASES["application/json"],
    "xml": ALIASES["application/xml"],
    "csv": {"solutions": "text/csv"},
    "tsv": {"solutions": "text/tab-separated-values"},
    "xlsx": {"solutions": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    **{name: {"graph": "text/turtle"} for name in ("ttl", "turtle", "n3")},
    **{name: {"graph": "application/n-triples"} for name in ("nt", "ntriples", "n-triples")},
    **{name: {"graph": "application/ld+json"} for name in ("jsonld", "json-ld")},
    **{name: {"graph": "application/rdf+xml"} for name in ("rdf", "rdfxml", "rdf+xml", "rdf-xml")},
    "trig": {"graph": "application/trig"},
    **{name: {"graph": "application/n-quads"} for name in ("nq", "nquads", "n-quads")},
}
#: The request parameters clients name a format with: Virtuoso's ``format``, Joseki and
#: Fuseki's ``output``, Rasqal's ``results`` (SPARQLWrapper sends all three).
FORMAT_PARAMETERS = ("format", "output", "results")

KIND_FORMATS = {"solutions": SOLUTIONS, "boolean": BOOLEAN, "graph": GRAPH}


def kind_of(form: str | None) -> str:
    """Result kind for a query form: solutions (SELECT), boolean (ASK) or graph."""
    return {"ASK": "boolean", "CONSTRUCT": "graph", "DESCRIBE": "graph"}.get(
        form or "", "solutions"
    )


def named_format(kind: str, name: str) -> Format | None:
    """The format a ``format=`` value names for this result kind, or None.

    A value is a short name (``json``, ``turtle``, ``rdf``), one of our media types, or a
    media type clients use for one (``application/json``); case and parameters do not matter.
    """
    key = name.split(";")[0].strip().lower()
    formats = KIND_FORMATS[kind]
    found = next((f for f in formats if key in (f.name, f.mime)), None)
    if found is not None:
        return found
    mime = {**ALIASES, **FORMAT_NAMES}.get(key, {}).get(kind_key(kind))
    return next((f for f in formats if f.mime == mime), None)


def negotiate(kind: str, accept: str | None, format_names: Sequence[str] = ()) -> Format | None:
    """The format to answer in, or None when the client asks for none we can produce (406).

    Format parameters win (browsers cannot set Accept on a link): the first value that names a
    format of this kind, so ``format=rdf+xml&format=application/rdf+xml`` works as sent. When
    values are given and none fits, the answer is 406, not a format the client did not ask
    for. Then the Accept header with its q-values and wildcards; no Accept header means
    anything goes, and the first format is used.
    """
    formats = KIND_FORMATS[kind]
    if format_names:
        return next(
            (f for f in (named_format(kind, n) for n in format_names) if f is not None), None
        )
    if not accept or not accept.strip():
        return formats[0]
    parsed = parse_accept_header(accept, MIMEAccept)
    offers = [f.mime for f in formats]
    offers += [alias for alias, kinds in ALIASES.items() if kind_key(kind) in kinds]
    best = parsed.best_match(offers)
    if best is None:
        return None
    if best in ALIASES:
        best = ALIASES[best][kind_key(kind)]
    return next(f for f in formats if f.mime == best)


def kind_key(kind: str) -> str:
    return "graph" if kind == "graph" else "solutions"


def prefers_html(accept: str | None) -> bool:
    """True when a browser asks: text/html ranks above every data format we offer."""
    if not accept:
        return False
    parsed = parse_accept_header(accept, MIMEAccept)
    data = [f.mime for f in SOLUTIONS + GRAPH]
    return parsed.best_match([HTML.mime, *data]) == HTML.mime and parsed[HTML.mime] > max(
        parsed[m] for m in data
    )
