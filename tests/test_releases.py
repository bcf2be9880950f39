"""Releases: each publication numbered and dated, what it changed, its dumps kept unchanged.

What a release says it changed is checked against the two snapshots themselves: the
resources whose published statements differ between them, read with pyoxigraph from the
retained snapshot folders, independently of how the release record was made.
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import rdflib
import requests
from pyoxigraph import DefaultGraph, Store

from benchmarks.generate import keep_eu_export
from cblod.backends.releases import Retention
from cblod.backends.store import DATABASE, CblodStore
from cblod.core.rdfterms import lexical
from cblod.publish import ingest
from tests.helpers.edits import exported_store, without_project
from tests.helpers.samples import ALL_PAGES
from tests.helpers.servers import running

DCT = rdflib.Namespace("http://purl.org/dc/terms/")
DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
CBO = rdflib.Namespace("https://w3id.org/cblod/ontology#")
XSD_DATETIME = rdflib.URIRef("http://www.w3.org/2001/XMLSchema#dateTime")


def published(folder: Path) -> dict[str, set]:
    """Each subject's published statements in the snapshot in ``folder``."""
    found: dict[str, set] = {}
    for quad in Store.read_only(str(folder / DATABASE)).quads_for_pattern(
        None, None, None, DefaultGraph()
    ):
        found.setdefault(lexical(quad.subject), set()).add((quad.predicate, quad.object))
    return found


def graph_of(folder: Path, graph) -> set:
    """The statements of one source graph in the snapshot in ``folder``."""
    store = Store.read_only(str(folder / DATABASE))
    return {
        (q.subject, q.predicate, q.object) for q in store.quads_for_pattern(None, None, None, graph)
    }


def diff(before: dict[str, set], after: dict[str, set]) -> dict[str, set[str]]:
    return {
        "added": {s for s in after if s not in before},
        "removed": {s for s in before if s not in after},
        "changed": {s for s in after if s in before and after[s] != before[s]},
    }


