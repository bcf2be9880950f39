"""A facet index's per-item texts (IRIs, names) kept one item to a line and read on demand.

Why: a one-page fix patches the index of every list from the release before's, and reads a
handful of its items; parsing the whole list's IRIs and names as one JSON document was a
third of that fix at 300 000 projects (1.2 million participations: 217 MB of JSON, about
4 s, benchmarks/README.md). Kept as lines with their offsets, a patch reads the lines it asks
for, through a memory map, and a server's first view of a list reads none it does not show.
The lines are also what every server process shares: one copy in the page cache.

The IRIs are sorted (every build and patch sorts them), so an item's ordinal is a binary
search over the lines, not a dictionary of every item.
"""

from __future__ import annotations

import json
import mmap
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Generic, TypeVar, overload

import numpy as np
import numpy.typing as npt

T = TypeVar("T")
Ints64 = npt.NDArray[np.int64]


def encode_iri(iri: str) -> bytes:
    return iri.encode("utf-8")


def decode_iri(line: bytes) -> str:
    return line.decode("utf-8")


def encode_json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


def decode_json(line: bytes) -> Any:
    return json.loads(line)


class KeptLines(Sequence[T], Generic[T]):
    """Items kept in ``path``, item ``i`` the bytes ``offsets[i]:offsets[i + 1]`` less the
    newline, decoded by ``decode`` when asked; with ``keep``, every item is held once they
    have all been read (a facet's values, which a server's pages read whole, each time)."""

    def __init__(
        self, path: Path, offsets: Ints64, decode: Callable[[bytes], T], *, keep: bool = False
    ) -> None:
        self.path, self.offsets, self._decode, self._keep = path, offsets, decode, keep
        self._map: mmap.mmap | bytes | None = None
        self._all: list[T] | None = None

    def _bytes(self) -> mmap.mmap | bytes:
        if self._map is None:
            with self.path.open("rb") as handle:
                size = handle.seek(0, 2)
                # an empty file cannot be mapped; it holds no item anyway
                self._map = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
        return self._map

    def __len__(self) -> int:
        return len(self.offsets) - 1

    @overload
    def __getitem__(self, i: int) -> T: ...
    @overload
    def __getitem__(self, i: slice) -> list[T]: ...
    def __getitem__(self, i: int | slice) -> T | list[T]:
        if self._all is not None:
            return self._all[i]
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        at = self.offsets.item
        return self._decode(self._bytes()[at(i) : at(i + 1) - 1])

    def __iter__(self) -> Iterator[T]:
        if self._all is None and self._keep:
            self._all = list(self._read_all())
        return iter(self._all) if self._all is not None else self._read_all()

    def _read_all(self) -> Iterator[T]:
        data, offsets = self._bytes(), self.offsets.tolist()
        for start, end in zip(offsets, offsets[1:], strict=False):
            yield self._decode(data[start : end - 1])

    def raw(self) -> mmap.mmap | bytes:
        """The file's bytes (every line), to copy spans of it."""
        return self._bytes()


def write_lines(items: Sequence[T], path: Path, encode: Callable[[T], bytes]) -> Ints64:
    """Write ``items`` one to a line into ``path``; their offsets (one more than items)."""
    offsets = np.zeros(len(items) + 1, dtype=np.int64)
    at = 0
    with path.open("wb") as out:
        block: list[bytes] = []
        for i, item in enumerate(items, start=1):
            line = encode(item) + b"\n"
            at += len(line)
            offsets[i] = at
            block.append(line)
            if len(block) >= 4096:
                out.write(b"".join(block))
                block = []
        out.write(b"".join(block))
    return offsets


def ordinal_in(iris: Sequence[str], iri: str) -> int | None:
    """Where ``iri`` is in the sorted ``iris``, or None."""
    at = bisect_left(iris, iri)
    return at if at < len(iris) and iris[at] == iri else None


def merged_sorted(kept: Sequence[str], gone: Iterable[str], joined: Iterable[str]) -> list[str]:
    """The sorted ``kept`` less ``gone`` plus ``joined``, sorted: what a patch's items are
    when some joined or left."""
    away = set(gone)
    return sorted({*(iri for iri in kept if iri not in away), *joined})
