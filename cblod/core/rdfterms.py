"""Names for the kinds of pyoxigraph term a position in a statement can hold, and for the
read verbs every store backend offers.

pyoxigraph types each position as a union; naming the unions once keeps signatures short and
says which position a value came from.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO, Protocol, TypeAlias

from pyoxigraph import (
    BlankNode,
    DefaultGraph,
    Literal,
    NamedNode,
    Quad,
    QueryBoolean,
    QuerySolutions,
    RdfFormat,
    Triple,
)

#: what can stand in subject position (RDF-star: a quoted triple too)
Subject: TypeAlias = NamedNode | BlankNode | Triple
#: what can stand in object position
Term: TypeAlias = NamedNode | BlankNode | Literal | Triple
#: the graph of a quad
GraphName: TypeAlias = NamedNode | BlankNode | DefaultGraph


def lexical(term: Term | GraphName) -> str:
    """The text of a term: an IRI, a blank node id, a literal's lexical form; a quoted triple
    or the default graph as written in N-Triples (they have no ``.value``)."""
    if isinstance(term, Triple | DefaultGraph):
        return str(term)
    return term.value


#: what a SPARQL query answers: solutions, a boolean, or triples (CONSTRUCT, DESCRIBE)
QueryResult: TypeAlias = QuerySolutions | QueryBoolean | Iterator[Triple]


class Queryable(Protocol):
    """What answers SPARQL queries (all the endpoint's ``execute`` needs)."""

    def query(
        self,
        query: str,
        /,
        *,
        base_iri: str | None = None,
        prefixes: dict[str, str] | None = None,
        default_graph: GraphName | list[GraphName] | None = None,
        named_graphs: list[NamedNode | BlankNode] | None = None,
    ) -> QueryResult: ...


class Engine(Queryable, Protocol):
    """The read verbs a published dataset is asked with: pyoxigraph's ``Store``, or
    ``remote.SparqlServer`` offering the same verbs over a SPARQL server."""

    def quads_for_pattern(
        self,
        subject: Subject | None,
        predicate: NamedNode | None,
        object: Term | None,
        graph_name: GraphName | None = None,
    ) -> Iterator[Quad]: ...

    def named_graphs(self) -> Iterator[NamedNode | BlankNode]: ...

    def dump(
        self,
        output: IO[bytes],
        *,
        format: RdfFormat,
        from_graph: GraphName | None = None,
        prefixes: dict[str, str] | None = None,
    ) -> bytes | None: ...


#: a GeoSPARQL point as a WKT literal's text: ``POINT(longitude latitude)``
_WKT_POINT = re.compile(r"^\s*POINT\s*\(\s*(\S+)\s+(\S+)\s*\)\s*$", re.IGNORECASE)


def wkt_point(text: str) -> tuple[float, float] | None:
    """(longitude, latitude) of a WKT point (GeoJSON's order), or None for another shape."""
    found = _WKT_POINT.match(text)
    if found is None:
        return None
    try:
        return float(found[1]), float(found[2])
    except ValueError:
        return None
