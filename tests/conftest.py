"""Shared fixtures: real on-disk stores built from the shipped sample pages, real servers."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from flask import Flask
from werkzeug.serving import make_server

from cblod.backends.push import push
from cblod.backends.remote import RemoteStore, SparqlServer
from cblod.backends.store import CblodStore
from cblod.cli.demo import build_demo_store
from cblod.core.vocab import sparql_prefixes
from cblod.publish import ingest
from cblod.web import create_app

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "pages"
KEEP_EU_PAGE = SAMPLES / "keep-eu-4smart-growth.txt"
CB_PAGE = SAMPLES / "centralbaltic-4smart-growth.txt"
CB_PRINTVIEW = SAMPLES / "centralbaltic-printview-sme2go.txt"
INTERREG_EUROPE = SAMPLES / "interregeurope-search-clusters.txt"
TILLVAXTVERKET = SAMPLES / "tillvaxtverket-s3-clusters.txt"
ALL_PAGES = [KEEP_EU_PAGE, CB_PAGE, CB_PRINTVIEW, INTERREG_EUROPE, TILLVAXTVERKET]
#: one sample file per source format (paths under samples/)
SAMPLE_BY_FORMAT = {
    "keep-eu-page": "pages/keep-eu-4smart-growth.txt",
    "centralbaltic-db": "pages/centralbaltic-4smart-growth.txt",
    "interreg-europe-search": "pages/interregeurope-search-clusters.txt",
    "tillvaxtverket-clusters": "pages/tillvaxtverket-s3-clusters.txt",
    "jems-keep-export": "bulk/jems-northern-shores-synthetic.json",
    "keep-eu-api": "bulk/keep-eu-api-990101-synthetic.json",
    "keep-eu-export": "bulk/keep-eu-export-synthetic.xlsx",
}


def select(store: CblodStore, query: str) -> list[dict[str, str]]:
    """Run a SELECT with cblod's prefixes; rows as {variable: lexical value}."""
    results = store.query(sparql_prefixes() + query)
    names = [v.value for v in results.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in results]


def ingest_all(store_dir: Path, paths=ALL_PAGES) -> CblodStore:
    store = CblodStore(store_dir)
    reports = ingest(paths, store=store)
    assert [r.status for r in reports] == ["ingested"] * len(reports), [
        str(r.error) for r in reports
    ]
    return store


@pytest.fixture(scope="session")
def sample_store(tmp_path_factory) -> CblodStore:
    """Every sample page ingested once, read by many tests (they must not write to it)."""
    return ingest_all(tmp_path_factory.mktemp("samples") / "store")


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory) -> CblodStore:
    """The README's demo: every bundled sample, pages and multilingual bulk exports (read-only)."""
    folder = tmp_path_factory.mktemp("demo") / "store"
    assert build_demo_store(folder)
    return CblodStore(folder, must_exist=True)


@pytest.fixture
def store(tmp_path) -> CblodStore:
    return CblodStore(tmp_path / "store")


@pytest.fixture
def pages(tmp_path) -> Path:
    """A writable copy of the sample pages, for tests that edit or break them."""
    target = tmp_path / "pages"
    shutil.copytree(SAMPLES, target)
    return target


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


#: the apps ``running`` serves now, by URL (a test may look at one's extensions)
RUNNING_APPS: dict[str, Flask] = {}


