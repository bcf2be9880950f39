"""cblod's record of what it owns on a SPARQL server, kept in one graph there.

A SPARQL server is shared: other applications keep their graphs on it, and an engine has
graphs of its own (Virtuoso's ``virtrdf#``, DAV, …). cblod touches only graphs this registry
lists as created by cblod, and readers take the published version from it, so what a push
does and what a reader sees never depend on what else the server holds.

The registry graph (``REGISTRY``) says::

    reg:dataset reg:version "…" ; reg:published <urn:cblod:published:…> ;
                reg:contents <urn:cblod:registry#contents:…> .      # the served version
    <urn:cblod:registry#contents:…> reg:graph <…/id/source/a>, <urn:cblod:internal:meta>, … .
    <…/id/source/a> reg:sha256 "…" .           # what the graph holds now (set as it moves in)
    <urn:cblod:published:…> reg:sha256 "…" ; reg:holds "…" .   # the version it contains
    <every graph cblod created> reg:kind "published" | "named" | "staging" .
    <a staging graph> reg:run "…" ; reg:sha256 "…" .   # the push that made it, what it holds

A graph is registered before cblod writes a byte to it, so a push that dies half-way leaves
only graphs the next push knows to remove. The version record is three statements whatever
the number of graphs (their list is a contents node written before the switch), so switching
versions is one small update on every engine; readers check the record, and read the list
only when the version changed. The registry is read in parts: an engine may cap a result
(Virtuoso: 10 000 rows), and a dataset may have thousands of source graphs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

from pyoxigraph import Literal, NamedNode, Quad, QuerySolutions

from ..core.errors import StoreError
from ..core.rdfterms import Engine, Term, lexical
from ..query.results import TooManyResults

REGISTRY = NamedNode("urn:cblod:registry")
_NS = "urn:cblod:registry#"
DATASET = NamedNode(_NS + "dataset")
VERSION = NamedNode(_NS + "version")
PUBLISHED = NamedNode(_NS + "published")
GRAPH = NamedNode(_NS + "graph")
SHA256 = NamedNode(_NS + "sha256")
KIND = NamedNode(_NS + "kind")
RUN = NamedNode(_NS + "run")
HOLDS = NamedNode(_NS + "holds")
CONTENTS = NamedNode(_NS + "contents")
#: rows asked for at once: well below any engine's cap on a result
PAGE_ROWS = 5000


@dataclass
class Registry:
    """The registry as read from the server (empty on a server cblod never pushed to)."""

    version: str | None = None
    published: NamedNode | None = None
    #: SHA-256 of the published graph's N-Triples
    published_sha: str = ""
    #: the named graphs of the published version -> SHA-256 of their N-Triples
    graphs: dict[str, str] = field(default_factory=dict)
    #: every graph cblod created on the server -> its kind
    owned: dict[str, str] = field(default_factory=dict)
    #: published graphs -> the dataset version their content is (none while being patched)
    holds: dict[str, str] = field(default_factory=dict)
    #: the node listing the served version's named graphs
    contents: NamedNode | None = None
    #: contents nodes of versions no longer served (removed after a push)
    stale_contents: list[str] = field(default_factory=list)

    def owns(self, graph: str) -> bool:
        return graph in self.owned or graph == REGISTRY.value


@dataclass(frozen=True)
class ServedVersion:
    """The version record: what a reader checks, once a second, before anything else."""

    version: str
    published: NamedNode
    contents: NamedNode


def read_version(server: Engine) -> ServedVersion | None:
    """The served version's record (one small query), or None before the first push."""
    rows = server.query(
        f"SELECT ?version ?published ?contents WHERE {{ GRAPH {REGISTRY} {{ "
        f"{DATASET} {VERSION} ?version ; {PUBLISHED} ?published ; {CONTENTS} ?contents }} }}",
        named_graphs=[REGISTRY],
    )
    assert isinstance(rows, QuerySolutions)
    for row in rows:
        published, contents = row["published"], row["contents"]
        if isinstance(published, NamedNode) and isinstance(contents, NamedNode):
            return ServedVersion(lexical(row["version"]), published, contents)
    return None


def read_contents(server: Engine, contents: NamedNode) -> list[str]:
    """The named graphs a version's contents node lists, sorted."""
    return sorted(lexical(o) for (o,) in _pages(server, f"{contents} {GRAPH} ?o", "?o"))


