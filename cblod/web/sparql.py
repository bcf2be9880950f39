"""``/sparql``: SPARQL 1.1 queries over the published default graph.

This is the foundation's endpoint: GET and POST queries, SPARQL JSON/XML/CSV/TSV results and
N-Triples/Turtle graphs, read-only, with client mistakes answered 4xx. The full protocol
(content negotiation with q-values, dataset parameters, service description, timeouts) is
built on it by the endpoint work.
"""

from __future__ import annotations

from flask import Blueprint, Response, request
from pyoxigraph import QueryBoolean, QueryResultsFormat, QuerySolutions, RdfFormat

from ..vocab import PREFIXES
from .store_access import current_store

blueprint = Blueprint("sparql", __name__)

RESULT_FORMATS = {
    "application/sparql-results+json": QueryResultsFormat.JSON,
    "application/sparql-results+xml": QueryResultsFormat.XML,
    "text/csv": QueryResultsFormat.CSV,
    "text/tab-separated-values": QueryResultsFormat.TSV,
}
GRAPH_FORMATS = {
    "application/n-triples": RdfFormat.N_TRIPLES,
    "text/turtle": RdfFormat.TURTLE,
}


def _text(message: str, status: int) -> Response:
    return Response(message + "\n", status=status, mimetype="text/plain")


def _negotiate(formats: dict) -> str | None:
    """The best type in ``formats`` for the Accept header; the first one when there is none."""
    if not request.accept_mimetypes:
        return next(iter(formats))
    return request.accept_mimetypes.best_match(list(formats))


@blueprint.route("/sparql", methods=["GET", "POST"])
def query() -> Response:
    if request.method == "POST":
        if request.mimetype == "application/sparql-query":
            text = request.get_data(as_text=True)
        elif request.mimetype == "application/x-www-form-urlencoded":
            text = request.form.get("query")
        else:
            return _text("POST a query as application/sparql-query or a form", 415)
    else:
        text = request.args.get("query")
    if not text:
        return _text("no query: pass ?query=…", 400)
    if request.args.get("update") or request.form.get("update"):
        return _text("this endpoint is read-only: SPARQL Update is not accepted", 403)
    try:
        results = current_store().query(text, prefixes=PREFIXES)
    except SyntaxError as exc:
        return _text(f"malformed query: {exc}", 400)
    formats = (
        RESULT_FORMATS if isinstance(results, QuerySolutions | QueryBoolean) else GRAPH_FORMATS
    )
    mime = _negotiate(formats)
    if mime is None:
        return _text("cannot answer in any of: " + ", ".join(formats) + " is needed", 406)
    body = results.serialize(format=formats[mime])
    return Response(body, mimetype=mime, content_type=f"{mime}; charset=utf-8")
