"""What cblod says about one resource: the description behind every /doc/ page and format.

A description holds the published (consolidated) statements about the resource, what each
source graph said about it (so a page can show who said what), the labels and types of every
IRI it points to, and one page of its inbound links with their total count.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from pyoxigraph import DefaultGraph, Literal, NamedNode, Triple

from .ontology_terms import term_labels
from .published import INTERNAL, Dataset
from .rdfterms import Term, lexical
from .vocab import CBO, DCTERMS, PROV, RDF, RDFS, SKOS

LABELS = (SKOS.prefLabel, RDFS.label, DCTERMS.title, SKOS.notation)
INBOUND_PAGE = 100
#: nodes whose names and types one query asks for
LOOKUP_BATCH = 500


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


def describe(store: Dataset, iri: NamedNode, *, inbound_offset: int = 0) -> Description:
    d = Description(iri, inbound_offset=inbound_offset)
    sources: dict[str, list[tuple[NamedNode, Term]]] = defaultdict(list)
    for q in store.quads(iri, None, None, None):  # one pass: published and per source
        graph = q.graph_name
        if isinstance(graph, DefaultGraph):
            d.statements.append((q.predicate, q.object))
        elif isinstance(graph, NamedNode) and not graph.value.startswith(INTERNAL):
            sources[graph.value].append((q.predicate, q.object))
    d.by_source = dict(sorted(sources.items()))

    inbound = [
        (q.subject, q.predicate)
        for q in store.quads(None, None, iri, DefaultGraph())
        if isinstance(q.subject, NamedNode)
    ]
    inbound.sort(key=lambda sp: (sp[1].value, sp[0].value))
    d.inbound_total = len(inbound)
    d.inbound = inbound[inbound_offset : inbound_offset + INBOUND_PAGE]

    linked = {iri.value}
    linked.update(o.value for _, o in d.statements if isinstance(o, NamedNode))
    linked.update(p.value for p, _ in d.statements)
    linked.update(s.value for s, _ in d.inbound)
    linked.update(p.value for _, p in d.inbound)
    linked.update(d.by_source)
    d.labels, d.types, d.origins = _linked(store, sorted(linked))
    return d


def _linked(
    store: Dataset, nodes: list[str]
) -> tuple[dict[str, str], dict[str, list[str]], dict[str, str]]:
    """One name, the types and (for sources) the original page of each node, in one query
    whatever the number of nodes (over a SPARQL server, one request instead of several per
    node).

    The name: the first of ``LABELS`` that the node has, in English, else untagged, else the
    alphabetically first; then the ontology's label for its own terms; else none.
    """
    labels: dict[str, tuple[int, int, str]] = {}
    types: dict[str, list[str]] = defaultdict(list)
    origins: dict[str, str] = {}
    rank = {p.value: n for n, p in enumerate(LABELS)}
    for start in range(0, len(nodes), LOOKUP_BATCH):
        batch = " ".join(f"<{n}>" for n in nodes[start : start + LOOKUP_BATCH])
        predicates = ", ".join(str(p) for p in (*LABELS, RDF.type, PROV.hadPrimarySource))
        # a FILTER, not a second VALUES: Oxigraph joins two VALUES blocks with a scan of
        # every statement (120 ms instead of 2.5 ms at 3 000 projects)
        rows = store.select(
            f"SELECT ?node ?p ?o WHERE {{ VALUES ?node {{ {batch} }} "
            f"?node ?p ?o FILTER(?p IN ({predicates})) }}"
        )
        for row in rows:
            node, predicate, obj = lexical(row["node"]), lexical(row["p"]), row["o"]
            if predicate == RDF.type.value:
                types[node].append(lexical(obj))
                continue
            if predicate == PROV.hadPrimarySource.value:
                origins[node] = lexical(obj)
                continue
            language = obj.language if isinstance(obj, Literal) else None
            key = (rank[predicate], {"en": 0, None: 1}.get(language, 2), lexical(obj))
            if node not in labels or key < labels[node]:
                labels[node] = key
    own = term_labels()
    names = {n: labels[n][2] if n in labels else own.get(n) for n in nodes}
    return (
        {n: name for n, name in names.items() if name},
        {n: sorted(t) for n, t in types.items()},
        origins,
    )


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
