"""The query page with a query's answer as an HTML table (server-side: no JavaScript needed).

IRIs of this dataset link to their resource pages, others to a DESCRIBE on this endpoint, so
a reader can walk the data from any answer; downloads link the same query in every format.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

from flask import Response, render_template, url_for

from ..core.vocab import PREFIXES
from ..query.formats import KIND_FORMATS
from ..query.running import QueryResponse
from ..read.examples import EXAMPLES
from .links import href

XSD = "http://www.w3.org/2001/XMLSchema#"


def compact(iri: str) -> str:
    """``cbo:LeadPartner`` for an IRI in one of our namespaces, else the IRI itself."""
    for prefix, namespace in PREFIXES.items():
        local = iri[len(namespace) :]
        if iri.startswith(namespace) and local and "/" not in local and "#" not in local:
            return f"{prefix}:{local}"
    return iri


def cell(term: dict[str, str] | None) -> dict[str, str]:
    """A result term as the template shows it: text, optional link, and a small note."""
    if term is None:
        return {"text": ""}
    if term["type"] == "uri":
        iri = term["value"]
        page = href(iri)  # our resources have pages; other IRIs are described by the endpoint
        if page == iri:
            page = url_for("sparql.query", query=f"DESCRIBE <{iri}>")
        return {"text": compact(iri), "href": page, "title": iri}
    if term["type"] == "bnode":
        return {"text": f"_:{term['value']}"}
    note = term.get("xml:lang") or term.get("datatype", "").replace(XSD, "xsd:")
    return {"text": term["value"], "note": note}


def _table(answer: QueryResponse) -> tuple[list[str], list[list[dict[str, str]]]]:
    """The header and rows of a SELECT answer (SPARQL JSON)."""
    doc = json.loads(answer.body)
    head: list[str] = doc["head"]["vars"]
    return head, [[cell(b.get(v)) for v in head] for b in doc["results"]["bindings"]]


def render_results(query_text: str, answer: QueryResponse) -> Response:
    status = answer.status
    context = {"query": query_text, "examples": EXAMPLES, "answer": answer, "error": None}
    if status != 200:
        context["error"] = answer.body.decode("utf-8", "replace")
    elif answer.kind == "boolean":
        context["boolean"] = json.loads(answer.body)["boolean"]
    elif answer.kind == "graph":
        context["graph"] = answer.body.decode("utf-8")
    else:
        context["head"], context["rows"] = _table(answer)
    context["downloads"] = [
        (
            f.name.upper(),
            url_for("sparql.query") + "?" + urlencode({"query": query_text, "format": f.name}),
        )
        for f in KIND_FORMATS.get(answer.kind or "solutions", ())
    ]
    return Response(render_template("sparql.html", **context), status=status)
