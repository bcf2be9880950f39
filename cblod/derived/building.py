"""A mark that an index of a snapshot is being built, so readers wait instead of building twice.

The facet and reconciliation indexes are built right after a publish (``cblod.derived.kept``): tens of
seconds and hundreds of MB at programme scale. A reader who asks for a list meanwhile would
otherwise build the same index in the web process, doubling the time and the memory. The
builder marks the folder while it works; a reader that finds the mark waits for the index to
appear (or the mark to go: a builder that died leaves an old mark, ignored after ``STALE``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
#: a mark older than this is a builder that died
STALE = 15 * 60.0


def _mark(folder: Path, name: str) -> Path:
    return folder / f"{name}.building"


@contextmanager
def building(folder: Path, name: str) -> Iterator[None]:
    """Mark ``name`` as being built in ``folder`` for the duration of the block."""
    folder.mkdir(parents=True, exist_ok=True)
    mark = _mark(folder, name)
    mark.write_text(str(os.getpid()), encoding="utf-8")
    try:
        yield
    finally:
        mark.unlink(missing_ok=True)


def wait_for(
    folder: Path, name: str, load: Callable[[], T | None], timeout: float = 300.0
) -> T | None:
    """What ``load`` finds, waiting while another process builds it; None when nobody is."""
    deadline = time.monotonic() + timeout
    while True:
        found = load()
        if found is not None:
            return found
        try:
            age = time.time() - _mark(folder, name).stat().st_mtime
        except FileNotFoundError:
            return load()  # not being built (or just finished: one more look)
        if age > STALE or time.monotonic() > deadline:
            return None
        time.sleep(0.5)
