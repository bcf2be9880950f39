"""The web application: an app factory and one blueprint per concern.

``create_app(store=...)`` is what tests and ``cblod serve`` use; configuration is passed in,
never read from globals deep inside.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from ..store import CblodStore


def create_app(store: CblodStore | str | Path, **config) -> Flask:
    """A Flask app serving ``store`` (opened read-only when given as a path)."""
    from . import home, sparql

    app = Flask(__name__)
    app.config.update(config)
    app.extensions["cblod_store"] = (
        store if isinstance(store, CblodStore) else CblodStore(store, read_only=True)
    )
    app.register_blueprint(home.blueprint)
    app.register_blueprint(sparql.blueprint)
    return app


def serve(store_dir: str | Path, *, host: str = "127.0.0.1", port: int = 5000) -> None:
    """Run the app with Werkzeug's threaded server (queries release the GIL)."""
    app = create_app(store_dir)
    app.run(host=host, port=port, threaded=True, use_reloader=False)
