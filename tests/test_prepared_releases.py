"""A release is made ready in a running server's memory while it is derived (issue #24):
its indexes are loaded before the published pointer moves, so the first request after an
ingest loads nothing, and nothing of the release is served before it is published."""

from __future__ import annotations

import json

import pytest
import requests
from conftest import ALL_PAGES, KEEP_EU_PAGE, RUNNING_APPS, running
from test_published_whole import STATUS, changed, ingest_without_publishing

from cblod.ingest import derive_release, ingest
from cblod.snapshots import published_snapshot
from cblod.store import CblodStore
from cblod.web import faceted, reconcile
from cblod.web.prepare import Preparer

CBO = "PREFIX cbo: <https://w3id.org/cblod/ontology#> "


def preparer_of(url: str) -> Preparer:
    return RUNNING_APPS[url].extensions["cblod_prepare"]


def no_loading_on_request(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on, a request that loads (or builds) an index fails."""

    def not_on_request(*args: object, **kwargs: object) -> None:
        raise AssertionError("an index was loaded by a request")

    for module in (faceted, reconcile):
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
    with running(CblodStore(store.path, read_only=True)) as url:
        preparer = preparer_of(url)
        assert preparer.wait_for(published_snapshot(store.path), timeout=60)
        seen: dict[str, object] = {}

        def derive(sealed: CblodStore) -> None:
            derive_release(sealed)
            # its indexes are on disk: the server loads them, and still serves the release before
            seen["prepared"] = preparer.wait_for(sealed.snapshot, timeout=60)
            seen["served while deriving"] = statuses(url)

        ingest_without_publishing(store, changed(pages, "open"))
        assert store.publish(derive=derive)
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
    with running(CblodStore(store.path, read_only=True)) as url:
        assert preparer_of(url).wait_for(published_snapshot(store.path), timeout=60)
        no_loading_on_request(monkeypatch)
        for path in ("/projects", "/participations", "/organisations"):
            assert requests.get(url + path, timeout=30).status_code == 200, path
