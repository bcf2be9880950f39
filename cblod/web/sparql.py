"""``/sparql``: the SPARQL 1.1 Protocol query operation, read-only.

GET ``?query=``, POST as a form, POST ``application/sparql-query``; ``default-graph-uri`` and
``named-graph-uri`` override the dataset. With no dataset, the default graph is the
consolidated view (one value per fact) and ``GRAPH`` reaches each source's own graph. A GET
without a query answers the SPARQL Service Description, or the query page for a browser.
Queries run in killable worker processes (``cblod.backends.workers``), so the timeout holds.
"""

from __future__ import annotations

import hashlib

from flask import Blueprint, Response, current_app, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from ..derived.kept import kept_answer
from ..query.formats import FORMAT_PARAMETERS, GRAPH, negotiate, prefers_html
from ..query.running import PoolBusy, QueryRequest, QueryResponse, QueryTimeout, WorkerDied
from ..query.scan import scan
from ..read.examples import EXAMPLES, default_query
from .errors import ClientError
from .results_page import render_results
from .service_description import service_description
from .store_access import current_pool, current_store, memoized

#: far beyond any real query (the examples nest 4 deep), far below what overflows the parser
MAX_NESTING = 200
blueprint = Blueprint("sparql", __name__)

FORM = "application/x-www-form-urlencoded"
QUERY_BODY = "application/sparql-query"
UPDATE_BODY = "application/sparql-update"
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type, Accept, If-None-Match",
    "Access-Control-Expose-Headers": "ETag, Content-Type",
    "Access-Control-Max-Age": "86400",
}


def text(message: str, status: int, **headers: str) -> Response:
    return Response(message.rstrip("\n") + "\n", status, headers, mimetype="text/plain")


@blueprint.after_request
def cors(response: Response) -> Response:
    response.headers.update(CORS_HEADERS)
    response.vary.add("Accept")
    return response


@blueprint.route("/sparql", methods=["OPTIONS"])
def preflight() -> Response:
    return Response(status=204)


def _read_request() -> tuple[str | None, tuple[list[str], list[str]]]:
    """(query, default graphs, named graphs) from any of the three query operations."""
    params = request.args
    if request.method == "POST":
        mimetype = request.mimetype
        if mimetype == UPDATE_BODY or (mimetype == FORM and "update" in request.form):
            raise ClientError(403, "this endpoint is read-only: SPARQL Update is not accepted")
        if mimetype == FORM:
            params = request.form
            if "query" in request.args:
                raise ClientError(400, "send the query in the body or the URL, not both")
        elif mimetype == QUERY_BODY:
            charset = request.mimetype_params.get("charset", "utf-8").lower()
            if charset.replace("-", "") != "utf8":
                raise ClientError(400, f"the query must be UTF-8, not {charset}")
            try:
                body = request.get_data().decode("utf-8")
            except UnicodeDecodeError:
                raise ClientError(400, "the query is not valid UTF-8") from None
            if "query" in request.args:
                raise ClientError(400, "send the query in the body or the URL, not both")
            return body, _graphs(request.args)
        else:
            raise ClientError(
                415,
                f"POST a query as {FORM} (query=…) or as {QUERY_BODY}, not {mimetype or 'no type'}",
            )
    if "update" in params:
        raise ClientError(403, "this endpoint is read-only: SPARQL Update is not accepted")
    queries = params.getlist("query")
    if len(queries) > 1:
        raise ClientError(400, "more than one query parameter")
    return (queries[0] if queries else None), _graphs(params)


def _graphs(params: MultiDict[str, str]) -> tuple[list[str], list[str]]:
    return params.getlist("default-graph-uri"), params.getlist("named-graph-uri")


