"""How a request reaches the store the app was created with."""

from __future__ import annotations

from flask import current_app

from ..store import CblodStore


def current_store() -> CblodStore:
    return current_app.extensions["cblod_store"]
