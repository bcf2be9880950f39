"""What cblod says about one resource: the description behind every /doc/ page and format.

A description holds the published (consolidated) statements about the resource, what each
source graph said about it (so a page can show who said what), the labels and types of every
IRI it points to, and one page of its inbound links with their total count.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import islice
from typing import TYPE_CHECKING

from pyoxigraph import DefaultGraph, Literal, NamedNode, Triple

from ..core.graphs import IDENTITY, IDENTITY_KEY, OWN_GRAPHS
from ..core.merges import alias_key
from ..core.ontology_terms import term_labels
from ..core.rdfterms import Subject, Term, lexical
from ..core.vocab import CBO, DCTERMS, PROV, RDF, RDFS, SKOS
from ..lru import SizedCache

if TYPE_CHECKING:
    from ..backends.published import Dataset

LABELS = (SKOS.prefLabel, RDFS.label, DCTERMS.title, SKOS.notation)
INBOUND_PAGE = 100
#: a link to a resource: (subject, predicate)
Link = tuple[Subject, NamedNode]
#: inbound links read and sorted here; beyond, the engine counts them (``_inbound_page``)
INBOUND_SORTED_HERE = 2000
#: sources whose statements a description carries (a programme is named by thousands)
SOURCES_SHOWN = 20
#: nodes whose names and types one query asks for
LOOKUP_BATCH = 500
#: statements an ``AboutKnown`` keeps (~15 MB): the names, types and original pages of
#: ~20 000 nodes, more than every node a 3 000-project dataset's pages show
ABOUT_KEPT = 100_000

#: What ``_ABOUT`` said of a node, by (dataset version, node): most nodes a page shows (its
#: programme, priority, countries, properties) were shown by the pages before it, so a page's
#: first view looks up only what is new to it. A version is a UUID given at publish (pushed
#: with the data to a SPARQL server), so a key never names two different datasets. The web
#: app holds one (``cblod.web.store_access.Memos``); a description asked without one looks up
#: every node it shows.
AboutKnown = SizedCache[tuple[tuple[str, Term], ...]]


def about_known() -> AboutKnown:
    return AboutKnown(ABOUT_KEPT, lambda said: len(said) + 1)


@dataclass
class Description:
    iri: NamedNode
    statements: list[tuple[NamedNode, Term]] = field(default_factory=list)
    by_source: dict[str, list[tuple[NamedNode, Term]]] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    types: dict[str, list[str]] = field(default_factory=dict)
    #: the original page each source graph was read from (prov:hadPrimarySource)
    origins: dict[str, str] = field(default_factory=dict)
    inbound: list[tuple[NamedNode, NamedNode]] = field(default_factory=list)
    inbound_total: int = 0
    inbound_offset: int = 0
    #: the sources that say something about it (``by_source`` holds the first ones)
    sources_total: int = 0
    #: a curated merge moved this IRI to another (``Dataset.survivor`` says which)
    moved: bool = False

    @property
    def exists(self) -> bool:
        return bool(self.statements) or bool(self.inbound_total)

    def values(self, predicate: NamedNode) -> list[Term]:
        return [o for p, o in self.statements if p == predicate]

    def value(self, predicate: NamedNode) -> Term | None:
        found = self.values(predicate)
        return found[0] if found else None

    def label(self, term: Term | None = None) -> str:
        """The display name of ``term`` (the resource itself by default)."""
        term = self.iri if term is None else term
        if isinstance(term, Literal):
            return term.value
        text = lexical(term)
        return self.labels.get(text) or re.split(r"[/#]", text.rstrip("/#"))[-1]

    def triples(self) -> list[Triple]:
        """The RDF of the description: statements, linked labels and types, inbound links."""
        out = [Triple(self.iri, p, o) for p, o in self.statements]
        for iri, label in self.labels.items():
            if iri != self.iri.value:
                out.append(Triple(NamedNode(iri), RDFS.label, Literal(label)))
        for iri, types in self.types.items():
            if iri != self.iri.value:
                out.extend(Triple(NamedNode(iri), RDF.type, NamedNode(t)) for t in types)
        out.extend(Triple(s, p, self.iri) for s, p in self.inbound)
        return out


class _Pieces:
    """What either way of describing gathers, made into one ``Description`` by ``finish``:
    both ways give the same description, whatever order the engine answers in."""

    def __init__(self, iri: NamedNode, inbound_offset: int) -> None:
        self.d = Description(iri, inbound_offset=inbound_offset)
        self.said: dict[str, list[tuple[NamedNode, Term]]] = defaultdict(list)
        self.names: dict[str, tuple[int, int, str]] = {}
        self.types: dict[str, set[str]] = defaultdict(set)
        self.rank = {p.value: n for n, p in enumerate(LABELS)}

    def source_said(self, graph: Term | None, predicate: NamedNode, obj: Term) -> None:
        if isinstance(graph, NamedNode) and not graph.value.startswith(OWN_GRAPHS):
            self.said[graph.value].append((predicate, obj))

    def first_sources(self) -> None:
        """``by_source``: the first ``SOURCES_SHOWN`` sources, by graph IRI."""
        shown = sorted(self.said)[:SOURCES_SHOWN]
        self.d.by_source = {graph: self.said[graph] for graph in shown}

    def about(self, node: str, predicate: str, obj: Term) -> None:
        """One of ``_ABOUT``'s statements of a node: a name, a type or an original page.

        The name kept: the first of ``LABELS`` that the node has, in English, else untagged,
        else the alphabetically first.
        """
        if predicate == RDF.type.value:
            self.types[node].add(lexical(obj))
        elif predicate == PROV.hadPrimarySource.value:
            self.d.origins[node] = lexical(obj)
        elif predicate in self.rank:
            language = obj.language if isinstance(obj, Literal) else None
            key = (self.rank[predicate], {"en": 0, None: 1}.get(language, 2), lexical(obj))
            if node not in self.names or key < self.names[node]:
                self.names[node] = key

    def finish(self) -> Description:
        """The description in a stable order, with names for what it shows (``first_sources``
        has chosen the sources it shows)."""
        d = self.d
        d.statements.sort(key=lambda po: (po[0].value, str(po[1])))
        d.inbound.sort(key=lambda sp: (sp[1].value, sp[0].value))
        d.by_source = {
            graph: sorted(said, key=lambda po: (po[0].value, str(po[1])))
            for graph, said in d.by_source.items()
        }
        own = term_labels()
        for node in sorted(linked_nodes(d)):
            name = self.names[node][2] if node in self.names else own.get(node)
            if name:
                d.labels[node] = name
            if node in self.types:
                d.types[node] = sorted(self.types[node])
        return d


def linked_nodes(d: Description) -> set[str]:
    """Every node a page of ``d`` names: itself, its properties and values, its sources, and
    the page of inbound links."""
    nodes = {d.iri.value, *d.by_source}
    nodes.update(p.value for p, _ in d.statements)
    nodes.update(o.value for _, o in d.statements if isinstance(o, NamedNode))
    nodes.update(s.value for s, _ in d.inbound)
    nodes.update(p.value for _, p in d.inbound)
    return nodes


def describe(
    dataset: Dataset,
    iri: NamedNode,
    *,
    inbound_offset: int = 0,
    known: AboutKnown | None = None,
) -> Description:
    """What a page or a data format shows about ``iri``, with one page of its inbound links
    from ``inbound_offset``: by pattern lookups where they are local calls, else in a few
    queries (``Dataset.layout``)."""
    layout = dataset.layout()
    if layout.lookups_are_local:
        return describe_by_lookups(dataset, iri, inbound_offset=inbound_offset, known=known)
    return describe_in_few_queries(
        dataset,
        iri,
        inbound_offset=inbound_offset,
        known=known,
        published=layout.published,
        graphs=set(layout.graphs) if layout.graphs is not None else None,
    )


def describe_by_lookups(
    store: Dataset, iri: NamedNode, *, inbound_offset: int = 0, known: AboutKnown | None = None
) -> Description:
    """The description from pattern lookups and one query for the names: for a store in this
    process, where a lookup costs microseconds and a SPARQL query's planning more."""
    pieces = _Pieces(iri, inbound_offset)
    d = pieces.d
    for q in store.quads(iri, None, None, None):  # one pass: published and per source
        if isinstance(q.graph_name, DefaultGraph):
            d.statements.append((q.predicate, q.object))
        else:
            pieces.source_said(q.graph_name, q.predicate, q.object)
    d.inbound_total, inbound = _inbound_page(store, iri, inbound_offset)
    d.inbound = [(s, p) for s, p in inbound if isinstance(s, NamedNode)]
    d.sources_total = len(pieces.said)
    pieces.first_sources()  # for linked_nodes
    d.moved = any(True for _ in store.quads(None, IDENTITY_KEY, _alias(iri), IDENTITY))
    _name_all(store.version, pieces, lambda nodes: _about_by_lookups(store, nodes), known)
    return pieces.finish()


