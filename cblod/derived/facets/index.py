"""The facet index of one snapshot: every facet's (item, value) pairs as integer arrays.

Why an index, and why this one: a facet page counts every value of some fifteen facets given
the other filters. Asked of the store, that is fifteen aggregates over 120 000 participations
per page view: seconds at programme scale. Built once per snapshot (right after its publish,
with the kept answers, or by the first request of a backend that keeps nothing), the pairs of
each facet are two ``int32`` arrays (item ordinal, value code), and counting a facet given
the others is one boolean mask and one ``numpy.bincount``: a millisecond for 120 000 pairs.
numpy is the well-kept library for exactly that (SQLite's GROUP BY, tried first, took 20-50
ms per facet at 120 000 rows, too slow for fifteen).

The index is built by running each pattern of ``cblod.derived.facets.spec`` as a SELECT, so it says
what SPARQL says. Files, under ``facets/``: a part of a list's index each (``save``), written
aside and renamed, ``<list>.json`` last.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any

import numpy as np
import numpy.typing as npt

from ...backends.published import Dataset
from ...backends.releases import link_or_copy
from ...read.chosen_names import DEFAULT_LANGUAGES, effective
from ..paths import LITERAL, Mode, PathReader, csv_rows, select_csv
from . import table
from .lines import (
    KeptLines,
    decode_iri,
    decode_json,
    encode_iri,
    encode_json,
    ordinal_in,
    write_lines,
)
from .order import name_order
from .reuse import InputsGathering, Recorder, RowInputs, digest
from .spec import NUTS, POINTS, FacetedList

FOLDER = "facets"
#: 6: a file per part, each linked when unchanged; 7: the items' points; 8: IRIs and names a
#: line each, arrays memory-mapped (``cblod.derived.facets.lines``); 9: each facet's values too
FORMAT = 9
#: IRIs whose names one query fetches
LABEL_BATCH = 1000

Ints = npt.NDArray[np.int32]
Ints64 = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]


@dataclass
class Relation:
    """(item, value) pairs, each once: ``items[i]`` has ``values[codes[i]]``."""

    items: Ints
    codes: Ints
    values: Sequence[str]  # sorted; a list once built, read on demand once kept (``lines``)
    _code_of: dict[str, int] | None = field(default=None, repr=False)

    def code_of(self, value: str) -> int | None:
        if self._code_of is None:
            self._code_of = {v: i for i, v in enumerate(self.values)}
        return self._code_of.get(value)


@dataclass(frozen=True)
class ItemPoints:
    """A list's points by item (the ``POINTS`` relation sorted once for a loaded index: the
    map's counts and every GeoJSON export read it): item ``i``'s point codes, ascending, are
    ``codes[starts[i]:starts[i + 1]]``; ``placed[i]`` whether it has any."""

    placed: npt.NDArray[np.bool_]
    codes: list[int]
    starts: list[int]
    values: Sequence[str]


Row = list[str | None]


#: rows in one file of a list's export rows: a fix changes a few rows, and each file the
#: release before wrote with the same bytes is linked, not written again (issue #24: only what
#: changed takes new space)
ROWS_PER_FILE = 1024


class Rows:
    """Items' export rows, in memory (just built) or read one by one from the kept files
    (``ROWS_PER_FILE`` rows each, one JSON array per line)."""

    def __init__(
        self,
        rows: list[Row] | None = None,
        folder: Path | None = None,
        offsets: Ints64 | None = None,
    ) -> None:
        self._rows, self._folder, self._offsets = rows, folder, offsets

    @property
    def offsets(self) -> Ints64 | None:
        """Where each kept row's line starts in its file (None for rows in memory)."""
        return self._offsets

    def raw(self, ordinal: int, files: dict[int, IO[bytes]]) -> bytes:
        """The kept line of row ``ordinal``, as written (``files``: those opened so far)."""
        assert self._folder is not None and self._offsets is not None
        number = ordinal // ROWS_PER_FILE
        if number not in files:
            files[number] = (self._folder / _rows_file(number)).open("rb")
        files[number].seek(int(self._offsets[ordinal]))
        return files[number].readline()

    def read(self, ordinals: Iterable[int]) -> Iterator[Row]:
        if self._rows is not None:
            yield from (self._rows[i] for i in ordinals)
            return
        assert self._folder is not None and self._offsets is not None
        files: dict[int, IO[bytes]] = {}
        try:
            for i in ordinals:
                yield json.loads(self.raw(i, files))
        finally:
            for kept in files.values():
                kept.close()

    def write(self, folder: Path, previous: Path | None = None) -> Ints64:
        """Save into ``folder``; the offset of each row's line in its file. A file whose bytes
        equal the one of the same name in ``previous`` (the release before's) is linked."""
        assert self._rows is not None
        folder.mkdir(parents=True)
        offsets = np.zeros(len(self._rows), dtype=np.int64)
        for start in range(0, len(self._rows), ROWS_PER_FILE):
            lines, at = [], 0
            for i, row in enumerate(self._rows[start : start + ROWS_PER_FILE], start=start):
                line = json.dumps(row, ensure_ascii=False).encode("utf-8") + b"\n"
                offsets[i], at = at, at + len(line)
                lines.append(line)
            body, name = b"".join(lines), _rows_file(start // ROWS_PER_FILE)
            before = previous / name if previous is not None else None
            if before is not None and _same_bytes(before, body):
                link_or_copy(before, folder / name)
            else:
                (folder / name).write_bytes(body)
        return offsets


class BuiltRows(Rows):
    """Rows written file by file while a build made them (``RowFiles``), in a scratch folder:
    a build holds one block of rows at a time, not every row of the list. Saving moves the
    files into the index's folder (a file equal to the release before's is that file, linked)."""

    def write(self, folder: Path, previous: Path | None = None) -> Ints64:
        assert self._folder is not None and self._offsets is not None
        folder.mkdir(parents=True)
        for made in sorted(self._folder.iterdir()):
            before = previous / made.name if previous is not None else None
            if before is not None and _same_bytes(before, made.read_bytes()):
                link_or_copy(before, folder / made.name)
                made.unlink()
            else:
                os.replace(made, folder / made.name)
        self._folder.rmdir()
        self._folder = None  # until ``kept_in`` says where the saved index keeps them
        return self._offsets

    def kept_in(self, folder: Path) -> None:
        """Read the rows from where the index was saved from now on."""
        self._folder = folder


class RowFiles:
    """Rows written as they are made, ``ROWS_PER_FILE`` to a file, into ``folder``."""

    def __init__(self, folder: Path, count: int) -> None:
        folder.mkdir(parents=True)
        self.folder = folder
        self.offsets = np.zeros(count, dtype=np.int64)
        self._waiting: list[Row] = []
        self._next = 0  # the ordinal of the first row waiting

    def add(self, rows: list[Row]) -> None:
        self._waiting += rows
        while len(self._waiting) >= ROWS_PER_FILE:
            self._flush(ROWS_PER_FILE)

    def finish(self) -> BuiltRows:
        if self._waiting:
            self._flush(len(self._waiting))
        return BuiltRows(folder=self.folder, offsets=self.offsets)

    def _flush(self, count: int) -> None:
        lines, at = [], 0
        for i, row in enumerate(self._waiting[:count], start=self._next):
            line = json.dumps(row, ensure_ascii=False).encode("utf-8") + b"\n"
            self.offsets[i], at = at, at + len(line)
            lines.append(line)
        (self.folder / _rows_file(self._next // ROWS_PER_FILE)).write_bytes(b"".join(lines))
        del self._waiting[:count]
        self._next += count


def _rows_file(number: int) -> str:
    return f"{number:05d}.jsonl"


def _same_bytes(path: Path, body: bytes) -> bool:
    try:
        return path.stat().st_size == len(body) and path.read_bytes() == body
    except OSError:
        return False


#: per item, its names: (name, language tag or ""), pairs as lists once kept
Names = Sequence[Sequence[Sequence[str]]]


@dataclass
class ListIndex:
    spec: FacetedList
    iris: Sequence[str]  # sorted; a list once built, read on demand once kept (``lines``)
    names: Names
    relations: dict[str, Relation]  # per facet key, and "text" (the text targets)
    amounts: dict[str, Floats]  # per measure key and sort key; NaN where an item has none
    labels: dict[str, list[tuple[str, str]]]  # value IRI -> its names
    rows: Rows  # per item, its export cells (``cblod.derived.facets.table``)
    #: what each row was made from: the next release reuses the rows that did not change
    inputs: RowInputs | None = None
    #: the order by name a reader of ``DEFAULT_LANGUAGES`` sees, kept with the index
    name_order: Ints64 | None = None
    #: the language tags the items' names have
    languages: frozenset[str] = frozenset()
    _points: ItemPoints | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.iris)

    def points(self) -> ItemPoints:
        """Each item's points, sorted by item and code at the first ask, then kept."""
        if self._points is None:
            relation = self.relations.get(POINTS)
            placed = np.zeros(len(self), dtype=bool)
            if relation is None:
                self._points = ItemPoints(placed, [], [0] * (len(self) + 1), [])
                return self._points
            order = np.lexsort((relation.codes, relation.items))
            items = relation.items[order].astype(np.int64)
            placed[items] = True
            starts = np.searchsorted(items, np.arange(len(self) + 1, dtype=np.int64))
            self._points = ItemPoints(
                placed, relation.codes[order].tolist(), starts.tolist(), relation.values
            )
        return self._points

    def hold_values(self) -> ListIndex:
        """Read every facet's values now (kept ones are read on demand, then held): what a
        server does as it loads the index, so that no first visitor of a page reads them."""
        for relation in self.relations.values():
            for _ in relation.values:
                pass
        return self

    def order_by_name(self, languages: tuple[str, ...]) -> Ints64:
        """Every item's ordinal in order of the names a reader of ``languages`` sees: the
        kept order when it is the same as the default reader's, else sorted now."""
        mine = effective(languages, self.languages)
        if self.name_order is not None and mine == effective(DEFAULT_LANGUAGES, self.languages):
            return self.name_order
        return name_order(self.names, self.iris, mine)

    def ordinal(self, iri: str) -> int | None:
        """Where ``iri`` is among the items (a binary search: they are sorted)."""
        return ordinal_in(self.iris, iri)


def _nuts_with_parents(iri: str) -> list[str]:
    """A NUTS region and the regions containing it (codes are prefixes: FI1 > FI19 > FI195)."""
    if not iri.startswith(NUTS):
        return [iri]
    code = iri[len(NUTS) :]
    return [NUTS + code[:n] for n in range(3, len(code) + 1)] or [iri]


def _number(text: str) -> float:
    """An amount, or a date as its day number (a sort key)."""
    try:
        return float(text)
    except ValueError:
        pass
    try:
        return float(date.fromisoformat(text[:10]).toordinal())
    except ValueError:
        return float("nan")


@dataclass
class Entries:
    """What a list's index holds of some items (ordinals into ``iris``), before the pairs
    are coded: each facet's (item, value) pairs as they were met."""

    iris: list[str]
    names: list[list[tuple[str, str]]]
    pairs: dict[str, tuple[list[int], list[str]]]  # per facet key, and "text"
    amounts: dict[str, Floats]
    rows: Rows
    inputs: RowInputs


def build(
    store: Dataset,
    spec: FacetedList,
    steps: PathReader | None = None,
    previous: ListIndex | None = None,
    *,
    scratch: Path | None = None,
) -> ListIndex:
    """Follow every path of ``spec`` over ``store``; ``steps`` shares the properties read
    with other lists built from the same store. With ``previous`` (the same list of the
    release before) the export rows whose inputs did not change are taken from it
    (``reuse``): the same index, byte for byte, as without. With ``scratch`` (a folder not
    yet there, beside where the index is saved) the export rows are written there as they are
    made, not held (``BuiltRows``)."""
    iris = sorted(r[0] for r in select_csv(store, f"SELECT ?item WHERE {{ {spec.items} }}"))
    steps = steps or PathReader(store)
    relations: dict[str, Relation] = {}

    def code(key: str, items: list[int], texts: list[str]) -> None:
        """Each facet's pairs coded as soon as they are made: held as lists of Python objects
        until the export rows were made, they were 110 MB of the facet index's peak at 140 000
        participations (benchmarks/README.md, seventh round), about a gigabyte at 1.2 million."""
        relations[key] = _relation(items, texts)

    names, amounts, start = _facts(store, spec, iris, steps, code)
    rows, inputs = _rows(spec, iris, steps, start, amounts, previous, scratch)
    labels = _labels(store, labelled_values(spec, relations))
    languages = frozenset(lang for each in names for _, lang in each)
    return ListIndex(
        spec, iris, names, relations, amounts, labels, rows,
        inputs=inputs,
        name_order=name_order(names, iris, effective(DEFAULT_LANGUAGES, languages)),
        languages=languages,
    )  # fmt: skip


def labelled_values(spec: FacetedList, relations: dict[str, Relation]) -> list[str]:
    """The values a page names (its terms and regions), sorted."""
    found: set[str] = set()
    for facet in spec.facets:
        if facet.kind in ("term", "nuts"):
            found.update(relations[facet.key].values)
    return sorted(found)


def entries(
    store: Dataset,
    spec: FacetedList,
    iris: list[str],
    steps: PathReader,
    previous: ListIndex | None = None,
    *,
    restrict: bool = False,
    scratch: Path | None = None,
) -> Entries:
    """The entries of the items ``iris`` (sorted): names, pairs, amounts, rows (written into
    ``scratch`` as they are made, when given). With ``restrict`` the names are asked of these
    items only (a few: an update's)."""
    pairs: dict[str, tuple[list[int], list[str]]] = {}

    def keep(key: str, items: list[int], texts: list[str]) -> None:
        pairs[key] = (items, texts)

    names, amounts, start = _facts(store, spec, iris, steps, keep, restrict=restrict)
    rows, inputs = _rows(spec, iris, steps, start, amounts, previous, scratch)
    return Entries(iris, names, pairs, amounts, rows, inputs)


Facts = tuple[list[list[tuple[str, str]]], dict[str, Floats], tuple[Ints64, Ints64]]


def _facts(
    store: Dataset,
    spec: FacetedList,
    iris: list[str],
    steps: PathReader,
    pairs: Callable[[str, list[int], list[str]], None],
    *,
    restrict: bool = False,
) -> Facts:
    """Of the items ``iris``: their names, the amounts they are ordered by, and where their
    paths start (each item's node); each facet's (item, value) pairs are given to ``pairs``
    as they are made, by facet key (and "text")."""
    ordinal = {iri: i for i, iri in enumerate(iris)}
    names: list[list[tuple[str, str]]] = [[] for _ in iris]
    for batch in _batches(iris) if restrict else [None]:
        values = f"VALUES ?item {{ {' '.join(f'<{i}>' for i in batch)} }} " if batch else ""
        query = f"SELECT ?item ?name (LANG(?name) AS ?lang) WHERE {{ {values}{spec.items} ?item {spec.names} ?name FILTER(isLiteral(?name)) }}"
        for item, name, language in csv_rows(store, query):
            names[ordinal[item]].append((name, language))
    for each in names:  # sorted: the order a query meets them in never shows
        each.sort()
    start = (np.arange(len(iris), dtype=np.int64), steps.ids(iris))
    parents: dict[str, list[str]] = {}  # a region's, made once (shared strings)
    for facet in spec.facets:
        mode: Mode = "node" if facet.kind in ("term", "nuts") else facet.kind  # type: ignore[assignment]
        items, ends = steps.follow(*start, facet.path, mode)
        texts = steps.texts(ends)
        if mode != "node":
            texts = [t[len(LITERAL) :] for t in texts]
        owners = items.tolist()
        if facet.kind == "nuts":
            for t in texts:
                if t not in parents:
                    parents[t] = _nuts_with_parents(t)
            expanded = [(i, r) for i, t in zip(owners, texts, strict=True) for r in parents[t]]
            owners, texts = [i for i, _ in expanded], [r for _, r in expanded]
        pairs(facet.key, owners, texts)
        del owners, texts
    owners, hits = list(range(len(iris))), list(iris)  # an item's text is its own ...
    if spec.text_targets:  # ... or that of what it links
        owners, hits = [], []
        for step in spec.text_targets:
            items, ends = steps.follow(*start, (step,), "node")
            owners += items.tolist()
            hits += steps.texts(ends)
    pairs("text", owners, hits)
    del owners, hits
    if spec.points:  # WKT literals, kept as their text
        items, ends = steps.follow(*start, spec.points, "literal")
        pairs(POINTS, items.tolist(), [t[len(LITERAL) :] for t in steps.texts(ends)])
    amounts: dict[str, Floats] = {}
    for measure in spec.orderings:
        column = np.full(len(iris), np.nan)
        mode = "node" if measure.aggregate == "count" else "number"
        items, ends = steps.follow(*start, measure.path, mode, distinct=measure.aggregate != "sum")
        if measure.aggregate == "count":
            column[np.unique(items)] = 0
            np.add.at(column, items, 1)
        else:
            numbers = np.array([_number(t[len(LITERAL) :]) for t in steps.texts(ends)])
            if measure.aggregate == "sum":
                column[np.unique(items)] = 0
                np.add.at(column, items, numbers)
            else:  # one value each; of several, the least
                column[items[::-1]] = numbers[::-1]
                np.fmin.at(column, items, numbers)
        amounts[measure.key] = column
    return names, amounts, start


def _batches(iris: list[str], size: int = LABEL_BATCH) -> Iterator[list[str]]:
    for start in range(0, len(iris), size):
        yield iris[start : start + size]


#: items whose export rows are made together: their paths followed at once, their rows held
BLOCK = 16 * ROWS_PER_FILE


def _rows(
    spec: FacetedList,
    iris: list[str],
    steps: PathReader,
    start: tuple[Ints64, Ints64],
    amounts: dict[str, Floats],
    previous: ListIndex | None = None,
    scratch: Path | None = None,
) -> tuple[Rows, RowInputs]:
    """Each item's export row (``cblod.derived.facets.table``), cells in column order, and what each
    was made from; a row of ``previous`` whose inputs are the same is reused (``reuse``).
    Made a block of items at a time: with ``scratch`` only a block's rows are ever held."""
    fields = table.FIELDS[spec.name]
    by_name: dict[str, dict[str, list[str]]] = {}  # each lookup's table, once asked

    def lookup(name: str, iri: str) -> list[str]:
        found = by_name.get(name)
        if found is None:
            step, mode = table.LOOKUPS[name]
            found = by_name[name] = steps.lookup(step, mode)  # type: ignore[arg-type]
        return found.get(iri, [])

    headings = table.columns(spec.name)
    recorder = Recorder(lookup, sorted(table.LOOKUPS))
    before = previous.inputs if previous is not None else None
    files = RowFiles(scratch, len(iris)) if scratch is not None else None
    held: list[Row] = []
    collected = InputsGathering()
    made = 0
    for first in range(0, len(iris), BLOCK):
        last = min(first + BLOCK, len(iris))
        block = (start[0][first:last] - first, start[1][first:last])
        gathered = {
            name: steps.gather(block, f.path, f.mode, last - first)  # type: ignore[arg-type]
            for name, f in fields.items()
        }
        out: list[Row | None] = []
        reused: dict[int, int] = {}  # place in the block -> the previous index's ordinal
        for i in range(first, last):
            iri = iris[i]
            values: dict[str, Any] = {name: each[i - first] for name, each in gathered.items()}
            sums: dict[str, float | None] = {}
            if spec.name not in ("projects", "participations"):
                sums = {
                    key: None if np.isnan(amounts[measure][i]) else float(amounts[measure][i])
                    for key, measure in (
                        ("Total budget of participations", "budget"),
                        ("EU contribution received", "eu"),
                    )
                }
            said = digest(json.dumps([iri, values, sums], sort_keys=True))
            j = previous.ordinal(iri) if previous is not None and before is not None else None
            if j is not None and before is not None and bytes(before.values[j]) == said:
                nodes = before.nodes(j)
                looked_up = recorder.nodes_digest(nodes)
                if looked_up == bytes(before.looked_up[j]):
                    reused[i - first] = j
                    collected.add(said, nodes, looked_up)
                    out.append(None)
                    continue
            recorder.asked = set()
            if spec.name == "projects":
                cells = table.project_row(values, recorder)
            elif spec.name == "participations":
                cells = table.participation_row(values, recorder)
            else:
                cells = table.organisation_row(values, recorder, sums, iri)
            cells[table.URI] = iri
            row = [cells.get(h) for h in headings]
            while row and row[-1] is None:
                row.pop()
            out.append(row)
            nodes = sorted(recorder.asked)
            collected.add(said, nodes, recorder.nodes_digest(nodes))
            made += 1
        if reused:
            assert previous is not None
            order = sorted(reused, key=reused.__getitem__)
            for k, row in zip(order, previous.rows.read(reused[k] for k in order), strict=True):
                out[k] = row
        rows = [row if row is not None else [] for row in out]
        if files is not None:
            files.add(rows)
        else:
            held += rows
    inputs = collected.finish(made)
    return (files.finish() if files is not None else Rows(held)), inputs


def _relation(items: list[int], texts: list[str]) -> Relation:
    """Pairs (``items[i]``, ``texts[i]``), each once, values coded in sorted order."""
    values = sorted(set(texts))
    code = {v: i for i, v in enumerate(values)}
    width = max(len(values), 1)
    keys = np.unique(
        np.asarray(items, dtype=np.int64) * width
        + np.fromiter((code[t] for t in texts), dtype=np.int64, count=len(texts))
    )
    return Relation((keys // width).astype(np.int32), (keys % width).astype(np.int32), values)


def _labels(store: Dataset, iris: list[str]) -> dict[str, list[tuple[str, str]]]:
    """Each value's names: the store's (skos:prefLabel, else rdfs:label), else the
    ontology's own terms (roles, legal statuses)."""
    from ...core.ontology_terms import term_labels

    found: dict[str, list[tuple[str, str]]] = {}
    for start in range(0, len(iris), LABEL_BATCH):
        batch = " ".join(f"<{iri}>" for iri in iris[start : start + LABEL_BATCH])
        query = (
            f"SELECT ?value ?name (LANG(?name) AS ?lang) WHERE {{ VALUES ?value {{ {batch} }} "
            "{ ?value skos:prefLabel ?name } UNION "
            "{ ?value rdfs:label ?name FILTER NOT EXISTS { ?value skos:prefLabel [] } } "
            "FILTER(isLiteral(?name)) }"
        )
        for value, name, language in select_csv(store, query):
            found.setdefault(value, []).append((name, language))
    ontology = term_labels()
    for iri in iris:
        if iri not in found and iri in ontology:
            found[iri] = [(ontology[iri], "en")]
    return found


def folder_of(store: Dataset) -> Path | None:
    return store.data_dir / FOLDER if store.data_dir is not None else None


def save(
    index: ListIndex,
    folder: Path,
    previous: Path | None = None,
    before: ListIndex | None = None,
) -> None:
    """Write ``index`` into ``folder``, a file per part: each array (``{list}.arrays/``), the
    items' IRIs, their names, the values and their labels, the export rows (``Rows``), the
    nodes the rows looked up, and last ``{list}.json`` (its presence means whole). A part
    equal to that of ``before`` (the same list of the release before, kept in ``previous``) is
    its file, linked: a fix of one amount writes the arrays and rows it changed, no more."""
    folder.mkdir(parents=True, exist_ok=True)
    name = index.spec.name
    tag = uuid.uuid4().hex
    arrays = _arrays(index)
    partial_rows = folder / f"{name}.{tag}.rows.partial"
    arrays["rows"] = index.rows.write(
        partial_rows, previous / f"{name}.rows" if previous is not None else None
    )
    shutil.rmtree(folder / f"{name}.rows", ignore_errors=True)  # an earlier save's, if any
    os.replace(partial_rows, folder / f"{name}.rows")
    if isinstance(index.rows, BuiltRows):
        index.rows.kept_in(folder / f"{name}.rows")
    nodes: list[str] | None = None
    if index.inputs is not None:  # read by the next release's build only
        inputs, nodes = index.inputs.arrays()
        arrays.update(inputs)
    had = _arrays(before) if before is not None else {}
    if before is not None and before.inputs is not None:
        had.update(before.inputs.arrays()[0])
    had_values = {k: r.values for k, r in before.relations.items()} if before is not None else {}
    for part, items, encode, was in (
        ("iris", index.iris, encode_iri, before.iris if before is not None else None),
        ("names", index.names, encode_json, before.names if before is not None else None),
        *(
            (f"values.{key}", r.values, encode_json, had_values.get(key))
            for key, r in index.relations.items()
        ),
    ):
        target = folder / f"{name}.{part}.lines"
        if previous is not None and isinstance(was, KeptLines) and items is was:
            target.unlink(missing_ok=True)
            link_or_copy(previous / target.name, target)
            arrays[f"lines.{part}"] = was.offsets
        else:
            partial = folder / f"{name}.{tag}.{part}.partial"
            arrays[f"lines.{part}"] = write_lines(items, partial, encode)  # type: ignore[arg-type]
            os.replace(partial, target)
    kept = previous / f"{name}.arrays" if previous is not None else None
    partial_arrays = folder / f"{name}.{tag}.arrays.partial"
    partial_arrays.mkdir()
    for key, array in arrays.items():
        old = had.get(key)
        if kept is not None and old is not None and _same_array(array, old):
            link_or_copy(kept / f"{key}.npy", partial_arrays / f"{key}.npy")
        else:
            np.save(partial_arrays / f"{key}.npy", array)
    shutil.rmtree(folder / f"{name}.arrays", ignore_errors=True)
    os.replace(partial_arrays, folder / f"{name}.arrays")
    labels = {"labels": index.labels, "languages": sorted(index.languages)}
    same_labels = (
        before is not None and index.labels == before.labels and index.languages == before.languages
    )
    parts: dict[str, tuple[Any, bool]] = {"labels": (labels, same_labels)}
    if nodes is not None:
        had_nodes = before.inputs.table if before is not None and before.inputs else None
        parts["inputs"] = (
            nodes,
            had_nodes is not None and (nodes is had_nodes or nodes == had_nodes),
        )
    for part, (body, same) in parts.items():
        target = folder / f"{name}.{part}.json"
        if same and previous is not None and (previous / f"{name}.{part}.json").exists():
            target.unlink(missing_ok=True)
            link_or_copy(previous / f"{name}.{part}.json", target)
        else:
            partial = folder / f"{name}.{tag}.{part}.partial"
            partial.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
            os.replace(partial, target)
    partial_meta = folder / f"{name}.{tag}.json.partial"
    partial_meta.write_text(json.dumps({"format": FORMAT, "arrays": sorted(arrays)}), "utf-8")
    os.replace(partial_meta, folder / f"{name}.json")  # last: its presence means whole


def _arrays(index: ListIndex) -> dict[str, Any]:
    arrays: dict[str, Any] = {}
    for key, relation in index.relations.items():
        arrays[f"items.{key}"] = relation.items
        arrays[f"codes.{key}"] = relation.codes
    for key, column in index.amounts.items():
        arrays[f"amount.{key}"] = column
    if index.name_order is not None:
        arrays["order.name"] = index.name_order
    if isinstance(index.rows, Rows) and index.rows.offsets is not None:
        arrays["rows"] = index.rows.offsets
    kept_lines = {"iris": index.iris, "names": index.names}
    kept_lines |= {f"values.{key}": r.values for key, r in index.relations.items()}
    for part, kept in kept_lines.items():
        if isinstance(kept, KeptLines):
            arrays[f"lines.{part}"] = kept.offsets
    return arrays


def _same_array(a: Any, b: Any) -> bool:
    return bool(
        a is b
        or (
            a.dtype == b.dtype
            and a.shape == b.shape
            and np.array_equal(a, b, equal_nan=a.dtype.kind == "f")
        )
    )


def load(folder: Path, spec: FacetedList, *, inputs: bool = False) -> ListIndex | None:
    """The index of ``spec`` kept in ``folder``, or None; with ``inputs``, what its rows were
    made from (for the next release's build: a server does not read it).

    Names stay as JSON gives them (pairs as lists, unpacked alike): converting every item's
    names to tuples was half of a server's first view of a list after a release."""
    name = spec.name
    try:
        meta = json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT:
            return None  # another version's index: the caller builds this one's
        wanted = [k for k in meta["arrays"] if inputs or not k.startswith("inputs.")]
        # mapped, not read: a fix reads the parts it patches, and every server process shares
        # one copy in the page cache (plain arrays over the map: ``np.memmap``'s own indexing
        # is Python code, a microsecond an item)
        arrays = {
            key: np.asarray(np.load(folder / f"{name}.arrays" / f"{key}.npy", mmap_mode="r"))
            for key in wanted
        }
        labelled = json.loads((folder / f"{name}.labels.json").read_text(encoding="utf-8"))
        iris = KeptLines(folder / f"{name}.iris.lines", arrays["lines.iris"], decode_iri)
        names = KeptLines(folder / f"{name}.names.lines", arrays["lines.names"], decode_json)
        facets = [key.removeprefix("items.") for key in arrays if key.startswith("items.")]
        values = {
            key: KeptLines(
                folder / f"{name}.values.{key}.lines",
                arrays[f"lines.values.{key}"],
                decode_json,
                keep=True,
            )
            for key in facets
        }
        nodes = (
            json.loads((folder / f"{name}.inputs.json").read_text(encoding="utf-8"))
            if inputs and "inputs.nodes" in arrays
            else None
        )
    except (OSError, ValueError, KeyError):
        return None
    relations = {
        key: Relation(arrays[f"items.{key}"], arrays[f"codes.{key}"], found)
        for key, found in values.items()
    }
    amounts = {key.split(".", 1)[1]: arrays[key] for key in arrays if key.startswith("amount.")}
    labels = {iri: [(n, lang) for n, lang in each] for iri, each in labelled["labels"].items()}
    rows = Rows(folder=folder / f"{name}.rows", offsets=arrays["rows"])
    made_from = (
        RowInputs.from_arrays({k: v for k, v in arrays.items() if k.startswith("inputs.")}, nodes)
        if nodes is not None
        else None
    )
    return ListIndex(
        spec, iris, names, relations, amounts, labels, rows, inputs=made_from,
        name_order=arrays.get("order.name"), languages=frozenset(labelled["languages"]),
    )  # fmt: skip
