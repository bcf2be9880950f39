"""An external SPARQL 1.1 server as cblod's published store (Oxigraph server, Fuseki, QLever, …).

For users who outgrow one machine: ingest keeps its local snapshot folder (consolidation needs
fast lookups), ``cblod push`` publishes each snapshot to the server, and any number of web
hosts serve it with ``cblod serve --sparql-server URL``, with no local store at all.

``SparqlServer`` speaks the SPARQL 1.1 Protocol (query), Update and the Graph Store HTTP
Protocol, and offers the few pyoxigraph ``Store`` verbs cblod reads with (``query``,
``quads_for_pattern``, ``named_graphs``, ``dump``), answering with pyoxigraph terms, so the
pages, the endpoint and the dumps run unchanged over it. ``RemoteStore`` is the read-only
``CblodStore`` over such a server.

Publishing is atomic: every graph is uploaded to a staging graph first (Graph Store PUT), then
one SPARQL Update request moves them all into place, which the servers named above run as one
transaction. Readers see the old dataset or the new one in each query.
"""

from __future__ import annotations

import re
import tempfile
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NoReturn
from urllib.parse import quote

import requests
from pyoxigraph import (
    BlankNode,
    DefaultGraph,
    NamedNode,
    Quad,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    RdfFormat,
    parse,
    parse_query_results,
    serialize,
)

from .errors import StoreError
from .query.scan import scan
from .rdfterms import GraphName, QueryResult, Subject, Term
from .store import CblodStore

if TYPE_CHECKING:
    from .query.workers import QueryRequest, QueryResponse


class RemoteTimeout(Exception):
    """The server did not answer in time."""


