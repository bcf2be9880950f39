"""Which properties a SPARQL query reads, so that its kept answer can be kept again.

A query whose every triple pattern and property path names its property reads only the
published graph's statements of those properties: if a release added or removed none of them,
the query's answer is the release before's, exactly, whatever the query computes (a GROUP BY, a
MIN, a FILTER NOT EXISTS). That is what lets the example answers, the plain lists' first views
and the programmes' figures (arbitrary aggregates, which a diff cannot update) be kept from
the release before when a fix did not touch what they read (``cblod.derived.kept``).

A query is said to read everything (``None``) when it cannot be told: a variable property, a
negated property set, a ``GRAPH`` or ``SERVICE`` pattern or a ``FROM`` (other graphs than the
published one), a function whose answer changes by itself (``NOW()``, ``RAND()``, ``UUID()``
...), or a query rdflib's parser does not read. The SPARQL is parsed by rdflib, the well-kept
parser the project already depends on (for SHACL and tests), once per query text: what each
kept answer's query reads is kept beside the answers (``KnownReads``), so a later release
parses only queries it has not seen (and imports no parser at all).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import uuid
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path
from typing import Any

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


#: rdflib's parser (pyparsing) keeps state while it parses, so one query is parsed at a time
#: (a query parsed beside another fails as if it were not SPARQL), and in a thread of its
#: own: pyparsing leaves exceptions behind whose tracebacks hold every frame above the parse,
#: in reference cycles. Parsed in the asking thread, those frames hold what the callers held
#: (a query's solutions, mid-iteration), which the garbage collector then drops in whichever
#: thread it runs, and pyoxigraph's solutions cannot be dropped in another thread than
#: their own (it warns and leaks them).
_PARSER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sparql-parser")


@lru_cache(maxsize=64)
def parsed(query: str) -> Any:
    """rdflib's algebra of ``query`` (its ``Query``, read, never changed, by its callers),
    parsed in the parser's thread, once for what a part is and what it reads; raises what
    rdflib raises for a query it cannot read (not kept: a failure is not cached)."""

    def parse() -> Any:
        from rdflib.plugins.sparql.algebra import translateQuery
        from rdflib.plugins.sparql.parser import parseQuery

        return translateQuery(parseQuery(query))

    return _PARSER.submit(parse).result()


@lru_cache(maxsize=256)
def properties_read(query: str) -> frozenset[str] | None:
    """The IRIs of the properties ``query`` reads, or None when it may read any statement
    (see the module's docstring)."""
    try:
        algebra = parsed(query).algebra
    except Exception:  # noqa: BLE001 - what rdflib cannot read, we cannot tell
        return None
    if algebra.get("datasetClause"):
        return None
    found: set[str] = set()
    try:
        _walk(algebra, found)
    except _Unknowable:
        return None
    return frozenset(found)


def unchanged(query: str, changed: Iterable[str]) -> bool:
    """Whether a release that changed statements of the properties ``changed`` (IRIs) left
    ``query``'s answer as it was."""
    read = properties_read(query)
    return read is not None and read.isdisjoint(changed)


def _walk(node: Any, found: set[str]) -> None:
    from rdflib.plugins.sparql.parserutils import CompValue

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
    from rdflib import URIRef, Variable
    from rdflib.paths import AlternativePath, InvPath, MulPath, NegatedPath, SequencePath
    from rdflib.paths import Path as AnyPath

    if isinstance(step, URIRef):
        found.add(str(step))
    elif isinstance(step, (SequencePath, AlternativePath)):
        for each in step.args:
            _property(each, found)
    elif isinstance(step, InvPath):
        _property(step.arg, found)
    elif isinstance(step, MulPath):
        _property(step.path, found)
    elif isinstance(step, (Variable, NegatedPath, AnyPath)) or step is not None:
        raise _Unknowable


def answer_file(query: str) -> str:
    """The file name an answer to ``query`` is kept under (in the snapshot's answers/)."""
    return hashlib.sha256(query.encode("utf-8")).hexdigest() + ".srj"


FILE = "reads.json"


class KnownReads:
    """The properties each query reads, by query text's file name in the answers folder
    (``answer_file``): those the release before kept, and those found since."""

    def __init__(self, before: Path | None) -> None:
        self._known: dict[str, list[str] | None] = {}
        if before is not None:
            with contextlib.suppress(OSError, ValueError):  # none kept: parse as asked
                self._known = json.loads((before / FILE).read_text(encoding="utf-8"))

    def unchanged(self, query: str, key: str, changed: frozenset[str]) -> bool:
        """``unchanged`` for ``query`` (kept under ``key``), parsing it only if not known."""
        if key not in self._known:
            read = properties_read(query)
            self._known[key] = sorted(read) if read is not None else None
        found = self._known[key]
        return found is not None and changed.isdisjoint(found)

    def save(self, folder: Path) -> None:
        partial = folder / f"{FILE}.{uuid.uuid4().hex}.partial"
        partial.write_text(json.dumps(self._known, sort_keys=True), encoding="utf-8")
        os.replace(partial, folder / FILE)


#: where the answers of the queries a release's statistics ask are kept (in its answers/)
MEMO = "memo"


class Remembering:
    """A release's store whose SELECTs are answered as the release before answered them when
    nothing they read changed (``KnownReads``), and kept for the next release: for the parts
    of the statistics asked as queries (``cblod.derived.statistics``); asked in parts when
    given ``parts`` (a ``cblod.derived.parts.Parts``: the sum of every amount is updated by
    the change, not asked again). Everything else is the store's."""

    def __init__(
        self,
        store: Any,
        folder: Path,
        before: Path | None,
        changed: frozenset[str] | None,
        known: KnownReads,
        parts: Any = None,
    ) -> None:
        self._store, self._folder, self._before = store, folder / MEMO, before
        self._changed, self._known, self._parts = changed, known, parts
        self._folder.mkdir(exist_ok=True)

    def select(self, sparql: str, **options: Any) -> Any:
        from pyoxigraph import QueryResultsFormat, parse_query_results

        name = answer_file(sparql + (repr(sorted(options.items())) if options else ""))
        old = self._before / MEMO / name if self._before is not None else None
        if (
            old is not None
            and self._changed is not None
            and old.exists()
            and self._known.unchanged(sparql, name, self._changed)
        ):
            from ..backends.releases import link_or_copy

            link_or_copy(old, self._folder / name)
            if self._parts:  # its parts' rows too, for a later release to update
                self._parts.carry(sparql)
            body = old.read_bytes()
        else:
            # in parts (``cblod.derived.parts``: a sum of every amount, updated by the change)
            in_parts = self._parts.rewritten(sparql) if self._parts and not options else None
            found = self._store.select(in_parts or sparql, **options)
            body = found.serialize(format=QueryResultsFormat.JSON)
            (self._folder / name).write_bytes(body)
        return parse_query_results(body, format=QueryResultsFormat.JSON)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)
