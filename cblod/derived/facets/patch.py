"""A list's facet index patched from the release before's: only the items a change reaches
are made again (issue #24: an update costs what changed).

The items whose entries may differ are those that read a changed statement along one of the
list's paths (``cblod.derived.reach``), or whose export row looked up something of a node
whose statements changed (the nodes each row looked up are kept with the index:
``cblod.derived.facets.reuse``), or that joined the list. Their entries are made by following the
paths from them alone (``cblod.derived.paths.NearReader``); every other item's pairs, amounts, names,
row and row inputs are the release before's, renumbered when items joined or left. Values are
coded again from the pairs that remain, so the result is the index ``build`` makes from
scratch, byte for byte: tests compare every file after chains of updates.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO

import numpy as np

from ...backends.published import Dataset
from ...backends.releases import link_or_copy
from ...read.chosen_names import DEFAULT_LANGUAGES, effective
from ..paths import select_csv
from ..reach import ChangedReads, Reach, reached, too_many
from . import index, table
from .index import ListIndex, Names, Relation, Row, Rows, entries, labelled_values
from .lines import merged_sorted
from .order import name_order
from .spec import FacetedList

Ints64 = index.Ints64


def list_paths(spec: FacetedList) -> list[tuple[str, ...]]:
    """Every path an item's entry reads: membership, names, facets, text, amounts, fields."""
    return [
        ("rdf:type",),
        (spec.names,),
        *(facet.path for facet in spec.facets),
        *((step,) for step in spec.text_targets),
        *(measure.path for measure in spec.orderings),
        *(field.path for field in table.FIELDS[spec.name].values()),
        *([spec.points] if spec.points else []),
    ]


def patch(store: Dataset, spec: FacetedList, previous: ListIndex, reach: Reach) -> ListIndex | None:
    """The index of ``spec`` over ``store``, from ``previous`` (the release before's, with
    its row inputs) and the reads the release changed (see the module's docstring); None
    when the change reaches so many items that a whole build costs less (``too_many``)."""
    assert previous.inputs is not None
    reads = reach.reads
    members = _members(store, spec, sorted(reads.subjects))
    joined = {iri for iri in members if previous.ordinal(iri) is None}
    left = {iri for iri in reads.subjects - members if previous.ordinal(iri) is not None}
    same_items = not joined and not left
    # the items' IRIs: the release before's, untouched (read on demand), unless some joined
    # or left; only then is every IRI read
    iris = previous.iris if same_items else merged_sorted(previous.iris, left, joined)
    where: Callable[[str], int | None] = (
        previous.ordinal if same_items else {iri: i for i, iri in enumerate(iris)}.get
    )
    touched = reached(list_paths(spec), reads, (reach.before, store)) | _looked_up(previous, reads)
    again = sorted({iri for iri in touched if where(iri) is not None} | joined)
    if too_many(len(again), len(iris)):
        return None
    made = entries(store, spec, again, reach.near, restrict=True)

    fresh = np.array([where(iri) for iri in again], dtype=np.int64)
    if same_items:
        moved = np.arange(len(iris), dtype=np.int64)
    else:
        ordinals = (where(iri) for iri in previous.iris)
        moved = np.array([-1 if k is None else k for k in ordinals], dtype=np.int64)
    was = [previous.ordinal(iri) for iri in again]
    if len(again):  # kept: items neither left nor made again
        moved[np.array([j for j in was if j is not None], dtype=np.int64)] = -1
    relations = {
        key: _merged(previous.relations[key], moved, fresh, pairs, same_items)
        for key, pairs in made.pairs.items()
    }
    amounts = {}
    for key, column in previous.amounts.items():
        merged = np.full(len(iris), np.nan)
        kept = moved >= 0
        merged[moved[kept]] = column[kept]
        merged[fresh] = made.amounts[key]
        amounts[key] = merged
    source = np.full(len(iris), -1, dtype=np.int64)  # new ordinal -> previous ordinal
    source[moved[moved >= 0]] = np.flatnonzero(moved >= 0)
    same_names = same_items and all(
        [tuple(n) for n in previous.names[i]] == each
        for i, each in zip(fresh.tolist(), made.names, strict=True)
    )
    if same_names:  # the release before's list itself: its file is linked (``index.save``)
        names: Names = previous.names
        languages = previous.languages
        order = previous.name_order
    else:  # only now is every item's name read, in one pass
        had = list(previous.names)
        listed: list[Sequence[Sequence[str]]] = [had[j] if j >= 0 else [] for j in source.tolist()]
        for i, each in zip(fresh.tolist(), made.names, strict=True):
            listed[i] = each
        names = listed
        languages = frozenset(lang for each in names for _, lang in each)
        order = None
    if order is None:
        order = name_order(names, iris, effective(DEFAULT_LANGUAGES, languages))
    return ListIndex(
        spec, iris, names, relations, amounts,
        _labels(store, spec, relations, previous, reads),
        PatchedRows(
            previous.rows,
            source,
            dict(zip(fresh.tolist(), made.rows.read(range(len(again))), strict=True)),
        ),
        inputs=previous.inputs.spliced(source, fresh, made.inputs),
        name_order=order, languages=languages,
    )  # fmt: skip


