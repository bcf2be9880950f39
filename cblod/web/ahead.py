"""Pages made ahead: every resource's HTML page of a dataset version, made before it is asked for.

A first view costs describing the resource, the queries of its tables and the template
(3-4 ms in process, 10-35 ms on a SPARQL server), where the engine's own ``DESCRIBE`` is one
lookup (about 1 ms): benchmarks/README.md. With ``PAGES_AHEAD`` on (``cblod serve
--pages-ahead``), a separate process asks the application itself for the page of every
resource the version publishes, as a reader without language preferences would, and keeps
each in an SQLite file in the version's own folder (``Dataset.data_dir``). A request for that
same page (HTML, the default language, first page of links, served at the root the pages
were made for) is then answered from the file; any other is rendered as before. Pages are
readable as they are made (committed every ``BATCH``), a version's file goes with its
folder, and an interrupted build resumes where it stopped.

The cost is the rendering moved ahead: every page of every version, in a process of its own
(~17 000 pages at 3 000 projects), which is why it is an option.
"""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
import threading
import zlib
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

    from ..backends.published import Dataset

PAGES_FILE = "pages-ahead.sqlite3"
#: written when every page of the version is in the file
DONE_FILE = "pages-ahead.done"
#: pages committed at once: readers see them as they are made
BATCH = 200
#: the request a page is made for: no language preference (names in English), first page
#: of inbound links, no release, the application at the root of its host
VARIANT = "html-en"

_CONTEXT = multiprocessing.get_context("spawn")
_local = threading.local()


def page_path(kind: str, key: str) -> str:
    return f"/doc/{kind}/{key}"


def made_ahead(folder: Path | None, kind: str, key: str) -> bytes | None:
    """The page of ``kind/key`` made ahead for the version of ``folder``, or None."""
    if folder is None:
        return None
    path = folder / PAGES_FILE
    connections: dict[Path, sqlite3.Connection] = getattr(_local, "connections", {})
    _local.connections = connections
    db = connections.get(path)
    if db is None:
        if not path.exists():
            return None
        try:
            db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        except sqlite3.Error:
            return None
        if len(connections) > 4:  # versions gone by
            for old in list(connections):
                connections.pop(old).close()
        connections[path] = db
    try:
        row = db.execute("SELECT body FROM pages WHERE path = ?", (page_path(kind, key),))
        found = row.fetchone()
    except sqlite3.Error:
        return None
    return zlib.decompress(found[0]) if found else None


class Maker:
    """Starts, for each version the application serves, one process making its pages."""

    def __init__(self) -> None:
        self._started: dict[Path, multiprocessing.process.BaseProcess] = {}
        self._lock = threading.Lock()

    def ensure(self, store: Dataset) -> None:
        """Make the pages of the version ``store`` reads, unless made or being made."""
        folder = store.data_dir
        if folder is None or (folder / DONE_FILE).exists():
            return
        with self._lock:
            if folder in self._started:
                # made, being made, or failed: a maker that failed is not started again by
                # every request (its error is in the server's log; a restart resumes it)
                return
            for old, running in list(self._started.items()):
                if old != folder and running.is_alive():
                    running.terminate()  # a version no longer served
                    self._started.pop(old)
            process = _CONTEXT.Process(
                target=make_pages,
                args=(store.opener(), store.version, str(folder)),
                name="cblod-pages-ahead",
                # not a daemon: the app it creates starts its query worker; stopped by
                # ``close`` (registered to run at exit) or when its version is replaced
            )
            process.start()
            self._started[folder] = process

    def close(self) -> None:
        with self._lock:
            for process in self._started.values():
                if process.is_alive():
                    process.terminate()
                    process.join(timeout=10)
            self._started.clear()


def make_pages(opener: Callable[[], Dataset], version: str, folder: str) -> int:
    """Make the page of every resource of ``version`` into ``folder``; returns how many were
    made. Stops, leaving what it made, when the dataset is no longer at ``version`` or the
    process that started it has gone."""
    from . import create_app

    store = opener()
    if store.version != version:
        return 0
    server = os.getppid()  # a maker whose server has gone stops (a SIGTERM runs no atexit)
    app = create_app(store, SPARQL_WORKERS=1, PAGE_CACHE_BYTES=0)
    made = 0
    target = Path(folder) / PAGES_FILE
    try:
        with closing(sqlite3.connect(target)) as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("CREATE TABLE IF NOT EXISTS pages (path TEXT PRIMARY KEY, body BLOB)")
            done = {path for (path,) in db.execute("SELECT path FROM pages")}
            client = app.test_client()
            batch: list[tuple[str, bytes]] = []
            for path in _resource_paths(store):
                if path in done:
                    continue
                response = client.get(path, headers={"Accept": "text/html"})
                if response.status_code == 200:
                    batch.append((path, zlib.compress(response.get_data(), 6)))
                if len(batch) >= BATCH:
                    if os.getppid() != server or store.latest().version != version:
                        return made
                    made += _commit(db, batch)
            made += _commit(db, batch)
        (Path(folder) / DONE_FILE).write_text(version, encoding="utf-8")
        _forget_other_versions(Path(folder))
    finally:
        app.extensions["cblod_pool"].close()
    return made


def _forget_other_versions(folder: Path) -> None:
    """Remove the pages made for other versions (the folders beside this one: a store's older
    snapshots, kept as releases, or a server's older versions in the cache), once this
    version's are all made: a version's pages are tens of MB at programme scale."""
    for other in folder.parent.glob(f"*/{PAGES_FILE}*"):
        if other.parent != folder:
            other.unlink(missing_ok=True)
    for other in folder.parent.glob(f"*/{DONE_FILE}"):
        if other.parent != folder:
            other.unlink(missing_ok=True)


def _commit(db: sqlite3.Connection, batch: list[tuple[str, bytes]]) -> int:
    db.executemany("INSERT OR REPLACE INTO pages VALUES (?, ?)", batch)
    db.commit()
    written = len(batch)
    batch.clear()
    return written


def _resource_paths(store: Dataset) -> Iterator[str]:
    """The document path of every resource of ours the published graph describes
    (``{base}id/{kind}/{key}``), each once."""
    ours = (store.base_uri or "http://127.0.0.1:5000/") + "id/"
    for subject in store.subjects_under(ours):
        kind, _, key = subject.value[len(ours) :].partition("/")
        if kind and key:
            yield page_path(kind, key)


def register(app: Flask) -> None:
    """``PAGES_AHEAD``: make the pages of the version served at start, and of every version
    a request finds published since."""
    if app.config.get("PAGES_AHEAD"):
        maker = Maker()
        app.extensions["cblod_ahead"] = maker
        maker.ensure(app.extensions["cblod_store"].current())
