"""Oxigraph, in published snapshots: one named graph per source and the consolidated default graph.

A store is a folder of snapshots (``cblod.backends.snapshots``), each a complete Oxigraph database with
its search index. An ingest starts from a copy of the published snapshot (``Store.backup``:
hard links, so it costs little whatever the size), writes its sources there with no
transaction in the way (``cblod.ingest.writer``), and publishes the snapshot whole.
Readers (the server, its query workers, ``cblod dump``) open published snapshots read-only,
which Oxigraph supports for a database no process writes; they see the old dataset or the new
one, never a mix. ``tests/test_crash.py`` kills real ingests mid-write to check it.

Inside a snapshot, graphs whose IRI starts with ``urn:cblod:internal:`` are cblod's bookkeeping
(identity keys, store metadata) and are not data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from pyoxigraph import DefaultGraph, Literal, NamedNode, Quad, Store

from ..core.errors import StoreError
from ..core.rdfterms import Engine, lexical
from ..core.vocab import CBO
from ..ingest.identity import Identity
from ..ingest.writer import SnapshotWriter
from . import releases
from .published import (
    DATASET,
    IDENTITY,
    IDENTITY_KEY,
    META,
    PublishedReads,
)
from .releases import Retention
from .snapshots import POINTER, SnapshotFolder, published_snapshot

if TYPE_CHECKING:
    from ..query.workers import QueryRunner

DATABASE = "oxigraph"


class CblodStore(PublishedReads):
    """A cblod dataset: its published snapshot, and (when writing) the next one being built.

    ``CblodStore(path, read_only=True)`` reads the published snapshot. A writable handle reads
    the same until its first write, which takes the store's write lock and starts the next
    snapshot; ``publish()`` makes that snapshot the one everybody reads, ``discard()`` drops it.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        read_only: bool = False,
        retention: Retention | None = None,
        snapshot: Path | None = None,
    ) -> None:
        # absolute: Flask's send_file and worker processes resolve relative paths elsewhere
        self.path = Path(path).absolute()
        self.read_only = read_only
        #: which releases (published snapshots) stay on disk after a publish
        self.retention = retention or Retention()
        self._forget()
        self.folder = SnapshotFolder(self.path)
        #: subjects whose published statements the last snapshot this handle published
        #: changed (what ``cblod.derived.search`` updated its index for)
        self.published_changes: set[str] = set()
        if (self.path / "CURRENT").exists() and not (self.path / POINTER).exists():
            raise StoreError(
                f"{self.path} is a bare Oxigraph database (or a store from an older cblod); "
                "ingest into a new folder"
            )
        if not read_only:
            try:
                self.path.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot create store {self.path}: {exc}") from exc
        self.snapshot = published_snapshot(self.path) if snapshot is None else snapshot
        if self.snapshot is None:
            if read_only:
                raise StoreError(f"no store at {self.path} (run `cblod ingest` first)")
            self._published = Store()  # nothing published yet: reads see an empty dataset
        else:
            self._published = self._open_read_only(self.snapshot)

    def _forget(self) -> None:
        """No snapshot being written, nothing read from the store kept yet."""
        self._writer: SnapshotWriter | None = None
        self._base_uri: str | None = None

    @staticmethod
    def _open_read_only(snapshot: Path) -> Store:
        try:
            return Store.read_only(str(snapshot / DATABASE))
        except OSError as exc:
            raise StoreError(f"cannot open snapshot {snapshot}: {exc}") from exc

    @property
    def writer(self) -> SnapshotWriter | None:
        """The writer of the snapshot being written, if one is (``begin()`` makes it)."""
        if self._writer is not None and self._writer.gone:
            self._forget()  # a failed write threw it away
        return self._writer

    @property
    def store(self) -> Engine:
        """The database reads go to: the snapshot being written, else the published one."""
        return self.writer.database if self.writer is not None else self._published

    @property
    def writing(self) -> bool:
        """True between the first write and ``publish()`` (or ``discard()``)."""
        return self.writer is not None

    @property
    def database_path(self) -> Path | None:
        """The Oxigraph folder reads go to (what query worker processes open)."""
        folder = self.data_dir
        return folder / DATABASE if folder is not None else None

    @property
    def data_dir(self) -> Path | None:
        """The folder of the snapshot reads go to (where its search index lives)."""
        return self.writer.work_dir if self.writer is not None else self.snapshot

    # -- writing: one snapshot at a time ---------------------------------------------------

    def begin(self) -> SnapshotWriter:
        """The writer of the next snapshot, started from a copy of the published one if
        needed (hard links: cheap whatever the size)."""
        if self.read_only:
            raise StoreError("store is open read-only")
        if self.writer is not None:
            return self.writer
        try:
            work_dir = self.folder.start(self.snapshot)
            if self.snapshot is not None:
                self._published.backup(str(work_dir / DATABASE))
            database = Store(str(work_dir / DATABASE))
        except OSError as exc:
            self.folder.release()
            raise StoreError(f"cannot start writing to {self.path}: {exc}") from exc
        self._writer = SnapshotWriter(database, self._published, self.folder, work_dir)
        return self._writer

    def publish(self, *, derive: Callable[[CblodStore], None] | None = None) -> bool:
        """Make the snapshot being written the published one; False when nothing was written.

        ``derive`` makes what the release derives (its dumps, kept answers and indexes) from a
        read-only handle on the sealed snapshot, before the published pointer moves: no reader
        ever sees the release without them, and a failure (or ``kill -9``) leaves the previous
        release served, whole."""
        writer = self.writer
        if writer is None:
            return False
        try:
            releases.record(
                writer.work_dir,
                database=writer.database,
                previous=self._published,
                previous_number=int(self.snapshot.name[1:]) if self.snapshot else None,
                changes={
                    iri: (noted.change, noted.kind)
                    for iri, noted in writer.release_changes.items()
                    if noted.change is not None
                },
                sources=writer.sources_written,
            )
            writer.close()  # flushed and closed: a published snapshot is never written
            if derive is not None:
                derive(self.at_snapshot(writer.work_dir))
            self.folder.publish(writer.work_dir, keep=self._retained)
        except OSError as exc:
            writer.fail()
            raise StoreError(f"could not publish {writer.work_dir}: {exc}") from exc
        except BaseException:
            writer.fail()  # whatever stopped the derived work: the previous release stays
            raise
        self._writer = None
        self.snapshot = writer.work_dir
        self.published_changes = writer.changed_subjects
        self._published = self._open_read_only(writer.work_dir)
        self.folder.release()
        return True

    def _retained(self, published: list[Path]) -> set[Path]:
        """The snapshots the retention policy keeps; one published before releases were
        recorded counts as issued when its folder was last changed."""
        issued = {}
        for folder in published:
            found = releases.read(folder)
            issued[int(folder.name[1:])] = (
                found.issued if found else datetime.fromtimestamp(folder.stat().st_mtime, UTC)
            )
        kept = self.retention.keep(issued.items())
        return {folder for folder in published if int(folder.name[1:]) in kept}

    def discard(self) -> None:
        """Drop the snapshot being written; the published one is untouched."""
        if self._writer is not None:
            self._writer.fail()
        self._forget()
        self.folder.release()

    # -- metadata ------------------------------------------------------------------------

    def set_base_uri(self, base_uri: str) -> None:
        current = self.base_uri
        if current and current != base_uri:
            raise StoreError(
                f"the store's data is published under {current}; a different base URI "
                f"({base_uri}) would change every URI. Use a new store for a new base."
            )
        if not current:
            self.begin().database.add(Quad(DATASET, CBO.baseURI, Literal(base_uri), META))
            self._base_uri = base_uri

    def identity(self, base_uri: str) -> Identity:
        """An ``Identity`` loaded with every key this store has registered."""
        registered = {
            lexical(q.object): lexical(q.subject)
            for q in self.store.quads_for_pattern(None, IDENTITY_KEY, None, IDENTITY)
        }
        return Identity(base_uri, registered)

    # -- following the published snapshot, answering the endpoint -------------------------

    def latest(self) -> CblodStore:
        """This handle while it writes or reads the published snapshot, else a new read-only
        handle on the snapshot published since (a server follows ingests this way)."""
        if self.writing:
            return self
        published = published_snapshot(self.path)
        if published is None or published == self.snapshot:
            return self
        return CblodStore(self.path, read_only=True)

    def subjects_under(self, prefix: str) -> Iterator[NamedNode]:
        """By reading the published graph in subject order: seconds where sorting its
        subjects in SPARQL, a page at a time, took minutes at 30 000 projects."""
        previous = None
        for quad in self.quads(None, None, None, DefaultGraph()):
            subject = quad.subject
            if subject == previous:
                continue
            previous = subject
            if isinstance(subject, NamedNode) and subject.value.startswith(prefix):
                yield subject

    def opener(self) -> Callable[[], CblodStore]:
        """A read-only handle on the snapshot this one reads, opened in another process."""
        return partial(CblodStore, self.path, read_only=True, snapshot=self.snapshot)

    def release_folders(self) -> list[Path]:
        return self.folder.snapshots()

    def at_snapshot(self, folder: Path) -> CblodStore:
        """A read-only handle on one published snapshot of this store (a retained release)."""
        return CblodStore(self.path, read_only=True, snapshot=folder)

    def earlier_snapshot(self, version: str) -> Store | None:
        """A snapshot published before this one and still on disk whose dataset version is
        ``version``, opened read-only (a push sends only what changed since); None once pruned.
        """
        if self.snapshot is None:
            return None
        current = int(self.snapshot.name[1:])
        for folder in reversed(self.folder.snapshots()):
            if int(folder.name[1:]) >= current:
                continue  # this one, or one an ingest is writing now
            try:
                store = self._open_read_only(folder)
            except StoreError:
                continue
            for quad in store.quads_for_pattern(DATASET, CBO.version, None, META):
                if lexical(quad.object) == version:
                    return store
        return None

    def query_runner(self, *, workers: int, timeout: float) -> QueryRunner:
        """Killable worker processes, each reading the published snapshot."""
        from ..query.workers import QueryPool

        return QueryPool(size=workers, timeout=timeout)
