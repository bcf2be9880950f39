"""``cblod push``: publish the store's published snapshot on a SPARQL server, safely.

The server is shared (other datasets, the engine's own graphs), its default graph may be the
union of all graphs, and engines differ in what one update may do. So a push:

1. reads cblod's registry on the server (``cblod.backends.registry``) and refuses to write any graph
   that exists there without being cblod's;
2. registers every graph it is about to create, then uploads, in ``INSERT DATA`` requests
   small enough for any engine: the new version's published graph under a name of its own
   (``urn:cblod:published:<run>``) and each *changed* named graph (SHA-256 of its N-Triples
   against the registry's) to a staging graph;
3. switches in one small update: the changed graphs moved into place and the published-version
   record rewritten. Readers (``RemoteStore``) take the version from that record and query its
   published graph by name, so no engine has to move the whole dataset and a reader sees the
   old version or the new one. A push that changes more than ``GRAPHS_PER_UPDATE`` source
   graphs (a first push, a re-ingest of everything) moves them in batches of that many before
   the switch, so no update is too large for an engine: while it does, readers may see new
   source graphs beside the old published graph (the published graph and the version still
   change at once);
4. after the switch, drops what only older versions used (keeping the previous version's
   published graph for readers still on it), and only graphs the registry says are cblod's.

A push that fails before the switch removes what it created and leaves the served version as
it was. One push at a time: a push removes the staging graphs an interrupted one left.
"""

from __future__ import annotations

import contextlib
import hashlib
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import (
    DefaultGraph,
    Literal,
    NamedNode,
    Quad,
    QuerySolutions,
    RdfFormat,
    Store,
    serialize,
)

from ..core.errors import StoreError
from ..core.graphs import OWN_GRAPHS
from ..core.rdfterms import GraphName
from .registry import (
    DATASET,
    HOLDS,
    REGISTRY,
    SHA256,
    Registry,
    contents_node,
    contents_quads,
    ownership_quads,
    read_registry,
    version_quads,
)
from .remote import RemoteTimeout, SparqlServer
from .store import CblodStore

PUBLISHED_PREFIX = OWN_GRAPHS + "published:"
#: above this many bytes of N-Triples, a published graph is sent whole, not as a difference
#: (the difference is computed in memory)
DIFF_MAX_BYTES = 200_000_000
STAGING_PREFIX = OWN_GRAPHS + "staging:"
#: graphs moved into place (or dropped) by one update; a push changing more graphs than this
#: moves them in batches before the switch (see the module docstring)
GRAPHS_PER_UPDATE = 100
#: graphs asked about in one query
GRAPHS_PER_QUERY = 200


@dataclass
class PushReport:
    version: str
    triples_sent: int = 0
    changed: list[str] = field(default_factory=list)
    unchanged: int = 0
    dropped: list[str] = field(default_factory=list)
    #: False when the server already served exactly this snapshot
    published: bool = True


@dataclass(frozen=True)
class _Dumped:
    """One local graph written out as N-Triples, with the digest of its content."""

    graph: GraphName
    path: Path
    sha256: str

    def lines(self) -> Iterator[bytes]:
        with self.path.open("rb") as lines:
            yield from lines


def push(
    store: CblodStore,
    server: SparqlServer,
    *,
    full: bool = False,
    on_step: Callable[[str], None] | None = None,
) -> PushReport:
    """Publish ``store``'s published snapshot on ``server``; see the module docstring.

    ``full`` sends every graph even when the server's copy has the same content.
    """
    say = on_step or (lambda _: None)
    if store.snapshot is None:
        raise StoreError(f"{store.path} has nothing published to push")
    try:
        registry = read_registry(server)
    except (SyntaxError, RemoteTimeout) as exc:
        raise StoreError(f"cannot read cblod's registry on {server.query_url}: {exc}") from exc
    report = PushReport(store.version)
    with tempfile.TemporaryDirectory(prefix="cblod-push-") as folder:
        dumped = _dump(store, Path(folder))
        default, named = dumped[0], dumped[1:]
        current = registry.published.value if registry.published else None
        if (
            not full
            and current is not None
            and registry.published_sha == default.sha256
            and registry.graphs == {_name(d): d.sha256 for d in named}
        ):
            report.published, report.unchanged = False, len(named)
            return report
        _refuse_foreign(server, registry, [_name(d) for d in named])
        changed = [d for d in named if full or registry.graphs.get(_name(d)) != d.sha256]
        report.changed = [_name(d) for d in changed]
        report.unchanged = len(named) - len(changed)
        run = uuid.uuid4().hex
        earlier = store.earlier_snapshot(registry.version) if registry.version else None
        reused = _reusable(store, registry)
        published = reused[0] if reused else NamedNode(PUBLISHED_PREFIX + run)
        staging = {_name(d): NamedNode(f"{STAGING_PREFIX}{run}:{n}") for n, d in enumerate(changed)}
        created = [*([] if reused else [published]), *staging.values()]
        try:
            say(f"registering {len(created)} graphs")
            _insert_registry(
                server,
                ([] if reused else ownership_quads(published, "published"))
                + [q for g in staging.values() for q in ownership_quads(g, "staging", run)]
                + [
                    q
                    for d in named
                    if not registry.owns(_name(d))
                    for q in ownership_quads(NamedNode(_name(d)), "named")
                ],
                unheld=published if reused else None,
            )
            if reused:  # an older version's published graph, patched in place: no copy
                say(f"patching {published} in place (it held {registry.holds[published.value]})")
                report.triples_sent += _upload(server, default, published, before=reused[1])
            else:
                say(f"filling {published}")
                report.triples_sent += _upload(
                    server,
                    default,
                    published,
                    before=earlier if registry.published else None,
                    copy_from=registry.published,
                )
            for d in changed:
                say(f"staging {_name(d)}")
                served = NamedNode(_name(d)) if _name(d) in registry.graphs else None
                report.triples_sent += _upload(
                    server,
                    d,
                    staging[_name(d)],
                    before=earlier if served else None,
                    copy_from=served,
                )
            contents = contents_node(store.version)
            server.insert(REGISTRY, _lines(contents_quads(contents, [_name(d) for d in named])))
            say("switching to the new version")
            record = version_quads(store.version, published, default.sha256, contents)
            moves = [(staging[_name(d)], NamedNode(_name(d)), d.sha256) for d in changed]
            for update in _switch(moves, record, published):
                server.update(update)
        except (StoreError, SyntaxError, RemoteTimeout) as exc:
            _remove(server, created)
            raise StoreError(
                f"push to {server.query_url} failed, the served version is unchanged: {exc}"
            ) from exc
    # the new version is served: a clean-up that fails now is left to the next push
    with contextlib.suppress(StoreError, SyntaxError, RemoteTimeout):
        report.dropped = _clean_up(server, read_registry(server), previous=current)
    return report


