"""A release made ready in a server's memory while it is derived, before it is published.

A server follows releases as ingests publish them (``store_access.PublishedStore``). Whoever
asked first after a publish used to pay for opening the new snapshot and loading its facet and
reconciliation indexes: 30-150 ms at 3 000 projects, ten times that at 30 000, where the
second request took 3-10 ms. Yet those indexes are on disk seconds before the pointer moves:
an ingest derives them first, then its dumps and aggregates (``CblodStore.publish``).

So a server watches its store's folder (one directory listing every ``INTERVAL``), and when a
snapshot newer than the one it serves has an index written, opens it read-only, hands it to
``PublishedStore`` (which switches to it when the pointer names it), and loads each index as
soon as it is written into the same per-version caches requests read; an ingest writes the
smallest last (``cblod.derived.kept``), so little is left to load when the pointer moves. Nothing is served from a
release before it is published: this only moves loading ahead of the first request. A release
that is never published (its ingest failed) is dropped when a newer one appears.

On a SPARQL server backend (``cblod push``, then ``cblod serve --sparql-server``) there is no
local release to read: a web host derives each version it serves itself, with the code an
ingest derives a release with (``cblod.derived.release``: the facet and reconciliation
indexes, the statistics, the example answers, the plain lists' first views), once, into that
version's folder of its cache (``RemoteStore.data_dir``), in the background as soon as it sees
the version: a restarted host finds it there, and a request that needs an index while it is
being made waits for it rather than making its own (``building.wait_for``). Until it is made,
the summaries are computed as before, once per version.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from ..backends.published import Dataset
from ..backends.remote import RemoteStore
from ..backends.snapshots import published_snapshot
from ..backends.store import CblodStore
from ..derived.facets.index import FOLDER as FACETS
from ..derived.facets.spec import LISTS
from ..derived.matching.index import FILE as RECONCILIATION
from ..derived.release import keep_answers
from ..derived.search import ensure_index
from .store_access import Memos, PublishedStore

log = logging.getLogger(__name__)
#: seconds between two looks at the store's folder
INTERVAL = 0.1
#: seconds between two looks at a SPARQL server's published version (it is read at most
#: once a second anyway: ``RemoteStore``)
REMOTE_INTERVAL = 1.0
#: in a remote version's cache folder: everything it derives is made
DERIVED = "derived.done"


class Watcher:
    """A thread that looks every ``interval`` seconds (``look``), and what it made ready:
    ``prepared`` holds the folders (a snapshot's, or a version's cache folder) it is done with,
    and ``wait_for`` blocks until one is (tests, benchmarks). A look that fails is logged once
    for each new reason, and the next look tries again."""

    interval: float
    name: str

    def __init__(self) -> None:
        self.prepared: set[Path] = set()
        self.ready = threading.Condition()  # notified after each folder made ready
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name=self.name, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=60)

    def wait_for(self, folder: Path, timeout: float) -> bool:
        """Block until ``folder`` is made ready; False on timeout."""
        with self.ready:
            return self.ready.wait_for(lambda: folder in self.prepared, timeout)

    def done(self, folder: Path, keep: Callable[[Path], bool] = lambda _: True) -> None:
        """``folder`` is ready; of the others, those ``keep`` says are still of use stay."""
        with self.ready:
            self.prepared = {p for p in self.prepared if keep(p)} | {folder}
            self.ready.notify_all()

    def look(self) -> None:
        raise NotImplementedError

    def _watch(self) -> None:
        failed: str | None = None
        while not self._stop.is_set():
            try:
                self.look()
                failed = None
            except Exception as exc:  # a snapshot pruned meanwhile, a server unreachable
                if str(exc) != failed:
                    log.warning("%s could not look ahead", self.name, exc_info=True)
                failed = str(exc)
            self._stop.wait(self.interval)


class Preparer(Watcher):
    """Makes each new release of a local store ready (see the module's docstring)."""

    interval = INTERVAL
    name = "cblod-prepare"

    def __init__(self, published: PublishedStore, store: CblodStore, memos: Memos) -> None:
        self.published, self.memos = published, memos
        self.path = Path(store.path)
        self._opened: dict[Path, CblodStore] = {}  # the newest snapshot, opened
        self._loaded: dict[Path, set[str]] = {}  # of each snapshot, the indexes loaded
        super().__init__()

    def look(self) -> None:
        snapshots = sorted(p for p in self.path.glob("v[0-9]*") if p.is_dir())
        if not snapshots:
            return
        newest = snapshots[-1]
        published = published_snapshot(self.path)
        if newest in self.prepared or published is None or newest < published:
            return
        parts = [(name, newest / FACETS / f"{name}.json") for name in LISTS]
        parts.append((RECONCILIATION, newest / RECONCILIATION))
        written = [name for name, path in parts if path.exists()]
        if not written:
            return  # not sealed yet: its indexes come after
        if newest not in self._opened:  # one handle, offered before anything is loaded
            self._opened = {newest: CblodStore(self.path, must_exist=True, snapshot=newest)}
            if newest != published:
                self.published.offer(self._opened[newest])
        handle, loaded = self._opened[newest], self._loaded.setdefault(newest, set())
        for name in written:  # each as soon as it is written: the last is left for the end
            if name not in loaded:
                load_index(handle, name, self.memos)
                loaded.add(name)
        if len(loaded) < len(parts):
            return
        log.debug("prepared %s (published %s)", newest, published)
        self._loaded = {p: n for p, n in self._loaded.items() if p >= published}
        self.done(newest, keep=lambda p: p >= published)


def load_indexes(store: Dataset, memos: Memos) -> None:
    """The facet and reconciliation indexes of the version ``store`` reads, into the app's
    memos (filled as a request fills them)."""
    for name in (RECONCILIATION, *LISTS):
        load_index(store, name, memos)


def load_index(store: Dataset, name: str, memos: Memos) -> None:
    """One index (a list's, by name, or ``RECONCILIATION``) into the app's memos."""
    from .indexes import index_of
    from .reconcile import matcher_of

    if name == RECONCILIATION:
        matcher_of(store, memos.matchers)
    else:
        index_of(store, name, memos.indexes)


class RemotePreparer(Watcher):
    """Derives each version a SPARQL server publishes (see the module's docstring)."""

    interval = REMOTE_INTERVAL
    name = "cblod-derive"

    def __init__(self, store: RemoteStore, memos: Memos) -> None:
        self.store, self.memos = store, memos
        self.given_up: set[Path] = set()
        super().__init__()

    def look(self) -> None:
        fixed = self.store.pinned()  # one version throughout, whatever is pushed meanwhile
        folder = fixed.data_dir
        if folder in self.prepared or folder in self.given_up:
            return
        ensure_index(fixed)  # the search index first: what the version derives reads it
        if not (folder / DERIVED).exists():
            if not keep_answers(fixed):
                # the cache could not be written (or the folder went: a newer version):
                # requests compute as before; this version is not tried again
                log.warning("could not keep what %s derives in %s", fixed, folder)
                self.given_up.add(folder)
                return
            (folder / DERIVED).touch()
        load_indexes(fixed, self.memos)
        self.done(folder)