class SparqlServer:
    """The SPARQL 1.1 endpoints of one server (query, and for publishing update and store)."""

    def __init__(
        self,
        query_url: str,
        *,
        update_url: str | None = None,
        store_url: str | None = None,
        timeout: float = 60.0,
    ) -> None:
        self.query_url, self.update_url, self.store_url = query_url, update_url, store_url
        self.timeout = timeout
        self.http = requests.Session()

    # -- the pyoxigraph verbs cblod reads with ------------------------------------------

    def query(
        self,
        query: str,
        /,
        *,
        base_iri: str | None = None,
        prefixes: dict[str, str] | None = None,
        default_graph: GraphName | list[GraphName] | None = None,
        named_graphs: list[NamedNode | BlankNode] | None = None,
        timeout: float | None = None,
    ) -> QueryResult:
        """Answers as pyoxigraph objects: QuerySolutions, QueryBoolean, or an iterator of triples."""
        head = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in (prefixes or {}).items())
        if base_iri:
            head = f"BASE <{base_iri}>\n" + head
        form = scan(query).form
        accept = (
            "application/n-triples"
            if form in ("CONSTRUCT", "DESCRIBE")
            else "application/sparql-results+json"
        )
        params: list[tuple[str, str]] = []
        if default_graph is not None:
            graphs = default_graph if isinstance(default_graph, list) else [default_graph]
            params += [("default-graph-uri", g.value) for g in graphs if isinstance(g, NamedNode)]
        params += [("named-graph-uri", g.value) for g in named_graphs or []]
        try:
            body = self._post(
                self.query_url,
                data={"query": head + query},
                params=params,
                accept=accept,
                timeout=timeout,
            )
        except SyntaxError as exc:  # positions as in the text the client sent, not ours
            shift = head.count("\n")
            raise SyntaxError(
                re.sub(r"(\d+):(\d+)", lambda m: f"{int(m[1]) - shift}:{m[2]}", str(exc), count=1)
            ) from None
        if accept == "application/n-triples":
            return iter(list(parse(body, format=RdfFormat.N_TRIPLES)))
        return parse_query_results(body, format=QueryResultsFormat.JSON)

    def quads_for_pattern(
        self,
        subject: Subject | None,
        predicate: NamedNode | None,
        object: Term | None,
        graph_name: GraphName | None = None,
    ) -> Iterator[Quad]:
        terms = {"s": subject, "p": predicate, "o": object}
        pattern = " ".join(str(t) if t is not None else f"?{v}" for v, t in terms.items())
        wanted = [f"?{v}" for v, t in terms.items() if t is None]
        if isinstance(graph_name, DefaultGraph):
            where, graph_var = f"{{ {pattern} }}", False
        elif isinstance(graph_name, NamedNode):
            where, graph_var = f"{{ GRAPH {graph_name} {{ {pattern} }} }}", False
        else:
            where = f"{{ {{ {pattern} }} UNION {{ GRAPH ?g {{ {pattern} }} }} }}"
            graph_var = True
            wanted.append("?g")
        select = " ".join(wanted) or "*"
        if not wanted:  # everything bound: is the quad there?
            if bool(self.query(f"ASK WHERE {where}")):
                assert subject is not None and predicate is not None and object is not None
                yield Quad(subject, predicate, object, graph_name or DefaultGraph())
            return
        rows = self.query(f"SELECT {select} WHERE {where}")
        assert isinstance(rows, QuerySolutions)
        for row in rows:
            yield Quad(
                subject or row["s"],
                predicate or row["p"],
                object or row["o"],
                (row["g"] or DefaultGraph()) if graph_var else graph_name,
            )

    def named_graphs(self) -> Iterator[NamedNode | BlankNode]:
        rows = self.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
        assert isinstance(rows, QuerySolutions)
        for row in rows:
            graph = row["g"]
            if isinstance(graph, NamedNode | BlankNode):
                yield graph

    def dump(
        self,
        output: IO[bytes],
        *,
        format: RdfFormat,
        from_graph: GraphName | None = None,
        prefixes: dict[str, str] | None = None,
    ) -> None:
        """One graph as RDF, streamed from the server (only graph formats are needed)."""
        where = (
            "{ ?s ?p ?o }"
            if from_graph is None or isinstance(from_graph, DefaultGraph)
            else f"{{ GRAPH {from_graph} {{ ?s ?p ?o }} }}"
        )
        triples = self.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {where}")
        assert not isinstance(triples, QuerySolutions | QueryBoolean)
        serialize(triples, output, format=format, prefixes=prefixes)

    # -- publishing ----------------------------------------------------------------------

    def update(self, text: str) -> None:
        if not self.update_url:
            raise StoreError("no update endpoint given for the SPARQL server")
        self._post(self.update_url, data={"update": text}, accept="*/*")

    def put_graph(self, graph: NamedNode, ntriples: Path) -> None:
        """Graph Store Protocol PUT: ``graph`` becomes the N-Triples file's content."""
        if not self.store_url:
            raise StoreError("no graph store endpoint given for the SPARQL server")
        url = f"{self.store_url}?graph={quote(graph.value, safe='')}"
        with ntriples.open("rb") as body:
            self._send("PUT", url, data=body, headers={"Content-Type": "application/n-triples"})

    # -- HTTP ----------------------------------------------------------------------------

    def _post(
        self,
        url: str,
        *,
        data: dict[str, str],
        accept: str,
        params: Iterable[tuple[str, str]] = (),
        timeout: float | None = None,
    ) -> bytes:
        return self._send(
            "POST", url, data=data, params=list(params), headers={"Accept": accept}, timeout=timeout
        )

    def _send(
        self, method: str, url: str, *, timeout: float | None = None, **options: Any
    ) -> bytes:
        try:
            response = self.http.request(method, url, timeout=timeout or self.timeout, **options)
        except requests.Timeout as exc:
            raise RemoteTimeout(str(exc)) from exc
        except requests.RequestException as exc:
            raise StoreError(f"cannot reach the SPARQL server {url}: {exc}") from exc
        if response.status_code == 400:
            raise SyntaxError(response.text.strip()[:2000])
        if response.status_code >= 300:
            raise StoreError(
                f"the SPARQL server answered {response.status_code} to {method} {url}: "
                f"{response.text.strip()[:300]}"
            )
        return response.content


