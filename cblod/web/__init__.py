"""The web application: an app factory and one blueprint per concern.

``create_app(store=...)`` is what tests and ``cblod serve`` use; configuration is passed in,
never read from globals deep inside. Settings (``create_app(store, SPARQL_TIMEOUT=10)``):

* ``SPARQL_TIMEOUT`` seconds a query may run before it is stopped (default 30);
* ``SPARQL_WORKERS`` query worker processes (default 2: one busy client does not block others);
* ``SPARQL_MAX_ROWS`` rows (or triples) in one answer (default 100000);
* ``SPARQL_MAX_QUERY_BYTES`` size of a query (default 65536; larger is 413);
* ``SPARQL_SERVICE_ALLOW`` endpoint IRIs a ``SERVICE`` clause may call (default none);
* ``SPARQL_CACHE_BYTES`` answers kept for repeated queries, per dataset version (64 MiB);
* ``PAGE_CACHE_BYTES`` resource documents kept for repeated requests, per version (32 MiB);
* ``PAGES_AHEAD`` make every resource's HTML page of each version served before it is asked
  for, in a process of its own (``cblod.web.ahead``; default off);
* ``SPARQL_MAX_AGE`` seconds clients may cache an answer (default 300; ETags revalidate);
* ``TRUST_PROXY`` honour ``X-Forwarded-Proto/Host/Prefix`` from one reverse proxy (default off);
* ``PUBLISHER_NAME``, ``PUBLISHER_TYPE`` (an ADMS publisher type, default
  ``NonProfitOrganisation``), ``PUBLISHER_IRI`` (the publisher's own IRI, e.g. from the EU
  corporate-bodies table; default a node of the catalogue), ``DATA_LICENSE`` and
  ``DATA_LICENSE_TYPE`` (an ADMS licence type, default ``Attribution``) for the DCAT-AP
  catalogue;
* ``DUMPS_DIR`` where dump files are built (default ``{store}/dumps``);
* ``MAP_TILES`` a tile server's URL template for the map (``/map``), ``MAP_ATTRIBUTION`` its
  credit (default none: the map draws the country outlines shipped with cblod, offline).
"""

from __future__ import annotations

import atexit
from pathlib import Path
from typing import Any

from flask import Flask

from ..backends.published import Dataset
from ..backends.remote import RemoteStore
from ..backends.store import CblodStore
from ..lru import OneAtATime, SizedCache
from ..query.cache import AnswerCache
from .prepare import Preparer, RemotePreparer
from .store_access import Memos, PublishedStore

DEFAULTS = {
    "SPARQL_TIMEOUT": 30.0,
    "SPARQL_WORKERS": 2,
    "SPARQL_MAX_ROWS": 100_000,
    "SPARQL_MAX_QUERY_BYTES": 65_536,
    "SPARQL_SERVICE_ALLOW": (),
    "SPARQL_MAX_AGE": 300,
    "SPARQL_CACHE_BYTES": 64 * 1024 * 1024,
    "PAGE_CACHE_BYTES": 32 * 1024 * 1024,
    "PAGES_AHEAD": False,
    # participations an organisation's page lists (the latest); the rest are in the list
    "ORGANISATION_PROJECTS_SHOWN": 100,
    "TRUST_PROXY": False,
    "PUBLISHER_NAME": "cblod",
    "PUBLISHER_TYPE": "NonProfitOrganisation",
    "PUBLISHER_IRI": None,
    "DATA_LICENSE": "http://publications.europa.eu/resource/authority/licence/CC_BY_4_0",
    "DATA_LICENSE_TYPE": "Attribution",
    "DUMPS_DIR": None,
    # a tile server for the map (a URL template such as https://{s}.tile.example/{z}/{x}/{y}.png)
    # and its attribution: none by default, the map then draws the outlines shipped with cblod
    "MAP_TILES": None,
    "MAP_ATTRIBUTION": None,
}


def create_app(store: Dataset | str | Path, **config: Any) -> Flask:
    """A Flask app serving ``store`` (opened read-only when given as a path)."""
    from werkzeug.middleware.proxy_fix import ProxyFix

    from . import (
        ahead,
        compression,
        dataset,
        dumps,
        editor,
        errors,
        faceted,
        formatting,
        fragments,
        home,
        language,
        ldes,
        lists,
        maps,
        memento,
        ontology,
        reconcile,
        releases,
        resources,
        search,
        security,
        sparql,
    )

    app = Flask(__name__)
    app.config.update(DEFAULTS)
    app.config.update(config)
    app.config["MAX_CONTENT_LENGTH"] = app.config["SPARQL_MAX_QUERY_BYTES"] * 4
    opened = CblodStore(store, must_exist=True) if isinstance(store, str | Path) else store
    app.extensions["cblod_store"] = PublishedStore(opened)
    app.extensions["cblod_memos"] = Memos()
    pool = opened.query_runner(
        workers=app.config["SPARQL_WORKERS"], timeout=app.config["SPARQL_TIMEOUT"]
    )
    app.extensions["cblod_pool"] = pool
    app.extensions["cblod_answers"] = AnswerCache(app.config["SPARQL_CACHE_BYTES"])
    app.extensions["cblod_pages"] = SizedCache[bytes](app.config["PAGE_CACHE_BYTES"], len)
    app.extensions["cblod_rendering"] = OneAtATime(timeout=app.config["SPARQL_TIMEOUT"] * 2)
    atexit.register(pool.close)
    ahead.register(app)
    preparer: Preparer | RemotePreparer | None = None
    if isinstance(opened, CblodStore):
        preparer = Preparer(app.extensions["cblod_store"], opened, app.extensions["cblod_memos"])
    elif isinstance(opened, RemoteStore):
        preparer = RemotePreparer(opened, app.extensions["cblod_memos"])
    if preparer is not None:
        app.extensions["cblod_prepare"] = preparer
        atexit.register(preparer.close)
    if maker := app.extensions.get("cblod_ahead"):
        atexit.register(maker.close)
    errors.register(app)
    security.register(app)
    compression.register(app)
    formatting.register(app)
    language.register(app)
    for module in (
        home, sparql, releases, memento, ldes, resources, lists, faceted, search, dumps,
        dataset, ontology, editor, reconcile, maps, fragments,
    ):  # fmt: skip
        app.register_blueprint(module.blueprint)
    if app.config["TRUST_PROXY"]:
        # Flask's documented way to add WSGI middleware
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_proto=1, x_host=1, x_prefix=1
        )
    return app


def serve(
    store_dir: str | Path | Dataset,
    *,
    host: str = "127.0.0.1",
    port: int = 5000,
    **config: Any,
) -> None:
    """Serve with waitress: HTTP/1.1 keep-alive and a fixed thread pool.

    Werkzeug's development server costs ~9 ms a request (HTTP/1.0, a thread per request),
    several times the query itself; waitress brings a lookup to ~2 ms over HTTP. The heavy
    work runs in the query worker processes either way.
    """
    import waitress

    app = create_app(store_dir, **config)
    for template in app.jinja_env.list_templates():  # compiled now: not by a first visitor
        app.jinja_env.get_template(template)
    print(f"cblod serving {store_dir} at http://{host}:{port}/ (SPARQL at /sparql)", flush=True)
    try:
        waitress.serve(app, host=host, port=port, threads=8, ident="cblod", _quiet=True)
    finally:
        app.extensions["cblod_pool"].close()
