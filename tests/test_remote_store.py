"""The external store backend: publishing on a SPARQL server, and serving from it alone.

The endpoint, dereference, page and browser tests run against this backend too (the
``server`` fixture in conftest); these tests cover what is its own: ``cblod push`` replaces
the server's dataset whole, a failed push changes nothing, the command line works end to
end, and the endpoint's timeout holds when the server runs the queries.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest
import requests
from conftest import ALL_PAGES, KEEP_EU_PAGE, free_port, ingest_all, remote_copy, running

from cblod.errors import StoreError
from cblod.ingest import ingest
from cblod.push import push
from cblod.remote import RemoteStore, SparqlServer

STATUS = "PREFIX cbo: <https://w3id.org/cblod/ontology#> SELECT ?s WHERE { ?p cbo:status ?s }"


def endpoints(base: str) -> SparqlServer:
    return SparqlServer(f"{base}/query", update_url=f"{base}/update")


def quads(store) -> int:
    (row,) = store.query(
        "SELECT (COUNT(*) AS ?n) WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
    )
    return int(row["n"].value)


def test_a_push_replaces_the_servers_dataset_whole(tmp_path, pages, fresh_oxigraph_server):
    oxigraph_server = fresh_oxigraph_server
    page = pages / KEEP_EU_PAGE.name
    local = ingest_all(tmp_path / "local", [page])
    remote = remote_copy(local, oxigraph_server, tmp_path / "cache")
    assert remote.version == local.version and quads(remote) == quads(local)

    page.write_text(page.read_text().replace("Project status: closed", "Project status: ongoing"))
    ingest([page], store=local)
    # a push that cannot write (no update endpoint) changes nothing
    broken = SparqlServer(f"{oxigraph_server}/query")
    with pytest.raises(StoreError, match="no update endpoint"):
        push(local, broken)
    assert [r["s"].value for r in remote.query(STATUS)] == ["closed"]

    push(local, endpoints(oxigraph_server))
    remote = RemoteStore(SparqlServer(f"{oxigraph_server}/query"), cache=tmp_path / "cache")
    assert remote.version == local.version  # (a running server asks at most once a second)
    assert [r["s"].value for r in remote.query(STATUS)] == ["ongoing"]
    assert quads(remote) == quads(local)  # the failed push's staging graphs are gone too
    assert {g.value for g in remote.store.named_graphs()} == {
        g.value for g in local.store.named_graphs()
    }


def test_push_and_serve_on_the_command_line(tmp_path, fresh_oxigraph_server):
    oxigraph_server = fresh_oxigraph_server
    store_dir = tmp_path / "store"
    ingest_all(store_dir, ALL_PAGES)
    pushed = subprocess.run(
        [sys.executable, "-m", "cblod.cli", "push", "--store", str(store_dir), "--to", oxigraph_server],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert pushed.returncode == 0, pushed.stderr
    assert "published on" in pushed.stdout and "graphs changed" in pushed.stdout
    port = free_port()
    serving = subprocess.Popen(
        [sys.executable, "-m", "cblod.cli", "serve", "--sparql-server", f"{oxigraph_server}/query",
         "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        for _ in range(300):
            try:
                answer = requests.get(
                    f"http://127.0.0.1:{port}/id/organisation/fi/turku-science-park",
                    headers={"Accept": "text/turtle"},
                    timeout=5,
                )
                break
            except requests.ConnectionError:
                assert serving.poll() is None, serving.stderr.read()
                time.sleep(0.1)
        assert answer.status_code == 200 and "Turku Science Park" in answer.text
        assert answer.url.endswith("/doc/organisation/fi/turku-science-park.ttl")
    finally:
        serving.terminate()
        serving.wait(timeout=30)


@pytest.mark.slow
def test_the_timeout_holds_when_the_server_runs_the_queries(
    tmp_path, sample_store, oxigraph_server
):
    remote = remote_copy(sample_store, oxigraph_server, tmp_path / "cache")
    explosive = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    with running(remote, SPARQL_TIMEOUT=2) as url:
        outcome = {}
        thread = threading.Thread(
            target=lambda: outcome.update(
                r=requests.post(f"{url}/sparql", data={"query": explosive}, timeout=60)
            )
        )
        thread.start()
        simple = requests.post(f"{url}/sparql", data={"query": "ASK { ?s ?p ?o }"}, timeout=60)
        thread.join(timeout=60)
        assert simple.status_code == 200
        assert outcome["r"].status_code == 503 and "stopped" in outcome["r"].text


def test_a_store_on_a_server_is_not_written_directly(tmp_path, fresh_oxigraph_server):
    oxigraph_server = fresh_oxigraph_server
    remote = RemoteStore(SparqlServer(f"{oxigraph_server}/query"), cache=tmp_path)
    with pytest.raises(StoreError, match="cblod push"):
        remote.begin()
