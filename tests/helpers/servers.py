"""Real servers for tests: cblod's app on a free port, Oxigraph server and Virtuoso."""

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

from cblod.backends.published import Dataset
from cblod.backends.push import push
from cblod.backends.remote import RemoteStore, SparqlServer
from cblod.backends.store import CblodStore
from cblod.web import create_app


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


#: the apps ``running`` serves now, by URL (a test may look at one's extensions)
RUNNING_APPS: dict[str, Flask] = {}


@contextmanager
def running(store: Dataset, **config) -> Iterator[str]:
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


def remote_copy(store: CblodStore, endpoints: Endpoints, cache: Path) -> RemoteStore:
    """``store`` pushed to the SPARQL server at ``endpoints``, and read back from there."""
    push(store, endpoints.server())
    return RemoteStore(SparqlServer(endpoints.query), cache=cache)


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