def _inbound_page(store: Dataset, iri: NamedNode, offset: int) -> tuple[int, list[Link]]:
    """How many links point at ``iri`` in the published graph, and the page of them from
    ``offset``: by predicate, then by subject.

    Up to ``INBOUND_SORTED_HERE`` links are read and sorted here. Beyond that (an organisation
    in 20 000 projects has 40 000), reading every subject costs more than the rest of the page
    (the engine's ORDER BY more still: benchmarks/README.md, issue 26's sections), so within a
    predicate the pages follow the store's own index order, the same for a release's life:
    the engine counts the links by predicate, and the page's stretch alone is read. Each page
    is still shown sorted, and the pages partition the links."""
    quads = store.quads(None, None, iri, DefaultGraph())
    first = [(q.subject, q.predicate) for q in islice(quads, INBOUND_SORTED_HERE + 1)]
    if len(first) <= INBOUND_SORTED_HERE:
        first.sort(key=lambda sp: (sp[1].value, str(sp[0])))
        return len(first), first[offset : offset + INBOUND_PAGE]
    counts = sorted(
        (lexical(row["p"]), int(lexical(row["n"])))
        for row in store.select(f"SELECT ?p (COUNT(*) AS ?n) WHERE {{ ?s ?p {iri} }} GROUP BY ?p")
    )
    page: list[Link] = []
    start, end = 0, offset + INBOUND_PAGE
    for name, count in counts:
        low, high = max(offset - start, 0), min(end - start, count)
        if low < high:
            predicate = NamedNode(name)
            stretch = islice(store.quads(None, predicate, iri, DefaultGraph()), low, high)
            page += [(q.subject, predicate) for q in stretch]
        start += count
    return start, page


