"""A release made ready in a server's memory while it is derived, before it is published.

A server follows releases as ingests publish them (``store_access.PublishedStore``). Whoever
asked first after a publish used to pay for opening the new snapshot and loading its facet and
reconciliation indexes: 30-150 ms at 3 000 projects, ten times that at 30 000, where the
second request took 3-10 ms. Yet those indexes are on disk seconds before the pointer moves:
an ingest derives them first, then its dumps and aggregates (``CblodStore.publish``).

So a server watches its store's folder (one directory listing every ``INTERVAL``), and when a
snapshot newer than the one it serves has its indexes, opens it read-only and loads them into
the same per-version caches requests read, and hands the opened snapshot to
``PublishedStore``, which switches to it when the pointer names it. Nothing is served from a
release before it is published: this only moves loading ahead of the first request. A release
that is never published (its ingest failed) is dropped when a newer one appears.

On a SPARQL server backend (``cblod push``, then ``cblod serve --sparql-server``) there is no
local release to read: a web host derives each version it serves itself, with the code an
ingest derives a release with (``cblod.kept.keep_answers``: the facet and reconciliation
indexes, the statistics, the example answers, the plain lists' first views), once, into that
version's folder of its cache (``RemoteStore.data_dir``), in the background as soon as it sees
the version: a restarted host finds it there, and a request that needs an index while it is
being made waits for it rather than making its own (``building.wait_for``). Until it is made,
the summaries are computed as before, once per version.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from ..facets.index import FOLDER as FACETS
from ..facets.spec import LISTS
from ..kept import keep_answers
from ..published import Dataset
from ..reconcile.index import FILE as RECONCILIATION
from ..remote import RemoteStore
from ..snapshots import published_snapshot
from ..store import CblodStore
from .store_access import PublishedStore

log = logging.getLogger(__name__)
#: seconds between two looks at the store's folder
INTERVAL = 0.1
#: seconds between two looks at a SPARQL server's published version (it is read at most
#: once a second anyway: ``RemoteStore``)
REMOTE_INTERVAL = 1.0
#: in a remote version's cache folder: everything it derives is made
DERIVED = "derived.done"


def ready(snapshot: Path) -> bool:
    """Whether ``snapshot``'s indexes are written (each file appears whole, by rename)."""
    return (snapshot / RECONCILIATION).exists() and all(
        (snapshot / FACETS / f"{name}.json").exists() for name in LISTS
    )


class Preparer:
    """The thread that makes each new release ready (see the module's docstring)."""

    def __init__(self, published: PublishedStore, store: CblodStore) -> None:
        self.published = published
        self.path = Path(store.path)
        self.prepared: set[Path] = set()
        self.ready = threading.Condition()  # notified after each release made ready
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="cblod-prepare", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def wait_for(self, snapshot: Path, timeout: float) -> bool:
        """Block until ``snapshot`` is made ready (tests, benchmarks); False on timeout."""
        with self.ready:
            return self.ready.wait_for(lambda: snapshot in self.prepared, timeout)

    def _watch(self) -> None:
        while not self._stop.wait(INTERVAL):
            try:
                self._prepare_newest()
            except Exception:  # a snapshot pruned or damaged meanwhile: the next look retries
                log.debug("could not prepare a release ahead", exc_info=True)

    def _prepare_newest(self) -> None:
        snapshots = sorted(p for p in self.path.glob("v[0-9]*") if p.is_dir())
        if not snapshots:
            return
        newest = snapshots[-1]
        published = published_snapshot(self.path)
        if newest in self.prepared or published is None or newest < published:
            return
        if not ready(newest):
            return
        handle = CblodStore(self.path, read_only=True, snapshot=newest)
        load_indexes(handle)
        log.debug("prepared %s (published %s)", newest, published)
        if newest != published:
            self.published.offer(handle)
        with self.ready:
            self.prepared = {p for p in self.prepared if p >= published} | {newest}
            self.ready.notify_all()


def load_indexes(store: Dataset) -> None:
    """The facet and reconciliation indexes of the version ``store`` reads, into the web
    tier's caches (filled as a request fills them)."""
    from .faceted import index_of
    from .reconcile import matcher_of

    for name in LISTS:
        index_of(store, name)
    matcher_of(store)


class RemotePreparer:
    """The thread that derives each version a SPARQL server publishes (module docstring)."""

    def __init__(self, store: RemoteStore) -> None:
        self.store = store
        self.prepared: set[Path] = set()
        self.ready = threading.Condition()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="cblod-derive", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=60)

    def wait_for(self, folder: Path, timeout: float) -> bool:
        """Block until the version cached in ``folder`` is derived; False on timeout."""
        with self.ready:
            return self.ready.wait_for(lambda: folder in self.prepared, timeout)

    def _watch(self) -> None:
        while True:
            try:
                self._prepare_current()
            except Exception:  # the server unreachable, a version replaced meanwhile: retry
                log.warning("could not derive the served version ahead", exc_info=True)
            if self._stop.wait(REMOTE_INTERVAL):
                return

    def _prepare_current(self) -> None:
        fixed = self.store.pinned()  # one version throughout, whatever is pushed meanwhile
        folder = fixed.data_dir  # its search index built there on first use
        if folder in self.prepared:
            return
        if not (folder / DERIVED).exists():
            if not keep_answers(fixed):
                return  # its folder went (a newer version): the next look takes that one
            (folder / DERIVED).touch()
        load_indexes(fixed)
        with self.ready:
            self.prepared.add(folder)
            self.ready.notify_all()
