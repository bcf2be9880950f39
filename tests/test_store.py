"""The store's guarantees: one graph per source, replaced whole or not at all, order-free facts."""

import itertools
from decimal import Decimal

import pytest
from pyoxigraph import DefaultGraph, Literal, NamedNode, Quad, RdfFormat

from cblod.backends.draft import Draft
from cblod.backends.store import CblodStore
from cblod.core.errors import StoreError
from cblod.publish import ingest
from tests.helpers.compare import full_consolidation
from tests.helpers.samples import ALL_PAGES, CB_PAGE, CB_PRINTVIEW, KEEP_EU_PAGE, ingest_all, select

SUM_4SMART = """SELECT (SUM(?eu) AS ?sum) WHERE {
    ?project cbo:acronym "4Smart Growth" . ?p cbo:project ?project ; cbo:euContribution ?eu }"""


STATUS = "SELECT ?s WHERE { ?p cbo:status ?s }"


def default_graph_dump(store: CblodStore) -> bytes:
    return store.engine.dump(format=RdfFormat.N_QUADS, from_graph=DefaultGraph())


@pytest.mark.parametrize(
    "order", list(itertools.permutations([KEEP_EU_PAGE, CB_PAGE, CB_PRINTVIEW]))
)
def test_partner_sum_is_exact_whatever_the_ingest_order(tmp_path, order):
    store = ingest_all(tmp_path / "store", order)
    assert Decimal(select(store, SUM_4SMART)[0]["sum"]) == Decimal("817789.75")
    (count,) = select(store, "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?o a cbo:Organisation }")
    assert count["n"] == "6"


def test_published_values_do_not_depend_on_ingest_order(tmp_path):
    forward = ingest_all(tmp_path / "a", ALL_PAGES)
    backward = ingest_all(tmp_path / "b", list(reversed(ALL_PAGES)))
    facts = """SELECT ?acronym ?name ?role ?total ?eu WHERE {
        ?p cbo:project/cbo:acronym ?acronym ; cbo:partner/skos:prefLabel ?name ; cbo:role ?role .
        OPTIONAL { ?p cbo:totalBudget ?total } OPTIONAL { ?p cbo:euContribution ?eu } }"""

    def rows(store):
        return sorted(tuple(sorted(r.items())) for r in select(store, facts))

    assert rows(forward) == rows(backward)


def test_ingesting_the_same_file_twice_changes_nothing(tmp_path):
    store = ingest_all(tmp_path / "store")
    before, version = default_graph_dump(store), store.version
    reports = ingest(ALL_PAGES, store=store)
    assert {r.status for r in reports} == {"unchanged"}
    assert default_graph_dump(store) == before
    assert store.version == version


def test_a_changed_source_replaces_its_graph_whole(tmp_path, pages):
    store = CblodStore(tmp_path / "store")
    page = pages / "keep-eu-4smart-growth.txt"
    ingest([page], store=store)
    page.write_text(page.read_text().replace("Project status: closed", "Project status: ongoing"))
    (report,) = ingest([page], store=store)
    assert report.status == "ingested"
    statuses = select(store, "SELECT ?g ?s WHERE { GRAPH ?g { ?p cbo:status ?s } }")
    assert [r["s"] for r in statuses] == ["ongoing"]
    assert [r["s"] for r in select(store, "SELECT ?s WHERE { ?p cbo:status ?s }")] == ["ongoing"]


def test_a_removed_fact_leaves_the_default_graph(tmp_path, pages):
    store = CblodStore(tmp_path / "store")
    page = pages / "keep-eu-4smart-growth.txt"
    ingest([page], store=store)
    page.write_text(page.read_text().replace("Project status: closed\n", ""))
    ingest([page], store=store)
    assert select(store, "SELECT ?s WHERE { ?p cbo:status ?s }") == []


def test_a_failed_reingest_leaves_the_previous_graph_intact(tmp_path, pages):
    store = CblodStore(tmp_path / "store")
    page = pages / "keep-eu-4smart-growth.txt"
    ingest([page], store=store)
    before = store.engine.dump(format=RdfFormat.N_QUADS)
    page.write_text(page.read_text().replace("EUR 199 187.25", "EUR 1.2.3"))
    (report,) = ingest([page], store=store)
    assert report.status == "failed"
    assert store.engine.dump(format=RdfFormat.N_QUADS) == before