AboutFetch = Callable[[list[str]], Iterable[tuple[str, str, Term]]]

#: asks a server for a description's inbound links beside its outbound statements
_ASKING = ThreadPoolExecutor(max_workers=8, thread_name_prefix="cblod-describe")


def _name_all(version: str, pieces: _Pieces, fetch: AboutFetch, kept: AboutKnown | None) -> None:
    """The names, types and original pages of every node the description shows: those of
    nodes an earlier page showed from ``kept``, the others from ``fetch`` (node, predicate,
    object statements of the nodes given)."""
    d, unknown = pieces.d, []
    kept = kept if kept is not None else about_known()
    # the resource's own names and types are among its statements, read already
    own = tuple((p.value, o) for p, o in d.statements if p.value in _ABOUT_SET)
    kept.put((version, d.iri.value), own)
    for node in sorted(linked_nodes(d)):
        known = own if node == d.iri.value else kept.get((version, node))
        if known is None:
            unknown.append(node)
        else:
            for predicate, obj in known:
                pieces.about(node, predicate, obj)
    if not unknown:
        return
    found: dict[str, list[tuple[str, Term]]] = {node: [] for node in unknown}
    for node, predicate, obj in fetch(unknown):
        if node in found:
            found[node].append((predicate, obj))
    for node, said in found.items():
        for predicate, obj in said:
            pieces.about(node, predicate, obj)
        kept.put((version, node), tuple(said))