class RemoteQueries:
    """The endpoint's queries, sent to the server with the endpoint's timeout.

    Stands in for the query worker processes: the server runs the query (and should stop it
    itself: ``oxigraph serve --timeout-s``), cblod stops waiting at the timeout and answers 503.
    """

    def __init__(self, store: RemoteStore, *, timeout: float) -> None:
        self.store = store
        self.server = SparqlServer(store.server.query_url, timeout=timeout)

    def run(self, request: QueryRequest) -> QueryResponse:
        from .query.workers import QueryTimeout, execute

        try:
            return execute(self.server, self.store.source_graphs(), request)
        except RemoteTimeout:
            raise QueryTimeout() from None

    def close(self) -> None:
        self.server.http.close()


class RemoteStore(CblodStore):
    """A read-only cblod dataset published on a SPARQL server (see ``cblod push``).

    ``cache`` is a local folder for what the web tier derives from the data (the search index,
    dump files), kept per dataset version.
    """

    def __init__(self, server: SparqlServer, *, cache: str | Path | None = None) -> None:
        self.server = server
        self.path = Path(cache or tempfile.mkdtemp(prefix="cblod-remote-")).absolute()
        self.path.mkdir(parents=True, exist_ok=True)
        self.read_only = True
        self._forget()
        self.snapshot = None
        self._version: tuple[float, str] | None = None
        self._sources: tuple[str, list[NamedNode]] | None = None
        self._index_lock = threading.Lock()
        self._indexing = False

    @property
    def store(self) -> SparqlServer:
        return self.server

    def __str__(self) -> str:
        return self.server.query_url

    @property
    def version(self) -> str:
        """The dataset version, asked of the server at most once a second."""
        now = time.monotonic()
        if self._version is None or now - self._version[0] > 1.0:
            self._version = (now, super().version)
        return self._version[1]

    def source_graphs(self) -> list[NamedNode]:
        """Asked of the server once per version (listing graphs scans the whole dataset)."""
        version = self.version
        if self._sources is None or self._sources[0] != version:
            self._sources = (version, super().source_graphs())
        return self._sources[1]

    @property
    def data_dir(self) -> Path:
        """The local cache of this version: its search index, built on first use."""
        from .search import INDEX_FILE, build_index

        folder = self.path / f"version-{self.version}"
        folder.mkdir(exist_ok=True)
        if not (folder / INDEX_FILE).exists() and not self._indexing:
            with self._index_lock:
                if not (folder / INDEX_FILE).exists():
                    self._indexing = True
                    try:
                        build_index(self)
                    finally:
                        self._indexing = False
        return folder

    @property
    def database_path(self) -> None:
        return None

    def begin(self) -> NoReturn:
        raise StoreError("a store on a SPARQL server is written with `cblod push`, not directly")


def push(store: CblodStore, server: SparqlServer) -> int:
    """Publish ``store``'s published snapshot on ``server``, whole, in one final update.

    Returns the number of quads sent. Graphs the server has and the snapshot has not are
    dropped in the same update, so the server holds exactly the snapshot.
    """
    if store.snapshot is None:
        raise StoreError(f"{store.path} has nothing published to push")
    run = uuid.uuid4().hex
    database = store.store
    graphs = [DefaultGraph(), *sorted(database.named_graphs(), key=lambda g: g.value)]
    moves, sent = [], 0
    with tempfile.TemporaryDirectory(prefix="cblod-push-") as folder:
        for n, graph in enumerate(graphs):
            staging = NamedNode(f"urn:cblod:push:{run}:{n}")
            path = Path(folder) / f"{n}.nt"
            with path.open("wb") as out:
                database.dump(out, format=RdfFormat.N_TRIPLES, from_graph=graph)
            with path.open("rb") as dumped:
                sent += sum(1 for _ in dumped)
            server.put_graph(staging, path)
            path.unlink()
            target = "DEFAULT" if isinstance(graph, DefaultGraph) else f"GRAPH {graph}"
            moves.append(f"MOVE SILENT GRAPH {staging} TO {target}")
    keep = {g.value for g in graphs if isinstance(g, NamedNode)}
    stale = [
        f"DROP SILENT GRAPH {g}"
        for g in server.named_graphs()
        if g.value not in keep and not g.value.startswith(f"urn:cblod:push:{run}:")
    ]
    server.update(" ;\n".join([*stale, *moves]))
    return sent
