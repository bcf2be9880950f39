"""Pages made ahead (``PAGES_AHEAD``, ``cblod serve --pages-ahead``): every resource's page of
a version made before it is asked for, byte for byte the page rendered when asked, served for
that version only, on every backend.
"""

from __future__ import annotations

import sqlite3
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from cblod.backends.published import Dataset
from cblod.backends.store import CblodStore
from cblod.publish import ingest
from cblod.web.ahead import DONE_FILE, PAGES_FILE, make_pages
from tests.helpers.samples import KEEP_EU_PAGE, ingest_all
from tests.helpers.servers import (
    ENGINES,
    engine_serving,
    free_port,
    process_serving,
    remote_copy,
    running,
)

pytestmark = pytest.mark.slow


def made_paths(folder: Path) -> list[str]:
    with sqlite3.connect(folder / PAGES_FILE) as db:
        return sorted(path for (path,) in db.execute("SELECT path FROM pages"))


def wait_until_made(folder: Path) -> None:
    """Until the version's pages are all made (the maker writes ``DONE_FILE`` last)."""
    for _ in range(1200):
        if (folder / DONE_FILE).exists():
            return
        time.sleep(0.1)
    raise AssertionError(f"no pages made in {folder}")


@contextmanager
def dataset_on(backend: str, store: CblodStore, folder: Path) -> Iterator[Dataset]:
    """``store`` as a backend reads it: itself, or pushed to a fresh engine and read back."""
    if backend == "embedded":
        yield store
        return
    with engine_serving(backend, folder / "engine") as endpoints:
        yield remote_copy(store, endpoints, folder / "cache")


def our_resources(dataset: Dataset) -> set[str]:
    """The document path of every resource of ours the published graph describes."""
    ours = f"{dataset.base_uri}id/"
    found = dataset.select(
        f'SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), "{ours}")) }}'
    )
    return {"/doc/" + row["s"].value[len(ours) :] for row in found}


@pytest.mark.parametrize("backend", ["embedded", *ENGINES])
def test_every_page_is_made_ahead_as_it_would_be_rendered(backend, tmp_path):
    store = ingest_all(tmp_path / "store")
    with (
        dataset_on(backend, store, tmp_path) as dataset,
        running(dataset, PAGES_AHEAD=True) as ahead,
        running(dataset) as live,
    ):
        folder = dataset.data_dir
        assert folder is not None
        wait_until_made(folder)
        made = made_paths(folder)
        assert set(made) == our_resources(dataset)  # every resource, each once
        with requests.Session() as client:
            for path in made:
                early = client.get(ahead + path, timeout=60)
                asked = client.get(live + path, timeout=60)
                assert early.status_code == asked.status_code == 200, path
                assert early.headers["Server-Timing"] == 'page;desc="made-ahead"', path
                assert asked.headers["Server-Timing"].startswith('page;desc="rendered"')
                assert early.content == asked.content, path
                assert early.headers["ETag"] == asked.headers["ETag"]


def test_other_variants_of_a_page_are_rendered_when_asked(tmp_path):
    store = ingest_all(tmp_path / "store", [KEEP_EU_PAGE])
    with running(store, PAGES_AHEAD=True) as url:
        assert store.data_dir is not None
        wait_until_made(store.data_dir)
        page = f"{url}/doc/project/central-baltic-2014-2020/4smart-growth"

        def how(path: str, **headers: str) -> str:
            response = requests.get(path, headers=headers, timeout=60)
            assert response.status_code == 200, path
            return response.headers["Server-Timing"]

        assert how(page) == 'page;desc="made-ahead"'
        assert how(page + ".html") == 'page;desc="made-ahead"'
        # names in another language, the next page of links, the data: made when asked
        assert how(page, **{"Accept-Language": "fi"}).startswith('page;desc="rendered"')
        assert how(page + "?lang=sv").startswith('page;desc="rendered"')
        assert how(page + "?inbound=1").startswith('page;desc="rendered"')
        assert how(page + ".ttl").startswith('page;desc="rendered"')
        assert how(page + ".ttl") == 'page;desc="kept"'  # then kept in memory


