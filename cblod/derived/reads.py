"""Which properties a SPARQL query reads, so that its kept answer can be kept again.

A query whose every triple pattern and property path names its property reads only the
published graph's statements of those properties: if a release added or removed none of them,
the query's answer is the release before's, exactly, whatever the query computes (a GROUP BY, a
MIN, a FILTER NOT EXISTS). That is what lets the example answers, the plain lists' first views
and the programmes' figures (arbitrary aggregates, which a diff cannot update) be kept from
the release before when a fix did not touch what they read (``cblod.kept``).

A query is said to read everything (``None``) when it cannot be told: a variable property, a
negated property set, a ``GRAPH`` or ``SERVICE`` pattern or a ``FROM`` (other graphs than the
published one), a function whose answer changes by itself (``NOW()``, ``RAND()``, ``UUID()``
...), or a query rdflib's parser does not read. The SPARQL is parsed by rdflib, the well-kept
parser the project already depends on (for SHACL and tests), once per query text.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from rdflib import URIRef, Variable
from rdflib.paths import AlternativePath, InvPath, MulPath, NegatedPath, Path, SequencePath
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.parserutils import CompValue

#: algebra nodes that read other graphs than the published one, or change by themselves
READS_EVERYTHING = frozenset(
    {
        "Graph",
        "GraphGraphPattern",  # as the parser leaves it inside EXISTS
        "ServiceGraphPattern",
        "Builtin_NOW",
        "Builtin_RAND",
        "Builtin_UUID",
        "Builtin_STRUUID",
        "Builtin_BNODE",
    }
)


class _Unknowable(Exception):
    """The query may read any statement."""


@lru_cache(maxsize=256)
def properties_read(query: str) -> frozenset[str] | None:
    """The IRIs of the properties ``query`` reads, or None when it may read any statement
    (see the module's docstring)."""
    try:
        parsed = translateQuery(parseQuery(query))
    except Exception:  # noqa: BLE001: whatever rdflib cannot read, we cannot tell
        return None
    if parsed.algebra.get("datasetClause"):
        return None
    found: set[str] = set()
    try:
        _walk(parsed.algebra, found)
    except _Unknowable:
        return None
    return frozenset(found)


def unchanged(query: str, changed: Iterable[str]) -> bool:
    """Whether a release that changed statements of the properties ``changed`` (IRIs) left
    ``query``'s answer as it was."""
    read = properties_read(query)
    return read is not None and read.isdisjoint(changed)


def _walk(node: Any, found: set[str]) -> None:
    if isinstance(node, CompValue):
        if node.name in READS_EVERYTHING:
            raise _Unknowable
        if node.name in ("BGP", "TriplesBlock"):  # the latter left so inside EXISTS
            for _, predicate, _ in node.get("triples") or ():
                _property(predicate, found)
        for value in node.values():
            _walk(value, found)
    elif isinstance(node, (list, tuple)):
        for value in node:
            _walk(value, found)


def _property(step: Any, found: set[str]) -> None:
    if isinstance(step, URIRef):
        found.add(str(step))
    elif isinstance(step, (SequencePath, AlternativePath)):
        for each in step.args:
            _property(each, found)
    elif isinstance(step, InvPath):
        _property(step.arg, found)
    elif isinstance(step, MulPath):
        _property(step.path, found)
    elif isinstance(step, (Variable, NegatedPath, Path)) or step is not None:
        raise _Unknowable
