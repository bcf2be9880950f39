"""The /ldes stream, read by the official LDES client from npm (``ldes-client``, pinned and
installed by ``.ci/run`` into ``.ci/node``): a full replay from an empty state gives back the
published graph, and a client that synced at one release fetches only what the next changed.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import rdflib
import requests
from pyoxigraph import DefaultGraph, RdfFormat

from cblod.backends.store import CblodStore
from cblod.publish import ingest
from tests.helpers.clock import StepClock
from tests.helpers.edits import exported_store, without_project
from tests.helpers.samples import ALL_PAGES
from tests.helpers.servers import running

CLIENT = (
    Path(__file__).resolve().parent.parent
    / ".ci"
    / "node"
    / "node_modules"
    / ".bin"
    / "ldes-client"
)
DCT = rdflib.Namespace("http://purl.org/dc/terms/")
DELETE = rdflib.URIRef("https://www.w3.org/ns/activitystreams#Delete")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (shutil.which("node") and CLIENT.exists()),
        reason="needs Node.js and the npm ldes-client in .ci/node (.ci/run installs them)",
    ),
]


def replay(url: str, state: Path) -> rdflib.Graph:
    """Every member the client emits (Turtle, one block per member), as one graph."""
    done = subprocess.run(
        ["node", str(CLIENT), f"{url}/ldes", "--save", str(state)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return rdflib.Graph().parse(data=done.stdout, format="turtle")


def materialized(members: rdflib.Graph) -> set[tuple]:
    """The resources' statements from their latest versions (tombstones remove them)."""
    latest: dict = {}
    for version, resource in members.subject_objects(DCT.isVersionOf):
        issued = members.value(version, DCT.issued).toPython()  # type: ignore[attr-defined]  # a Literal
        if resource not in latest or issued > latest[resource][0]:
            latest[resource] = (issued, version)
    found = set()
    for resource, (_, version) in latest.items():
        if (version, rdflib.RDF.type, DELETE) in members:
            continue
        for p, o in members.predicate_objects(version):
            if p not in (DCT.isVersionOf, DCT.issued):
                found.add((resource, p, o))
    return found


def published(store: CblodStore) -> set[tuple]:
    """The published (default) graph of the store's latest release."""
    text = store.engine.dump(format=RdfFormat.N_TRIPLES, from_graph=DefaultGraph())
    return set(rdflib.Graph().parse(data=text, format="nt"))


def test_a_replay_gives_the_published_graph_and_a_synced_client_gets_only_the_news(tmp_path, pages):
    store, clock = CblodStore(tmp_path / "store"), StepClock()
    ingest([pages / p.name for p in ALL_PAGES], store=store, clock=clock)
    with running(store) as url:
        view = requests.get(f"{url}/ldes/view", headers={"Accept": "text/turtle"}, timeout=30)
        assert "max-age=60" in view.headers["Cache-Control"] and view.headers["ETag"]
        synced = replay(url, tmp_path / "state")
        assert materialized(synced) == published(store)

        clock.advance()  # release times have a resolution of one second
        page = pages / "keep-eu-4smart-growth.txt"
        page.write_text(page.read_text().replace("Project status: closed", "Project status: open"))
        ingest([page], store=store, clock=clock)

        news = replay(url, tmp_path / "state")
        versions = set(news.subjects(DCT.isVersionOf))
        assert versions and all("/id/release/2/version/" in str(v) for v in versions)
        assert materialized(synced + news) == published(store)
        assert materialized(replay(url, tmp_path / "empty")) == published(store)

        first = requests.get(f"{url}/ldes/release/1", timeout=30)
        assert "immutable" in first.headers["Cache-Control"]


def test_a_removed_project_arrives_as_a_tombstone(tmp_path):
    clock = StepClock()
    folder, paths, store = exported_store(tmp_path, clock)
    with running(store) as url:
        synced = replay(url, tmp_path / "state")
        clock.advance()
        without_project(folder, "P000003")
        ingest(paths, store=store, clock=clock)
        news = replay(url, tmp_path / "state")
    tombstones = {news.value(v, DCT.isVersionOf) for v in news.subjects(rdflib.RDF.type, DELETE)}
    assert any(str(t).endswith("/p000003") for t in tombstones)
    assert materialized(synced + news) == published(store)
