"""Query worker processes: the timeout that really stops the work.

pyoxigraph cannot interrupt a running query (a signal does not reach it, and it holds no
cancellation hook), so each query runs in a worker process with its own read-only view of the
store. The web process waits for the answer up to the timeout; past it the worker is killed
(SIGKILL frees its CPU and memory at once), a fresh one is started in the background, and the
client gets a clear 503. Other clients are served by the other workers meanwhile.

Workers are started with "spawn", never "fork": forking a threaded web server can copy a lock
held by another thread and deadlock the child.
"""

from __future__ import annotations

import logging
import multiprocessing
import queue
import threading
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any, Protocol

from pyoxigraph import NamedNode, QueryBoolean, QuerySolutions, Store

from ..core.errors import EngineError
from ..core.graphs import INTERNAL
from ..core.rdfterms import Queryable, QueryResult
from ..core.vocab import PREFIXES
from .formats import KIND_FORMATS, negotiate
from .results import TooManyResults, take, write_boolean, write_graph, write_solutions

log = logging.getLogger(__name__)
_CONTEXT = multiprocessing.get_context("spawn")


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
    #: the Oxigraph folder of the snapshot to query ("" for an empty dataset)
    database: str = ""


@dataclass
class QueryResponse:
    status: int
    mime: str
    body: bytes
    kind: str | None = None


class QueryRunner(Protocol):
    """What the endpoint sends queries to: worker processes, or a SPARQL server."""

    def run(self, request: QueryRequest) -> QueryResponse: ...

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


def _open(database: str) -> tuple[Store, list[NamedNode]]:
    store = Store.read_only(database) if database else Store()
    sources = [
        g
        for g in store.named_graphs()
        if isinstance(g, NamedNode) and not g.value.startswith(INTERNAL)
    ]
    return store, sources


def _worker_main(connection: Connection) -> None:
    """Answer queries on the snapshot each one names, reopening when a newer one is published."""
    opened: dict[str, tuple[Store, list[NamedNode]]] = {}
    while True:
        try:
            request = connection.recv()
        except (EOFError, KeyboardInterrupt):
            return
        if request.database not in opened:
            opened.clear()  # the previous snapshot is released before the next opens
            opened[request.database] = _open(request.database)
        connection.send(execute(*opened[request.database], request))


class Worker:
    def __init__(self) -> None:
        self.connection, child = _CONTEXT.Pipe()
        self.process = _CONTEXT.Process(
            target=_worker_main, args=(child,), daemon=True, name="cblod-query"
        )
        self.process.start()
        child.close()

    def kill(self) -> None:
        self.process.kill()
        self.process.join(timeout=5)
        self.connection.close()


class QueryPool:
    """A fixed number of worker processes; ``run`` is thread-safe."""

    def __init__(self, *, size: int = 2, timeout: float = 30.0) -> None:
        self.timeout = timeout
        self._idle: queue.Queue[Worker] = queue.Queue()
        self._all: set[Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        for _ in range(size):
            self._add()

    def _add(self) -> None:
        worker = Worker()
        with self._lock:
            if self._closed:
                worker.kill()
                return
            self._all.add(worker)
        self._idle.put(worker)

    def _replace(self, worker: Worker) -> None:
        worker.kill()
        with self._lock:
            self._all.discard(worker)
        threading.Thread(target=self._add, daemon=True, name="cblod-respawn").start()

    def run(self, request: QueryRequest) -> QueryResponse:
        try:
            worker = self._idle.get(timeout=self.timeout)
        except queue.Empty:
            raise PoolBusy() from None
        try:
            worker.connection.send(request)
            if not worker.connection.poll(self.timeout):
                log.warning("query stopped after %s s: %.200s", self.timeout, request.query)
                self._replace(worker)
                raise QueryTimeout()
            response: QueryResponse = worker.connection.recv()
        except (EOFError, OSError, BrokenPipeError) as exc:
            self._replace(worker)
            log.error("query worker died on: %.200s", request.query)
            raise WorkerDied() from exc
        except QueryTimeout:
            raise
        except BaseException:
            self._replace(worker)
            raise
        self._idle.put(worker)
        return response

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers = list(self._all)
            self._all.clear()
        for worker in workers:
            worker.kill()