def test_a_new_version_is_never_shown_the_pages_of_the_one_before(tmp_path):
    """A secretariat renames a project: the next request shows the new name at once
    (rendered, while the new version's pages are made), then from the new pages; the old
    version's pages are removed once the new ones are made."""
    source = tmp_path / "keep-eu-4smart-growth.txt"
    text = KEEP_EU_PAGE.read_text(encoding="utf-8")
    source.write_text(text, encoding="utf-8")
    writer = ingest_all(tmp_path / "store", [source])
    served = CblodStore(tmp_path / "store", must_exist=True)  # follows what ingests publish
    with running(served, PAGES_AHEAD=True) as url:
        first = served.data_dir
        assert first is not None
        wait_until_made(first)
        page = f"{url}/doc/project/central-baltic-2014-2020/4smart-growth"
        before = requests.get(page, timeout=60)
        assert before.headers["Server-Timing"] == 'page;desc="made-ahead"'
        assert "Smart Clusters for Smart Growth" in before.text
        source.write_text(text.replace("Smart Clusters for", "Smart Clusters, renamed, for"))
        ingest([source], store=writer)
        after = requests.get(page, timeout=60)
        assert "Smart Clusters, renamed, for Smart Growth" in after.text
        assert after.headers["ETag"] != before.headers["ETag"]
        second = served.latest().data_dir
        assert second is not None and second != first
        wait_until_made(second)
        # a page naming the project, not asked for since: made ahead with the new name
        (row,) = served.latest().select(
            "SELECT ?p WHERE { ?p <https://w3id.org/cblod/ontology#project> ?project ; "
            "<https://w3id.org/cblod/ontology#role> "
            "<https://w3id.org/cblod/ontology#LeadPartner> }"
        )
        participation = url + "/doc/" + row["p"].value.split("/id/", 1)[1]
        naming = requests.get(participation, timeout=60)
        assert naming.headers["Server-Timing"] == 'page;desc="made-ahead"'
        assert "Smart Clusters, renamed, for Smart Growth" in naming.text
        assert not list(first.glob(f"{PAGES_FILE}*"))  # the old version's pages are gone


def test_an_interrupted_making_resumes_where_it_stopped(tmp_path):
    store = ingest_all(tmp_path / "store", [KEEP_EU_PAGE])
    folder = store.data_dir
    assert folder is not None
    made = make_pages(store.opener(), store.version, str(folder))
    assert made == len(our_resources(store)) > 10
    (folder / DONE_FILE).unlink()
    with sqlite3.connect(folder / PAGES_FILE) as db:  # as if stopped halfway
        db.execute("DELETE FROM pages WHERE rowid % 2 = 0")
        left = db.execute("SELECT COUNT(*) FROM pages").fetchone()[0]
    assert make_pages(store.opener(), store.version, str(folder)) == made - left
    assert len(made_paths(folder)) == made and (folder / DONE_FILE).exists()
    # a maker for a version no longer published makes nothing
    assert make_pages(store.opener(), "another-version", str(folder)) == 0


def test_serve_pages_ahead_on_the_command_line(tmp_path):
    """``cblod serve --pages-ahead`` as a publisher runs it: the pages are made beside the
    snapshot, and served from there."""
    store = ingest_all(tmp_path / "store", [KEEP_EU_PAGE])
    port = free_port()
    command = [sys.executable, "-m", "cblod", "serve", "--store", str(store.path),
               "--port", str(port), "--pages-ahead"]  # fmt: skip
    with process_serving(command, f"http://127.0.0.1:{port}/robots.txt"):
        assert store.data_dir is not None
        wait_until_made(store.data_dir)
        page = requests.get(
            f"http://127.0.0.1:{port}/doc/project/central-baltic-2014-2020/4smart-growth",
            timeout=60,
        )
        assert page.status_code == 200
        assert page.headers["Server-Timing"] == 'page;desc="made-ahead"'
        assert "Smart Clusters for Smart Growth" in page.text
