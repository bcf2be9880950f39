"""The Jems keep.eu programme export: the published facts against the sample file."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from cblod.backends.store import CblodStore
from cblod.publish import ingest
from cblod.read.validate import validate
from tests.helpers.samples import ALL_PAGES, select

JEMS = (
    Path(__file__).resolve().parent.parent
    / "samples"
    / "bulk"
    / "jems-northern-shores-synthetic.json"
)


@pytest.fixture(scope="module")
def jems_store(tmp_path_factory) -> CblodStore:
    store = CblodStore(tmp_path_factory.mktemp("jems") / "store")
    (report,) = ingest([JEMS], store=store)
    assert report.status == "ingested", report.error
    assert report.format == "jems-keep-export"
    return store


def count(store, pattern: str) -> int:
    (row,) = select(store, f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ {pattern} }}")
    return int(row["n"])


def test_projects_partners_and_organisations(jems_store):
    assert count(jems_store, "?x a cbo:Project") == 3
    assert count(jems_store, "?x a cbo:Participation") == 8
    assert count(jems_store, "?x a cbo:Organisation") == 7  # one organisation in two projects


def test_amounts_are_exact_and_partners_add_up(jems_store):
    rows = select(
        jems_store,
        """
        SELECT ?acronym ?total ?eu (SUM(?partnerEu) AS ?sum) (SUM(?partnerTotal) AS ?totals) WHERE {
          ?p cbo:acronym ?acronym ; cbo:totalBudget ?total ; cbo:euContribution ?eu .
          ?x cbo:project ?p ; cbo:euContribution ?partnerEu ; cbo:totalBudget ?partnerTotal .
        } GROUP BY ?acronym ?total ?eu""",
    )
    found = {r["acronym"]: r for r in rows}
    assert Decimal(found["BlueSkills"]["total"]) == Decimal("927642.71")
    assert Decimal(found["BlueSkills"]["eu"]) == Decimal("742114.16")
    for r in rows:
        assert Decimal(r["sum"]) == Decimal(r["eu"]), r
        assert Decimal(r["totals"]) == Decimal(r["total"]), r
    (lead,) = select(
        jems_store,
        """SELECT ?eu WHERE { ?x cbo:role cbo:LeadPartner ;
        cbo:project/cbo:acronym "BlueSkills" ; cbo:euContribution ?eu }""",
    )
    assert lead["eu"] == "409989.09"


def test_the_shared_organisation_is_merged_by_its_business_id(jems_store):
    rows = select(
        jems_store,
        """
        SELECT ?org ?acronym ?role WHERE {
          ?org cbo:identifier/skos:notation "2876543-5" .
          ?x cbo:partner ?org ; cbo:role ?role ; cbo:project/cbo:acronym ?acronym . }""",
    )
    assert {(r["acronym"], r["role"].rsplit("#")[1]) for r in rows} == {
        ("BlueSkills", "LeadPartner"),
        ("CIRCBOAT", "ProjectPartner"),
    }
    assert len({r["org"] for r in rows}) == 1
    names = {
        r["l"]
        for r in select(
            jems_store,
            """SELECT ?l WHERE {
        ?o cbo:identifier/skos:notation "2876543-5" ; skos:prefLabel|skos:altLabel ?l }""",
        )
    }
    assert {
        "Merenrannan ammattikorkeakoulu Oy",
        "Merenranta University of Applied Sciences Ltd",
        "Merenranta Univ. of Applied Sciences",
    } <= names


def test_identifiers_are_captured_validated_and_linked(jems_store):
    rows = select(
        jems_store,
        """
        SELECT ?name ?scheme ?notation ?page WHERE {
          ?o skos:prefLabel ?name ; cbo:identifier ?i . ?i cbo:scheme ?scheme ; skos:notation ?notation .
          OPTIONAL { ?i foaf:page ?page } }""",
    )
    found = {(r["scheme"], r["notation"]) for r in rows}
    assert ("eu-pic", "892517634") in found
    assert ("eu-vat", "FI28765435") in found
    assert ("fi-ytunnus", "2876543-5") in found  # derived from the VAT number, and given bare
    assert ("se-orgnr", "802512-5470") in found  # typed "SE 802512-5470" into the VAT field
    assert ("se-orgnr", "222000-9746") in found and ("eu-vat", "SE222000974601") in found
    assert ("lv-regnr", "40008537129") in found
    assert not any(s == "eu-vat" and n.startswith("SE802512") for s, n in found)  # never guessed
    pages = {r["notation"]: r.get("page") for r in rows}
    assert pages["2876543-5"] == "https://tietopalvelu.ytj.fi/yritys/2876543-5"
    estonian = select(
        jems_store, "SELECT ?i WHERE { ?o cbo:country country:EST ; cbo:identifier ?i }"
    )
    assert estonian == []  # "N/A" is a placeholder, not an identifier
    (registrations,) = select(
        jems_store, "SELECT (COUNT(*) AS ?n) WHERE { ?o rov:registration ?i }"
    )
    assert int(registrations["n"]) == 6  # national business registrations only


def test_multilingual_names_and_descriptions(jems_store):
    titles = {
        r["lang"]: r["l"]
        for r in select(
            jems_store,
            """
        SELECT ?l (LANG(?l) AS ?lang) WHERE { ?p cbo:acronym "BlueSkills" ; rdfs:label ?l }""",
        )
    }
    assert titles == {
        "en": "Blue Economy Skills Alliance",
        "fi": "Sinisen talouden osaamisallianssi",
        "sv": "Allians för kompetens i den blå ekonomin",
        "et": "Sinimajanduse oskuste liit",
    }
    descriptions = {
        r["lang"]
        for r in select(
            jems_store,
            """
        SELECT (LANG(?d) AS ?lang) WHERE { ?p cbo:acronym "BlueSkills" ; dcterms:description ?d }""",
        )
    }
    assert descriptions == {"en", "fi"}


def test_programme_structure_and_indicators(jems_store):
    (programme,) = select(
        jems_store, "SELECT ?p ?l WHERE { ?p a cbo:Programme ; skos:prefLabel ?l }"
    )
    assert programme["p"].endswith("/programme/interreg-northern-shores-synthetic-2021-2027")
    codes = {
        r["c"]
        for r in select(
            jems_store, "SELECT ?c WHERE { ?s a cbo:SpecificObjective ; skos:notation ?c }"
        )
    }
    assert codes == {"RSO2.4", "RSO2.6", "RSO4.2"}
    targets = select(
        jems_store,
        """SELECT ?code ?n WHERE { ?p cbo:acronym "BlueSkills" ; cbo:result ?r .
        ?r cbo:indicator/skos:notation ?code ; cbo:quantity ?n }""",
    )
    assert targets and all(Decimal(t["n"]) > 0 for t in targets)
    calls = select(
        jems_store,
        """SELECT ?a ?n ?opens ?closes WHERE { ?p cbo:acronym ?a ; cbo:call ?c .
        ?c skos:notation ?n ; cbo:opens ?opens ; cbo:closes ?closes ; cbo:programme ?programme }
        ORDER BY ?a""",
    )
    assert {(c["n"], c["opens"], c["closes"]) for c in calls} <= {
        ("3", "2022-09-15", "2022-12-15"),
        ("5", "2023-11-01", "2024-02-29"),
    }
    assert len(calls) == 3  # every project names its call
    rates = select(
        jems_store,
        """SELECT ?rate (COUNT(*) AS ?n) WHERE { ?x cbo:coFinancingRate ?rate } GROUP BY ?rate""",
    )
    assert [(Decimal(r["rate"]), r["n"]) for r in rates] == [(Decimal("80"), "11")]  # 3 + 8


def test_shapes_pass_with_pages_and_bulk_together(tmp_path):
    store = CblodStore(tmp_path / "store")
    reports = ingest([*ALL_PAGES, JEMS], store=store)
    assert all(r.status == "ingested" for r in reports)
    report = validate(store)
    assert report.conforms, [str(f) for f in report.violations]


def jems_with(tmp_path, change) -> Path:
    data = json.loads(JEMS.read_text(encoding="utf-8"))
    change(data["programme"]["project"])
    path = tmp_path / "export.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def set_in(path: list, value):
    def change(projects):
        target = projects
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value

    return change


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            set_in([0, "partner", 1, "total_eligible_budget"], "12,5"),
            ["project 1 (BlueSkills) / partner 2", "total_eligible_budget", "expected a number"],
        ),
        (set_in([0, "partner", 1, "total_eligible_budget"], -5), ["partner 2", "negative"]),
        (
            set_in([1, "project_start_date"], "2023-02-31"),
            ["project 2 (FloodLink)", "project_start_date", "does not exist"],
        ),
        (
            set_in([2, "partner", 0, "partner_type"], "boss"),
            ["project 3 (CIRCBOAT) / partner 1", "partner_type"],
        ),
        (
            set_in([2, "partner", 0, "address", 0, "country"], "Atlantis (AT1)"),
            ["partner 1", "address.country", "unknown country"],
        ),
        (set_in([0, "acronym"], None), ["project 1", "acronym", "missing"]),
    ],
    ids=["amount-as-text", "negative", "bad-date", "partner-type", "country", "no-acronym"],
)
def test_malformed_records_fail_with_file_record_and_field(tmp_path, change, expected):
    path = jems_with(tmp_path, change)
    result = subprocess.run(
        [sys.executable, "-m", "cblod", "ingest", str(path), "--store", str(tmp_path / "s")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    for part in [str(path), *expected]:
        assert part in result.stderr, (part, result.stderr)
    assert "Traceback" not in result.stderr


def test_an_invalid_identifier_is_reported_not_published(tmp_path):
    path = jems_with(tmp_path, set_in([1, "partner", 2, "participant_id_no_pic"], "FI31842076"))
    store = CblodStore(tmp_path / "store")
    (report,) = ingest([path], store=store)
    assert report.status == "ingested"
    assert any("FI31842076" in w for w in report.warnings)
    assert select(store, 'SELECT ?i WHERE { ?i skos:notation "FI31842076" }') == []


def test_truncated_json_is_refused(tmp_path):
    path = tmp_path / "cut.json"
    path.write_text(JEMS.read_text(encoding="utf-8")[:5000], encoding="utf-8")
    store = CblodStore(tmp_path / "store")
    (report,) = ingest([path], store=store)
    assert report.status == "failed"
    assert "not valid JSON" in str(report.error) and "line 1 column" in str(report.error)


def test_link_report_shows_merges_with_evidence_and_near_misses(tmp_path):
    from tests.helpers.samples import SAMPLES

    store_dir = tmp_path / "store"
    ingest([SAMPLES, JEMS], store=CblodStore(store_dir))
    result = subprocess.run(
        [sys.executable, "-m", "cblod", "link", "--report", "--store", str(store_dir)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    report = result.stdout
    # only merges a person has something to check in are listed: other spellings
    assert "Merged: 2 organisations" in report  # Tehnopol (a translation) and Turku (Ltd / Oy Ab)
    assert "(4 more found again under the same name)" in report
    assert "same normalised name (1.00): 'Turku Science Park Ltd'" in report
    assert "Tehnopol" in report and "similar name, same country" in report
    assert (
        "Near misses: 1 pairs" in report
        and "Mjärdevi science park  ~  Västerås Science Park AB" in report
    )
    assert "Identifiers: 12 on 6 of" in report
    stats = subprocess.run(
        [sys.executable, "-m", "cblod", "stats", "--store", str(store_dir)],
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    assert "organisations with a registry identifier" in stats
