"""How a request reaches the store and the query workers the app was created with."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
from flask import current_app, g

from ..backends.published import Dataset
from ..backends.snapshots import published_snapshot
from ..backends.store import CblodStore
from ..derived.facets.index import ListIndex
from ..derived.matching.match import Matcher
from ..lru import VersionedCache
from ..query.running import QueryRunner
from ..read.describe import AboutKnown, about_known


class PublishedStore:
    """The store a server reads: always the published snapshot, followed as ingests publish.

    Each request asks which snapshot is published (one small file read) and reopens when it
    changed, so a re-ingest reaches clients without a restart. A request keeps the snapshot it
    started with to its end (the old one stays on disk for a while: ``releases.Retention``), so no
    answer mixes two versions. A snapshot opened ahead (``prepare.Preparer``, with its indexes loaded) is taken when the
    pointer names it, rather than opened again.
    """

    def __init__(self, store: Dataset) -> None:
        self._store = store
        self._lock = threading.Lock()
        #: snapshots opened ahead of their publish (``prepare.Preparer``), by folder
        self._offered: dict[Path, Dataset] = {}

    def offer(self, snapshot: Dataset) -> None:
        """A snapshot opened (and its indexes loaded) before it is published: taken instead
        of opening it again when the pointer names it."""
        if snapshot.data_dir is not None:
            with self._lock:
                self._offered[snapshot.data_dir] = snapshot

    def current(self) -> Dataset:
        store = self._store
        latest = self._offered_now(store) or store.latest()
        if latest is not store:
            with self._lock:
                if self._store is store:
                    self._store = latest
                store = self._store
        return store

    def _offered_now(self, store: Dataset) -> Dataset | None:
        """The offered snapshot the store's pointer names now, if it is not ``store``'s."""
        if not self._offered or not isinstance(store, CblodStore):
            return None
        published = published_snapshot(store.path)
        if published is None or published == store.data_dir:
            return None
        with self._lock:
            found = self._offered.get(published)
            for older in [f for f in self._offered if f <= published]:
                del self._offered[older]
        return found


def current_store() -> Dataset:
    """The snapshot this request reads: chosen at its first use, kept to its end."""
    if "cblod_store" not in g:
        g.cblod_store = current_app.extensions["cblod_store"].current()
    return g.cblod_store


def current_pool() -> QueryRunner:
    return current_app.extensions["cblod_pool"]


T = TypeVar("T")

#: dataset versions whose derived values stay in memory (a request keeps its snapshot to its
#: end, so the one before the newest stays)
KEPT_VERSIONS = 2
#: sort orders kept (one per list, sort and reader's languages; 1 MB each at 120 000 items)
MAX_ORDERS = 32


@dataclass
class Memos:
    """Everything the app derives once per dataset version and keeps in memory, each a
    ``VersionedCache`` held by the app (``create_app``), never a module global: two apps in
    one process (the tests run many) keep their own."""

    #: summaries the store answers once per version (``memoized``)
    summaries: VersionedCache[Any] = field(
        default_factory=lambda: VersionedCache(versions=KEPT_VERSIONS)
    )
    #: each list's facet index, by list name
    indexes: VersionedCache[ListIndex] = field(
        default_factory=lambda: VersionedCache(versions=KEPT_VERSIONS)
    )
    #: each list's item order, by list, sort and languages
    orders: VersionedCache[npt.NDArray[np.int64]] = field(
        default_factory=lambda: VersionedCache(versions=KEPT_VERSIONS, most=MAX_ORDERS)
    )
    #: the reconciliation index
    matchers: VersionedCache[Matcher] = field(
        default_factory=lambda: VersionedCache(versions=KEPT_VERSIONS)
    )
    #: the names and types of nodes pages have shown (``cblod.read.describe``), by version
    about: AboutKnown = field(default_factory=about_known)


def memos() -> Memos:
    return current_app.extensions["cblod_memos"]


def memoized(key: tuple[Hashable, ...], compute: Callable[[], T]) -> T:
    """``compute()`` once per key and dataset version: summaries the store can answer once
    (a newly published snapshot gets fresh ones; older versions' go)."""
    found: T = memos().summaries.get(current_store().version, key, compute)
    return found
