"""The demo: a store built from the sample files shipped inside cblod, then served.

``python serve.py`` in a clone and ``cblod demo`` after ``pip install cblod`` do the same thing,
so the README's quick start works from a wheel as well as from a checkout.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from importlib.resources import as_file, files
from pathlib import Path

from ..backends.store import CblodStore
from ..core.errors import CblodError
from ..ingest.pipeline import SourceReport
from ..publish import ingest

#: the sample folders inside the ``cblod.samples`` package: real pages, synthetic bulk exports
SAMPLE_FOLDERS = ("pages", "bulk")


@contextmanager
def sample_folders() -> Iterator[list[Path]]:
    """The bundled sample folders as file-system paths (extracted if cblod runs from a zip,
    and then only while the context lasts; an installed wheel is plain folders)."""
    samples = files("cblod.samples")
    with ExitStack() as stack:
        yield [stack.enter_context(as_file(samples.joinpath(name))) for name in SAMPLE_FOLDERS]


def build_demo_store(store_dir: str | Path) -> list[SourceReport]:
    """Ingest the samples into ``store_dir`` unless it already holds sources.

    Returns the ingest reports (empty when the store was already built); raises
    ``CblodError`` naming every sample that failed, since a demo with a hole in it misleads.
    """
    store = CblodStore(store_dir)
    try:
        if store.source_graphs():
            return []
        with sample_folders() as folders:
            reports = ingest(folders, store=store)
        failed = [r for r in reports if r.status == "failed"]
        if failed:
            raise CblodError("; ".join(str(r.error) for r in failed))
        return reports
    finally:
        del store  # release the write lock before a server opens the store read-only
