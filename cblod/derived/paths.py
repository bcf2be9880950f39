"""Following property paths over a whole dataset at once, for indexes built at publish.

The facet index (``cblod.derived.facets``) and the reconciliation index (``cblod.derived.matching``) need,
for every item of a kind, the ends of property paths (a participation's programme is
``cbo:project/cbo:programme``). A query per path joining 120 000 participations took a minute
and a half at programme scale; reading each property once (``PathReader``) and joining in
memory with integer arrays takes seconds, and both indexes share what was read.
"""

from __future__ import annotations

import csv
import io
import tempfile
from array import array
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Literal

import numpy as np
import numpy.typing as npt
from pyoxigraph import QueryResultsFormat

from ..backends.published import Dataset
from ..core.vocab import sparql_prefixes

Ints64 = npt.NDArray[np.int64]


def select_csv(store: Dataset, query: str) -> list[list[str]]:
    """A SELECT's rows as text (an unbound value is ""): SPARQL CSV, which Oxigraph writes in
    native code and ``csv`` reads in C, many times faster than a term object per value."""
    body = store.select(sparql_prefixes() + query).serialize(format=QueryResultsFormat.CSV)
    assert body is not None
    return [row for row in csv.reader(io.StringIO(body.decode("utf-8"))) if row][1:]


def csv_rows(store: Dataset, query: str) -> Iterator[list[str]]:
    """``select_csv``'s rows one at a time, read back from a temporary file as they are
    decoded: a property of a large dataset read whole (1.2 million statements at 300 000
    projects) is then never held in memory, neither as its CSV (44 MB for the largest at
    30 000 projects, by memray) nor as a list of rows."""
    with tempfile.TemporaryFile() as spool:
        store.select(sparql_prefixes() + query).serialize(spool, format=QueryResultsFormat.CSV)
        spool.seek(0)
        with io.TextIOWrapper(spool, encoding="utf-8", newline="") as text:
            rows = csv.reader(text)
            next(rows, None)  # the header
            yield from (row for row in rows if row)


#: what the last step of a path reads: resources, literals, the YEAR() of a date, or numbers
Mode = Literal["node", "literal", "year", "number", "tagged"]
LITERAL = '"'  # marks a literal's text in the node table, apart from an IRI with the same text


def statements_query(step: str, mode: Mode, at: list[str] | None = None) -> str:
    """The SELECT of ``step``'s (from, to) pairs, as ``mode`` reads its end: of every node,
    or of the IRIs ``at`` only."""
    prop = step.lstrip("^")
    values = ""
    if at is not None:
        variable = "?o" if step.startswith("^") else "?s"
        values = f"VALUES {variable} {{ {' '.join(f'<{iri}>' for iri in at)} }} "
    if step.startswith("^"):  # backwards: from the object (a resource) to the subject
        return f"SELECT ?o ?s WHERE {{ {values}?s {prop} ?o FILTER(!isLiteral(?o)) }}"
    if mode == "year":
        return f"SELECT ?s (YEAR(?d) AS ?o) WHERE {{ {values}?s {prop} ?d }}"
    if mode == "tagged":  # a name with its language: "fi<TAB>Turku"
        return (
            f'SELECT ?s (CONCAT(LANG(?v), "\\t", STR(?v)) AS ?o) '
            f"WHERE {{ {values}?s {prop} ?v FILTER(isLiteral(?v)) }}"
        )
    test = "isLiteral(?o)" if mode in ("literal", "number") else "!isLiteral(?o)"
    return f"SELECT ?s ?o WHERE {{ {values}?s {prop} ?o FILTER({test}) }}"


