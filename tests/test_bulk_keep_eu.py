"""keep.eu search exports (XLSX, CSV): the same facts as the Jems export of the same content."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from cblod.backends.store import CblodStore
from cblod.publish import ingest
from cblod.read.validate import validate
from tests.helpers.samples import select

BULK = Path(__file__).resolve().parent.parent / "samples" / "bulk"
JEMS = [BULK / "jems-northern-shores-synthetic.json"]
XLSX = [BULK / "keep-eu-export-synthetic.xlsx"]
CSV = [BULK / "keep-eu-projects-synthetic.csv", BULK / "keep-eu-partners-synthetic.csv"]
API = sorted(BULK.glob("keep-eu-api-*.json"))
FACTS = {
    "projects": "SELECT ?a ?t ?e ?s ?end WHERE { ?p a cbo:Project ; cbo:acronym ?a ; cbo:totalBudget ?t ; cbo:euContribution ?e ; cbo:startDate ?s ; cbo:endDate ?end }",
    "partners": "SELECT ?a ?r ?t ?e ?c WHERE { ?x cbo:project/cbo:acronym ?a ; cbo:role ?r ; cbo:totalBudget ?t ; cbo:euContribution ?e ; cbo:partner/cbo:country ?c }",
    "organisations": "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?o a cbo:Organisation }",
    "rates": "SELECT ?a ?rate ?partner WHERE { ?p cbo:acronym ?a ; cbo:coFinancingRate ?rate . ?x cbo:project ?p ; cbo:coFinancingRate ?partner }",
    "objectives": "SELECT ?a ?so ?pr WHERE { ?p cbo:acronym ?a ; cbo:specificObjective ?so ; cbo:priority ?pr }",
    "results": "SELECT ?a ?l WHERE { ?p cbo:acronym ?a ; cbo:result/rdfs:label ?l FILTER(LANG(?l) = 'en') }",
    "english titles": "SELECT ?a ?l WHERE { ?p cbo:acronym ?a ; rdfs:label ?l FILTER(LANG(?l) = 'en') }",
    # keep.eu also shows the Estonian partner's registry code, which Jems has as "N/A"
    "identifiers": "SELECT ?s ?n WHERE { ?i cbo:scheme ?s ; skos:notation ?n FILTER(?s != 'ee-registrikood') }",
}


def facts(paths, tmp) -> dict[str, list]:
    store = CblodStore(tmp / "store")
    reports = ingest(paths, store=store)
    assert [r.status for r in reports] == ["ingested"] * len(paths), [str(r.error) for r in reports]
    assert all(r.warnings == [] for r in reports), [r.warnings for r in reports]
    return {
        name: sorted(tuple(sorted(r.items())) for r in select(store, q))
        for name, q in FACTS.items()
    }


@pytest.fixture(scope="module")
def jems_facts(tmp_path_factory):
    return facts(JEMS, tmp_path_factory.mktemp("jems"))


@pytest.mark.parametrize(
    "paths", [XLSX, CSV, list(reversed(CSV))], ids=["xlsx", "csv", "csv-partners-first"]
)
def test_the_same_facts_whichever_format(jems_facts, tmp_path, paths):
    found = facts(paths, tmp_path)
    for name in FACTS:
        assert found[name] == jems_facts[name], name


def test_the_api_projection_agrees_on_what_it_carries(jems_facts, tmp_path):
    found = facts(API, tmp_path)
    for name in ("projects", "partners", "organisations", "identifiers", "english titles"):
        assert found[name] == jems_facts[name], name


def test_keep_eu_export_facts(tmp_path):
    store = CblodStore(tmp_path / "store")
    ingest(XLSX, store=store)
    (n,) = select(store, "SELECT (COUNT(*) AS ?n) WHERE { ?x a cbo:Participation }")
    assert n["n"] == "8"
    (estonian,) = select(
        store, "SELECT ?n WHERE { ?o cbo:country country:EST ; cbo:identifier/skos:notation ?n }"
    )
    assert estonian["n"] == "90045704"
    regions = {r["r"] for r in select(store, "SELECT ?r WHERE { ?o cbo:region ?r }")}
    assert "http://data.europa.eu/nuts/code/FI195" in regions
    indicators = {
        (r["code"], r["unit"])
        for r in select(
            store,
            "SELECT ?code ?unit WHERE { ?p cbo:indicator ?i . ?i skos:notation ?code ; cbo:measurementUnit ?unit }",
        )
    }
    assert {
        ("RCO84", "pilot actions"),
        ("RCO116", "solutions"),
        ("RCR104", "solutions"),
    } <= indicators
    assert validate(store).conforms


def test_everything_together_is_one_dataset(tmp_path):
    store = CblodStore(tmp_path / "store")
    reports = ingest([*JEMS, *XLSX, *CSV, *API], store=store)
    assert {r.status for r in reports} == {"ingested"}
    (count,) = select(store, "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a cbo:Project }")
    assert count["n"] == "3"
    (orgs,) = select(store, "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?o a cbo:Organisation }")
    assert orgs["n"] == "7"
    report = validate(store)
    assert report.conforms, [str(f) for f in report.violations]


def edited_csv(tmp_path, name: str, edit) -> Path:
    rows = list(csv.reader(io.StringIO((BULK / name).read_text(encoding="utf-8"), newline="")))
    rows = edit(rows)
    out = io.StringIO()
    csv.writer(out, delimiter=";").writerows(rows)  # also: semicolon-separated
    path = tmp_path / name
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def set_cell(column: str, row: int, value: str):
    def edit(rows):
        rows[row][rows[0].index(column)] = value
        return rows

    return edit


def test_shuffled_columns_and_semicolons_read_the_same(tmp_path, jems_facts):
    def shuffle(rows):
        order = list(reversed(range(len(rows[0]))))
        return [[r[i] for i in order] for r in rows]

    projects = edited_csv(tmp_path, "keep-eu-projects-synthetic.csv", shuffle)
    partners = edited_csv(tmp_path, "keep-eu-partners-synthetic.csv", shuffle)
    assert facts([projects, partners], tmp_path)["partners"] == jems_facts["partners"]


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("Partner's total eligible budget / expenditure", "1.2.3", "is not a number"),
        ("Country code", "XX", "unknown country"),
        ("Project acronym", "", "field is missing"),
        ("Lead partner", "Perhaps", "expected Yes or No"),
        ("Partner's programme co-financing (%) (2021-2027 only)", "150%", "between 0 and 100"),
    ],
)
def test_a_bad_row_is_rejected_with_sheet_row_and_column(tmp_path, column, value, message):
    path = edited_csv(tmp_path, "keep-eu-partners-synthetic.csv", set_cell(column, 3, value))
    store = CblodStore(tmp_path / "store")
    (report,) = ingest([path], store=store)
    assert report.status == "ingested"
    (warning,) = report.warnings
    assert (
        "rejected Search results, partners row 4" in warning and message in warning
    )  # header = row 1
    (n,) = select(store, "SELECT (COUNT(*) AS ?n) WHERE { ?x a cbo:Participation }")
    assert n["n"] == "7"  # the other rows went in

    strict_store = CblodStore(tmp_path / "strict")
    (strict,) = ingest([path], store=strict_store, strict=True)
    assert strict.status == "failed"
    assert "row 4" in str(strict.error) and str(path) in str(strict.error)
    assert strict_store.source_graphs() == []


def test_a_workbook_without_the_result_sheets_is_refused(tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.title = "Sheet1"
    path = tmp_path / "other.xlsx"
    workbook.save(path)
    (report,) = ingest([path], store=CblodStore(tmp_path / "store"))
    assert report.status == "failed"


def test_every_example_query_answers_on_the_demo_content(tmp_path):
    from cblod.read.examples import EXAMPLES
    from tests.helpers.samples import SAMPLES

    store = CblodStore(tmp_path / "store")
    ingest([SAMPLES, BULK], store=store)
    for example in EXAMPLES:
        rows = list(store.select(example.query))
        assert rows, example.title
    lead = next(e for e in EXAMPLES if e.title == "Lead partners and their projects")
    projects = [row["project"].value for row in store.select(lead.query)]
    assert len(projects) == len(set(projects)) == 8  # one row per project, whatever the languages


def test_a_streamed_source_that_fails_late_leaves_its_previous_graph(tmp_path, monkeypatch):
    from pyoxigraph import RdfFormat

    from cblod.mappings import keep_eu_export

    monkeypatch.setattr(keep_eu_export, "CHUNK_ROWS", 2)  # chunks are written before the bad row
    store = CblodStore(tmp_path / "store")
    good = edited_csv(tmp_path, "keep-eu-partners-synthetic.csv", lambda rows: rows)
    assert ingest([good], store=store)[0].status == "ingested"
    before = store.engine.dump(format=RdfFormat.N_QUADS)
    bad = edited_csv(tmp_path, "keep-eu-partners-synthetic.csv", set_cell("Country code", 7, "XX"))
    (report,) = ingest([bad], store=store, strict=True)
    assert report.status == "failed" and "row 8" in str(report.error)
    assert store.engine.dump(format=RdfFormat.N_QUADS) == before
    (again,) = ingest([bad], store=store)  # not strict: the row is rejected, the rest goes in
    assert again.status == "ingested" and len(again.warnings) == 1
    (n,) = select(store, "SELECT (COUNT(*) AS ?n) WHERE { ?x a cbo:Participation }")
    assert n["n"] == "7"


def test_strict_on_the_command_line(tmp_path):
    import subprocess
    import sys

    bad = edited_csv(tmp_path, "keep-eu-partners-synthetic.csv", set_cell("Country code", 3, "XX"))

    def cblod_ingest(*flags):
        command = [sys.executable, "-m", "cblod", "ingest", str(bad), "--store"]
        return subprocess.run(
            [*command, str(tmp_path / "s"), *flags], capture_output=True, text=True, timeout=120
        )

    strict = cblod_ingest("--strict")
    assert (
        strict.returncode == 1 and "row 4" in strict.stderr and "unknown country" in strict.stderr
    )
    lenient = cblod_ingest()
    assert lenient.returncode == 0
    assert "warning: rejected Search results, partners row 4" in lenient.stdout


def test_a_generated_export_streams_in_chunks_and_loses_nothing(tmp_path, monkeypatch):
    """The benchmarks' generator, at fixture size: every row arrives, partners merge by ID."""
    from decimal import Decimal

    from benchmarks.generate import keep_eu_export
    from cblod.mappings import keep_eu_export as mapping

    monkeypatch.setattr(mapping, "CHUNK_ROWS", 97)  # many chunks, none aligned with projects
    projects_csv, partners_csv = keep_eu_export(300, tmp_path)
    rows = list(csv.DictReader(partners_csv.open(encoding="utf-8")))
    store = CblodStore(tmp_path / "store")
    reports = ingest([partners_csv, projects_csv], store=store)
    assert [r.status for r in reports] == ["ingested", "ingested"], [r.error for r in reports]

    (counts,) = select(
        store,
        """SELECT (COUNT(DISTINCT ?p) AS ?projects) (COUNT(DISTINCT ?x) AS ?participations)
                  (COUNT(DISTINCT ?o) AS ?organisations) (SUM(?eu) AS ?erdf) WHERE {
             ?p a cbo:Project ; rdfs:label ?title . ?x cbo:project ?p ; cbo:partner ?o .
             OPTIONAL { ?x cbo:euContribution ?eu } }""",
    )
    assert counts["projects"] == "300"
    assert int(counts["participations"]) == len(rows)
    assert int(counts["organisations"]) == len({r["Partner's ID if not PIC"] for r in rows})
    written = sum(
        Decimal(r["Partner's programme co-financing (EUR) (2021-2027 only)"]) for r in rows
    )
    assert Decimal(counts["erdf"]) == written  # exact, whatever the chunking


