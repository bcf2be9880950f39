"""The next snapshot of an embedded store, while it is written: the backend's half of a write.

A ``Draft`` is begun from a read handle (``Draft.begin(store)``): it takes the store's write
lock (one writer at a time, across processes), copies the published snapshot into a new
folder (``Store.backup``: hard links, cheap whatever the size) and opens it for writing. The
ingest's writer (``cblod.ingest.writer``) writes into ``database``; ``publish`` records the
release, lets what it derives be made from the sealed snapshot, then moves the published
pointer and lets the handle follow it; ``fail`` throws the draft away. Nobody reads a draft
but its writer, so it needs no transaction.

This module knows nothing of sources, identity or consolidation: it is where snapshots are
made, kept and published, and the only place that opens a store's database for writing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path

from pyoxigraph import Store

from ..core.errors import StoreError
from . import releases
from .store import DATABASE, CblodStore

#: what a release derives from its sealed snapshot before it is published (dumps, indexes)
Derive = Callable[[CblodStore], None]
#: the time a release is issued at (injected in tests that order releases)
Clock = Callable[[], datetime]


def now() -> datetime:
    return datetime.now(UTC)


class Draft:
    """One snapshot being written, begun from the handle ``store`` reads with."""

    def __init__(self, store: CblodStore, work_dir: Path, database: Store) -> None:
        self.store = store
        self.work_dir = work_dir
        self.database = database
        #: the database of the snapshot this one started from (an empty one for a new store):
        #: what a streamed source puts back when it fails
        self.published = store.engine
        self.gone = False

    @classmethod
    def begin(cls, store: CblodStore) -> Draft:
        """Take the write lock and start the next snapshot from a copy of the published one
        (a ``StoreError`` when another process writes, or the disk refuses)."""
        folder = store.folder
        try:
            store.path.mkdir(parents=True, exist_ok=True)
            work_dir = folder.start(store.snapshot)
            if store.snapshot is not None:
                store.engine.backup(str(work_dir / DATABASE))
            database = Store(str(work_dir / DATABASE))
        except OSError as exc:
            folder.release()
            raise StoreError(f"cannot start writing to {store.path}: {exc}") from exc
        return cls(store, work_dir, database)

    def reader(self) -> CblodStore:
        """A read handle on this draft as written so far (its own writer's reads). Made anew
        each time and not kept: a kept handle would hold the database open past ``close``,
        which Oxigraph does only with its last handle."""
        return CblodStore.over_draft(self.store, self.work_dir, self.database)

    def fail(self) -> None:
        """Throw the draft away (the published snapshot is untouched) and let the lock go."""
        if self.gone:
            return
        self.gone = True
        self.close(flush=False)
        self.store.folder.discard(self.work_dir)
        self.store.folder.release()

    def close(self, *, flush: bool = True) -> None:
        """Done writing: flushed to disk (unless thrown away), and the database let go, so it
        is closed (Oxigraph closes a database with its last handle)."""
        if flush:
            self.database.flush()
        self.database = None  # type: ignore[assignment]  # nothing writes after close

    def publish(
        self,
        *,
        changes: dict[str, tuple[str, str]],
        sources: Iterable[str],
        derive: Derive | None = None,
        clock: Clock = now,
    ) -> Path:
        """Make this draft the published snapshot; the handle it was begun from follows.

        ``changes`` and ``sources`` go into the release record (``cblod.backends.releases``).
        ``derive`` makes what the release derives (its dumps, kept answers and indexes) from a
        read handle on the sealed snapshot, before the published pointer moves: no reader ever
        sees the release without them, and a failure (or ``kill -9``) leaves the previous
        release served, whole."""
        store = self.store
        try:
            releases.record(
                self.work_dir,
                database=self.database,
                previous=self.published,
                previous_number=int(store.snapshot.name[1:]) if store.snapshot else None,
                changes=changes,
                sources=sources,
                issued=clock(),
            )
            del changes  # recorded: one entry a changed subject, not held while deriving
            self.close()  # flushed and closed: a published snapshot is never written
            if derive is not None:
                derive(store.at_snapshot(self.work_dir))
            store.folder.publish(self.work_dir, keep=self._retained)
        except OSError as exc:
            self.fail()
            raise StoreError(f"could not publish {self.work_dir}: {exc}") from exc
        except BaseException:
            self.fail()  # whatever stopped the derived work: the previous release stays
            raise
        self.gone = True
        store.follow(self.work_dir)
        store.folder.release()
        return self.work_dir

    def _retained(self, published: list[Path]) -> set[Path]:
        """The snapshots the store's retention policy keeps; one published before releases
        were recorded counts as issued when its folder was last changed."""
        issued = {}
        for folder in published:
            found = releases.read(folder)
            issued[int(folder.name[1:])] = (
                found.issued if found else datetime.fromtimestamp(folder.stat().st_mtime, UTC)
            )
        kept = self.store.retention.keep(issued.items())
        return {folder for folder in published if int(folder.name[1:]) in kept}
