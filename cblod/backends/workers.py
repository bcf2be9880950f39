"""The embedded store's query worker processes: the timeout that really stops the work.

pyoxigraph cannot interrupt a running query (a signal does not reach it, and it holds no
cancellation hook), so each query runs in a worker process with its own read-only view of the
snapshot the request names (``CblodStore.answer``). The web process waits for the answer up to
the timeout; past it the worker is killed (SIGKILL frees its CPU and memory at once), a fresh
one is started in the background, and the client gets a clear 503. Other clients are served by
the other workers meanwhile.

Workers are started with "spawn", never "fork": forking a threaded web server can copy a lock
held by another thread and deadlock the child.
"""

from __future__ import annotations

import logging
import multiprocessing
import queue
import threading
from multiprocessing.connection import Connection

from pyoxigraph import NamedNode, Store

from ..core.graphs import INTERNAL
from ..query.running import PoolBusy, QueryRequest, QueryResponse, QueryTimeout, WorkerDied, execute

log = logging.getLogger(__name__)
_CONTEXT = multiprocessing.get_context("spawn")


def _open(database: str) -> tuple[Store, list[NamedNode]]:
    """The Oxigraph database in folder ``database`` ("": an empty dataset), read-only, and its
    source graphs."""
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
            database, request = connection.recv()
        except (EOFError, KeyboardInterrupt):
            return
        if database not in opened:
            opened.clear()  # the previous snapshot is released before the next opens
            opened[database] = _open(database)
        connection.send(execute(*opened[database], request))


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

    def run(self, request: QueryRequest, *, target: str = "") -> QueryResponse:
        """``target``: the Oxigraph folder of the snapshot to query ("" for an empty dataset)."""
        try:
            worker = self._idle.get(timeout=self.timeout)
        except queue.Empty:
            raise PoolBusy() from None
        try:
            worker.connection.send((target, request))
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
