"""The external store backends: publishing on a SPARQL server, and serving from it alone.

Every test here runs on each engine (Oxigraph server, Virtuoso), each a throw-away server on
127.0.0.1. The endpoint, dereference, page and browser tests run against these backends too
(the ``server`` fixture in conftest); these tests cover what is their own: a push publishes a
new version whole and sends only what changed, never touches a graph cblod did not create,
an interrupted push leaves the served version and nothing behind, the command line works end
to end, an engine's short answer is an error, and the endpoint's timeout holds.
"""

from __future__ import annotations

import gzip
import http.server
import io
import os
import re
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

import pytest
import requests
from pyoxigraph import DefaultGraph, RdfFormat, parse

from benchmarks.generate import keep_eu_export, keep_eu_pages
from cblod.backends.push import push
from cblod.backends.remote import RemoteStore, SparqlServer, default_cache
from cblod.backends.store import CblodStore
from cblod.core.errors import StoreError
from cblod.core.rdfterms import wkt_point
from cblod.core.vocab import GEO
from cblod.derived.search import INDEX_FILE, ensure_index
from cblod.publish import ingest
from cblod.read.dumps import QUADS, open_dump, write_dumps
from tests.helpers.samples import ALL_PAGES, KEEP_EU_PAGE, ingest_all, select
from tests.helpers.servers import (
    RUNNING_APPS,
    Endpoints,
    engine_serving,
    free_port,
    process_serving,
    remote_copy,
    running,
)

pytestmark = pytest.mark.slow

STATUS = "PREFIX cbo: <https://w3id.org/cblod/ontology#> SELECT ?s WHERE { ?p cbo:status ?s }"
OTHER_GRAPH = "http://other.example/their-dataset"
GRAPHS = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"


def quads(store) -> int:
    (row,) = store.select(
        "SELECT (COUNT(*) AS ?n) WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
    )
    return int(row["n"].value)


def statements(store) -> set[tuple[str, str, str]]:
    """The published graph, numbers by value (an engine may write 1.50 as 1.5), points to
    1e-4 degrees (Virtuoso gives a WKT point back as its own geometry, in single precision)."""

    def text(term) -> str:
        at = wkt_point(getattr(term, "value", ""))
        if at is not None:
            return f"POINT({round(at[0], 4)} {round(at[1], 4)})"
        try:
            return str(Decimal(term.value).normalize())
        except (ArithmeticError, AttributeError):
            return str(term)

    return {
        (text(q.subject), text(q.predicate), text(q.object)) for q in store.default_graph_quads()
    }


def points_to_4(html: str) -> str:
    """A page with its coordinates to 1e-4 degrees and WKT literals named alike: Virtuoso gives
    a point back as its own geometry type, in single precision (README, "Virtuoso")."""
    html = re.sub(r"-?\d+\.\d{5,}", lambda m: str(round(float(m[0]), 4)), html)
    return html.replace(
        "http://www.openlinksw.com/schemas/virtrdf#Geometry", str(GEO.wktLiteral.value)
    )


def server_graphs(endpoints: Endpoints) -> set[str]:
    """Every graph the server holds, asked of it directly (not through cblod)."""
    return {row["g"].value for row in SparqlServer(endpoints.query).select(GRAPHS)}


def statuses(remote: RemoteStore) -> list[str]:
    return [r["s"].value for r in remote.select(STATUS)]


def test_a_push_publishes_a_new_version_whole(tmp_path, pages, fresh_engine):
    page = pages / KEEP_EU_PAGE.name
    local = ingest_all(tmp_path / "local", [page])
    remote = remote_copy(local, fresh_engine, tmp_path / "cache")
    assert remote.version == local.version and quads(remote) == quads(local) > 100
    assert statuses(remote) == ["closed"]

    page.write_text(page.read_text().replace("Project status: closed", "Project status: ongoing"))
    ingest([page], store=local)
    # a push that cannot write (no update endpoint) changes nothing
    with pytest.raises(StoreError, match="no update endpoint"):
        push(local, SparqlServer(fresh_engine.query))
    assert statuses(remote) == ["closed"]

    report = push(local, fresh_engine.server())
    remote = RemoteStore(SparqlServer(fresh_engine.query), cache=tmp_path / "cache")
    assert remote.version == local.version == report.version
    assert statuses(remote) == ["ongoing"]
    assert quads(remote) == quads(local)
    assert {g.value for g in remote.engine.named_graphs()} == {
        g.value for g in local.engine.named_graphs()
    }
    assert not push(local, fresh_engine.server()).published  # the same snapshot again: nothing


