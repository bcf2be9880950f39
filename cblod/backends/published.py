"""A published dataset as everything outside the backends reads it: the ``Dataset`` protocol.

Two backends hold one: the embedded store (``cblod.backends.store.CblodStore``, a folder of Oxigraph
snapshots) and a SPARQL server (``cblod.backends.remote.RemoteStore``). The web tier, dumps, validation
and the link report ask a ``Dataset`` for what they need and never which backend it is.
``cblod.backends.reads.PublishedReads`` implements the verbs both backends answer the same
way, over the ``Engine`` a backend queries (pyoxigraph's ``Store``, or ``SparqlServer``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Protocol

from pyoxigraph import NamedNode, Quad, QuerySolutions, RdfFormat

from ..core.rdfterms import GraphName, QueryResult, Subject, Term

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
