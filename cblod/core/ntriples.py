"""Statements leave Python as N-Triples text, in bulk, for Oxigraph's own loader.

A pyoxigraph ``Quad`` built per statement and handed over in a list was a fifth of a bulk
ingest (benchmarks/README.md): each costs a few microseconds to build. The N-Triples form of
a term is what ``str()`` of a pyoxigraph term gives (Oxigraph writes it, escapes included),
so a statement is one f-string, and ``Store.bulk_load`` parses the batch in Rust. The terms
were checked when they were made, so the loader is told to skip that (``lenient``).
"""

from __future__ import annotations

from collections.abc import Collection
from concurrent.futures import Future, ThreadPoolExecutor

from pyoxigraph import DefaultGraph, NamedNode, Quad, RdfFormat, Store

from .rdfterms import GraphName, Subject, Term

Triple = tuple[Subject, NamedNode, Term]

#: fewer statements than this go through a transaction (``extend``): each bulk load writes
#: new files, which many small loads would leave for the database to merge
BULK_THRESHOLD = 20_000


def ntriples(triples: Collection[Triple]) -> bytes:
    """The statements as N-Triples."""
    return "".join([f"{s} {p} {o} .\n" for s, p, o in triples]).encode()


def nquads(graphs: dict[GraphName, Collection[Triple]]) -> bytes:
    """The statements of each graph as N-Quads, in one text."""
    lines = []
    for graph, triples in graphs.items():
        suffix = " .\n" if isinstance(graph, DefaultGraph) else f" {graph} .\n"
        lines.extend([f"{s} {p} {o}{suffix}" for s, p, o in triples])
    return "".join(lines).encode()


def write(store: Store, triples: Collection[Triple], graph: GraphName, *, bulk: bool) -> None:
    """Add ``triples`` to ``graph``: as text through the bulk loader, or for a few (``bulk``
    False and under ``BULK_THRESHOLD``) as quads in one transaction."""
    if not triples:
        return
    if bulk or len(triples) >= BULK_THRESHOLD:
        store.bulk_load(ntriples(triples), RdfFormat.N_TRIPLES, to_graph=graph, lenient=True)
    else:
        store.extend([Quad(s, p, o, graph) for s, p, o in triples])


class BackgroundLoader:
    """Bulk loads into one store, each running while the caller prepares the next.

    Oxigraph's loader releases the GIL, so a streamed source's next chunk is read, emitted
    and consolidated while the last one is written. One load at a time, and the caller waits
    for it before handing over another: at most two chunks' text are held. ``wait`` raises
    what the load raised (``OSError`` for a full disk).
    """

    def __init__(self, store: Store) -> None:
        self.store: Store | None = store
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cblod-load")
        self._pending: Future[None] | None = None

    def load(self, graphs: dict[GraphName, Collection[Triple]]) -> None:
        """Start loading the statements of ``graphs`` once the previous load is done."""
        data = nquads(graphs)
        self.wait()
        if data:
            assert self.store is not None, "load after close"
            self._pending = self._pool.submit(
                self.store.bulk_load, data, RdfFormat.N_QUADS, lenient=True
            )

    def wait(self) -> None:
        """Until the last load is written."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def close(self) -> None:
        """Wait for the last load, then let the thread and the store go.

        A database closes when its last reference goes, and a snapshot is published only
        once closed (its files still change while it is open): a loader kept alive by an
        error's traceback must not keep it open.
        """
        try:
            self.wait()
        finally:
            self._pool.shutdown()
            self.store = None
