"""An external SPARQL 1.1 server as cblod's published store (Oxigraph server, Virtuoso, …).

For users who outgrow one machine: ingest keeps its local snapshot folder (consolidation needs
fast lookups), ``cblod push`` publishes each snapshot to the server (``cblod.backends.push``), and any
number of web hosts serve it with ``cblod serve --sparql-server URL``, with no local store.

``SparqlServer`` speaks the SPARQL 1.1 Protocol (query) and Update, and offers the few
pyoxigraph ``Store`` verbs cblod reads with (``query``, ``quads_for_pattern``,
``named_graphs``, ``dump``), answering with pyoxigraph terms, so the pages, the endpoint and
the dumps run unchanged over it.

The server may hold other data, and its default graph may be the union of every graph
(Virtuoso's is, system graphs included). So cblod never relies on the server's own dataset:
``RemoteStore`` reads cblod's registry graph (``cblod.backends.push.REGISTRY``) for the published
version and sends that version's dataset with every query (``default-graph-uri`` the version's
published graph, ``named-graph-uri`` its source and internal graphs), unless the query names
its own. A short answer is an error, never a short table: Virtuoso's row cap
(``X-SPARQL-MaxRows``) and partial answers (206) are refused like cblod's own limits.
"""

from __future__ import annotations

import copy
import hashlib
import os
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import requests
from pyoxigraph import (
    BlankNode,
    DefaultGraph,
    Literal,
    NamedNode,
    Quad,
    QueryResultsFormat,
    QuerySolutions,
    RdfFormat,
    Triple,
    parse,
    parse_query_results,
    serialize,
)
from requests.auth import AuthBase

from ..core.errors import EngineError, StoreError
from ..core.rdfterms import GraphName, QueryResult, Subject, Term
from ..query.results import TooManyResults
from ..query.scan import scan
from .published import Layout
from .reads import SUBJECTS_PAGE, PublishedReads
from .registry import read_contents, read_version

if TYPE_CHECKING:
    from ..query.running import QueryRequest, QueryResponse, QueryRunner


#: a graph answer shorter than any cap an engine ships with is never checked against one
MIN_CAP = 1000
#: answers up to this many rows tell whether (and where) an engine caps them
CAP_PROBE = 100_000
_DIGITS = " ".join(map(str, range(10)))
_CAP_QUERY = (
    "SELECT ?a WHERE { "
    + " ".join(f"VALUES ?{v} {{ {_DIGITS} }}" for v in "abcdef")
    + f" }} LIMIT {CAP_PROBE + 1}"
)
#: subjects whose statements one query of a dump asks for (halved while an answer is capped)
DUMP_SUBJECTS = 500

#: at most this many triples, or bytes of N-Triples, in one INSERT DATA / DELETE DATA request
DATA_TRIPLES = 1000
DATA_BYTES = 500_000


@dataclass(frozen=True)
class PublishedDataset:
    """What one published version is on the server: the graph standing for cblod's default
    graph, and the named graphs (sources and cblod's internal ones) queries may see."""

    version: str
    published: NamedNode
    graphs: tuple[NamedNode, ...]


def _as_sent(message: str, shift: int) -> str:
    """The engine's parse error about the text the client sent, not ours: line numbers less
    the prefixes cblod added (Oxigraph says ``20:7``, Virtuoso ``line 20``), and without the
    echo of the whole query (Virtuoso's, which shows those prefixes)."""
    message = message.split("\n\nSPARQL query:", 1)[0]
    message = re.sub(r"\b(\d+):(\d+)", lambda m: f"{int(m[1]) - shift}:{m[2]}", message, count=1)
    return re.sub(r"\bline (\d+)", lambda m: f"line {int(m[1]) - shift}", message, count=1)


class RemoteTimeout(Exception):
    """The server did not answer in time."""