@blueprint.route("/sparql", methods=["GET", "POST"])
def query() -> Response:
    config = current_app.config
    try:
        query_text, (default_graphs, named_graphs) = _read_request()
        if query_text is None and request.method == "GET":
            return _without_query()
        if not query_text or not query_text.strip():
            raise ClientError(400, "no query: pass query=… (SPARQL 1.1 Protocol)")
        if len(query_text.encode()) > config["SPARQL_MAX_QUERY_BYTES"]:
            raise ClientError(413, f"the query is over {config['SPARQL_MAX_QUERY_BYTES']} bytes")
        checked = scan(query_text)
        if checked.depth > MAX_NESTING:
            raise ClientError(
                400,
                f"the query nests {checked.depth} levels deep; at most {MAX_NESTING} are accepted",
            )
        if checked.is_update:
            raise ClientError(403, "this endpoint is read-only: SPARQL Update is not accepted")
        allowed = set(config["SPARQL_SERVICE_ALLOW"])
        refused = [s or "(a variable)" for s in checked.services if s not in allowed]
        if refused:
            raise ClientError(
                403, "federated queries (SERVICE) are disabled here: " + ", ".join(refused)
            )
    except ClientError as exc:
        return text(str(exc), exc.status)

    format_names = requested_formats()
    html = request.method == "GET" and (
        "html" in format_names or (not format_names and prefers_html(request.headers.get("Accept")))
    )
    etag = _etag(query_text, default_graphs, named_graphs, html)
    if etag in request.if_none_match or f"{etag}-gz" in request.if_none_match:
        return _cached(Response(status=304), etag)
    job = QueryRequest(
        query_text,
        accept="application/sparql-results+json, text/turtle"
        if html
        else request.headers.get("Accept"),
        format_names=() if html else format_names,
        default_graphs=default_graphs,
        named_graphs=named_graphs,
        # restricting GRAPH to the source graphs costs every query a dataset view; only
        # queries with a GRAPH pattern can see the difference
        sources_only=checked.uses_graph and not checked.names_dataset,
        max_rows=config["SPARQL_MAX_ROWS"],
        base_iri=request.base_url,
    )
    cache = current_app.extensions["cblod_answers"]
    key = (current_store().version, repr(job))
    try:
        answer = (
            cache.get(key)
            or kept_answer(current_store(), job)
            or current_store().answer(job, current_pool())
        )
        cache.put(key, answer)
    except QueryTimeout:
        answer = QueryResponse(
            503,
            "text/plain",
            f"the query ran longer than {config['SPARQL_TIMEOUT']} s and was stopped; "
            "narrow it or add a LIMIT\n".encode(),
        )
    except PoolBusy:
        return text("every query worker is busy; try again shortly", 503, **{"Retry-After": "5"})
    except WorkerDied:
        return text("the query stopped the worker answering it; it was replaced", 503)
    if html:
        return render_results(query_text, answer)
    response = Response(answer.body, answer.status, content_type=f"{answer.mime}; charset=utf-8")
    return _cached(response, etag) if answer.status == 200 else response


def requested_formats() -> tuple[str, ...]:
    """Every ``format=``, ``output=`` and ``results=`` value, URL and form, in that order."""
    return tuple(
        value
        for name in FORMAT_PARAMETERS
        for value in request.values.getlist(name)
        if value.strip()
    )


def _without_query() -> Response:
    accept = request.headers.get("Accept")
    if prefers_html(accept):
        return Response(
            render_template("sparql.html", query=default_query(), examples=EXAMPLES, answer=None)
        )
    fmt = negotiate("graph", accept, requested_formats()) or GRAPH[0]
    body = memoized(
        ("service-description", request.base_url, fmt.name),
        lambda: service_description(
            request.base_url, current_store(), fmt, url_for("fragments.fragment", _external=True)
        ),
    )
    return _cached(
        Response(body, content_type=f"{fmt.mime}; charset=utf-8"), _etag("", [], [], False)
    )


def _etag(query_text: str, default_graphs: list[str], named_graphs: list[str], html: bool) -> str:
    """Changes with the dataset version and with everything that shapes the answer."""
    parts = [
        current_store().version,
        query_text,
        "|".join(default_graphs),
        "|".join(named_graphs),
        request.headers.get("Accept", ""),
        "|".join(requested_formats()),
        str(html),
    ]
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:32]


def _cached(response: Response, etag: str) -> Response:
    response.set_etag(etag)
    response.headers["Cache-Control"] = f"public, max-age={current_app.config['SPARQL_MAX_AGE']}"
    return response
