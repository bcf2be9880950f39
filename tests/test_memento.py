"""Time travel (Memento, RFC 7089): a resource as each kept release published it.

Release times have a resolution of one second (HTTP dates have no finer one), so the tests
wait a second between publications they want told apart.
"""

from __future__ import annotations

from email.utils import format_datetime

import rdflib
import requests

from cblod.backends.releases import read
from cblod.backends.store import CblodStore
from cblod.publish import ingest
from tests.helpers.clock import StepClock
from tests.helpers.edits import exported_store, without_project
from tests.helpers.samples import ALL_PAGES, select
from tests.helpers.servers import running

PROJECT = "/id/project/central-baltic-2014-2020/4smart-growth"
CBO = rdflib.Namespace("https://w3id.org/cblod/ontology#")


def http_date(store: CblodStore) -> str:
    release = read(store.snapshot)
    assert release is not None
    return format_datetime(release.issued, usegmt=True)


def status_at(url: str, when: str | None) -> tuple[requests.Response, set[str]]:
    headers = {"Accept": "text/turtle"}
    if when:
        headers["Accept-Datetime"] = when
    response = requests.get(url + PROJECT, headers=headers, timeout=30)
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    return response, {str(o) for o in graph.objects(None, CBO.status)}


def test_a_resource_as_it_was_before_and_after_a_change(tmp_path, pages):
    store, clock = CblodStore(tmp_path / "store"), StepClock()
    ingest([pages / p.name for p in ALL_PAGES], store=store, clock=clock)
    before = http_date(store)
    clock.advance()
    page = pages / "keep-eu-4smart-growth.txt"
    page.write_text(page.read_text().replace("Project status: closed", "Project status: open"))
    ingest([page], store=store, clock=clock)
    after = http_date(store)
    assert after != before

    with running(store) as url:
        old, said = status_at(url, before)
        assert said == {"closed"}
        assert old.history[0].status_code == 302  # the URI is its own TimeGate
        assert "Accept-Datetime" in old.history[0].headers["Vary"]
        assert old.headers["Memento-Datetime"] == before
        assert 'rel="original timegate"' in old.headers["Link"]
        new, said = status_at(url, after)
        assert said == {"open"} and new.headers["Memento-Datetime"] == after
        now, said = status_at(url, None)
        assert said == {"open"} and "Memento-Datetime" not in now.headers

        timemap_url = next(
            part.split(">")[0].strip().lstrip("<")
            for part in now.headers["Link"].split(",")
            if 'rel="timemap"' in part
        )
        timemap = requests.get(timemap_url, timeout=30)
        assert timemap.headers["Content-Type"].startswith("application/link-format")
        assert f'datetime="{before}"' in timemap.text and f'datetime="{after}"' in timemap.text
        assert timemap.text.count("memento") == 2

        page_html = requests.get(url + PROJECT.replace("/id/", "/doc/"), timeout=30).text
        assert 'rel="timemap"' in page_html  # a resource page links to its history
        bad = requests.get(url + PROJECT, headers={"Accept-Datetime": "yesterday-ish"}, timeout=30)
        assert bad.status_code == 400 and "Accept-Datetime" in bad.text


def test_a_removed_project_is_gone_now_and_reachable_in_the_past(tmp_path):
    clock = StepClock()
    folder, paths, store = exported_store(tmp_path, clock)
    (row,) = select(store, 'SELECT ?p WHERE { ?p a cbo:Project ; cbo:acronym "P000003" }')
    before = http_date(store)
    clock.advance()
    without_project(folder, "P000003")
    ingest(paths, store=store, clock=clock)
    with running(store) as url:
        thing = row["p"].replace(store.base_uri.rstrip("/"), url)
        assert requests.get(thing, timeout=30).status_code == 410
        document = thing.replace("/id/", "/doc/")
        gone = requests.get(document, timeout=30)
        assert gone.status_code == 410 and 'rel="timemap"' in gone.headers["Link"]
        old = requests.get(
            thing, headers={"Accept": "text/turtle", "Accept-Datetime": before}, timeout=30
        )
        assert old.status_code == 200 and old.headers["Memento-Datetime"] == before
        assert "P000003" in old.text