def test_an_incremental_push_sends_only_the_graphs_that_changed(tmp_path, pages, fresh_engine):
    local = ingest_all(tmp_path / "local", [pages / p.name for p in ALL_PAGES])
    first = push(local, fresh_engine.server())
    page = pages / KEEP_EU_PAGE.name
    page.write_text(page.read_text().replace("Project status: closed", "Project status: ongoing"))
    ingest([page], store=local)
    second = push(local, fresh_engine.server())
    source = f"http://127.0.0.1:5000/id/source/{KEEP_EU_PAGE.name.lower()}"
    assert source in second.changed
    unchanged_sources = [g for g in first.changed if "/id/source/" in g and g != source]
    assert len(unchanged_sources) == 4 and not set(unchanged_sources) & set(second.changed)
    assert second.triples_sent < first.triples_sent / 4  # the changes, not the dataset
    remote = RemoteStore(SparqlServer(fresh_engine.query), cache=tmp_path / "cache")
    assert statuses(remote) == ["ongoing"] and quads(remote) == quads(local)
    assert statements(remote) == statements(local)  # the patched published graph, exactly


def test_two_published_graphs_take_turns_patched_in_place(tmp_path, pages, fresh_engine):
    """After the second push, a push patches the published graph the version before last
    used (no reader left on it) instead of having the server copy the served one."""
    page = pages / KEEP_EU_PAGE.name
    local = ingest_all(tmp_path / "local", [pages / p.name for p in ALL_PAGES])
    push(local, fresh_engine.server())
    for n, status in enumerate(["ongoing", "closed", "ongoing", "closed"]):
        page.write_text(
            re.sub(r"Project status: \w+", f"Project status: {status}", page.read_text())
        )
        ingest([page], store=local)
        push(local, fresh_engine.server())
        remote = RemoteStore(SparqlServer(fresh_engine.query), cache=tmp_path / f"cache{n}")
        assert statuses(remote) == [status]
        assert statements(remote) == statements(local)  # patched exactly
        published = {g for g in server_graphs(fresh_engine) if g.startswith("urn:cblod:published:")}
        assert len(published) == 2  # the served one and the previous one, nothing more
        if n == 0:
            pair = published
        assert published == pair  # the same two graphs, taking turns


def test_a_graph_cblod_does_not_own_survives_every_push(tmp_path, pages, fresh_engine):
    server = fresh_engine.server()
    server.update(f'INSERT DATA {{ GRAPH <{OTHER_GRAPH}> {{ <urn:x> <urn:y> "theirs" }} }}')
    before = server_graphs(fresh_engine)
    assert OTHER_GRAPH in before
    page = pages / KEEP_EU_PAGE.name
    local = ingest_all(tmp_path / "local", [page])
    push(local, server)
    page.write_text(page.read_text().replace("Project status: closed", "Project status: ongoing"))
    ingest([page], store=local)
    push(local, server, full=True)
    after = server_graphs(fresh_engine)
    assert before <= after  # theirs, and the engine's own graphs, all still there
    (row,) = SparqlServer(fresh_engine.query).select(
        f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{OTHER_GRAPH}> {{ ?s ?p ?o }} }}"
    )
    assert int(row["n"].value) == 1
    # and cblod's readers do not see it
    remote = RemoteStore(SparqlServer(fresh_engine.query), cache=tmp_path / "cache")
    assert OTHER_GRAPH not in {g.value for g in remote.engine.named_graphs()}
    assert not select(remote, 'SELECT ?s WHERE { ?s ?p "theirs" }')