class PathReader:
    """Each property's statements as two integer arrays, read once per build.

    Every node (IRI, or literal marked with a quote) gets an integer; following a path is then
    array arithmetic (sorted lookups and repeats), not a Python loop per item. The statements
    come as SPARQL CSV (``_csv``).
    """

    def __init__(self, store: Dataset) -> None:
        self._store = store
        self._ids: dict[str, int] = {}
        #: id -> text: the keys of ``_ids`` in order, extended as ids are given
        self._table: list[str] = []
        self._maps: dict[tuple[str, Mode], tuple[Ints64, Ints64]] = {}
        self._lookups: dict[tuple[str, Mode], dict[str, list[str]]] = {}

    def ids(self, texts: list[str]) -> Ints64:
        ids = self._ids
        found = np.fromiter(
            (ids.setdefault(t, len(ids)) for t in texts), dtype=np.int64, count=len(texts)
        )
        self._grown()
        return found

    def _grown(self) -> None:
        """The table extended with the texts given ids since: the last keys of ``_ids`` (a
        dict keeps insertion order)."""
        grown = len(self._ids) - len(self._table)
        if grown:
            self._table += reversed(list(islice(reversed(self._ids), grown)))

    def texts(self, ids: Ints64) -> list[str]:
        table = self._table
        return [table[i] for i in ids.tolist()]

    def _map(self, step: str, mode: Mode) -> tuple[Ints64, Ints64]:
        """(from, to) for ``step``, sorted by from."""
        if (step, mode) not in self._maps:
            rows = csv_rows(self._store, statements_query(step, mode))
            self._maps[(step, mode)] = self._pairs(step, mode, rows)
        return self._maps[(step, mode)]

    def _pairs(self, step: str, mode: Mode, rows: Iterable[list[str]]) -> tuple[Ints64, Ints64]:
        """A step's (from, to) rows as id arrays sorted by from (the order met kept within),
        numbered as they stream by: only the ids are held, never the rows' texts."""
        mark = LITERAL if mode != "node" and not step.startswith("^") else ""
        ids = self._ids
        sources, targets = array("q"), array("q")
        for row in rows:
            if row[1]:
                sources.append(ids.setdefault(row[0], len(ids)))
                targets.append(ids.setdefault(mark + row[1], len(ids)))
        self._grown()
        froms, tos = np.array(sources, dtype=np.int64), np.array(targets, dtype=np.int64)
        order = np.argsort(froms, kind="stable")
        return froms[order], tos[order]

    def _map_at(self, step: str, mode: Mode, nodes: Ints64) -> tuple[Ints64, Ints64]:
        """(from, to) for ``step``, covering at least ``nodes`` (here: every node)."""
        return self._map(step, mode)

    def lookup(self, step: str, mode: Mode) -> dict[str, list[str]]:
        """Node text -> the texts ``step`` leads to (literals unmarked)."""
        key = (f"lookup:{step}", mode)
        if key not in self._lookups:
            sources, targets = self._map(step, mode)
            table = self._table
            cut = len(LITERAL) if mode != "node" and not step.startswith("^") else 0
            found: dict[str, list[str]] = {}
            for a, b in zip(sources.tolist(), targets.tolist(), strict=True):
                found.setdefault(table[a], []).append(table[b][cut:])
            for each in found.values():  # as ``gather``: the order met never shows
                if len(each) > 1:
                    each.sort()
            self._lookups[key] = found
        return self._lookups[key]

    def gather(
        self, start: tuple[Ints64, Ints64], path: tuple[str, ...], mode: Mode, n: int
    ) -> list[list[str]]:
        """Per item (of ``n``), the texts at the ends of ``path``, sorted: the order the
        reader met nodes in (which depends on what it was asked before) never shows, so what
        is made from them, and the digests that say when to make it again, are the same
        whichever index read first (``cblod.derived.release`` shares one reader)."""
        items, ends = self.follow(*start, path, mode)
        cut = len(LITERAL) if mode != "node" else 0
        found: list[list[str]] = [[] for _ in range(n)]
        for item, text in zip(items.tolist(), self.texts(ends), strict=True):
            found[item].append(text[cut:])
        for each in found:
            if len(each) > 1:
                each.sort()
        return found

    def follow(
        self,
        items: Ints64,
        nodes: Ints64,
        path: tuple[str, ...],
        mode: Mode,
        *,
        distinct: bool = True,
    ) -> tuple[Ints64, Ints64]:
        """The (item, end) pairs ``path`` leads to from each (item, node) pair; ends are
        distinct per item unless ``distinct`` is false (a sum adds one value per
        participation, though two may be equal)."""
        for n, step in enumerate(path):
            last = n == len(path) - 1
            sources, targets = self._map_at(step, mode if last else "node", nodes)
            low = np.searchsorted(sources, nodes, "left")
            counts = np.searchsorted(sources, nodes, "right") - low
            items = np.repeat(items, counts)
            within = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
            nodes = targets[np.repeat(low, counts) + within]
            if (distinct or not last) and not _strictly_increasing(items):
                pairs = np.unique(items * (len(self._ids) + 1) + nodes)
                items, nodes = pairs // (len(self._ids) + 1), pairs % (len(self._ids) + 1)
        return items, nodes


