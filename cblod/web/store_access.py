"""How a request reaches the store and the query workers the app was created with."""

from __future__ import annotations

from flask import current_app

from ..query.workers import QueryPool
from ..store import CblodStore


def current_store() -> CblodStore:
    return current_app.extensions["cblod_store"]


def current_pool() -> QueryPool:
    return current_app.extensions["cblod_pool"]