def read_registry(server: Engine) -> Registry:
    """The registry graph of ``server``, asked for by name (whatever the engine's dataset)."""
    registry = Registry()
    listed: dict[str, list[str]] = defaultdict(list)
    shas: dict[str, str] = {}
    for s, p, o in _triples(server):
        if p == VERSION.value:
            registry.version = o
        elif p == PUBLISHED.value:
            registry.published = NamedNode(o)
        elif p == CONTENTS.value:
            registry.contents = NamedNode(o)
        elif p == GRAPH.value:
            listed[s].append(o)
        elif p == SHA256.value:
            shas[s] = o
        elif p == KIND.value:
            registry.owned[s] = o
        elif p == HOLDS.value:
            registry.holds[s] = o
    if registry.contents is not None:
        registry.graphs = {g: shas.get(g, "") for g in sorted(listed[registry.contents.value])}
    served = registry.contents.value if registry.contents is not None else None
    registry.stale_contents = sorted(c for c in listed if c != served)
    if registry.published is not None:
        registry.published_sha = shas.get(registry.published.value, "")
    return registry


def _triples(server: Engine) -> Iterator[tuple[str, str, str]]:
    for row in _pages(server, "?s ?p ?o", "?s ?p ?o"):
        yield lexical(row[0]), lexical(row[1]), lexical(row[2])


def _pages(
    server: Engine, pattern: str, variables: str, prefix: str = ""
) -> Iterator[tuple[Term, ...]]:
    """Every solution of ``pattern`` in the registry graph, in parts small enough for any
    engine: asked whole, and when that is more than ``PAGE_ROWS`` (or the engine caps it),
    split in sixteen by the MD5 of the solution, and so on. No ORDER BY / OFFSET paging:
    Virtuoso refuses to sort past its own cap (MaxSortedTopRows).
    """
    names = variables.split()
    where = pattern
    if prefix:
        # the hash of the whole solution: solutions differ, so splitting always ends
        whole = ', " ", '.join(f"STR({name})" for name in names)
        key = f"CONCAT({whole})" if len(names) > 1 else whole
        where += f' FILTER(STRSTARTS(MD5({key}), "{prefix}"))'
    query = f"SELECT {variables} WHERE {{ GRAPH {REGISTRY} {{ {where} }} }} LIMIT {PAGE_ROWS + 1}"
    try:
        found = server.query(query, named_graphs=[REGISTRY])
        assert isinstance(found, QuerySolutions)
        rows = list(found)
        too_many = len(rows) > PAGE_ROWS
    except TooManyResults:
        rows, too_many = [], True
    if too_many:
        if len(prefix) >= 8:  # 4 billion parts: the engine's cap is below PAGE_ROWS
            raise StoreError(f"the server answers fewer than {PAGE_ROWS} rows at a time")
        for digit in "0123456789abcdef":
            yield from _pages(server, pattern, variables, prefix + digit)
        return
    for row in rows:
        values = tuple(row[name[1:]] for name in names)
        if all(v is not None for v in values):
            yield values


def ownership_quads(graph: NamedNode, kind: str, run: str | None = None) -> list[Quad]:
    """What registers ``graph`` as cblod's (written before the graph itself)."""
    quads = [Quad(graph, KIND, Literal(kind), REGISTRY)]
    if run is not None:
        quads.append(Quad(graph, RUN, Literal(run), REGISTRY))
    return quads


def contents_node(version: str) -> NamedNode:
    return NamedNode(f"{_NS}contents:{version}")


def contents_quads(contents: NamedNode, graphs: list[str]) -> list[Quad]:
    """The list of a version's named graphs (written before the switch; readers ignore it
    until the version record points at it)."""
    return [Quad(contents, GRAPH, NamedNode(g), REGISTRY) for g in sorted(graphs)]


def version_quads(
    version: str, published: NamedNode, published_sha: str, contents: NamedNode
) -> list[Quad]:
    """The published-version record: the one small thing a push switches."""
    return [
        Quad(DATASET, VERSION, Literal(version), REGISTRY),
        Quad(DATASET, PUBLISHED, published, REGISTRY),
        Quad(DATASET, CONTENTS, contents, REGISTRY),
        Quad(published, SHA256, Literal(published_sha), REGISTRY),
        Quad(published, HOLDS, Literal(version), REGISTRY),
    ]