def test_actual_achievements_are_published_as_achieved_results(tmp_path):
    text = "Three pilot courses ran in 2025. Forty teachers were trained."
    path = edited_csv(
        tmp_path,
        "keep-eu-projects-synthetic.csv",
        set_cell("Actual Achievements in English", 1, text),
    )
    store = CblodStore(tmp_path / "store")
    assert ingest([path], store=store)[0].status == "ingested"
    achieved = select(
        store,
        "SELECT ?l ?n WHERE { ?p cbo:result ?r . ?r cbo:resultKind cbo:Achieved ; rdfs:label ?l "
        "OPTIONAL { ?r cbo:quantity ?n } } ORDER BY ?l",
    )
    assert [r["l"] for r in achieved] == [
        "Forty teachers were trained.",
        "Three pilot courses ran in 2025.",
    ]


def test_api_addresses_keep_their_coordinates(tmp_path):
    store = CblodStore(tmp_path / "store")
    ingest([BULK / "keep-eu-api-990101-synthetic.json"], store=store)
    points = select(
        store,
        "SELECT ?lat ?lng WHERE { ?a locn:fullAddress 'Satamakatu 14, Vaasa, Finland' ; "
        "schema:latitude ?lat ; schema:longitude ?lng }",
    )
    assert [(r["lat"], r["lng"]) for r in points] == [("63.096", "21.6158")]