def test_a_push_never_overwrites_a_graph_it_did_not_create(tmp_path, fresh_engine):
    local = ingest_all(tmp_path / "local", [KEEP_EU_PAGE])
    source = f"http://127.0.0.1:5000/id/source/{KEEP_EU_PAGE.name.lower()}"
    server = fresh_engine.server()
    server.update(f'INSERT DATA {{ GRAPH <{source}> {{ <urn:x> <urn:y> "theirs" }} }}')
    before = server_graphs(fresh_engine)
    with pytest.raises(StoreError, match="did not create"):
        push(local, server)
    assert server_graphs(fresh_engine) == before


class FailingProxy(http.server.BaseHTTPRequestHandler):
    """Forwards to the real server, and answers 503 to the updates ``failing`` picks (by
    number and body): the server or the network giving out in the middle of a push, for one
    request or for good. Keeps the queries it forwarded (``queries``)."""

    target = ""
    failing: Callable[[int, bytes], bool] = staticmethod(lambda number, body: False)
    updates = 0
    failed: list[int] = []
    queries: list[str] = []

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if body.startswith(b"query="):
            type(self).queries.append(unquote_plus(body[6:].decode()))
        if b"update=" in body[:7]:
            type(self).updates += 1
            if self.failing(type(self).updates, body):
                type(self).failed.append(type(self).updates)
                self.send_response(503)
                self.end_headers()
                return
        _, query, parameters = self.path.partition("?")  # the dataset, when the client names one
        answer = requests.post(
            self.target + query + parameters,
            data=body,
            headers={k: v for k, v in self.headers.items() if k.lower() != "host"},
            timeout=60,
        )
        self.send_response(answer.status_code)
        self.send_header("Content-Type", answer.headers.get("Content-Type", "text/plain"))
        self.send_header("Content-Length", str(len(answer.content)))
        self.end_headers()
        self.wfile.write(answer.content)

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def failing_proxy(
    target: str, failing: Callable[[int, bytes], bool]
) -> Iterator[tuple[str, type[FailingProxy]]]:
    handler = type(
        "Proxy",
        (FailingProxy,),
        {
            "target": target,
            "failing": staticmethod(failing),
            "failed": [],
            "updates": 0,
            "queries": [],
        },
    )
    proxy = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{proxy.server_port}/", handler
    finally:
        proxy.shutdown()


def pushed_then_changed(tmp_path, pages, endpoints: Endpoints) -> tuple[CblodStore, set[str]]:
    """The sample pages pushed (4Smart Growth "closed"), then the page changed ("ongoing")
    and ingested locally; returns the local store and the graphs the server now holds."""
    page = pages / KEEP_EU_PAGE.name
    local = ingest_all(tmp_path / "local", [pages / p.name for p in ALL_PAGES])
    push(local, endpoints.server())
    served = server_graphs(endpoints)
    page.write_text(page.read_text().replace("Project status: closed", "Project status: ongoing"))
    ingest([page], store=local)
    return local, served


@pytest.mark.parametrize(
    "failing",
    [
        lambda number, body: number == 1,
        lambda number, body: number == 3,
        lambda number, body: b"MOVE" in body,
    ],
    ids=["registering", "uploading", "switching"],
)
def test_an_interrupted_push_leaves_the_served_version_and_nothing_behind(
    tmp_path, pages, fresh_engine, failing
):
    local, served = pushed_then_changed(tmp_path, pages, fresh_engine)
    with (
        failing_proxy(fresh_engine.update, failing) as (proxy, handler),
        pytest.raises(StoreError, match="served version is unchanged"),
    ):
        push(local, SparqlServer(fresh_engine.query, update_url=proxy))
    assert len(handler.failed) == 1  # the one request meant to fail, and the clean-up went through
    remote = RemoteStore(SparqlServer(fresh_engine.query), cache=tmp_path / "cache")
    assert statuses(remote) == ["closed"]  # the old version, whole
    assert server_graphs(fresh_engine) == served  # nothing this push made is left
    push(local, fresh_engine.server())  # and the next push goes through
    assert statuses(RemoteStore(SparqlServer(fresh_engine.query), cache=tmp_path / "c2")) == [
        "ongoing"
    ]