def _members(store: Dataset, spec: FacetedList, candidates: list[str]) -> set[str]:
    """Which of ``candidates`` are items of ``spec`` in ``store``."""
    found: set[str] = set()
    for start in range(0, len(candidates), index.LABEL_BATCH):
        batch = " ".join(f"<{iri}>" for iri in candidates[start : start + index.LABEL_BATCH])
        query = f"SELECT ?item WHERE {{ VALUES ?item {{ {batch} }} {spec.items} }}"
        found.update(row[0] for row in select_csv(store, query))
    return found


def _looked_up(previous: ListIndex, reads: ChangedReads) -> set[str]:
    """The items whose rows looked up something that changed at a node they asked about."""
    assert previous.inputs is not None
    changed: set[str] = set()
    for step, _ in table.LOOKUPS.values():
        changed |= reads.nodes(step)
    if not changed:
        return set()
    return {previous.iris[i] for i in previous.inputs.asking(changed).tolist()}


def _merged(
    before: Relation,
    moved: Ints64,
    fresh: Ints64,
    pairs: tuple[list[int], list[str]],
    same_items: bool,
) -> Relation:
    """``before``'s pairs of the items kept (renumbered) and the items made again, coded in
    sorted order as ``index._relation`` codes a whole build's; ``before`` itself when no item
    joined or left and those made again have the pairs they had."""
    owners, texts = pairs
    if same_items:
        mine = np.isin(before.items, fresh)
        items, codes = before.items[mine].tolist(), before.codes[mine].tolist()
        had = {(i, before.values[c]) for i, c in zip(items, codes, strict=True)}
        ordinals = fresh.tolist()
        if had == {(ordinals[o], t) for o, t in zip(owners, texts, strict=True)}:
            return before
    keep = moved[before.items] >= 0
    kept_items, kept_codes = moved[before.items[keep]], before.codes[keep].astype(np.int64)
    used = np.unique(kept_codes).tolist()
    values = sorted({before.values[c] for c in used} | set(texts))
    code = {v: i for i, v in enumerate(values)}
    recode = np.full(len(before.values), -1, dtype=np.int64)
    recode[used] = [code[before.values[c]] for c in used]
    items = np.concatenate([kept_items, fresh[np.asarray(owners, dtype=np.int64)]])
    codes = np.concatenate(
        [recode[kept_codes], np.fromiter((code[t] for t in texts), np.int64, len(texts))]
    )
    width = max(len(values), 1)
    keys = np.unique(items * width + codes)
    return Relation((keys // width).astype(np.int32), (keys % width).astype(np.int32), values)


def _labels(
    store: Dataset,
    spec: FacetedList,
    relations: dict[str, Relation],
    previous: ListIndex,
    reads: ChangedReads,
) -> dict[str, list[tuple[str, str]]]:
    """Each value's names: the release before's for a value it had whose statements did not
    change (a value's names are its own statements), asked for the others."""
    had = set(labelled_values(spec, previous.relations))
    wanted = labelled_values(spec, relations)
    ask = [v for v in wanted if v not in had or v in reads.subjects]
    asked = index._labels(store, ask)
    found: dict[str, list[tuple[str, str]]] = {}
    for value in wanted:
        names = asked.get(value) if value in asked or value in ask else previous.labels.get(value)
        if names:
            found[value] = names
    return found


class PatchedRows(Rows):
    """Rows of a patched index: the release before's (``before``, by ``source``: new ordinal
    -> previous ordinal) and the rows made again (``made``, by new ordinal). A file whose rows
    are all the release before's, at the same places, is linked."""

    def __init__(self, before: Rows, source: Ints64, made: dict[int, Row]) -> None:
        super().__init__()
        self._before, self._source, self._made = before, source, made

    def read(self, ordinals: Iterable[int]) -> Iterator[Row]:
        for i in ordinals:
            if i in self._made:
                yield self._made[i]
            else:
                yield from self._before.read([int(self._source[i])])

    def write(self, folder: Path, previous: Path | None = None) -> Ints64:
        assert previous is not None and self._before.offsets is not None
        folder.mkdir(parents=True)
        per_file, count = index.ROWS_PER_FILE, len(self._source)
        old_count = len(self._before.offsets)
        offsets = np.zeros(count, dtype=np.int64)
        handles: dict[int, IO[bytes]] = {}
        try:
            for start in range(0, count, per_file):
                end, name = min(start + per_file, count), index._rows_file(start // per_file)
                span = np.arange(start, end)
                if (
                    min(start + per_file, old_count) == end
                    and np.array_equal(self._source[start:end], span)
                    and not any(i in self._made for i in range(start, end))
                ):
                    link_or_copy(previous / name, folder / name)
                    offsets[start:end] = self._before.offsets[start:end]
                    continue
                lines, at = [], 0
                for i in range(start, end):
                    made = self._made.get(i)
                    if made is not None:
                        line = json.dumps(made, ensure_ascii=False).encode("utf-8") + b"\n"
                    else:
                        line = self._before.raw(int(self._source[i]), handles)
                    offsets[i], at = at, at + len(line)
                    lines.append(line)
                (folder / name).write_bytes(b"".join(lines))
        finally:
            for handle in handles.values():
                handle.close()
        return offsets
