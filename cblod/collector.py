"""Python's cycle collector, kept out of the way of work that makes many objects at once.

Each full pass of the collector walks every live object. An ingest holds millions (the
registry, a chunk's statements, the sets of subjects): at 30 000 projects those passes were a
third of the ingest (116 s with it, 79 s without). A server holds each release's indexes
(facets, reconciliation: hundreds of thousands of lists and dicts) for as long as the release
is served, and every full pass walked them again, on whichever request happened to trigger it;
loading the next release's indexes triggered several (issue #24: the first view after a
release was 3-10 times the second). Neither makes reference cycles worth collecting.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """The collector off for the block (back on after it, if it was on)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def long_lived() -> Iterator[None]:
    """For a block that loads what a process keeps for long (a release's index): the
    collector off while it loads, and everything alive after it moved out of the collector's
    passes (``gc.freeze``). Dropped later, those objects are freed by reference counting, as
    any object without cycles is."""
    with paused():
        yield
    gc.freeze()
