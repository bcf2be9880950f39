"""How a request reaches the store and the query workers the app was created with."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import current_app

from ..query.workers import QueryPool
from ..store import CblodStore


def current_store() -> CblodStore:
    return current_app.extensions["cblod_store"]


def current_pool() -> QueryPool:
    return current_app.extensions["cblod_pool"]


T = TypeVar("T")


def memoized(key: tuple, compute: Callable[[], T]) -> T:
    """``compute()`` once per key and dataset version: summaries the store can answer once.

    The app serves a read-only snapshot, so the version cannot change under it; keying on it
    keeps this correct if a later version reopens stores.
    """
    cache: dict = current_app.extensions.setdefault("cblod_memo", {})
    full_key = (current_store().version, *key)
    if full_key not in cache:
        cache[full_key] = compute()
    return cache[full_key]
