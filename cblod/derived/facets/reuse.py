"""Export rows kept from the release before: a row is made again only when what it is made
from changed (issue #24: an update costs what changed).

An update first patches the index by subject (``cblod.derived.facets.patch``), which makes again only
the items its change reaches and takes every other entry whole; this module is what a build
of every item (a change too large to patch) still saves, and what the patch reads to know
which rows looked up a changed node (``RowInputs.asking``).

A list's row (``cblod.derived.facets.table``) is a pure function of two things: the item's gathered
values (the ends of its fields' paths, read whole at every build) and what it looks up about
the nodes those lead to (a programme's name, an identifier's scheme, an address's town; the
``LOOKUPS``). Each build notes, per item, a digest of its values and the nodes it looked up,
with a digest of everything the lookups say of those nodes. The next build reuses an item's
row when its values' digest is the same and the nodes it looked up then say the same now:
the function would then make the same lookups, get the same answers and write the same row.
That is exact, whatever changed and however far away, with no knowledge of what a row reads;
a test builds every list both ways and compares the files byte for byte.
"""

from __future__ import annotations

import hashlib
import json
from array import array
from collections.abc import Callable, Hashable
from typing import Any, TypeVar, cast

import numpy as np
import numpy.typing as npt

Lookup = Callable[[str, str], list[str]]
T = TypeVar("T")
Ints64 = npt.NDArray[np.int64]
DIGEST = 16  # bytes (BLAKE2b)


def digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=DIGEST).digest()


class RowInputs:
    """Per item (by ordinal): its values' digest, the nodes it looked up and their digest, as
    arrays: the nodes of item ``i`` are ``table[ids[offsets[i]:offsets[i + 1]]]``, the table in
    the order the items first name them (so that equal inputs are equal files)."""

    def __init__(
        self,
        values: npt.NDArray[np.bytes_],
        looked_up: npt.NDArray[np.bytes_],
        offsets: Ints64,
        ids: Ints64,
        table: list[str],
        made: int = 0,
    ) -> None:
        self.values, self.looked_up = values, looked_up
        self.offsets, self.ids, self.table = offsets, ids, table
        #: rows this build made (the others were the release before's): not kept
        self.made = made
        self._index: dict[str, int] | None = None

    def __len__(self) -> int:
        return len(self.values)

    def nodes(self, item: int) -> list[str]:
        start, end = self.offsets[item], self.offsets[item + 1]
        return [self.table[i] for i in self.ids[start:end].tolist()]

    def index(self) -> dict[str, int]:
        if self._index is None:
            self._index = {node: i for i, node in enumerate(self.table)}
        return self._index

    def asking(self, nodes: set[str]) -> Ints64:
        """The items that looked up any of ``nodes``."""
        index = self.index()
        wanted = [index[n] for n in nodes if n in index]
        if not wanted:
            return np.zeros(0, dtype=np.int64)
        at = np.flatnonzero(np.isin(self.ids, wanted))
        return np.unique(np.searchsorted(self.offsets, at, side="right") - 1)

    def spliced(self, source: Ints64, fresh: Ints64, made: RowInputs) -> RowInputs:
        """The inputs of a patched list: item ``i``'s are this one's item ``source[i]``, or,
        where that is -1, ``made``'s item ``k`` for ``fresh[k] == i``."""
        count, kept = len(source), source >= 0
        values = np.empty(count, dtype=f"S{DIGEST}")
        looked_up = np.empty(count, dtype=f"S{DIGEST}")
        values[kept], values[fresh] = self.values[source[kept]], made.values
        looked_up[kept], looked_up[fresh] = self.looked_up[source[kept]], made.looked_up
        if self._same_nodes(source, fresh, made):  # a fix's usual case: nothing renumbered
            return RowInputs(values, looked_up, self.offsets, self.ids, self.table, len(fresh))
        index = dict(self.index())
        table = list(self.table)
        for node in made.table:  # the made items' nodes, numbered as this table goes on
            if node not in index:
                index[node] = len(table)
                table.append(node)
        made_ids = np.array([index[n] for n in made.table], dtype=np.int64)[made.ids]
        lengths = np.zeros(count, dtype=np.int64)
        starts = np.zeros(count, dtype=np.int64)
        lengths[kept] = np.diff(self.offsets)[source[kept]]
        starts[kept] = self.offsets[:-1][source[kept]]
        lengths[fresh] = np.diff(made.offsets)
        starts[fresh] = len(self.ids) + made.offsets[:-1]
        offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        # each item's inputs, read from where they start: one repeat of the shift per input
        shift = np.repeat(starts - offsets[:-1], lengths)
        shift += np.arange(int(offsets[-1]), dtype=np.int64)
        ids = np.concatenate([self.ids, made_ids])[shift]
        order = in_order_of_first_use(ids, len(table))  # renumbered as first named
        renumber = np.zeros(len(table), dtype=np.int64)
        renumber[order] = np.arange(len(order))
        return RowInputs(
            values, looked_up, offsets, renumber[ids], [table[i] for i in order.tolist()],
            len(fresh),
        )  # fmt: skip

    def _same_nodes(self, source: Ints64, fresh: Ints64, made: RowInputs) -> bool:
        """Whether every item stays where it was and each made again looked up the nodes it
        did before: then the node ids, numbered by first use, are this list's, unchanged
        (and their files linked), without renumbering every item's."""
        if len(source) != len(self) or len(fresh) > len(self):
            return False
        kept = np.flatnonzero(source >= 0)
        if not np.array_equal(source[kept], kept) or len(kept) + len(fresh) != len(self):
            return False
        return all(made.nodes(k) == self.nodes(i) for k, i in enumerate(fresh.tolist()))

    def arrays(self) -> tuple[dict[str, npt.NDArray[np.generic]], list[str]]:
        """As arrays for the index's ``.npz`` and a node table for its JSON."""
        return (
            {
                "inputs.values": self.values,
                "inputs.looked_up": self.looked_up,
                "inputs.offsets": self.offsets,
                "inputs.nodes": self.ids,
            },
            self.table,
        )

    @classmethod
    def from_arrays(cls, arrays: dict[str, npt.NDArray[np.generic]], table: list[str]) -> RowInputs:
        return cls(
            arrays["inputs.values"],  # type: ignore[arg-type]
            arrays["inputs.looked_up"],  # type: ignore[arg-type]
            arrays["inputs.offsets"].astype(np.int64, copy=False),
            arrays["inputs.nodes"].astype(np.int64, copy=False),
            table,
        )


