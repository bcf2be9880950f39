"""A file that is the concatenation of others, read as one: how ``dataset.nq.gz`` is kept.

``dataset.nq.gz`` is the published graph's N-Triples members (N-Triples lines are N-Quads in
the default graph) followed by a member per source graph. Written as one file it was a new
copy of all of them at every release: half a gigabyte at 300 000 projects, for a fix that
changed one small source. Kept as its parts instead (``dataset.nt.gz`` itself, and
``quads/<source>.nq.gz``, each an unchanged source's hard link to the release before's), a
release adds only the parts it changed, and readers see one stream: gzip members concatenate
(RFC 1952, 2.2), so the bytes served are those the single file held. ``Composed`` reads the
parts in order and seeks across them, so ``/dumps/`` serves the file with its length,
ranges and conditional requests as it serves a plain one (``cblod.web.dumps``).
"""

from __future__ import annotations

import bisect
import io
import os
from collections.abc import Sequence
from pathlib import Path


class Composed(io.RawIOBase):
    """The concatenation of ``parts`` (files), read-only and seekable."""

    def __init__(self, parts: Sequence[Path]) -> None:
        super().__init__()
        # every part opened at once: a download in progress keeps reading the release it
        # began with, even if that release is removed meanwhile (its files stay while open)
        self._handles: list[io.BufferedReader] = []
        try:
            for part in parts:
                self._handles.append(part.open("rb"))
        except OSError:
            self.close()
            raise
        #: where each part starts in the whole, and the whole's length last
        self._starts = [0]
        for handle in self._handles:
            self._starts.append(self._starts[-1] + os.fstat(handle.fileno()).st_size)
        self._at = 0

    @property
    def size(self) -> int:
        return self._starts[-1]

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._at

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._at, os.SEEK_END: self.size}[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        self._at = base + offset
        return self._at

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        """Fill ``buffer`` from the parts in order (across their ends), short only at the end."""
        view, filled = memoryview(buffer), 0
        while filled < len(view) and self._at < self.size:
            index = bisect.bisect_right(self._starts, self._at) - 1
            handle = self._handles[index]
            handle.seek(self._at - self._starts[index])
            wanted = min(len(view) - filled, self._starts[index + 1] - self._at)
            count = handle.readinto(view[filled : filled + wanted])
            if not count:
                break  # a part shorter than when it was opened: not ours to fill
            filled += count
            self._at += count
        return filled

    def close(self) -> None:
        for handle in getattr(self, "_handles", ()):
            handle.close()
        super().close()
