"""Gzip members as the dumps write them: a dump file is one or more members (a reader sees one
stream), and a member of the same statements is the same bytes every time, so an update can
copy the members that did not change and still equal a whole build."""

from __future__ import annotations

import gzip
import io
import os
import shutil
from typing import IO, cast

#: gzip level 9 (the default) made dumps ten times slower than writing N-Triples for ~10% less
#: size; level 3 keeps most of the compression at a fraction of the cost (benchmarks/README.md)
GZIP_LEVEL = 3


def member(out: IO[bytes]) -> IO[bytes]:
    """A gzip member written into ``out``: no file name and no time in its header."""
    # a GzipFile is a binary file; typeshed types it as a BufferedIOBase, not an IO[bytes]
    return cast(
        IO[bytes],
        gzip.GzipFile(fileobj=out, mode="wb", compresslevel=GZIP_LEVEL, mtime=0, filename=""),
    )


def copy_span(source: IO[bytes], offset: int, length: int, out: IO[bytes]) -> None:
    """Append ``length`` bytes of ``source`` from ``offset`` to ``out`` (both files): members
    kept from the release before. The kernel copies them where it can (``copy_file_range``:
    no trip through Python's buffers, and a shared extent on file systems that clone)."""
    out.flush()
    left = length
    try:
        while left:
            done = os.copy_file_range(source.fileno(), out.fileno(), left, offset + length - left)
            if not done:
                break
            left -= done
    except (AttributeError, OSError):  # not Linux, or not between these two files
        pass
    out.seek(0, os.SEEK_END)  # where the kernel left the file: the writer's position again
    if left:
        source.seek(offset + length - left)
        shutil.copyfileobj(_Limited(source, left), out)


class _Limited(io.RawIOBase):
    """The next ``left`` bytes of ``source``, as a file."""

    def __init__(self, source: IO[bytes], left: int) -> None:
        super().__init__()
        self.source, self.left = source, left

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        want = self.left if size < 0 else min(size, self.left)
        block = self.source.read(want)
        self.left -= len(block)
        return block


def compressed(body: bytes) -> bytes:
    """``body`` as one member's bytes."""
    out = io.BytesIO()
    with member(out) as writer:
        writer.write(body)
    return out.getvalue()


class LineSink(io.RawIOBase):
    """A file a dump is written into that takes what it is given in blocks of whole lines
    (``lines``: one or more N-Triples lines, each ending in a newline), however the writer
    cuts its chunks. Blocks, not single lines: a dump of tens of millions of statements is
    then handled by ``bytes`` methods and regular expressions in C, not a Python call a line.
    """

    def __init__(self) -> None:
        super().__init__()
        self._rest = b""

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        block = self._rest + bytes(data)
        end = block.rfind(b"\n") + 1
        self._rest = block[end:]
        if end:
            self.lines(block[:end])
        return len(data)

    def lines(self, block: bytes) -> None:
        raise NotImplementedError

    def close(self) -> None:
        if not self.closed:
            rest, self._rest = self._rest, b""
            if rest.strip():
                self.lines(rest + b"\n")
        super().close()