def test_a_snapshot_left_unpublished_by_a_crash_is_never_read_and_is_removed(tmp_path):
    path = tmp_path / "store"
    store = ingest_all(path, [KEEP_EU_PAGE])
    before = default_graph_dump(store)
    junk = Quad(NamedNode("http://x/s"), NamedNode("http://x/p"), Literal("o"))
    dead = Draft.begin(store)
    dead.database.add(junk)  # a writer dies with this snapshot unpublished
    unpublished = dead.work_dir
    del dead
    store.folder.release()  # what the death of its process does to the lock
    assert default_graph_dump(CblodStore(path, must_exist=True)) == before
    draft = Draft.begin(CblodStore(path))  # the next writer clears what the dead one left
    assert not unpublished.exists() or unpublished == draft.work_dir
    assert junk not in draft.database
    assert default_graph_dump(draft.reader()) == before
    draft.fail()


def test_readers_keep_the_published_snapshot_until_the_next_is_published(tmp_path, pages):
    path = tmp_path / "store"
    page = pages / "keep-eu-4smart-growth.txt"
    writer = ingest_all(path, [page])
    reader = CblodStore(path, must_exist=True)
    page.write_text(page.read_text().replace("Project status: closed", "Project status: ongoing"))
    seen = {}

    def derive(sealed):
        seen["while writing"] = [r["s"] for r in select(reader, STATUS)]

    ingest([page], store=writer, derive=derive)  # derive: the snapshot written, not published
    assert seen == {"while writing": ["closed"]}
    assert [r["s"] for r in select(reader, "SELECT ?s WHERE { ?p cbo:status ?s }")] == ["closed"]
    fresh = CblodStore(path, must_exist=True)
    assert [r["s"] for r in select(fresh, "SELECT ?s WHERE { ?p cbo:status ?s }")] == ["ongoing"]
    assert fresh.version != reader.version


def test_one_writer_at_a_time(tmp_path):
    path = tmp_path / "store"
    first = Draft.begin(CblodStore(path))
    with pytest.raises(StoreError, match="another process is writing"):
        Draft.begin(CblodStore(path))
    first.fail()
    Draft.begin(CblodStore(path)).fail()  # the lock went with the discarded snapshot


def test_old_snapshots_are_pruned_and_the_published_one_kept(tmp_path, pages):
    path = tmp_path / "store"
    page = pages / "keep-eu-4smart-growth.txt"
    store = CblodStore(path)
    for n in range(6):
        page.write_text(page.read_text().replace(f"closed{n - 1 if n else ''}", f"closed{n}"))
        ingest([page], store=store)
    kept = sorted(p.name for p in path.iterdir() if p.name.startswith("v"))
    assert len(kept) == store.retention.last  # the last releases (all in this month)
    assert store.snapshot.name == kept[-1]
    assert [r["s"] for r in select(store, "SELECT ?s WHERE { ?p cbo:status ?s }")] == ["closed5"]


def test_a_bare_oxigraph_folder_is_not_taken_for_a_store(tmp_path):
    from pyoxigraph import Store

    Store(str(tmp_path / "bare"))
    with pytest.raises(StoreError, match="bare Oxigraph database"):
        CblodStore(tmp_path / "bare")


def test_the_base_uri_is_kept_and_guarded(tmp_path):
    store = CblodStore(tmp_path / "store")
    ingest([KEEP_EU_PAGE], store=store, base_uri="https://data.example.eu/")
    assert store.base_uri == "https://data.example.eu/"
    (row,) = select(store, "SELECT ?p WHERE { ?p a cbo:Project }")
    assert row["p"] == "https://data.example.eu/id/project/central-baltic-2014-2020/4smart-growth"
    with pytest.raises(StoreError, match="would change every URI"):
        ingest([CB_PAGE], store=store, base_uri="https://other.example.eu/")


def test_uris_are_stable_across_reingest_into_a_fresh_store(tmp_path):
    first = ingest_all(tmp_path / "a")
    second = ingest_all(tmp_path / "b")
    query = (
        "SELECT ?s WHERE { ?s a ?type FILTER(STRSTARTS(STR(?s), 'http://127.0.0.1')) } ORDER BY ?s"
    )
    assert select(first, query) == select(second, query)
    assert len(select(first, query)) > 50


