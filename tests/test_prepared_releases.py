"""A release is made ready in a running server's memory while it is derived (issue #24):
its indexes are loaded before the published pointer moves, so the first request after an
ingest loads nothing, and nothing of the release is served before it is published."""

from __future__ import annotations

import json
import time

import pytest
import requests

from cblod.backends.snapshots import published_snapshot
from cblod.backends.store import CblodStore
from cblod.derived.facets.spec import LISTS
from cblod.publish import derive_release, ingest
from cblod.web import indexes, reconcile
from cblod.web.prepare import Preparer, RemotePreparer
from tests.helpers.edits import STATUS, changed
from tests.helpers.samples import ALL_PAGES, KEEP_EU_PAGE
from tests.helpers.servers import RUNNING_APPS, remote_copy, running

CBO = "PREFIX cbo: <https://w3id.org/cblod/ontology#> "


def preparer_of(url: str) -> Preparer | RemotePreparer:
    return RUNNING_APPS[url].extensions["cblod_prepare"]


def no_loading_on_request(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on, a request that loads (or builds) an index fails."""

    def not_on_request(*args: object, **kwargs: object) -> None:
        raise AssertionError("an index was loaded by a request")

    for module in (indexes, reconcile):
        monkeypatch.setattr(module, "load", not_on_request)
        monkeypatch.setattr(module, "build", not_on_request)


def statuses(url: str) -> list[str]:
    answer = requests.get(
        f"{url}/sparql",
        params={"query": CBO + STATUS},
        headers={"Accept": "application/sparql-results+json"},
        timeout=30,
    )
    return [b["s"]["value"] for b in answer.json()["results"]["bindings"]]


def test_a_release_is_loaded_before_it_is_published_and_served_only_after(
    tmp_path, pages, monkeypatch
):
    store = CblodStore(tmp_path / "store")
    ingest([pages / p.name for p in ALL_PAGES], store=store)
    with running(CblodStore(store.path, must_exist=True)) as url:
        preparer = preparer_of(url)
        assert preparer.wait_for(published_snapshot(store.path), timeout=60)
        seen: dict[str, object] = {}

        def derive(sealed: CblodStore) -> None:
            derive_release(sealed)
            # its indexes are on disk: the server loads them, and still serves the release before
            seen["prepared"] = preparer.wait_for(sealed.snapshot, timeout=60)
            seen["served while deriving"] = statuses(url)

        (report,) = ingest([changed(pages, "open")], store=store, derive=derive)
        assert report.status == "ingested"
        assert seen == {"prepared": True, "served while deriving": ["closed"]}

        no_loading_on_request(monkeypatch)
        assert statuses(url) == ["open"]
        listing = requests.get(f"{url}/projects", params={"status": "open"}, timeout=30)
        assert listing.status_code == 200, listing.text[:300]
        query = json.dumps({"q0": {"query": "Tredea", "type": "Organisation"}})
        matched = requests.get(f"{url}/reconcile", params={"queries": query}, timeout=30)
        assert matched.status_code == 200 and matched.json()["q0"]["result"]


def test_a_server_started_on_a_store_loads_its_indexes_before_its_first_request(
    tmp_path, monkeypatch
):
    store = CblodStore(tmp_path / "store")
    ingest([KEEP_EU_PAGE], store=store)
    with running(CblodStore(store.path, must_exist=True)) as url:
        assert preparer_of(url).wait_for(published_snapshot(store.path), timeout=60)
        no_loading_on_request(monkeypatch)
        for path in ("/projects", "/participations", "/organisations"):
            assert requests.get(url + path, timeout=30).status_code == 200, path


@pytest.mark.slow
def test_a_web_host_on_a_sparql_server_derives_each_pushed_version_once(
    tmp_path, pages, fresh_engine, monkeypatch
):
    """``cblod push`` then ``serve --sparql-server``: the host derives each version it sees,
    in the background, into the version's folder of its cache, with the code an ingest
    derives with; requests then load nothing, a newly pushed version is derived in turn, and
    a restarted host finds what it derived."""
    from cblod.backends import push as pushing
    from cblod.backends.remote import RemoteStore, SparqlServer
    from cblod.web import prepare

    store = CblodStore(tmp_path / "store")
    ingest([pages / p.name for p in ALL_PAGES], store=store)
    remote = remote_copy(store, fresh_engine, tmp_path / "cache")
    with running(remote) as url:
        preparer = preparer_of(url)
        folder = remote.pinned().data_dir
        assert preparer.wait_for(folder, timeout=300)
        assert (folder / "answers" / "stats.json").exists() and (folder / "reconcile.json").exists()
        assert all((folder / "facets" / f"{name}.json").exists() for name in LISTS)
        with monkeypatch.context() as patched:
            no_loading_on_request(patched)
            assert requests.get(f"{url}/participations", timeout=60).status_code == 200
            query = json.dumps({"q0": {"query": "Tredea", "type": "Organisation"}})
            assert requests.get(f"{url}/reconcile", params={"queries": query}, timeout=60).ok

        ingest([changed(pages, "open")], store=store)
        pushing.push(store, fresh_engine.server())
        for _ in range(600):  # the host reads the published version at most once a second
            newer = remote.pinned().data_dir
            if newer != folder:
                break
            time.sleep(0.1)
        assert newer != folder and preparer.wait_for(newer, timeout=300)
        assert statuses(url) == ["open"]

    def not_again(store: object) -> int:
        raise AssertionError("a derived version was derived again")

    monkeypatch.setattr(prepare, "keep_answers", not_again)
    restarted = RemoteStore(SparqlServer(fresh_engine.query), cache=tmp_path / "cache")
    with running(restarted) as url:
        assert preparer_of(url).wait_for(newer, timeout=300)
