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
from pathlib import Path

import pytest
import requests
from werkzeug.serving import make_server

from cblod.demo import build_demo_store
from cblod.ingest import ingest
from cblod.push import push
from cblod.remote import RemoteStore, SparqlServer
from cblod.store import CblodStore
from cblod.vocab import sparql_prefixes
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
    return CblodStore(folder, read_only=True)


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


@contextmanager
def running(store: CblodStore, **config) -> Iterator[str]:
    """A real HTTP server (Werkzeug, threaded) over ``store``; yields its base URL."""
    app = create_app(store, **config)
    http = make_server("127.0.0.1", free_port(), app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{http.server_port}"
    finally:
        http.shutdown()
        app.extensions["cblod_pool"].close()


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


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory) -> Iterator[str]:
    """The SPARQL server the shared ``server`` fixture publishes the sample store on."""
    with oxigraph_serving(tmp_path_factory.mktemp("oxigraph")) as base:
        yield base


@pytest.fixture
def fresh_oxigraph_server(tmp_path) -> Iterator[str]:
    """An empty SPARQL server of a test's own (for tests that publish other data)."""
    with oxigraph_serving(tmp_path / "oxigraph") as base:
        yield base


def remote_copy(store: CblodStore, base: str, cache: Path) -> RemoteStore:
    """``store`` pushed to the SPARQL server at ``base``, and read back from there."""
    push(store, SparqlServer(f"{base}/query", update_url=f"{base}/update"))
    return RemoteStore(SparqlServer(f"{base}/query"), cache=cache)


@pytest.fixture(scope="session", params=["embedded", "sparql-server"])
def server(request, sample_store, tmp_path_factory) -> Iterator[str]:
    """The sample store served with default settings, shared by read-only HTTP tests.

    Twice: from the embedded store, and pushed to ``oxigraph serve`` and served from there
    (the external store backend passes the same endpoint and dereference tests).
    """
    if request.param == "embedded":
        with running(sample_store) as url:
            yield url
        return
    base = request.getfixturevalue("oxigraph_server")
    remote = remote_copy(sample_store, base, tmp_path_factory.mktemp("remote-cache"))
    with running(remote) as url:
        yield url


@pytest.fixture(scope="session", params=["embedded", "sparql-server"])
def demo_server(request, demo_store, tmp_path_factory) -> Iterator[str]:
    """The README's demo store served, on both backends (its own SPARQL server: a push
    replaces a server's whole dataset, so it cannot share the sample store's)."""
    if request.param == "embedded":
        with running(demo_store) as url:
            yield url
        return
    with oxigraph_serving(tmp_path_factory.mktemp("oxigraph-demo")) as base:
        remote = remote_copy(demo_store, base, tmp_path_factory.mktemp("remote-demo-cache"))
        with running(remote) as url:
            yield url


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The second backend (pushed to ``oxigraph serve``) is part of the full run only: the
    quick run (``-m "not slow"``) checks every contract once, on the embedded store."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and "sparql-server" in callspec.params.values():
            item.add_marker(pytest.mark.slow)
