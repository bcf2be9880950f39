"""``cblod.publish.ingest(paths, store=...)``: files in, a release out, whole or not at all.

The one place the layers meet for a write: the store's writer (``cblod.ingest.writer``) takes
every file (``cblod.ingest.pipeline.write_sources``); the search index is brought up to date
for the subjects that changed; then the snapshot is published with what the release derives
(``cblod.derived.release``: dumps, kept answers, facet and matching indexes), made from the
sealed snapshot before the published pointer moves, so no request waits for one or sees
another release's. Anything that stops the run (a failed write, an interrupt, a failure while
deriving) leaves the previous release published and the write lock free.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from . import collector
from .backends.draft import Clock, Derive, now
from .backends.store import CblodStore
from .derived.release import derive
from .derived.search import build_index
from .ingest.pipeline import DEFAULT_BASE_URI, SourceReport, write_sources
from .ingest.writer import SnapshotWriter
from .records.supplied import SuppliedPlaces


def derive_release(sealed: CblodStore) -> None:
    """What a release derives, into its sealed snapshot (``sealed`` reads it), before the
    published pointer moves (``cblod.derived.release``)."""
    derive(sealed)


def ingest(
    paths: Iterable[str | Path],
    *,
    store: CblodStore,
    base_uri: str | None = None,
    format: str | None = None,
    strict: bool = False,
    nuts_geometries: str | Path | None = None,
    postal_codes: str | Path | None = None,
    on_source: Callable[[SourceReport], None] | None = None,
    on_chunk: Callable[[str, int, float | None], None] | None = None,
    keep: bool = True,
    derive: Derive | None = derive_release,
    clock: Clock = now,
) -> list[SourceReport]:
    """Ingest every file under ``paths`` into ``store`` and publish the result; one report
    per file (``write_sources``). ``store`` follows the release it published.

    ``nuts_geometries`` (the operator's GeoJSON of NUTS regions, ``cblod.records.regions``)
    and ``postal_codes`` (GeoNames' postal code file, ``cblod.records.postcodes``) place
    partners the gazetteer's towns do not; they are kept in the store for later runs (and
    the map), and a new one re-reads every file given, changed or not
    (``cblod.records.supplied``). ``derive`` (unless ``keep`` is False) makes what the release derives before it is
    published; ``clock`` gives the times recorded (a source's ingest, a release's issue).
    """
    base = base_uri or store.base_uri or DEFAULT_BASE_URI
    if not base.endswith("/"):
        base += "/"
    places = SuppliedPlaces.for_run(
        store.path, nuts_geometries=nuts_geometries, postal_codes=postal_codes
    )
    writer = SnapshotWriter(store, base, clock=clock)
    writer.places = places
    writer.reread = places.changed
    try:
        with collector.paused():
            reports = write_sources(
                paths,
                writer,
                format=format,
                strict=strict,
                on_source=on_source,
                on_chunk=on_chunk,
            )
        if writer.wrote:
            build_index(writer.reads(), since=store.snapshot, changed=writer.changed_subjects)
            writer.publish(derive=derive if keep else None)
            places.keep(store.path)
    finally:
        writer.discard()  # a no-op once published; else nothing of this run is published
    return reports
