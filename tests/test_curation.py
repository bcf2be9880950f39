"""A curation table wins over the heuristics, survives re-ingest, and no IRI disappears."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import requests
from pyoxigraph import NamedNode

from cblod.backends.store import CblodStore
from cblod.publish import ingest
from cblod.read.describe import describe_by_lookups, describe_in_few_queries
from tests.helpers.samples import ALL_PAGES, SAMPLES, ingest_all, select
from tests.helpers.servers import running

BASE = "http://127.0.0.1:5000/id/organisation/"
TURKU = BASE + "fi/turku-science-park"
VASTERAS = BASE + "se/vasteras-science-park"


def curation(tmp_path, *rows: str, name: str = "curation.csv"):
    path = tmp_path / name
    path.write_text("subject,relation,object,source\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def projects_of(store: CblodStore, organisation: str) -> list[str]:
    rows = select(
        store,
        f"SELECT DISTINCT ?a WHERE {{ ?p cbo:partner <{organisation}> ; cbo:project/cbo:acronym ?a }} ORDER BY ?a",
    )
    return [r["a"] for r in rows]


def sisp(store: CblodStore) -> str:
    (row,) = select(store, "SELECT ?o WHERE { ?o skos:prefLabel ?n FILTER(STRSTARTS(?n, 'SISP')) }")
    return row["o"]


def test_same_as_merges_existing_organisations_and_the_old_iri_keeps_resolving(tmp_path):
    store = ingest_all(tmp_path / "store")
    survivor = sisp(store)
    before = projects_of(store, survivor) + projects_of(store, VASTERAS)
    table = curation(tmp_path, f"{survivor},same-as,{VASTERAS},test decision (not a real merge)")
    (report,) = ingest([table], store=store)
    assert report.status == "ingested", report.error

    assert projects_of(store, survivor) == sorted(set(before))
    assert projects_of(store, VASTERAS) == []
    same = select(store, f"SELECT ?s WHERE {{ <{VASTERAS}> owl:sameAs ?s }}")
    assert [r["s"] for r in same] == [survivor]
    for describe in (describe_by_lookups, describe_in_few_queries):  # the page redirects
        assert describe(store, NamedNode(VASTERAS)).moved
        assert not describe(store, NamedNode(survivor)).moved
    # no source graph but the curation table still names the merged IRI
    graphs = select(
        store,
        f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ <{VASTERAS}> ?p ?o }} "
        "FILTER(!STRSTARTS(STR(?g), 'urn:cblod:internal:')) }",
    )
    assert [r["g"] for r in graphs] == ["http://127.0.0.1:5000/id/source/curation.csv"]

    with running(store) as url:
        local = VASTERAS.replace("http://127.0.0.1:5000", url)
        moved = requests.get(local, allow_redirects=False, timeout=30)
        assert moved.status_code == 301
        assert moved.headers["Location"].endswith(survivor.split("/id/", 1)[1])
        doc = local.replace("/id/", "/doc/") + ".ttl"
        moved_doc = requests.get(doc, allow_redirects=False, timeout=30)
        assert moved_doc.status_code == 301 and moved_doc.headers["Location"].endswith(".ttl")
        followed = requests.get(local, headers={"Accept": "text/turtle"}, timeout=30)
        assert followed.status_code == 200 and "SISP" in followed.text
        # the merged organisation's participations moved too, and their old IRIs redirect
        old = f"{url}/id/participation/central-baltic-2014-2020/sme2go/se-vasteras-science-park"
        assert requests.get(old, allow_redirects=False, timeout=30).status_code == 301


def test_the_merge_survives_reingesting_the_sources(tmp_path, pages):
    store = ingest_all(tmp_path / "store", [pages / p.name for p in ALL_PAGES])
    survivor = sisp(store)
    ingest([curation(tmp_path, f"{survivor},same-as,{VASTERAS},test decision")], store=store)
    page = pages / "centralbaltic-printview-sme2go.txt"
    page.write_text(page.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    (report,) = ingest([page], store=store)
    assert report.status == "ingested"
    assert projects_of(store, VASTERAS) == []
    assert "SME2GO" in projects_of(store, survivor)


def test_not_same_as_wins_over_the_name_rules_and_is_stable(tmp_path):
    table = curation(
        tmp_path, f"{TURKU},not-same-as,FI:Turku Science Park Ltd,test decision (not real)"
    )
    first = CblodStore(tmp_path / "a")
    reports = ingest([*ALL_PAGES, table], store=first)
    assert {r.status for r in reports} == {"ingested"}
    names = select(first, f"SELECT ?n WHERE {{ <{TURKU}> skos:prefLabel ?n }}")
    assert [r["n"] for r in names] == ["Turku Science Park Oy Ab"]
    (other,) = select(
        first, "SELECT ?o WHERE { ?o skos:prefLabel 'Turku Science Park Ltd' }"
    )  # the two spellings are two organisations now
    assert other["o"] != TURKU
    assert projects_of(first, other["o"]) == ["4Smart Growth", "SME2GO"]
    # the same IRIs in another store, and after re-ingesting everything
    second = CblodStore(tmp_path / "b")
    ingest([table, *ALL_PAGES], store=second)
    query = "SELECT ?o ?n WHERE { ?o a cbo:Organisation ; skos:prefLabel ?n } ORDER BY ?o"
    assert select(first, query) == select(second, query)
    assert len(select(first, query)) > 10


def test_exact_match_publishes_an_external_link(tmp_path):
    store = ingest_all(tmp_path / "store")
    table = curation(
        tmp_path,
        f"{TURKU},exact-match,http://www.wikidata.org/entity/Q123456789,test link (not real)",
    )
    (report,) = ingest([table], store=store)
    assert report.status == "ingested"
    rows = select(store, f"SELECT ?x WHERE {{ <{TURKU}> owl:sameAs ?x }}")
    assert [r["x"] for r in rows] == ["http://www.wikidata.org/entity/Q123456789"]
    with running(store) as url:  # the organisation page shows the link
        page = requests.get(f"{url}/doc/organisation/fi/turku-science-park", timeout=30).text
    assert "same as</a>" in page
    assert '<a href="http://www.wikidata.org/entity/Q123456789">Q123456789</a>' in page


def test_a_bad_curation_row_names_the_row_and_column(tmp_path):
    store = ingest_all(tmp_path / "store", ALL_PAGES[:1])
    for row, column, message in [
        (f"{TURKU},maybe-same,{VASTERAS},x", "relation", "unknown relation"),
        (f"{TURKU},same-as,{VASTERAS},", "source", "missing"),
        (f"{TURKU},exact-match,SE:Someone,x", "object", "external IRI"),
        (f"Turku,same-as,{VASTERAS},x", "subject", "neither an IRI"),
    ]:
        (report,) = ingest([curation(tmp_path, row)], store=store)
        assert report.status == "failed"
        for part in ["curation.csv", "row 2", column, message]:
            assert part in str(report.error), (part, str(report.error))


def test_the_link_report_shows_conflicts_and_curated_decisions(tmp_path):
    store_dir = tmp_path / "store"
    store = CblodStore(store_dir)
    (jems,) = ingest([SAMPLES.parent / "bulk" / "jems-northern-shores-synthetic.json"], store=store)
    assert jems.status == "ingested", jems.error
    west = BASE + "fi/lansirannikon-ymparistopalvelut"
    merenranta = BASE + "fi/merenrannan-ammattikorkeakoulu"
    ingest(
        [curation(tmp_path, f"{west},same-as,{merenranta},a wrong merge, on purpose")], store=store
    )
    del store
    done = subprocess.run(
        [sys.executable, "-m", "cblod", "link", "--report", "--store", str(store_dir)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Conflicts: 1 organisations with two identifiers of one scheme" in done.stdout
    assert "eu-vat: FI28765435, FI31842075" in done.stdout
    assert "fi-ytunnus: 2876543-5, 3184207-5" in done.stdout
    assert "Curated decisions in force: 1" in done.stdout
    assert "curated same-as" in done.stdout


def test_one_organisation_under_two_iris_is_reported_then_merged_by_curation(tmp_path):
    import json

    sample = json.loads((SAMPLES.parent / "bulk" / "keep-eu-api-990101-synthetic.json").read_text())

    def write(name: str, partner_name: str, with_ids: bool) -> Path:
        data = json.loads(json.dumps(sample))
        data["partnerships"] = [data["partnerships"][0]]
        data["partnerships"][0]["partner"]["name"] = partner_name
        data["partnerships"][0]["partner"].pop("translations", None)
        if not with_ids:
            data["partnerships"][0]["pic"] = data["partnerships"][0]["beneficiary_id"] = None
        path = tmp_path / name
        path.write_text(json.dumps(data))
        return path

    store_dir = tmp_path / "store"
    store = CblodStore(store_dir)
    ingest([write("a.json", "Merenrannan ammattikorkeakoulu Oy", True)], store=store)
    ingest([write("b.json", "Coastline Applied Sciences Oy", False)], store=store)  # a new IRI
    ingest([write("c.json", "Coastline Applied Sciences Oy", True)], store=store)  # the ID's
    del store
    report = subprocess.run(
        [sys.executable, "-m", "cblod", "link", "--report", "--store", str(store_dir)],
        capture_output=True, text=True, timeout=120,
    ).stdout  # fmt: skip
    first, second = (
        BASE + "fi/merenrannan-ammattikorkeakoulu",
        BASE + "fi/coastline-applied-sciences",
    )
    assert "Same name, other identifier: 1 pairs" in report
    assert f"<{first}>  ~  Coastline Applied Sciences Oy  <{second}>" in report

    store = CblodStore(store_dir)
    ingest([curation(tmp_path, f"{first},same-as,{second},checked in YTJ")], store=store)
    del store
    report = subprocess.run(
        [sys.executable, "-m", "cblod", "link", "--report", "--store", str(store_dir)],
        capture_output=True, text=True, timeout=120,
    ).stdout  # fmt: skip
    assert "Same name, other identifier: 0 pairs" in report  # decided: no longer listed