#: IRIs one query of a ``NearReader`` names
NEAR_BATCH = 500


class NearReader(PathReader):
    """A ``PathReader`` that reads a property only at the nodes a follow or lookup reaches:
    for the few items an update makes again (``cblod.derived.reach``), where reading each
    property whole would cost what a build from scratch costs. Gives what ``PathReader``
    gives for the same items: the same queries, restricted by a VALUES clause."""

    def __init__(self, store: Dataset) -> None:
        super().__init__(store)
        #: per (step, mode): the targets read so far, by source id (read: present, maybe empty)
        self._near: dict[tuple[str, Mode], dict[int, list[int]]] = {}
        self._table: list[str] = []  # id -> text, kept as ids are given (few here)

    def ids(self, texts: list[str]) -> Ints64:
        ids, table = self._ids, self._table
        found = np.empty(len(texts), dtype=np.int64)
        for n, text in enumerate(texts):
            i = ids.get(text)
            if i is None:
                i = ids[text] = len(table)
                table.append(text)
            found[n] = i
        return found

    def texts(self, ids: Ints64) -> list[str]:
        return [self._table[i] for i in ids.tolist()]

    def _read_at(self, step: str, mode: Mode, nodes: list[int]) -> dict[int, list[int]]:
        known = self._near.setdefault((step, mode), {})
        table = self._table
        missing = sorted({n for n in nodes if n not in known and not table[n].startswith(LITERAL)})
        for start in range(0, len(missing), NEAR_BATCH):
            batch = missing[start : start + NEAR_BATCH]
            for n in batch:
                known[n] = []
            at = [table[n] for n in batch]
            sources, targets = self._pairs(
                step, mode, select_csv(self._store, statements_query(step, mode, at))
            )
            for a, b in zip(sources.tolist(), targets.tolist(), strict=True):
                known[a].append(b)
        return known

    def _map_at(self, step: str, mode: Mode, nodes: Ints64) -> tuple[Ints64, Ints64]:
        wanted = np.unique(nodes).tolist()
        known = self._read_at(step, mode, wanted)
        sources = [n for n in wanted for _ in known.get(n, ())]
        targets = [t for n in wanted for t in known.get(n, ())]
        return np.array(sources, dtype=np.int64), np.array(targets, dtype=np.int64)

    def prefetch(self, step: str, mode: Mode, texts: list[str]) -> None:
        """Read ``step`` at every node of ``texts`` in a few queries (before lookups of them)."""
        self._read_at(step, mode, self.ids(texts).tolist())

    def lookup(self, step: str, mode: Mode) -> dict[str, list[str]]:
        return _NearLookup(self, step, mode)  # type: ignore[return-value]


class _NearLookup:
    """``PathReader.lookup``'s mapping, read node by node as asked (``prefetch`` first)."""

    def __init__(self, reader: NearReader, step: str, mode: Mode) -> None:
        self._reader, self._step, self._mode = reader, step, mode
        self._cut = len(LITERAL) if mode != "node" and not step.startswith("^") else 0

    def get(self, text: str, default: list[str] | None = None) -> list[str] | None:
        node = self._reader.ids([text])[0]
        known = self._reader._read_at(self._step, self._mode, [int(node)])
        targets = known.get(int(node))
        if not targets:
            return default
        return sorted(self._reader._table[t][self._cut :] for t in targets)


def english_and_others(tagged: list[str]) -> tuple[str | None, list[str]]:
    """Of names read in ``tagged`` mode ("lang<TAB>text"): the one in English (else untagged,
    else any; the alphabetically first of a kind), and the other names, each once."""
    pairs = sorted({tuple(t.split("\t", 1)) for t in tagged if "\t" in t})
    english = [text for lang, text in pairs if lang.lower().split("-")[0] == "en"]
    first = english[0] if english else next((t for lang, t in pairs if not lang), None)
    first = first or (pairs[0][1] if pairs else None)
    return first, [t for _, t in pairs if t != first and t not in english]


def _strictly_increasing(items: Ints64) -> bool:
    """Whether each item has one pair, in item order: what ``np.unique`` of the pairs would
    give back unchanged. A step along a functional property (a participation's project, a
    project's programme) keeps it so; checking costs one pass, sorting tens of millions of
    pairs at 300 000 projects cost most of the facet index's build."""
    return len(items) < 2 or bool(np.all(items[1:] > items[:-1]))
