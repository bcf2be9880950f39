"""Running one SPARQL query for the endpoint: the request, its answer, what runs it.

``execute`` runs a ``QueryRequest`` on anything that answers SPARQL (an Oxigraph store in a
worker process, a SPARQL server, a ``Dataset`` in this process) and writes the answer in the
negotiated format; a client's mistake becomes a 4xx answer, never an exception. A
``QueryRunner`` is what the endpoint sends requests to: each backend makes its own
(``Dataset.query_runner``: the embedded store's killable worker processes,
``cblod.backends.workers``; a SPARQL server's own timeout) and says which of its versions a
request runs on (``Dataset.answer``), so nothing above the backends knows where data lives.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Protocol

from pyoxigraph import NamedNode, QueryBoolean, QuerySolutions

from ..core.errors import EngineError
from ..core.rdfterms import Queryable, QueryResult
from ..core.vocab import PREFIXES
from .formats import KIND_FORMATS, negotiate
from .results import TooManyResults, take, write_boolean, write_graph, write_solutions

log = logging.getLogger(__name__)


@dataclass
class QueryRequest:
    query: str
    accept: str | None = None
    format_names: tuple[str, ...] = ()  # format=, output=, results= values, in order
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    #: with no dataset in the request or the query, GRAPH ranges over the source graphs only
    sources_only: bool = True
    max_rows: int = 100_000
    base_iri: str | None = None


@dataclass
class QueryResponse:
    status: int
    mime: str
    body: bytes
    kind: str | None = None


class QueryRunner(Protocol):
    """What the endpoint sends queries to: worker processes, or a SPARQL server."""

    def run(self, request: QueryRequest, *, target: str = "") -> QueryResponse:
        """The answer to ``request`` on the version ``target`` names, in the terms of the
        backend that made this runner (``Dataset.answer`` passes it)."""
        ...

    def close(self) -> None: ...


class QueryTimeout(Exception):
    pass


class PoolBusy(Exception):
    pass


class WorkerDied(Exception):
    """The worker process ended while answering (it was replaced)."""


def _kind(results: QueryResult) -> str:
    if isinstance(results, QueryBoolean):
        return "boolean"
    return "solutions" if isinstance(results, QuerySolutions) else "graph"


def execute(
    store: Queryable, source_graphs: list[NamedNode], request: QueryRequest
) -> QueryResponse:
    """Run one query and write its answer; client mistakes become 4xx responses."""
    options: dict[str, Any] = {"prefixes": PREFIXES, "base_iri": request.base_iri}
    if request.default_graphs or request.named_graphs:
        options["default_graph"] = [NamedNode(g) for g in request.default_graphs]
        options["named_graphs"] = [NamedNode(g) for g in request.named_graphs]
    elif request.sources_only:
        options["named_graphs"] = source_graphs
    try:
        results = store.query(request.query, **options)
        kind = _kind(results)
        fmt = negotiate(kind, request.accept, request.format_names)
        if fmt is None:
            offered = ", ".join(f.mime for f in KIND_FORMATS[kind])
            return QueryResponse(
                406,
                "text/plain",
                f"cannot answer in that type; offered: {offered}\n".encode(),
                kind,
            )
        if isinstance(results, QueryBoolean):
            body = write_boolean(bool(results), fmt)
        elif isinstance(results, QuerySolutions):
            variables = [v.value for v in results.variables]
            rows = take(([row[v] for v in variables] for row in results), request.max_rows)
            body = write_solutions(variables, rows, fmt)
        else:
            body = write_graph(take(results, request.max_rows), fmt)
    except SyntaxError as exc:
        return QueryResponse(400, "text/plain", f"malformed query: {exc}\n".encode())
    except TooManyResults as exc:
        return QueryResponse(422, "text/plain", f"{exc}\n".encode())
    except EngineError as exc:  # a SPARQL server behind cblod failed on a valid query
        return QueryResponse(
            502, "text/plain", f"the SPARQL server could not answer: {exc}\n".encode()
        )
    except (OSError, ValueError, TypeError) as exc:
        # evaluation errors pyoxigraph reports (e.g. a bad IRI built at run time)
        return QueryResponse(400, "text/plain", f"query failed: {exc}\n".encode())
    return QueryResponse(200, fmt.mime, body, kind)
