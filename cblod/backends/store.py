"""Oxigraph, in published snapshots: one named graph per source and the consolidated default graph.

A store is a folder of snapshots (``cblod.backends.snapshots``), each a complete Oxigraph database with
its search index. An ingest starts from a copy of the published snapshot (``Store.backup``:
hard links, so it costs little whatever the size: ``cblod.backends.draft``), writes its
sources there with no transaction in the way (``cblod.ingest.writer``), and publishes the
snapshot whole. ``CblodStore`` is the read handle; it never writes.
Readers (the server, its query workers, ``cblod dump``) open published snapshots read-only,
which Oxigraph supports for a database no process writes; they see the old dataset or the new
one, never a mix. ``tests/test_crash.py`` kills real ingests mid-write to check it.

Inside a snapshot, graphs whose IRI starts with ``urn:cblod:internal:`` are cblod's bookkeeping
(identity keys, store metadata) and are not data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from pyoxigraph import DefaultGraph, NamedNode, Store

from ..core.errors import StoreError
from ..core.graphs import DATASET, META
from ..core.rdfterms import lexical
from ..core.vocab import CBO
from .reads import PublishedReads
from .releases import Retention
from .snapshots import POINTER, SnapshotFolder, published_snapshot

if TYPE_CHECKING:
    from ..query.running import QueryRequest, QueryResponse, QueryRunner

DATABASE = "oxigraph"


class SnapshotReleases:
    """The embedded store's releases: its published snapshots still on disk."""

    def __init__(self, store: CblodStore) -> None:
        self._store = store

    @property
    def current(self) -> Path | None:
        return self._store.snapshot

    def folders(self) -> list[Path]:
        return self._store.folder.snapshots()

    def at(self, folder: Path) -> CblodStore:
        return self._store.at_snapshot(folder)


class CblodStore(PublishedReads):
    """A read handle on a cblod dataset: its published snapshot (or, for the writer's own
    reads, a draft: ``over_draft``). It never writes; ``cblod.backends.draft`` does.

    ``CblodStore(path)`` reads what is published there, an empty dataset while nothing is;
    ``must_exist=True`` makes a missing store an error (every command that only reads).
    ``snapshot`` pins one published snapshot (a retained release) instead of the latest.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        must_exist: bool = False,
        retention: Retention | None = None,
        snapshot: Path | None = None,
        engine: Store | None = None,
    ) -> None:
        # absolute: Flask's send_file and worker processes resolve relative paths elsewhere
        self.path = Path(path).absolute()
        #: which releases (published snapshots) stay on disk after a publish
        self.retention = retention or Retention()
        self._base_uri: str | None = None
        self.folder = SnapshotFolder(self.path)
        if (self.path / "CURRENT").exists() and not (self.path / POINTER).exists():
            raise StoreError(
                f"{self.path} is a bare Oxigraph database (or a store from an older cblod); "
                "ingest into a new folder"
            )
        self.snapshot = published_snapshot(self.path) if snapshot is None else snapshot
        if engine is not None:  # a draft's database, open for its writer (``over_draft``)
            self._published = engine
        elif self.snapshot is None:
            if must_exist:
                raise StoreError(f"no store at {self.path} (run `cblod ingest` first)")
            self._published = Store()  # nothing published yet: reads see an empty dataset
        else:
            self._published = self._open_read_only(self.snapshot)

    @classmethod
    def over_draft(cls, store: CblodStore, work_dir: Path, database: Store) -> CblodStore:
        """A handle reading a draft's database as its writer wrote it so far (what the writer
        itself reads, and what the search index of the next release is built from)."""
        return cls(store.path, retention=store.retention, snapshot=work_dir, engine=database)

    @staticmethod
    def _open_read_only(snapshot: Path) -> Store:
        try:
            return Store.read_only(str(snapshot / DATABASE))
        except OSError as exc:
            raise StoreError(f"cannot open snapshot {snapshot}: {exc}") from exc

    @property
    def engine(self) -> Store:
        """The Oxigraph database of the snapshot this handle reads (what ``Draft`` copies, and
        puts a failed source's graph back from)."""
        return self._published

    def follow(self, snapshot: Path) -> None:
        """Read ``snapshot`` from now on (a draft this handle began was just published)."""
        self.snapshot = snapshot
        self._base_uri = None
        self._published = self._open_read_only(snapshot)

    @property
    def database_path(self) -> Path | None:
        """The Oxigraph folder reads go to (what query worker processes open)."""
        folder = self.data_dir
        return folder / DATABASE if folder is not None else None

    @property
    def data_dir(self) -> Path | None:
        """The folder of the snapshot reads go to (where its search index lives)."""
        return self.snapshot

    # -- following the published snapshot, answering the endpoint -------------------------

    def latest(self) -> CblodStore:
        """This handle while it reads the published snapshot, else a new handle on the
        snapshot published since (a server follows ingests this way)."""
        published = published_snapshot(self.path)
        if published is None or published == self.snapshot:
            return self
        return CblodStore(self.path, must_exist=True)

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
        return partial(CblodStore, self.path, must_exist=True, snapshot=self.snapshot)

    @property
    def releases(self) -> SnapshotReleases:
        """Every publish is a release, kept on disk as the retention policy says."""
        return SnapshotReleases(self)

    def at_snapshot(self, folder: Path) -> CblodStore:
        """A read-only handle on one published snapshot of this store (a retained release)."""
        return CblodStore(self.path, must_exist=True, snapshot=folder)

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
        from .workers import QueryPool

        return QueryPool(size=workers, timeout=timeout)

    def answer(self, request: QueryRequest, runner: QueryRunner) -> QueryResponse:
        """Run in a worker process on this handle's snapshot (its Oxigraph folder named)."""
        return runner.run(request, target=str(self.database_path or ""))