@contextmanager
def running(store: CblodStore, **config) -> Iterator[str]:
    """A real HTTP server (Werkzeug, threaded) over ``store``; yields its base URL."""
    app = create_app(store, **config)
    http = make_server("127.0.0.1", free_port(), app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{http.server_port}"
    RUNNING_APPS[url] = app
    try:
        yield url
    finally:
        RUNNING_APPS.pop(url, None)
        http.shutdown()
        app.extensions["cblod_pool"].close()
        if maker := app.extensions.get("cblod_ahead"):
            maker.close()
        if preparer := app.extensions.get("cblod_prepare"):
            preparer.close()


@contextmanager
def process_serving(command: list[str], probe: str) -> Iterator[subprocess.Popen]:
    """A server process started from ``command``, once ``probe`` (a URL) answers; stopped after."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(600):
            try:
                requests.get(probe, timeout=5)
                break
            except requests.ConnectionError:
                assert process.poll() is None, f"{command[0]} exited with {process.returncode}"
                time.sleep(0.1)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=30)


@contextmanager
def oxigraph_serving(folder: Path) -> Iterator[str]:
    """``oxigraph serve`` (PyPI ``oxigraph``) on 127.0.0.1 over ``folder``: a SPARQL server for
    the external store backend; yields its base URL (``/query``, ``/update``, ``/store``)."""
    beside = Path(sys.executable).parent / "oxigraph"
    binary = shutil.which("oxigraph") or str(beside)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [binary, "serve", "--location", str(folder), "--bind", f"127.0.0.1:{port}"]
    with process_serving(command, f"{base}/query"):
        yield base


VIRTUOSO = shutil.which("virtuoso-t")
VIRTUOSO_INI = """[Database]
DatabaseFile = {folder}/virtuoso.db
ErrorLogFile = {folder}/virtuoso.log
LockFile = {folder}/virtuoso.lck
TransactionFile = {folder}/virtuoso.trx
xa_persistent_file = {folder}/virtuoso.pxa
[TempDatabase]
DatabaseFile = {folder}/virtuoso-temp.db
TransactionFile = {folder}/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
CaseMode = 2
CheckpointInterval = 60
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
DirsAllowed = .
[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {folder}
ServerThreads = 10
Charset = UTF-8
[SPARQL]
ResultSetMaxRows = 10000
MaxQueryExecutionTime = 60
"""


@contextmanager
def virtuoso_serving(folder: Path) -> Iterator[str]:
    """A throw-away Virtuoso (Debian's ``virtuoso-opensource``) on 127.0.0.1, with its own
    database folder and ports, updates granted to the SPARQL user; yields its ``/sparql``."""
    if VIRTUOSO is None:
        pytest.skip("needs Debian's virtuoso-opensource (.ci/run installs it)")
    folder.mkdir(parents=True, exist_ok=True)
    sql_port, http_port = free_port(), free_port()
    ini = folder / "virtuoso.ini"
    ini.write_text(VIRTUOSO_INI.format(folder=folder, sql_port=sql_port, http_port=http_port))
    endpoint = f"http://127.0.0.1:{http_port}/sparql"
    command = [VIRTUOSO, "+foreground", "+configfile", str(ini)]
    with process_serving(command, endpoint):
        grant = 'GRANT SPARQL_UPDATE TO "SPARQL";'
        subprocess.run(
            ["isql-vt", f"127.0.0.1:{sql_port}", "dba", "dba", f"exec={grant}"],
            check=True,
            capture_output=True,
            timeout=60,
        )
        yield endpoint


@dataclass(frozen=True)
class Endpoints:
    """A SPARQL server's query and update endpoints."""

    query: str
    update: str

    def server(self) -> SparqlServer:
        return SparqlServer(self.query, update_url=self.update)


#: the SPARQL servers cblod is tested on, beside its embedded store
ENGINES = ("oxigraph", "virtuoso")


@contextmanager
def engine_serving(engine: str, folder: Path) -> Iterator[Endpoints]:
    """An empty server of ``engine`` on 127.0.0.1 for as long as the context lasts."""
    if engine == "oxigraph":
        with oxigraph_serving(folder) as base:
            yield Endpoints(f"{base}/query", f"{base}/update")
    else:
        with virtuoso_serving(folder) as endpoint:
            yield Endpoints(endpoint, endpoint)


@pytest.fixture(params=ENGINES)
def fresh_engine(request, tmp_path) -> Iterator[Endpoints]:
    """An empty server of each engine, a test's own (for tests that publish other data)."""
    with engine_serving(request.param, tmp_path / request.param) as endpoints:
        yield endpoints


def remote_copy(store: CblodStore, endpoints: Endpoints, cache: Path) -> RemoteStore:
    """``store`` pushed to the SPARQL server at ``endpoints``, and read back from there."""
    push(store, endpoints.server())
    return RemoteStore(SparqlServer(endpoints.query), cache=cache)


@pytest.fixture(scope="session", params=["embedded", *ENGINES])
def published_samples(request, sample_store, tmp_path_factory) -> Iterator[CblodStore]:
    """The sample store as cblod reads it on every backend: embedded, and pushed to each
    SPARQL server and read back (the seed facts must come out the same through each)."""
    if request.param == "embedded":
        yield sample_store
        return
    folder = tmp_path_factory.mktemp(f"{request.param}-facts")
    with engine_serving(request.param, folder / "engine") as endpoints:
        yield remote_copy(sample_store, endpoints, folder / "cache")


@contextmanager
def served(store: CblodStore, backend: str, folder: Path) -> Iterator[str]:
    """``store`` served over HTTP from ``backend``: the embedded store itself, or pushed to a
    fresh server of that engine and read back from there."""
    if backend == "embedded":
        with running(store) as url:
            yield url
        return
    with engine_serving(backend, folder / "engine") as endpoints:
        remote = remote_copy(store, endpoints, folder / "cache")
        with running(remote) as url:
            yield url


@pytest.fixture(scope="session", params=["embedded", *ENGINES])
def server(request, sample_store, tmp_path_factory) -> Iterator[str]:
    """The sample store served with default settings, shared by read-only HTTP tests.

    On every backend: the embedded store, and pushed to each SPARQL server and served from
    there (the external store backends pass the same endpoint and dereference tests).
    """
    folder = tmp_path_factory.mktemp(f"{request.param}-samples")
    with served(sample_store, request.param, folder) as url:
        yield url


@pytest.fixture(scope="session", params=["embedded", *ENGINES])
def demo_server(request, demo_store, tmp_path_factory) -> Iterator[str]:
    """The README's demo store served, on every backend (each SPARQL server holds one
    published dataset, so the demo has servers of its own)."""
    folder = tmp_path_factory.mktemp(f"{request.param}-demo")
    with served(demo_store, request.param, folder) as url:
        yield url


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The SPARQL server backends are part of the full run only: the quick run
    (``-m "not slow"``) checks every contract once, on the embedded store."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and any(v in ENGINES for v in callspec.params.values()):
            item.add_marker(pytest.mark.slow)
