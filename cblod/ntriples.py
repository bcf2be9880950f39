"""Statements leave Python as N-Triples text, in bulk, for Oxigraph's own loader.

A pyoxigraph ``Quad`` built per statement and handed over in a list was a fifth of a bulk
ingest (benchmarks/README.md): each costs a few microseconds to build. The N-Triples form of
a term is what ``str()`` of a pyoxigraph term gives (Oxigraph writes it, escapes included),
so a statement is one f-string, and ``Store.bulk_load`` parses the batch in Rust. The terms
were checked when they were made, so the loader is told to skip that (``lenient``).
"""

from __future__ import annotations

from collections.abc import Collection

from pyoxigraph import NamedNode, Quad, RdfFormat, Store

from .rdfterms import GraphName, Subject, Term

Triple = tuple[Subject, NamedNode, Term]

#: fewer statements than this go through a transaction (``extend``): each bulk load writes
#: new files, which many small loads would leave for the database to merge
BULK_THRESHOLD = 20_000


def ntriples(triples: Collection[Triple]) -> bytes:
    """The statements as N-Triples."""
    return "".join([f"{s} {p} {o} .\n" for s, p, o in triples]).encode()


def write(store: Store, triples: Collection[Triple], graph: GraphName, *, bulk: bool) -> None:
    """Add ``triples`` to ``graph``: as text through the bulk loader, or for a few (``bulk``
    False and under ``BULK_THRESHOLD``) as quads in one transaction."""
    if not triples:
        return
    if bulk or len(triples) >= BULK_THRESHOLD:
        store.bulk_load(ntriples(triples), RdfFormat.N_TRIPLES, to_graph=graph, lenient=True)
    else:
        store.extend([Quad(s, p, o, graph) for s, p, o in triples])