_ABOUT_PREDICATES = (*LABELS, RDF.type, PROV.hadPrimarySource)
_ABOUT_SET = {p.value for p in _ABOUT_PREDICATES}


def _about_by_lookups(store: Dataset, nodes: list[str]) -> Iterator[tuple[str, str, Term]]:
    """``_ABOUT``'s statements of ``nodes`` in the published graph, a lookup per predicate:
    microseconds each in this process, where one query for them all took 0.8 ms."""
    graph = DefaultGraph()
    for node in nodes:
        subject = NamedNode(node)
        for predicate in _ABOUT_PREDICATES:
            for quad in store.quads(subject, predicate, None, graph):
                yield node, predicate.value, quad.object


def _about_by_query(
    store: Dataset, published: str, options: dict[str, list[NamedNode]], nodes: list[str]
) -> Iterator[tuple[str, str, Term]]:
    """``_ABOUT``'s statements of ``nodes``, in one query per ``LOOKUP_BATCH`` nodes."""
    for start in range(0, len(nodes), LOOKUP_BATCH):
        batch = " ".join(f"<{n}>" for n in nodes[start : start + LOOKUP_BATCH])
        # a FILTER, not a second VALUES: Oxigraph joins two VALUES blocks with a scan of
        # every statement (120 ms instead of 2.5 ms at 3 000 projects)
        query = (
            f"SELECT ?s ?p ?o WHERE {{ VALUES ?s {{ {batch} }} "
            f"{published}{{ ?s ?p ?o }} FILTER(?p IN ({_ABOUT})) }}"
        )
        for row in store.select(query, **options):
            yield lexical(row["s"]), lexical(row["p"]), row["o"]


def describe_in_few_queries(
    store: Dataset,
    iri: NamedNode,
    *,
    inbound_offset: int = 0,
    known: AboutKnown | None = None,
    published: NamedNode | None = None,
    graphs: set[str] | None = None,
) -> Description:
    """The description in three simple queries (four when the inbound links fill a page):
    for a SPARQL server, where each lookup is an HTTP request (a page drew eight).

    Not one query: a UNION of the description's parts took Virtuoso 500 ms where its parts
    took 20, and Oxigraph server no less than the parts (benchmarks/README.md).

    ``published``: the graph standing for the published (default) graph, named in the
    queries, which then run over the engine's own dataset; ``graphs``: the named graphs that
    count (the engine may hold others: other datasets, other versions, staging graphs).
    """
    pieces = _Pieces(iri, inbound_offset)
    d = pieces.d
    within = f"GRAPH {published} " if published is not None else ""
    # a query naming its graphs itself runs over the engine's own dataset
    options: dict[str, list[NamedNode]] = (
        {} if published is None else {"default_graph": [], "named_graphs": []}
    )
    outbound = _OUTBOUND.format(
        iri=iri,
        published=within,
        sources=SOURCES_SHOWN,
        own=OWN_GRAPHS,
        identity=IDENTITY,
        key=IDENTITY_KEY,
        alias=_alias(iri),
    )
    # the inbound links are asked for while the outbound statements are read: on a server,
    # two round trips at once instead of one after the other
    linking_here = _ASKING.submit(
        lambda: list(
            store.select(
                f"SELECT ?s ?p WHERE {{ {within}{{ ?s ?p {iri} }} }} "
                f"ORDER BY ?p ?s LIMIT {INBOUND_PAGE} OFFSET {inbound_offset}",
                **options,
            )
        )
    )
    for row in store.select(outbound, **options):
        part, p, o = (row[v] for v in ("part", "p", "o"))
        match lexical(part) if part is not None else None:
            case "statement" if isinstance(p, NamedNode) and o is not None:
                d.statements.append((p, o))
            case "said" if isinstance(p, NamedNode) and o is not None:
                graph = row["g"]
                if graphs is None or (graph is not None and lexical(graph) in graphs):
                    pieces.source_said(graph, p, o)
            case "sources" if (total := row["total"]) is not None:
                d.sources_total = int(lexical(total))
            case "moved":
                d.moved = True
    inbound = [(row["s"], row["p"]) for row in linking_here.result()]
    d.inbound = [
        (s, p) for s, p in inbound if isinstance(s, NamedNode) and isinstance(p, NamedNode)
    ]
    if inbound_offset == 0 and len(inbound) < INBOUND_PAGE:
        d.inbound_total = len(inbound)  # the page holds them all
    else:
        (row,) = store.select(
            f"SELECT (COUNT(*) AS ?total) WHERE {{ {within}{{ ?s ?p {iri} }} }}", **options
        )
        d.inbound_total = int(lexical(row["total"]) if row["total"] is not None else 0)
    pieces.first_sources()  # for linked_nodes
    _name_all(
        store.version, pieces, lambda nodes: _about_by_query(store, within, options, nodes), known
    )
    return pieces.finish()