def test_a_push_cut_off_for_good_is_cleaned_up_by_the_next(tmp_path, pages, fresh_engine):
    """When the server stops answering mid-push, nothing can be removed then: what was made
    is registered, unseen by cblod's readers, and removed by the next push."""
    local, served = pushed_then_changed(tmp_path, pages, fresh_engine)
    with (
        failing_proxy(fresh_engine.update, lambda number, body: number >= 3) as (proxy, _),
        pytest.raises(StoreError, match="served version is unchanged"),
    ):
        push(local, SparqlServer(fresh_engine.query, update_url=proxy))
    left = server_graphs(fresh_engine) - served
    assert left and all(g.startswith(("urn:cblod:staging:", "urn:cblod:published:")) for g in left)
    remote = RemoteStore(SparqlServer(fresh_engine.query), cache=tmp_path / "cache")
    assert statuses(remote) == ["closed"]
    assert not left & {g.value for g in remote.engine.named_graphs()}  # readers do not see them
    report = push(local, fresh_engine.server())
    assert set(left) <= set(report.dropped)
    assert not left & server_graphs(fresh_engine)


def test_push_and_serve_on_the_command_line(tmp_path, fresh_engine):
    store_dir = tmp_path / "store"
    ingest_all(store_dir, ALL_PAGES)
    cli = [sys.executable, "-m", "cblod"]
    pushed = subprocess.run(
        [*cli, "push", "--store", str(store_dir), "-q", "--query", fresh_engine.query,
         "--update", fresh_engine.update],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert pushed.returncode == 0, pushed.stderr
    assert "published on" in pushed.stdout and "7 graphs changed" in pushed.stdout
    port = free_port()
    cache = tmp_path / "cache"
    serve = [*cli, "serve", "--sparql-server", fresh_engine.query, "--port", str(port),
             "--cache", str(cache)]  # fmt: skip
    with process_serving(serve, f"http://127.0.0.1:{port}/"):
        answer = requests.get(
            f"http://127.0.0.1:{port}/id/organisation/fi/turku-science-park",
            headers={"Accept": "text/turtle"},
            timeout=30,
        )
        assert answer.status_code == 200 and "Turku Science Park" in answer.text
        assert answer.url.endswith("/doc/organisation/fi/turku-science-park.ttl")
        found = requests.get(f"http://127.0.0.1:{port}/search", params={"q": "Turku"}, timeout=30)
        assert found.status_code == 200 and "Turku Science Park" in found.text
    (version,) = cache.glob("version-*")  # the search index was made there, not in /tmp
    assert (version / INDEX_FILE).exists()


def test_a_servers_derived_files_are_kept_in_the_users_cache_one_version_behind(
    tmp_path, monkeypatch
):
    """Without ``--cache``, a server's search index goes to the user's cache folder, keyed by
    the server, where a restarted web host finds it; a new version's folder forgets all but
    the one version before it (nothing piles up in /tmp, a folder per run, as it did)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    page = tmp_path / "keep-eu-4smart-growth.txt"
    text = KEEP_EU_PAGE.read_text(encoding="utf-8")
    page.write_text(text, encoding="utf-8")
    local = ingest_all(tmp_path / "store", [page])
    with engine_serving("oxigraph", tmp_path / "oxigraph") as endpoints:
        versions = []
        for n in range(4):
            if n:  # the secretariat edits the page: a new version
                page.write_text(text.replace("Smart Clusters", f"Smart Clusters {n}"), "utf-8")
                ingest([page], store=local)
            push(local.latest(), endpoints.server())
            remote = RemoteStore(SparqlServer(endpoints.query))  # a web host (re)started
            assert remote.path == default_cache(endpoints.query)
            assert remote.path.is_relative_to(tmp_path / "xdg" / "cblod" / "remote")
            versions.append(remote.data_dir.name)
            # made when first needed (the preparer, or the first search), not by reading data_dir
            assert not (remote.data_dir / INDEX_FILE).exists()
            assert ensure_index(remote) == remote.data_dir / INDEX_FILE
            assert (remote.data_dir / INDEX_FILE).exists()
        assert len(set(versions)) == 4
        assert sorted(f.name for f in remote.path.glob("version-*")) == sorted(versions[-2:])


def test_push_with_credentials_to_virtuosos_authenticated_endpoint(tmp_path):
    """Virtuoso protects updates behind digest authentication (``/sparql-auth``): the
    password comes from the environment, never the command line."""
    store_dir = tmp_path / "store"
    ingest_all(store_dir, [KEEP_EU_PAGE])
    with engine_serving("virtuoso", tmp_path / "virtuoso") as endpoints:
        command = [sys.executable, "-m", "cblod", "push", "--store", str(store_dir), "-q",
                   "--query", endpoints.query, "--update", endpoints.query + "-auth",
                   "--user", "dba"]  # fmt: skip
        refused = subprocess.run(command, capture_output=True, text=True, timeout=120)
        assert refused.returncode == 2 and "CBLOD_PASSWORD" in refused.stderr
        wrong = subprocess.run(
            command, capture_output=True, text=True, timeout=120,
            env={**os.environ, "CBLOD_PASSWORD": "not-the-password"},
        )  # fmt: skip
        assert wrong.returncode == 2 and "401" in wrong.stderr and "Traceback" not in wrong.stderr
        pushed = subprocess.run(
            command, capture_output=True, text=True, timeout=120,
            env={**os.environ, "CBLOD_PASSWORD": "dba"},
        )  # fmt: skip
        assert pushed.returncode == 0, pushed.stderr
        remote = RemoteStore(SparqlServer(endpoints.query), cache=tmp_path / "cache")
        assert statuses(remote) == ["closed"]


def test_a_failed_push_on_the_command_line_is_one_clear_line(tmp_path, fresh_engine):
    store_dir = tmp_path / "store"
    ingest_all(store_dir, [KEEP_EU_PAGE])
    closed = f"http://127.0.0.1:{free_port()}/update"
    failed = subprocess.run(
        [sys.executable, "-m", "cblod", "push", "--store", str(store_dir), "--query",
         fresh_engine.query, "--update", closed],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert failed.returncode == 2
    assert "Traceback" not in failed.stderr
    assert failed.stderr.startswith("cblod: error: push to") and "unchanged" in failed.stderr


def test_an_engines_row_cap_is_an_error_never_a_short_table(tmp_path, sample_store, fresh_engine):
    """Virtuoso stops SELECT answers at 10 000 rows (ResultSetMaxRows) with a 200: through
    cblod that is a 422, like cblod's own cap; an engine with no cap gives every row."""
    remote = remote_copy(sample_store, fresh_engine, tmp_path / "cache")
    query = "SELECT ?a ?d WHERE { ?a ?b ?c . ?d ?e ?f } LIMIT 12000"
    with running(remote, SPARQL_MAX_ROWS=50_000) as url:
        answer = requests.post(
            f"{url}/sparql", data={"query": query}, headers={"Accept": "text/csv"}, timeout=120
        )
    if answer.status_code == 200:
        assert len(answer.text.splitlines()) == 12_001  # every row, and the header
    else:
        assert answer.status_code == 422 and "rows" in answer.text


def test_an_engines_cut_graph_answer_is_an_error_never_a_short_graph(
    tmp_path, sample_store, fresh_engine
):
    """Virtuoso cuts a CONSTRUCT answer at its row cap too, with a 200 and no header saying
    so: through cblod an answer that long is a 422; an engine with no cap gives every triple."""
    remote = remote_copy(sample_store, fresh_engine, tmp_path / "cache")
    digits = " ".join(map(str, range(10)))
    values = " ".join(f"VALUES ?{v} {{ {digits} }}" for v in "vwxyz")
    query = (
        f"CONSTRUCT {{ <urn:cblod:test> <urn:cblod:n> ?n }} WHERE {{ {values} "
        "BIND(CONCAT(STR(?v), STR(?w), STR(?x), STR(?y), STR(?z)) AS ?n) } LIMIT 12000"
    )
    with running(remote, SPARQL_MAX_ROWS=50_000) as url:
        answer = requests.post(
            f"{url}/sparql",
            data={"query": query},
            headers={"Accept": "application/n-triples"},
            timeout=120,
        )
    if answer.status_code == 200:
        assert len(answer.text.splitlines()) == 12_000
    else:
        assert answer.status_code == 422 and "rows" in answer.text


def test_a_dump_from_a_server_is_whole_above_its_row_cap(tmp_path, fresh_engine):
    """A graph larger than the engine's cap (a 300-project export: 23 000 published triples,
    13 000 in one source) is dumped whole, as the local store holds it: one CONSTRUCT of it
    came back from Virtuoso cut at 10 000 triples, silently."""
    (tmp_path / "export").mkdir()
    local = CblodStore(tmp_path / "store")
    ingest(keep_eu_export(300, tmp_path / "export"), store=local, keep=False)
    remote = remote_copy(local, fresh_engine, tmp_path / "cache")
    largest = max(local.source_graphs(), key=lambda g: len(list(local.quads(None, None, None, g))))
    for graph in (DefaultGraph(), largest):
        held = {(q.subject, q.predicate, q.object) for q in local.quads(None, None, None, graph)}
        assert len(held) > 10_000
        out = io.BytesIO()
        remote.dump(out, format=RdfFormat.N_TRIPLES, from_graph=graph)
        dumped = [
            (t.subject, t.predicate, t.object)
            for t in parse(out.getvalue(), format=RdfFormat.N_TRIPLES)
        ]
        assert len(dumped) == len(held) and set(dumped) == held
    # and the dump files a web host on that server offers: every quad of every source
    assert QUADS in write_dumps(remote, tmp_path / "dumps")
    with open_dump(tmp_path / "dumps", QUADS) as quads:
        offered = set(parse(gzip.decompress(quads.read()), format=RdfFormat.N_QUADS))
    expected = {q for g in local.source_graphs() for q in local.quads(None, None, None, g)}
    expected |= set(local.quads(None, None, None, DefaultGraph()))
    assert offered == expected


def test_the_timeout_holds_when_the_server_runs_the_queries(tmp_path, sample_store, fresh_engine):
    remote = remote_copy(sample_store, fresh_engine, tmp_path / "cache")
    explosive = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    with running(remote, SPARQL_TIMEOUT=2) as url:
        outcome: dict[str, Any] = {}
        thread = threading.Thread(
            target=lambda: outcome.update(
                r=requests.post(f"{url}/sparql", data={"query": explosive}, timeout=120)
            )
        )
        thread.start()
        simple = requests.post(f"{url}/sparql", data={"query": "ASK { ?s ?p ?o }"}, timeout=60)
        thread.join(timeout=120)
        assert simple.status_code == 200
        assert outcome["r"].status_code == 503 and "stopped" in outcome["r"].text


def test_a_store_on_a_server_is_read_only_and_says_what_to_publish_with(tmp_path, fresh_engine):
    remote = RemoteStore(SparqlServer(fresh_engine.query), cache=tmp_path)
    assert not any(hasattr(remote, verb) for verb in ("begin", "replace_source", "publish"))
    with pytest.raises(StoreError, match="cblod push"):
        remote.dataset()  # nothing published on this server yet


@pytest.mark.parametrize(
    "path",
    [
        "/doc/project/central-baltic-2014-2020/4smart-growth",
        "/doc/organisation/se/sisp-swedish-incubators-science-parks",
        "/doc/programme/central-baltic-2014-2020",
        "/doc/project/central-baltic-2014-2020/4smart-growth.ttl",
    ],
)
def test_a_page_from_a_server_costs_four_queries_at_most(
    tmp_path, sample_store, fresh_engine, path
):
    """The description in three queries, the page's tables in one more: not one request per
    lookup (a page was eight); a page asked for again, none."""
    push(sample_store, fresh_engine.server())
    with running(sample_store) as url:
        embedded = requests.get(url + path, timeout=60)
    with failing_proxy(fresh_engine.query, lambda number, body: False) as (proxy, handler):
        remote = RemoteStore(SparqlServer(proxy), cache=tmp_path / "cache")
        with running(remote) as url:
            # warm: the registry read, and another page
            warm = requests.get(url + "/doc/organisation/fi/turku-science-park", timeout=60)
            assert warm.status_code == 200
            # and what the host derives from the version, once, in the background
            preparer = RUNNING_APPS[url].extensions["cblod_prepare"]
            assert preparer.wait_for(remote.pinned().data_dir, timeout=300)

            def asked() -> list[str]:
                """Queries since the last call, besides the registry's version (once a
                second at most)."""
                found = [q for q in handler.queries if "urn:cblod:registry" not in q]
                handler.queries.clear()
                return found

            asked()
            page = requests.get(url + path, timeout=60)
            # the same page, but for the link to its history: releases are the embedded
            # store's (a SPARQL server keeps none)
            history = re.compile(r'· <a href="/timemap/[^"]+" rel="timemap">history</a>')
            assert page.status_code == 200
            assert points_to_4(page.text) == points_to_4(history.sub("", embedded.text))
            assert 1 <= len(asked()) <= (3 if path.endswith(".ttl") else 4)
            again = requests.get(url + path, timeout=60)
            assert again.text == page.text and asked() == []  # from the page cache


def test_a_dataset_of_many_sources_is_pushed_in_requests_any_engine_takes(
    tmp_path, fresh_engine, monkeypatch
):
    """Crawled pages make a source graph each: thousands. Every request stays small (the
    registry in parts, moves and drops in batches, the dataset in the form body, named graphs
    only for GRAPH queries), here with limits lowered so 60 sources cross them all."""
    import cblod.backends.push
    import cblod.backends.registry

    monkeypatch.setattr(cblod.backends.push, "GRAPHS_PER_UPDATE", 7)
    monkeypatch.setattr(cblod.backends.push, "GRAPHS_PER_QUERY", 9)
    monkeypatch.setattr(cblod.backends.registry, "PAGE_ROWS", 40)
    folder = tmp_path / "pages"
    folder.mkdir()
    generated = dict(keep_eu_pages(60, seed=5))
    for name, text in generated.items():
        (folder / name).write_text(text, encoding="utf-8")
    local = ingest_all(tmp_path / "local", sorted(folder.iterdir()))
    sources = [g.value for g in local.source_graphs()]
    assert len(sources) == 60
    SparqlServer(fresh_engine.query, update_url=fresh_engine.update).update(
        f"INSERT DATA {{ GRAPH <{OTHER_GRAPH}> {{ <urn:x> <urn:y> <urn:z> }} }}"
    )
    push(local, fresh_engine.server())
    remote = RemoteStore(SparqlServer(fresh_engine.query), cache=tmp_path / "cache")
    assert [g.value for g in remote.source_graphs()] == sources
    assert statements(remote) == statements(local) and quads(remote) == quads(local)

    # 20 pages change: moved into place in batches, then the switch
    for name in sorted(generated)[:20]:
        page = folder / name
        page.write_text(
            re.sub(r"Project status: \w+", "Project status: suspended", page.read_text())
        )
    ingest([folder], store=local)
    report = push(local, fresh_engine.server())
    assert len([g for g in report.changed if "/id/source/" in g]) == 20
    remote = RemoteStore(SparqlServer(fresh_engine.query), cache=tmp_path / "cache2")
    assert remote.version == local.version
    assert statuses(remote).count("suspended") == 20
    assert statements(remote) == statements(local) and quads(remote) == quads(local)
    graph_query = "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    (row,) = remote.select(graph_query)
    assert int(row["n"].value) == len(list(local.engine.named_graphs()))
    assert OTHER_GRAPH in server_graphs(fresh_engine)  # never touched
    staging = [g for g in server_graphs(fresh_engine) if g.startswith("urn:cblod:staging:")]
    assert staging == []


def test_requests_arriving_together_on_a_new_version_all_get_its_cache(
    tmp_path, sample_store, fresh_engine
):
    """Several requests reaching a web host at once right after a push each ask for the
    version's local cache folder: one makes it, none fails (two making it was a 500)."""
    remote = remote_copy(sample_store, fresh_engine, tmp_path / "cache")
    start = threading.Barrier(8)
    found: list[object] = []

    def ask() -> None:
        start.wait()
        try:
            found.append(remote.data_dir)
        except Exception as exc:  # noqa: BLE001 - what a request would have answered 500 with
            found.append(exc)

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(found) == 8 and len(set(found)) == 1 and isinstance(found[0], Path), found