def test_disagreements_beyond_rounding_are_reported(tmp_path, pages):
    page = pages / "centralbaltic-4smart-growth.txt"
    page.write_text(
        page.read_text().replace("Partner budget: 200.000 EUR", "Partner budget: 210.000 EUR", 1)
    )
    store = CblodStore(tmp_path / "store")
    reports = ingest([page, pages / "keep-eu-4smart-growth.txt"], store=store)
    conflicts = [c for r in reports for c in r.conflicts]
    assert len(conflicts) == 1
    assert conflicts[0].predicate.endswith("#totalBudget")
    assert {value for value, _ in conflicts[0].values} == {
        '"200000"^^<http://www.w3.org/2001/XMLSchema#decimal>',
        '"210000"^^<http://www.w3.org/2001/XMLSchema#decimal>',
    }
    # rounding differences (199187 vs 199187.25) are not disagreements
    assert all("euContribution" not in c.predicate for c in conflicts)


def test_a_project_named_by_two_sources_is_one_resource(tmp_path, pages):
    keep_eu = pages / "keep-eu-4smart-growth.txt"
    text = keep_eu.read_text().replace("Project acronym: 4Smart Growth", "Project acronym: SME2Go")
    text = text.replace("Project start date: 2019-04-01", "Project start date: 2015-10-01")
    keep_eu.write_text(text.replace("Project end date: 2021-12-31", "Project end date: 2018-09-30"))
    store = ingest_all(tmp_path / "store", [keep_eu, pages / "centralbaltic-printview-sme2go.txt"])
    rows = select(store, "SELECT DISTINCT ?p WHERE { ?p a cbo:Project }")
    assert len(rows) == 1
    (acronym,) = select(store, "SELECT ?a WHERE { ?p a cbo:Project ; cbo:acronym ?a }")
    assert acronym["a"] == "SME2GO"  # the programme's own database outranks keep.eu


@pytest.mark.parametrize(
    "order", [ALL_PAGES, list(reversed(ALL_PAGES))], ids=["forward", "reverse"]
)
def test_incremental_default_graph_equals_a_full_reconsolidation(tmp_path, pages, order):
    store = ingest_all(tmp_path / "store", order)
    # and after a source changes and another is re-ingested unchanged
    page = pages / "centralbaltic-4smart-growth.txt"
    page.write_text(
        page.read_text().replace("Partner budget: 200.000 EUR", "Partner budget: 210.000 EUR", 1)
    )
    ingest([page, *ALL_PAGES], store=store)
    published = {(q.subject, q.predicate, q.object) for q in store.default_graph_quads()}
    assert len(published) > 500
    assert published == full_consolidation(store)


def test_every_uri_is_the_same_whatever_the_ingest_order_of_the_samples(tmp_path):
    forward = ingest_all(tmp_path / "a", ALL_PAGES)
    backward = ingest_all(tmp_path / "b", list(reversed(ALL_PAGES)))
    # organisations (and so their participations) are named after the first name a store saw
    query = """SELECT DISTINCT ?s WHERE { ?s a ?t
                 FILTER(!CONTAINS(STR(?s), '/organisation/') && !CONTAINS(STR(?s), '/participation/'))
               } ORDER BY ?s"""
    assert select(forward, query) == select(backward, query)
    assert len(select(forward, query)) > 20


def test_the_bulk_write_path_publishes_the_same_dataset(tmp_path, monkeypatch):
    import cblod.core.ntriples

    normal = ingest_all(tmp_path / "normal")
    monkeypatch.setattr(cblod.core.ntriples, "BULK_THRESHOLD", 0)  # every source through bulk_load
    bulk = ingest_all(tmp_path / "bulk")

    def without_ingest_times(store):  # the two stores were filled a moment apart
        lines = default_graph_dump(store).decode().splitlines()
        return [line for line in lines if "generatedAtTime" not in line]

    assert without_ingest_times(bulk) == without_ingest_times(normal)
    assert len(without_ingest_times(bulk)) > 500
    published = {(q.subject, q.predicate, q.object) for q in bulk.default_graph_quads()}
    assert published == full_consolidation(bulk)
