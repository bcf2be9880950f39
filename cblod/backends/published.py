"""A published dataset as everything outside the backends reads it: the ``Dataset`` protocol.

Two backends hold one: the embedded store (``cblod.backends.store.CblodStore``, a folder of Oxigraph
snapshots) and a SPARQL server (``cblod.backends.remote.RemoteStore``). The web tier, dumps, validation
and the link report ask a ``Dataset`` for what they need and never which backend it is.
``PublishedReads`` implements the verbs both backends answer the same way, over the
``Engine`` a backend queries (pyoxigraph's ``Store``, or ``SparqlServer``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Protocol

from pyoxigraph import DefaultGraph, Literal, NamedNode, Quad, QuerySolutions, RdfFormat

from ..core.graphs import (  # noqa: F401 - the graph names, re-exported where they were defined
    DATASET,
    IDENTITY,
    IDENTITY_EVIDENCE,
    IDENTITY_KEY,
    INTERNAL,
    META,
    OWN_GRAPHS,
)
from ..core.merges import alias_key, follow
from ..core.rdfterms import Engine, GraphName, QueryResult, Subject, Term, lexical
from ..core.vocab import CBO

if TYPE_CHECKING:
    from ..query.running import QueryRequest, QueryResponse, QueryRunner


@dataclass(frozen=True)
class Layout:
    """How a backend holds a version: what a reader needs to choose how to ask for it.

    ``lookups_are_local``: a pattern lookup is a call in this process (the embedded store),
    not a request to a server; then ``published`` is the graph a server holds the published
    (consolidated) statements in and ``graphs`` the named graphs of this version (the server
    may hold others: other datasets, other versions)."""

    lookups_are_local: bool
    published: NamedNode | None = None
    graphs: frozenset[str] | None = None


class Releases(Protocol):
    """An optional capability: a backend that keeps each publish as a release on disk, with
    its record, its change against the one before and its derived files."""

    @property
    def current(self) -> Path | None:
        """The folder of the release the dataset reads (None while nothing is published)."""
        ...

    def folders(self) -> list[Path]:
        """The folders of the releases kept, oldest first."""
        ...

    def at(self, folder: Path) -> Dataset:
        """The dataset as the release in ``folder`` (one of ``folders``) published it."""
        ...


class Dataset(Protocol):
    """The read interface of a published dataset, whichever backend holds it."""

    #: a local folder of the backend's own (snapshots, or a cache of derived files)
    path: Path

    @property
    def releases(self) -> Releases | None:
        """The releases the backend keeps on disk (the embedded store: each publish is one);
        None on a SPARQL server, which keeps none."""
        ...

    @property
    def version(self) -> str: ...

    @property
    def base_uri(self) -> str | None: ...

    @property
    def data_dir(self) -> Path | None: ...

    def source_graphs(self) -> list[NamedNode]: ...

    def source_property(self, graph: NamedNode, predicate: NamedNode) -> str | None: ...

    def query(self, sparql: str, **options: Any) -> QueryResult: ...

    def select(self, sparql: str, **options: Any) -> QuerySolutions: ...

    def quads(
        self,
        subject: Subject | None,
        predicate: NamedNode | None,
        object: Term | None,
        graph: GraphName | None = None,
    ) -> Iterator[Quad]: ...

    def dump(
        self,
        output: IO[bytes],
        *,
        format: RdfFormat,
        from_graph: GraphName,
        prefixes: dict[str, str] | None = None,
    ) -> None: ...

    def survivor(self, iri: NamedNode) -> NamedNode | None: ...

    def layout(self) -> Layout:
        """How the backend holds this version, for readers that choose how to ask."""
        ...

    def mentions(self, iri: NamedNode) -> bool: ...

    def subjects_under(self, prefix: str) -> Iterator[NamedNode]:
        """Every subject of the published graph whose IRI starts with ``prefix``, once."""
        ...

    def latest(self) -> Dataset:
        """The dataset now published (itself, or a newer version to read from now on)."""
        ...

    def opener(self) -> Callable[[], Dataset]:
        """How another process opens this same version (picklable: a process is spawned)."""
        ...

    def answer(self, request: QueryRequest, runner: QueryRunner) -> QueryResponse:
        """The endpoint's answer to ``request`` on this version, run by ``runner`` (one this
        backend's ``query_runner`` made)."""
        ...

    def query_runner(self, *, workers: int, timeout: float) -> QueryRunner:
        """What runs the endpoint's queries with this timeout: worker processes, or the
        server itself."""
        ...


def current_release(dataset: Dataset) -> Path | None:
    """The folder of the release ``dataset`` reads: None on a backend that keeps no releases,
    or while nothing is published."""
    return dataset.releases.current if dataset.releases is not None else None