def _reusable(store: CblodStore, registry: Registry) -> tuple[NamedNode, Store] | None:
    """A published graph of cblod's that no reader uses any more (neither the served version's
    nor the previous one's) and whose version's snapshot is still on disk here: patched in
    place, it becomes the new version's without the server copying anything."""
    keep = {registry.published.value if registry.published else ""}
    for graph, version in sorted(registry.holds.items()):
        if graph in keep or registry.owned.get(graph) != "published":
            continue
        if registry.published and version == registry.version:
            continue
        snapshot = store.earlier_snapshot(version)
        if snapshot is not None:
            return NamedNode(graph), snapshot
    return None


def _upload(
    server: SparqlServer,
    dumped: _Dumped,
    target: NamedNode,
    *,
    before: Store | None = None,
    copy_from: NamedNode | None = None,
) -> int:
    """Make ``target`` (which no reader uses) hold ``dumped``; returns the triples sent.

    With ``before`` (a local snapshot of what ``target`` holds, or of what ``copy_from`` holds,
    copied into it first by the server), only the difference is sent: re-ingesting one source
    changes a few consolidated statements, not the dataset. Otherwise, or for a graph too
    large to compare in memory, the whole graph.
    """
    if before is not None:
        before_path = dumped.path.with_suffix(".before")
        with before_path.open("wb") as file:
            before.dump(file, format=RdfFormat.N_TRIPLES, from_graph=dumped.graph)
        try:
            if before_path.stat().st_size <= DIFF_MAX_BYTES:
                old = set(_Dumped(dumped.graph, before_path, "").lines())
                new = set(dumped.lines())
                if copy_from is not None:
                    server.update(f"COPY SILENT GRAPH {copy_from} TO GRAPH {target}")
                return server.delete(target, sorted(old - new)) + server.insert(
                    target, sorted(new - old)
                )
        finally:
            before_path.unlink()
    server.update(f"CLEAR SILENT GRAPH {target}")
    return server.insert(target, dumped.lines())


def _dump(store: CblodStore, folder: Path) -> list[_Dumped]:
    """The default graph, then every named graph, as N-Triples files with their SHA-256."""
    graphs: list[GraphName] = [
        DefaultGraph(),
        *sorted(
            (g for g in store.engine.named_graphs() if isinstance(g, NamedNode)),
            key=lambda g: g.value,
        ),
    ]
    out = []
    for n, graph in enumerate(graphs):
        path = folder / f"{n}.nt"
        with path.open("wb") as file:
            store.engine.dump(file, format=RdfFormat.N_TRIPLES, from_graph=graph)
        digest = hashlib.sha256()
        with path.open("rb") as file:
            for block in iter(lambda: file.read(1 << 20), b""):
                digest.update(block)
        out.append(_Dumped(graph, path, digest.hexdigest()))
    return out


def _name(dumped: _Dumped) -> str:
    assert isinstance(dumped.graph, NamedNode)
    return dumped.graph.value


