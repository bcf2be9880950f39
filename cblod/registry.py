"""cblod's record of what it owns on a SPARQL server, kept in one graph there.

A SPARQL server is shared: other applications keep their graphs on it, and an engine has
graphs of its own (Virtuoso's ``virtrdf#``, DAV, …). cblod touches only graphs this registry
lists as created by cblod, and readers take the published version from it, so what a push
does and what a reader sees never depend on what else the server holds.

The registry graph (``REGISTRY``) says::

    reg:dataset reg:version "…" ; reg:published <urn:cblod:published:…> ;
                reg:graph <…/id/source/a>, <urn:cblod:internal:meta>, … .
    <…/id/source/a> reg:sha256 "…" .            # the content of each graph of that version
    <urn:cblod:published:…> reg:sha256 "…" ; reg:holds "…" .   # the version it contains
    <every graph cblod created> reg:kind "published" | "named" | "staging" .
    <a staging graph> reg:run "…" .              # the push that made it

A graph is registered before cblod writes a byte to it, so a push that dies half-way leaves
only graphs the next push knows to remove.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pyoxigraph import Literal, NamedNode, Quad, QuerySolutions

from .rdfterms import Engine, lexical

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

    def owns(self, graph: str) -> bool:
        return graph in self.owned or graph == REGISTRY.value


def read_registry(server: Engine) -> Registry:
    """The registry graph of ``server``, asked for by name (whatever the engine's dataset)."""
    rows = server.query(
        f"SELECT ?s ?p ?o WHERE {{ GRAPH {REGISTRY} {{ ?s ?p ?o }} }}",
        named_graphs=[REGISTRY],
    )
    assert isinstance(rows, QuerySolutions)
    registry = Registry()
    graphs: list[str] = []
    shas: dict[str, str] = {}
    for row in rows:
        s, p, o = lexical(row["s"]), row["p"], row["o"]
        if p == VERSION:
            registry.version = lexical(o)
        elif p == PUBLISHED and isinstance(o, NamedNode):
            registry.published = o
        elif p == GRAPH:
            graphs.append(lexical(o))
        elif p == SHA256:
            shas[s] = lexical(o)
        elif p == KIND:
            registry.owned[s] = lexical(o)
        elif p == HOLDS:
            registry.holds[s] = lexical(o)
    registry.graphs = {g: shas.get(g, "") for g in graphs}
    if registry.published is not None:
        registry.published_sha = shas.get(registry.published.value, "")
    return registry


def ownership_quads(graph: NamedNode, kind: str, run: str | None = None) -> list[Quad]:
    """What registers ``graph`` as cblod's (written before the graph itself)."""
    quads = [Quad(graph, KIND, Literal(kind), REGISTRY)]
    if run is not None:
        quads.append(Quad(graph, RUN, Literal(run), REGISTRY))
    return quads


def version_quads(
    version: str, published: NamedNode, published_sha: str, graphs: dict[str, str]
) -> list[Quad]:
    """The published-version record: the one small thing a push switches. ``graphs`` are the
    version's named graphs with the SHA-256 of their content."""
    quads = [
        Quad(DATASET, VERSION, Literal(version), REGISTRY),
        Quad(DATASET, PUBLISHED, published, REGISTRY),
        Quad(published, SHA256, Literal(published_sha), REGISTRY),
        Quad(published, HOLDS, Literal(version), REGISTRY),
    ]
    for graph, sha in sorted(graphs.items()):
        quads.append(Quad(DATASET, GRAPH, NamedNode(graph), REGISTRY))
        quads.append(Quad(NamedNode(graph), SHA256, Literal(sha), REGISTRY))
    return quads