def release_graph(url: str, number: int) -> rdflib.Graph:
    response = requests.get(f"{url}/id/release/{number}", headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and response.history[0].status_code == 303
    return rdflib.Graph().parse(data=response.text, format="turtle")


def test_two_releases_say_what_changed_and_keep_their_dumps(tmp_path, pages):
    store = CblodStore(tmp_path / "store")
    ingest([pages / p.name for p in ALL_PAGES], store=store)
    first = store.snapshot
    with running(store) as url:
        dump = requests.get(f"{url}/releases/1/dumps/dataset.nt.gz", timeout=60)
        assert dump.status_code == 200
        assert "immutable" in dump.headers["Cache-Control"]
        assert b"4Smart Growth" in gzip.decompress(dump.content)

    page = pages / "keep-eu-4smart-growth.txt"
    page.write_text(page.read_text().replace("Project status: closed", "Project status: open"))
    ingest([page], store=store)
    expected = diff(published(first), published(store.snapshot))
    assert expected["changed"] and not expected["removed"]
    source = next(g for g in store.source_graphs() if g.value.endswith(page.name))
    old, new = (graph_of(folder, source) for folder in (first, store.snapshot))
    pairs = {(s, p) for s, p, _ in new - old} & {(s, p) for s, p, _ in old - new}
    statements = (len(old), len(new), len(new - old), len(old - new), len(pairs))
    assert statements[4]  # the status (and the ingest time): a value out, another in

    with running(store) as url:
        listing = rdflib.Graph().parse(
            data=requests.get(f"{url}/releases", headers={"Accept": "text/turtle"}).text,
            format="turtle",
        )
        issued = {str(s): o for s, o in listing.subject_objects(DCT.issued)}
        assert set(issued) == {store.base_uri + "id/release/1", store.base_uri + "id/release/2"}
        assert all(getattr(o, "datatype", None) == XSD_DATETIME for o in issued.values())

        second = release_graph(url, 2)
        release = rdflib.URIRef(store.base_uri + "id/release/2")
        for change, term in (("added", CBO.addedResource), ("changed", CBO.changedResource),
                             ("removed", CBO.removedResource)):  # fmt: skip
            assert {str(o) for o in second.objects(release, term)} == expected[change], change
        assert second.value(release, DCAT.previousVersion) == rdflib.URIRef(
            store.base_uri + "id/release/1"
        )
        downloads = {str(o) for o in second.objects(None, DCAT.downloadURL)}
        assert f"{url}/releases/2/dumps/dataset.nq.gz" in downloads

        html = requests.get(f"{url}/doc/release/2", timeout=30).text
        row = re.search(rf"<td>{re.escape(source.value)}</td>((?:<td[^>]*>[^<]*</td>){{5}})", html)
        shown = tuple(int(n.replace(",", "")) for n in re.findall(r">([\d,]+)<", row.group(1)))
        assert shown == statements  # before, after, added, removed, values changed
        counts = re.search(r"(\d+) resources added, (\d+) changed, (\d+) removed", html)
        assert tuple(map(int, counts.groups())) == tuple(
            len(expected[c]) for c in ("added", "changed", "removed")
        )
        again = requests.get(f"{url}/releases/1/dumps/dataset.nt.gz", timeout=60)
        assert again.content == dump.content  # the first release's dump, byte for byte
        assert requests.get(f"{url}/doc/release/3", timeout=30).status_code == 404


def test_a_removed_project_is_listed_as_removed(tmp_path):
    folder, paths, store = exported_store(tmp_path)
    first = store.snapshot
    without_project(folder, "P000003")
    ingest(paths, store=store)
    expected = diff(published(first), published(store.snapshot))
    project = next(iri for iri in expected["removed"] if iri.endswith("/p000003"))
    with running(store) as url:
        graph = release_graph(url, 2)
    removed = {str(o) for o in graph.objects(None, CBO.removedResource)}
    assert removed == expected["removed"] and project in removed


def test_the_retention_policy_keeps_the_last_releases_and_says_410_for_the_rest(tmp_path, pages):
    store = CblodStore(tmp_path / "store", retention=Retention(last=2, monthly=False))
    page = pages / "keep-eu-4smart-growth.txt"
    for n in range(3):
        page.write_text(page.read_text().replace("closed", f"closed{n}", 1))
        ingest([page], store=store)
    kept = sorted(p.name for p in (tmp_path / "store").iterdir() if p.name.startswith("v"))
    assert kept == ["v000002", "v000003"]
    with running(store) as url:
        assert requests.get(f"{url}/doc/release/1", timeout=30).status_code == 410
        assert requests.get(f"{url}/doc/release/2", timeout=30).status_code == 200
        assert requests.get(f"{url}/releases/1/dumps/dataset.nt.gz", timeout=30).status_code == 410


def test_a_streamed_export_changed_in_many_chunks_lists_exactly_what_changed(tmp_path, monkeypatch):
    """Subjects a streamed source publishes early and corrects later (an organisation in many
    chunks) are listed by what they became, not by the steps between."""
    from cblod.mappings import keep_eu_export as export_mapping

    monkeypatch.setattr(export_mapping, "CHUNK_ROWS", 30)
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    store = CblodStore(tmp_path / "store")
    ingest(keep_eu_export(120, first), store=store)
    before = store.snapshot
    ingest(keep_eu_export(120, second, seed=12), store=store)  # same files, other figures
    expected = diff(published(before), published(store.snapshot))
    assert expected["changed"] and expected["added"]
    with running(store) as url:
        graph = release_graph(url, 2)
    for change, term in (("added", CBO.addedResource), ("changed", CBO.changedResource),
                         ("removed", CBO.removedResource)):  # fmt: skip
        assert {str(o) for o in graph.objects(None, term)} == expected[change], change