class InputsGathering:
    """``RowInputs`` gathered an item at a time, in item order, as compact as they are kept:
    digests appended to bytes, nodes numbered as first named, instead of a tuple of two
    digests and a list of node texts held per item until the list was done (over 30 MB of the
    peak at 140 000 participations, by memray)."""

    def __init__(self) -> None:
        self._values, self._looked_up = bytearray(), bytearray()
        self._offsets, self._ids = array("q", [0]), array("q")
        self._table: dict[str, int] = {}

    def add(self, said: bytes, nodes: list[str], looked_up: bytes) -> None:
        table = self._table
        self._values += said
        self._looked_up += looked_up
        self._ids.extend([table.setdefault(n, len(table)) for n in nodes])
        self._offsets.append(len(self._ids))

    def finish(self, made: int = 0) -> RowInputs:
        def digests(data: bytearray) -> npt.NDArray[np.bytes_]:
            return np.frombuffer(bytes(data), dtype=f"S{DIGEST}").copy()

        return RowInputs(
            digests(self._values),
            digests(self._looked_up),
            np.array(self._offsets, dtype=np.int64),
            np.array(self._ids, dtype=np.int64),
            list(self._table),
            made,
        )


class Recorder:
    """Looks up as ``lookup`` does, noting every node asked about, and digests what the
    lookups (every name of ``names``) say of a node, once a build."""

    def __init__(self, lookup: Lookup, names: list[str]) -> None:
        self._lookup, self._names = lookup, names
        self._digests: dict[str, bytes] = {}
        self._made: dict[Hashable, tuple[Any, frozenset[str]]] = {}
        self.asked: set[str] = set()

    def __call__(self, name: str, iri: str) -> list[str]:
        self.asked.add(iri)
        return self._lookup(name, iri)

    def once(self, key: Hashable, make: Callable[[], T]) -> T:
        """``make()`` the first time ``key`` is asked in this build, what it made after;
        either way the nodes it looked up count as asked by the row asking (``asked``)."""
        found = self._made.get(key)
        if found is None:
            outer, self.asked = self.asked, set()
            try:
                found = self._made[key] = (make(), frozenset(self.asked))
            finally:
                self.asked |= outer
        else:
            self.asked |= found[1]
        return cast(T, found[0])

    def node_digest(self, iri: str) -> bytes:
        found = self._digests.get(iri)
        if found is None:
            found = digest(json.dumps([self._lookup(n, iri) for n in self._names]))
            self._digests[iri] = found
        return found

    def nodes_digest(self, nodes: list[str]) -> bytes:
        return hashlib.blake2b(
            b"".join(self.node_digest(n) for n in nodes), digest_size=DIGEST
        ).digest()


def in_order_of_first_use(ids: Ints64, size: int) -> Ints64:
    """The distinct values of ``ids`` (each below ``size``), in the order ids first uses
    them: each value's first position found in one pass, then only the distinct values sorted
    (``np.unique(return_index=True)`` sorts every id: the participations list of 300 000
    projects has 65 million, and that sort was nearly half of a page fix: benchmarks/README.md)."""
    first = np.full(size, len(ids), dtype=np.int64)
    np.minimum.at(first, ids, np.arange(len(ids), dtype=np.int64))
    used = np.flatnonzero(first < len(ids))
    return used[np.argsort(first[used])]
