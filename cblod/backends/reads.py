"""The read verbs both backends answer alike, over the engine each queries.

``PublishedReads`` is the shared half of the ``Dataset`` protocol (``cblod.backends.published``):
metadata from cblod's own graphs, source graphs, the survivor of a curated merge, SPARQL, pattern
lookups, dumps. A backend subclasses it and says what its ``engine`` is (pyoxigraph's ``Store``
for the embedded store, a ``SparqlServer`` bound to a version for a server).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import IO, Any

from pyoxigraph import DefaultGraph, Literal, NamedNode, Quad, QuerySolutions, RdfFormat

from ..core.graphs import DATASET, IDENTITY, IDENTITY_KEY, INTERNAL, META
from ..core.merges import alias_key, follow
from ..core.rdfterms import Engine, GraphName, QueryResult, Subject, Term, lexical
from ..core.vocab import CBO
from .published import Layout

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