#: subjects one query of ``PublishedReads.subjects_under`` asks for
SUBJECTS_PAGE = 5000


def _string(text: str) -> str:
    """``text`` as a SPARQL string literal."""
    return str(Literal(text))


class PublishedReads:
    """The read verbs both backends answer alike, over ``self.engine`` (a pyoxigraph ``Store``,
    or a ``SparqlServer`` bound to the version's dataset): the backend's own, which nothing
    above the backends touches."""

    _base_uri: str | None = None

    @property
    def engine(self) -> Engine:
        raise NotImplementedError

    def _meta(self, predicate: NamedNode) -> str | None:
        for quad in self.engine.quads_for_pattern(DATASET, predicate, None, META):
            return lexical(quad.object)
        return None

    @property
    def base_uri(self) -> str | None:
        """The public base URI the data was minted under (kept in the store, never changed).

        Pages ask for it for every link they draw, so it is read from the store once.
        """
        if self._base_uri is None:
            self._base_uri = self._meta(CBO.baseURI)
        return self._base_uri

    @property
    def version(self) -> str:
        """Changes whenever any source graph is replaced (for ETags)."""
        return self._meta(CBO.version) or "empty"

    def source_graphs(self) -> list[NamedNode]:
        return sorted(
            (
                g
                for g in self.engine.named_graphs()
                if isinstance(g, NamedNode) and not g.value.startswith(INTERNAL)
            ),
            key=lambda g: g.value,
        )

    def source_property(self, graph: NamedNode, predicate: NamedNode) -> str | None:
        for quad in self.engine.quads_for_pattern(graph, predicate, None, graph):
            return lexical(quad.object)
        return None

    def survivor(self, iri: NamedNode) -> NamedNode | None:
        """The IRI a curated merge moved ``iri`` to (following chains), or None."""

        def merged_into(merged: str) -> str | None:
            key = Literal(alias_key(merged))
            found = next(self.engine.quads_for_pattern(None, IDENTITY_KEY, key, IDENTITY), None)
            return found.subject.value if found and isinstance(found.subject, NamedNode) else None

        survivor = follow(iri.value, merged_into)
        return NamedNode(survivor) if survivor != iri.value else None

    def query(self, sparql: str, **options: Any) -> QueryResult:
        return self.engine.query(sparql, **options)

    def select(self, sparql: str, **options: Any) -> QuerySolutions:
        """A SELECT's solutions (a TypeError for another query form: a caller's mistake)."""
        found = self.query(sparql, **options)
        if not isinstance(found, QuerySolutions):
            raise TypeError(f"not a SELECT query: {sparql[:200]}")
        return found

    def quads(
        self,
        subject: Subject | None,
        predicate: NamedNode | None,
        object: Term | None,
        graph: GraphName | None = None,
    ) -> Iterator[Quad]:
        """Statements matching a pattern; ``graph=None`` in every graph, ``DefaultGraph()`` in
        the published (consolidated) one."""
        return self.engine.quads_for_pattern(subject, predicate, object, graph)

    def dump(
        self,
        output: IO[bytes],
        *,
        format: RdfFormat,
        from_graph: GraphName,
        prefixes: dict[str, str] | None = None,
    ) -> None:
        self.engine.dump(output, format=format, from_graph=from_graph, prefixes=prefixes)

    def layout(self) -> Layout:
        """An engine in this process: a pattern lookup costs microseconds."""
        return Layout(lookups_are_local=True)

    def mentions(self, iri: NamedNode) -> bool:
        """True when the published graph says anything about ``iri`` or links to it."""
        graph = DefaultGraph()
        return any(True for _ in self.quads(iri, None, None, graph)) or any(
            True for _ in self.quads(None, None, iri, graph)
        )

    def default_graph_quads(self) -> Iterable[Quad]:
        return self.quads(None, None, None, DefaultGraph())

    def subjects_under(self, prefix: str) -> Iterator[NamedNode]:
        """In pages of ``SUBJECTS_PAGE``, after the last one seen: a server may cap how many
        rows one answer holds (Virtuoso: 10 000), and an offset would sort again what it skips."""
        after = ""
        while True:
            found = [
                row["s"]
                for row in self.select(
                    "SELECT DISTINCT ?s WHERE { ?s ?p ?o "
                    f"FILTER(STRSTARTS(STR(?s), {_string(prefix)}) && STR(?s) > {_string(after)}) }} "
                    f"ORDER BY STR(?s) LIMIT {SUBJECTS_PAGE}"
                )
            ]
            yield from (s for s in found if isinstance(s, NamedNode))
            if len(found) < SUBJECTS_PAGE:
                return
            after = found[-1].value