def _alias(iri: NamedNode) -> Literal:
    """The identity key a curated merge leaves for a merged IRI (``Dataset.survivor``)."""
    return Literal(alias_key(iri.value))


#: the statements of a node a page needs: its names, types and original page
_ABOUT = ", ".join(str(p) for p in (*LABELS, RDF.type, PROV.hadPrimarySource))

#: What {iri} says and who said it, as one SELECT; ``?part`` says what each solution is:
#:
#: * ``statement``: ``?p ?o`` in the published (consolidated) graph;
#: * ``said``: ``?p ?o`` in source graph ``?g``, for the first ``SOURCES_SHOWN`` sources;
#: * ``sources``: how many sources say something about it (``?total``);
#: * ``moved``: a curated merge moved this IRI to another (the caller redirects).
#:
#: Constants are bound after a pattern: Virtuoso refuses a group that opens with BIND. No
#: ``isIRI`` filters anywhere: Virtuoso took seconds for a description with them.
#: ``{published}`` is empty (the default graph is the published one) or ``GRAPH <…>``.
_OUTBOUND = """SELECT ?part ?g ?p ?o ?total WHERE {{
  {{ {published}{{ {iri} ?p ?o }} BIND("statement" AS ?part) }}
  UNION {{ {{ SELECT DISTINCT ?g WHERE {{
               GRAPH ?g {{ {iri} ?said ?value }} FILTER(!STRSTARTS(STR(?g), "{own}")) }}
             ORDER BY ?g LIMIT {sources} }}
           GRAPH ?g {{ {iri} ?p ?o }} BIND("said" AS ?part) }}
  UNION {{ {{ SELECT (COUNT(DISTINCT ?g) AS ?total) WHERE {{
               GRAPH ?g {{ {iri} ?said ?value }} FILTER(!STRSTARTS(STR(?g), "{own}")) }} }}
           BIND("sources" AS ?part) }}
  UNION {{ GRAPH {identity} {{ ?moved {key} {alias} }} BIND("moved" AS ?part) }}
}}"""


def kind_of(d: Description) -> str | None:
    """The cbo: class name that decides how a page shows the resource ("Project", …)."""
    types = set(d.types.get(d.iri.value, ()))
    for name in (
        "Project",
        "Cluster",
        "Organisation",
        "Programme",
        "Participation",
        "Result",
        "SourceRecord",
    ):
        if CBO[name].value in types:
            return name
    return None
