"""Result media types, and choosing one for a request (Accept with q-values, or ``format=``)."""

from __future__ import annotations

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
)
BOOLEAN = SOLUTIONS[:2]
GRAPH = (
    Format("text/turtle", "ttl", RdfFormat.TURTLE),
    Format("application/n-triples", "nt", RdfFormat.N_TRIPLES),
    Format("application/ld+json", "jsonld", RdfFormat.JSON_LD),
    Format("application/rdf+xml", "rdf", RdfFormat.RDF_XML),
    Format("application/trig", "trig", RdfFormat.TRIG),
    Format("application/n-quads", "nq", RdfFormat.N_QUADS),
)
HTML = Format("text/html", "html")

#: Other names clients use for the same formats.
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
    "application/x-turtle": {"graph": "text/turtle"},
    "text/plain": {"graph": "application/n-triples"},
}
FORMAT_NAMES = {
    "turtle": "ttl",
    "ntriples": "nt",
    "json-ld": "jsonld",
    "rdfxml": "rdf",
    "nquads": "nq",
}

KIND_FORMATS = {"solutions": SOLUTIONS, "boolean": BOOLEAN, "graph": GRAPH}


def kind_of(form: str | None) -> str:
    """Result kind for a query form: solutions (SELECT), boolean (ASK) or graph."""
    return {"ASK": "boolean", "CONSTRUCT": "graph", "DESCRIBE": "graph"}.get(
        form or "", "solutions"
    )


def negotiate(kind: str, accept: str | None, format_name: str | None = None) -> Format | None:
    """The format to answer in, or None when the client accepts none we can produce (406).

    ``format=`` wins (browsers cannot set Accept on a link); then the Accept header with its
    q-values and wildcards; no Accept header means anything goes, and the first format is used.
    """
    formats = KIND_FORMATS[kind]
    if format_name:
        name = FORMAT_NAMES.get(format_name.lower(), format_name.lower())
        return next((f for f in formats if f.name == name or f.mime == name), None)
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
