"""The queries a project's and an organisation's pages ask, run on a store without a server:
one row per participation, whatever the number of names, with the amounts the sources give."""

from __future__ import annotations

import html
import re
from decimal import Decimal

import requests

from cblod.core.vocab import CBO, sparql_prefixes
from cblod.derived.facets.index import FOLDER, load
from cblod.derived.facets.partners import participations_of
from cblod.derived.facets.spec import LISTS
from cblod.read.page_sections import participation_rows, project_sections
from tests.helpers.samples import select
from tests.helpers.servers import running

PROJECT = "http://127.0.0.1:5000/id/project/central-baltic-2014-2020/4smart-growth"


def rows(store, query: str) -> list:
    return list(store.select(sparql_prefixes() + query))


def test_a_projects_partners_are_one_row_each_with_their_amounts(sample_store):
    sections = project_sections(PROJECT, ("en",))
    partners = rows(sample_store, sections["partners"])
    (count,) = select(
        sample_store, f"SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {{ ?p cbo:project <{PROJECT}> }}"
    )
    assert len(partners) == int(count["n"]) > 1
    assert sum(row["role"] == CBO.LeadPartner for row in partners) == 1
    (total,) = select(
        sample_store,
        f"SELECT (SUM(?e) AS ?sum) WHERE {{ ?p cbo:project <{PROJECT}> ; cbo:euContribution ?e }}",
    )
    shown = sum(Decimal(row["eu"].value) for row in partners if row["eu"] is not None)
    assert shown == Decimal(total["sum"])


def test_an_organisations_latest_participations_and_sums_come_from_the_facet_index(sample_store):
    """The participations list's index picks the participations a page shows (the latest
    first) and adds up all of them, as SPARQL does; the store names those shown."""
    (busiest,) = select(
        sample_store,
        "SELECT ?o (COUNT(?p) AS ?n) (SUM(?e) AS ?eu) (MAX(?s) AS ?latest) WHERE { "
        "?p cbo:partner ?o OPTIONAL { ?p cbo:euContribution ?e } "
        "OPTIONAL { ?p cbo:project/cbo:startDate ?s } } GROUP BY ?o ORDER BY DESC(?n) LIMIT 1",
    )
    assert int(busiest["n"]) > 1
    index = load(sample_store.snapshot / FOLDER, LISTS["participations"])
    mine = participations_of(index, busiest["o"], shown=1)
    assert mine.count == int(busiest["n"])
    assert mine.funding == Decimal(busiest["eu"])
    (shown,) = rows(sample_store, participation_rows(mine.latest, ("en",)))
    assert shown["participation"].value == mine.latest[0]
    assert shown["start"].value[:4] == busiest["latest"][:4]  # the index knows years


def test_the_latest_participations_are_those_a_whole_sort_would_show(sample_store):
    """For every organisation and every bound: the participations chosen from the index's
    arrays are the first of all of them sorted by project start (latest first), then IRI."""
    index = load(sample_store.snapshot / FOLDER, LISTS["participations"])
    starts: dict[str, int] = {}
    for row in rows(sample_store, "SELECT ?p ?start WHERE { ?p cbo:project/cbo:startDate ?start }"):
        year = int(row["start"].value[:4])
        starts[row["p"].value] = max(starts.get(row["p"].value, -1), year)
    checked = 0
    for organisation in index.relations["organisation"].values:
        found = rows(sample_store, f"SELECT ?p WHERE {{ ?p cbo:partner <{organisation}> }}")
        mine = sorted({r["p"].value for r in found}, key=lambda p: (-starts.get(p, -1), p))
        for shown in {1, 2, 3, len(mine)}:
            assert participations_of(index, organisation, shown).latest == mine[:shown]
            checked += 1
    assert checked > 20


def test_a_page_lists_a_bounded_part_and_links_the_list_that_holds_the_rest(sample_store):
    """With room for one participation, the busiest organisation's page shows one row, says
    how many there are, sums all of them, and links the participations list filtered to it,
    which holds every one."""
    (busiest,) = select(
        sample_store,
        "SELECT ?o (COUNT(?p) AS ?n) (SUM(?e) AS ?eu) WHERE { ?p cbo:partner ?o "
        "OPTIONAL { ?p cbo:euContribution ?e } } GROUP BY ?o ORDER BY DESC(?n) LIMIT 1",
    )
    count = int(busiest["n"])
    with running(sample_store, ORGANISATION_PROJECTS_SHOWN=1) as url:
        path = "/doc/" + busiest["o"].split("/id/", 1)[1]
        text = requests.get(url + path, timeout=60).text
        table = re.search(r'<section id="projects">.*?</section>', text, re.S).group(0)
        assert f"Projects ({count})" in table
        assert table.count("<tr><td>") == 1
        shown = re.search(r'id="organisation-eu">([0-9  .]+) EUR', text).group(1)
        assert Decimal(shown.replace(" ", "").replace("\u2009", "")) == Decimal(busiest["eu"])
        link = re.search(r'<a href="([^"]+)" id="all-participations">', text).group(1)
        listed = requests.get(url + html.unescape(link), params={"format": "json"}, timeout=60)
        assert listed.status_code == 200
        assert listed.json()["total"] == count
