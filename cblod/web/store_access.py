"""How a request reaches the store and the query workers the app was created with."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any, TypeVar

from flask import current_app, g

from ..backends.published import Dataset
from ..backends.snapshots import published_snapshot
from ..backends.store import CblodStore
from ..query.running import QueryRunner


class PublishedStore:
    """The store a server reads: always the published snapshot, followed as ingests publish.

    Each request asks which snapshot is published (one small file read) and reopens when it
    changed, so a re-ingest reaches clients without a restart. A request keeps the snapshot it
    started with to its end (the old one stays on disk for a while: ``releases.Retention``), so no
    answer mixes two versions. A handle that is itself writing (tests) is served as it is. A
    snapshot opened ahead (``prepare.Preparer``, with its indexes loaded) is taken when the
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
_memo_lock = threading.Lock()


def memoized(key: tuple[Hashable, ...], compute: Callable[[], T]) -> T:
    """``compute()`` once per key and dataset version: summaries the store can answer once.

    Keyed on the dataset version, so a newly published snapshot gets fresh summaries; those
    of versions before the last two are dropped (a server running for months publishes many).
    """
    cache: dict[tuple[Hashable, ...], Any] = current_app.extensions.setdefault("cblod_memo", {})
    version = current_store().version
    full_key = (version, *key)
    if full_key not in cache:
        value = compute()
        with _memo_lock:  # requests run in threads: no one iterates while another inserts
            versions = list(dict.fromkeys(k[0] for k in cache))
            if version not in versions:
                for old in versions[:-1]:  # keep the one before, for requests still reading it
                    for stale in [k for k in cache if k[0] == old]:
                        cache.pop(stale, None)
            cache[full_key] = value
        return value
    return cache[full_key]