def _refuse_foreign(server: SparqlServer, registry: Registry, targets: list[str]) -> None:
    """A graph cblod would write that the server holds and cblod did not create: stop."""
    unknown = [g for g in targets if not registry.owns(g)]
    for start in range(0, len(unknown), GRAPHS_PER_QUERY):
        batch = " ".join(f"<{g}>" for g in unknown[start : start + GRAPHS_PER_QUERY])
        found = server.query(
            f"SELECT ?g WHERE {{ VALUES ?g {{ {batch} }} FILTER EXISTS {{ GRAPH ?g {{ ?s ?p ?o }} }} }}",
            default_graph=[],
            named_graphs=[],
        )
        assert isinstance(found, QuerySolutions)
        for row in found:
            raise StoreError(
                f"the server already holds the graph {row['g']}, which cblod did not create; "
                "cblod will not overwrite it (remove it, or publish with another --base-uri)"
            )


def _ntriples(quads: list[Quad]) -> str:
    return (serialize([q.triple for q in quads], format=RdfFormat.N_TRIPLES) or b"").decode()


def _insert_registry(
    server: SparqlServer, quads: list[Quad], *, unheld: NamedNode | None = None
) -> None:
    """Register graphs; ``unheld``: a published graph about to be patched, which holds no
    version from now until the switch (a push dying half-way never leaves it reusable)."""
    if unheld is not None:
        server.update(
            f"DELETE {{ GRAPH {REGISTRY} {{ {unheld} {HOLDS} ?v }} }} "
            f"WHERE {{ GRAPH {REGISTRY} {{ {unheld} {HOLDS} ?v }} }}"
        )
    server.insert(REGISTRY, _lines(quads))


def _switch(
    moves: list[tuple[NamedNode, NamedNode, str]], record: list[Quad], published: NamedNode
) -> list[str]:
    """The updates that make the new version the served one: each changed graph moved from
    its staging graph into place with the SHA-256 of what it now holds, ``GRAPHS_PER_UPDATE``
    at a time; the last update also rewrites the version record."""
    batches = [
        moves[start : start + GRAPHS_PER_UPDATE]
        for start in range(0, len(moves), GRAPHS_PER_UPDATE)
    ] or [[]]
    updates = []
    for n, batch in enumerate(batches):
        steps, shas = [], []
        for staging, target, sha in batch:
            steps.append(f"MOVE SILENT GRAPH {staging} TO GRAPH {target}")
            steps.append(_forget(staging))
            steps.append(_forget(target, SHA256))
            shas.append(Quad(target, SHA256, Literal(sha), REGISTRY))
        if n == len(batches) - 1:
            steps.append(_forget(DATASET))
            steps.append(_forget(published, SHA256))
            shas += record
        steps.append(f"INSERT DATA {{ GRAPH {REGISTRY} {{ {_ntriples(shas)} }} }}")
        updates.append(" ;\n".join(steps))
    return updates


def _forget(node: NamedNode, predicate: NamedNode | None = None) -> str:
    """The update removing what the registry says of ``node`` (with ``predicate`` only)."""
    p = str(predicate) if predicate is not None else "?p"
    return (
        f"DELETE {{ GRAPH {REGISTRY} {{ {node} {p} ?o }} }} "
        f"WHERE {{ GRAPH {REGISTRY} {{ {node} {p} ?o }} }}"
    )


def _remove(server: SparqlServer, graphs: list[NamedNode]) -> None:
    """Best effort: drop graphs this push created and their registrations."""
    # if this fails too, the next push removes them: they are registered
    with contextlib.suppress(StoreError, SyntaxError, RemoteTimeout):
        _drop_owned(server, [g.value for g in graphs])


def _clean_up(server: SparqlServer, registry: Registry, *, previous: str | None) -> list[str]:
    """Drop cblod's graphs no reader needs: staging left by interrupted pushes, published
    graphs older than the previous version's, named graphs the new version does not have;
    and the graph lists of versions no longer served."""
    if registry.contents is not None and not registry.graphs:
        return []  # a served version lists no graph: never a reason to drop them all
    keep = set(registry.graphs) | {previous or ""}
    if registry.published is not None:
        keep.add(registry.published.value)
    stale = sorted(g for g in registry.owned if g not in keep)
    _drop_owned(server, stale)
    for start in range(0, len(registry.stale_contents), GRAPHS_PER_UPDATE):
        batch = registry.stale_contents[start : start + GRAPHS_PER_UPDATE]
        server.update(" ;\n".join(_forget(NamedNode(c)) for c in batch))
    return stale


def _drop_owned(server: SparqlServer, graphs: list[str]) -> None:
    """Drop graphs cblod registered, and their registrations; nothing else, ever."""
    registry = read_registry(server)
    mine = [g for g in graphs if registry.owns(g) and g != REGISTRY.value]
    for start in range(0, len(mine), GRAPHS_PER_UPDATE):
        batch = [NamedNode(g) for g in mine[start : start + GRAPHS_PER_UPDATE]]
        steps = [f"DROP SILENT GRAPH {g}" for g in batch] + [_forget(g) for g in batch]
        server.update(" ;\n".join(steps))


def _lines(quads: list[Quad]) -> list[bytes]:
    """N-Triples lines of ``quads``' triples, for ``SparqlServer.insert``."""
    return _ntriples(quads).encode().splitlines(keepends=True)