class SparqlServer:
    """The SPARQL 1.1 endpoints of one server (query, and for publishing update and store)."""

    def __init__(
        self,
        query_url: str,
        *,
        update_url: str | None = None,
        timeout: float = 60.0,
        auth: AuthBase | None = None,
        dataset: PublishedDataset | None = None,
    ) -> None:
        self.query_url, self.update_url = query_url, update_url
        self.timeout = timeout
        self.dataset = dataset
        self.http = requests.Session()
        self.http.auth = auth
        #: the most rows the server puts in one answer, once known (shared by dataset views);
        #: None: it has shown none up to ``CAP_PROBE`` rows
        self._cap: dict[str, int | None] = {}

    def with_dataset(
        self, dataset: PublishedDataset, *, timeout: float | None = None
    ) -> SparqlServer:
        """The same server (and connection pool), answering over ``dataset`` by default."""
        view = copy.copy(self)
        view.dataset = dataset
        view.timeout = timeout or self.timeout
        return view

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
        own_dataset = self.dataset is not None and not scan(query).names_dataset
        if default_graph is None and own_dataset:
            assert self.dataset is not None
            default_graph = self.dataset.published
        if named_graphs is None and own_dataset and scan(query).uses_graph:
            # only a GRAPH pattern sees named graphs: thousands of them cost every query
            assert self.dataset is not None
            named_graphs = list(self.dataset.graphs)
        # the dataset goes in the form body with the query (SPARQL 1.1 Protocol 2.1.2), not in
        # the URL: a version with thousands of source graphs would not fit a request line
        fields: list[tuple[str, str]] = [("query", head + query)]
        if default_graph is not None:
            graphs = default_graph if isinstance(default_graph, list) else [default_graph]
            fields += [("default-graph-uri", g.value) for g in graphs if isinstance(g, NamedNode)]
        fields += [("named-graph-uri", g.value) for g in named_graphs or []]
        try:
            body = self._post(self.query_url, data=fields, accept=accept, timeout=timeout)
        except SyntaxError as exc:
            raise SyntaxError(_as_sent(str(exc), head.count("\n"))) from None
        if accept == "application/n-triples":
            triples = list(parse(body, format=RdfFormat.N_TRIPLES))
            cap = self.answer_cap() if len(triples) >= MIN_CAP else None
            if cap is not None and len(triples) >= cap:
                # Virtuoso cuts a CONSTRUCT answer at its row cap with no header saying so:
                # an answer that long may be short, and a short answer is an error
                raise TooManyResults(cap)
            return iter(triples)
        return parse_query_results(body, format=QueryResultsFormat.JSON)

    def answer_cap(self) -> int | None:
        """The most rows the server returns in one answer (Virtuoso: ``ResultSetMaxRows``,
        10 000 by default), or None when it caps none up to ``CAP_PROBE``: learnt from a
        capped SELECT's ``X-SPARQL-MaxRows``, asked once if none was seen yet."""
        if "rows" not in self._cap:
            try:
                self._post(self.query_url, data={"query": _CAP_QUERY}, accept="text/csv")
                self._cap.setdefault("rows", None)
            except TooManyResults:
                pass  # _send noted the cap
        return self._cap["rows"]

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
        if self.dataset is not None:
            yield from self.dataset.graphs
            return
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
        """One graph as RDF, a batch of subjects at a time, each answer checked against the
        server's cap (one CONSTRUCT of a whole graph came back cut at Virtuoso's 10 000
        triples, without a word), and the count of what was written checked against the
        server's own count: a dump is whole or an error."""
        inside = (
            "{pattern}"
            if from_graph is None or isinstance(from_graph, DefaultGraph)
            else f"GRAPH {from_graph} {{{{ {{pattern}} }}}}"
        )
        triples = list(self._graph_triples(inside))
        (row,) = self.select(
            f"SELECT (COUNT(*) AS ?n) WHERE {{ {inside.format(pattern='?s ?p ?o')} }}"
        )
        held = int(row["n"].value) if row["n"] is not None else 0
        if len(triples) != held:
            raise StoreError(
                f"the dump of {from_graph or 'the default graph'} from {self.query_url} has "
                f"{len(triples)} triples where the server counts {held}"
            )
        # in subject order, as the embedded store writes them: Turtle groups each subject's
        # statements, and a dump is the same whichever engine (and batch order) it came from
        triples.sort(key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
        serialize(triples, output, format=format, prefixes=prefixes)

    def select(self, sparql: str) -> QuerySolutions:
        found = self.query(sparql)
        assert isinstance(found, QuerySolutions)
        return found

    def _graph_triples(self, inside: str) -> Iterator[Triple]:
        """The triples of the graph ``inside`` names, subject by subject."""
        subjects: list[NamedNode | BlankNode] = []
        after = ""
        while True:
            found = [
                row["s"]
                for row in self.select(
                    f"SELECT DISTINCT ?s WHERE {{ {inside.format(pattern='?s ?p ?o')} "
                    f"FILTER(isIRI(?s) && STR(?s) > {Literal(after)}) }} "
                    f"ORDER BY STR(?s) LIMIT {SUBJECTS_PAGE}"
                )
            ]
            subjects.extend(s for s in found if isinstance(s, NamedNode))
            if len(found) < SUBJECTS_PAGE:
                break
            after = found[-1].value
        # blank subjects cannot be named in a query: all of them at once (cblod mints IRIs
        # for what it publishes; the count check above catches a graph that has too many)
        blank = f"{inside.format(pattern='?s ?p ?o')} FILTER(isBlank(?s))"
        for row in self.select(f"SELECT ?s ?p ?o WHERE {{ {blank} }}"):
            yield Triple(row["s"], row["p"], row["o"])
        start, size = 0, DUMP_SUBJECTS
        while start < len(subjects):
            batch = " ".join(str(s) for s in subjects[start : start + size])
            query = (
                f"SELECT ?s ?p ?o WHERE {{ VALUES ?s {{ {batch} }} "
                f"{inside.format(pattern='?s ?p ?o')} }}"
            )
            try:
                rows = list(self.select(query))
            except TooManyResults:
                if size == 1:
                    raise
                size = max(1, size // 2)
                continue
            for row in rows:
                yield Triple(row["s"], row["p"], row["o"])
            start += size

    # -- publishing ----------------------------------------------------------------------

    def update(self, text: str) -> None:
        if not self.update_url:
            raise StoreError("no update endpoint given for the SPARQL server")
        self._post(self.update_url, data={"update": text}, accept="*/*")

    def insert(self, graph: NamedNode, ntriples: Iterable[bytes]) -> int:
        """Add N-Triples lines to ``graph`` with ``INSERT DATA``, in requests small enough for
        every engine (Virtuoso refuses an update over 10 MB, and its SPARQL compiler runs out
        of memory at about 5 000 triples). Returns the triples sent.

        Plain SPARQL Update rather than the Graph Store Protocol: every engine that accepts
        updates takes it, with the same credentials.
        """
        return self._data("INSERT", graph, ntriples)

    def delete(self, graph: NamedNode, ntriples: Iterable[bytes]) -> int:
        """Remove N-Triples lines from ``graph`` with ``DELETE DATA``, in the same chunks."""
        return self._data("DELETE", graph, ntriples)

    def _data(self, operation: str, graph: NamedNode, ntriples: Iterable[bytes]) -> int:
        sent, chunk, size = 0, [], 0
        for line in ntriples:
            if not line.strip():
                continue
            chunk.append(line.decode("utf-8"))
            size += len(line)
            if len(chunk) >= DATA_TRIPLES or size >= DATA_BYTES:
                self.update(f"{operation} DATA {{ GRAPH {graph} {{\n{''.join(chunk)}}} }}")
                sent, chunk, size = sent + len(chunk), [], 0
        if chunk:
            self.update(f"{operation} DATA {{ GRAPH {graph} {{\n{''.join(chunk)}}} }}")
            sent += len(chunk)
        return sent

    # -- HTTP ----------------------------------------------------------------------------

    def _post(
        self,
        url: str,
        *,
        data: dict[str, str] | list[tuple[str, str]],
        accept: str,
        timeout: float | None = None,
    ) -> bytes:
        return self._send("POST", url, data=data, headers={"Accept": accept}, timeout=timeout)

    def _send(
        self, method: str, url: str, *, timeout: float | None = None, **options: Any
    ) -> bytes:
        try:
            response = self.http.request(method, url, timeout=timeout or self.timeout, **options)
        except requests.Timeout as exc:
            raise RemoteTimeout(str(exc)) from exc
        except requests.RequestException as exc:
            raise EngineError(f"cannot reach the SPARQL server {url}: {exc}") from exc
        if response.status_code == 400:
            raise SyntaxError(response.text.strip()[:2000])
        if response.status_code == 206:  # Virtuoso's "anytime" answer: a partial result
            raise RemoteTimeout("the SPARQL server stopped the query and sent a partial answer")
        if "X-SPARQL-MaxRows" in response.headers:
            cap = int(response.headers["X-SPARQL-MaxRows"])
            self._cap["rows"] = cap
            raise TooManyResults(cap)
        if response.status_code >= 300:
            raise EngineError(
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
        self.timeout = timeout

    def run(self, request: QueryRequest, *, target: str = "") -> QueryResponse:
        """``target`` is unused: the server holds the version this store follows."""
        from ..query.running import QueryTimeout, execute

        engine = self.store.server.with_dataset(self.store.dataset(), timeout=self.timeout)
        try:
            return execute(engine, self.store.source_graphs(), request)
        except RemoteTimeout:
            raise QueryTimeout() from None

    def close(self) -> None:
        self.store.server.http.close()


def open_remote(query_url: str, cache: str) -> RemoteStore:
    """What ``RemoteStore.opener`` gives another process (a picklable function)."""
    return RemoteStore(SparqlServer(query_url), cache=cache)


def default_cache(query_url: str) -> Path:
    """The folder a server's derived files are kept in when none is given:
    ``$XDG_CACHE_HOME/cblod/remote/<hash of the query URL>`` (``~/.cache`` by default)."""
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return root / "cblod" / "remote" / hashlib.sha256(query_url.encode()).hexdigest()[:16]


#: version folders kept besides the served one: a request that began on the version before
#: may still be reading its files
VERSIONS_KEPT = 1


def _forget_older_versions(cache: Path, *, keep: Path) -> None:
    """Remove what was derived from versions the server no longer serves, but the newest
    ``VERSIONS_KEPT`` of them."""
    older = sorted(
        (f for f in cache.glob("version-*") if f != keep and f.is_dir()),
        key=lambda f: f.stat().st_mtime,
        reverse=True,
    )
    for folder in older[VERSIONS_KEPT:]:
        shutil.rmtree(folder, ignore_errors=True)


class RemoteStore(PublishedReads):
    """A cblod dataset published on a SPARQL server (see ``cblod push``), read-only: the
    ``Dataset`` protocol over the server, with the published version's dataset on every query.

    ``cache`` is a local folder for what the web tier derives from the data (the search index,
    dump files), kept per dataset version: by default the user's cache folder for this server
    (``default_cache``), so a restarted server finds what it derived before, and a folder
    per run never piles up in /tmp.
    """

    #: a server keeps no releases: the version it serves
    releases = None

    def __init__(self, server: SparqlServer, *, cache: str | Path | None = None) -> None:
        self.server = server
        self.path = Path(cache or default_cache(server.query_url)).absolute()
        self.path.mkdir(parents=True, exist_ok=True)
        self._dataset: tuple[float, PublishedDataset, SparqlServer] | None = None
        self._sources: tuple[str, list[NamedNode]] | None = None
        self._folder_lock = threading.Lock()
        self._pinned = False

    def pinned(self) -> RemoteStore:
        """This store fixed to the version the server publishes now: what is derived from
        one version (``cblod.web.prepare``) reads that version throughout, even if another is
        pushed meanwhile."""
        self._current()
        fixed = copy.copy(self)
        fixed._pinned = True
        return fixed

    def _current(self) -> tuple[PublishedDataset, SparqlServer]:
        """The published version, checked in cblod's registry on the server at most once a
        second (its list of graphs read only when it changed), and the server answering over
        it."""
        now = time.monotonic()
        if self._pinned and self._dataset is not None:
            return self._dataset[1], self._dataset[2]
        if self._dataset is None or now - self._dataset[0] > 1.0:
            served = read_version(self.server)
            if served is None:
                raise StoreError(
                    f"no cblod dataset is published on {self.server.query_url} "
                    "(publish one with `cblod push`)"
                )
            if self._dataset is not None and self._dataset[1].version == served.version:
                self._dataset = (now, *self._dataset[1:])
            else:
                graphs = tuple(map(NamedNode, read_contents(self.server, served.contents)))
                dataset = PublishedDataset(served.version, served.published, graphs)
                self._dataset = (now, dataset, self.server.with_dataset(dataset))
        return self._dataset[1], self._dataset[2]

    def dataset(self) -> PublishedDataset:
        return self._current()[0]

    @property
    def engine(self) -> SparqlServer:
        return self._current()[1]

    def __str__(self) -> str:
        return self.server.query_url

    @property
    def version(self) -> str:
        return self.dataset().version

    def source_graphs(self) -> list[NamedNode]:
        """The source graphs of the published version (from the registry, not a scan)."""
        version = self.version
        if self._sources is None or self._sources[0] != version:
            self._sources = (version, super().source_graphs())
        return self._sources[1]

    @property
    def data_dir(self) -> Path:
        """The local cache of this version, where what it derives is kept (made by
        ``cblod.web.prepare.RemotePreparer``, or by the first reader that needs it); made
        empty when first asked for, and the caches of older versions then go."""
        folder = self.path / f"version-{self.version}"
        if not folder.exists():
            with self._folder_lock:  # requests in threads: one makes it (a race was a 500)
                if not folder.exists():
                    folder.mkdir()
                    _forget_older_versions(self.path, keep=folder)
        return folder

    def layout(self) -> Layout:
        """Each lookup is an HTTP request: readers ask in few queries that name the published
        graph themselves and take only the version's named graphs from the answers (listing
        thousands of source graphs with each query would cost more than the query)."""
        dataset = self.dataset()
        return Layout(
            lookups_are_local=False,
            published=dataset.published,
            graphs=frozenset(g.value for g in dataset.graphs),
        )

    def opener(self) -> Callable[[], RemoteStore]:
        """The same server read with the same cache, in another process."""
        return partial(open_remote, self.server.query_url, str(self.path))

    def latest(self) -> RemoteStore:
        """Itself: it follows the server's published version on its own (``dataset()``)."""
        return self

    def answer(self, request: QueryRequest, runner: QueryRunner) -> QueryResponse:
        """Sent to the server, which holds the version this store follows."""
        return runner.run(request)

    def query_runner(self, *, workers: int, timeout: float) -> RemoteQueries:
        """The server runs the endpoint's queries; cblod waits ``timeout`` for each."""
        return RemoteQueries(self, timeout=timeout)
