"""The queries a project's and an organisation's pages ask, run on a store without a server:
one row per participation, whatever the number of names, with the amounts the sources give."""

from __future__ import annotations

from decimal import Decimal

from cblod.core.vocab import CBO, sparql_prefixes
from cblod.read.page_sections import organisation_sections, project_sections
from tests.helpers.samples import select

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


def test_an_organisations_projects_include_every_participation(sample_store):
    lead = next(
        row["org"]
        for row in rows(sample_store, project_sections(PROJECT, ("en",))["partners"])
        if row["role"] == CBO.LeadPartner
    )
    projects = rows(sample_store, organisation_sections(lead.value, ("en",))["projects"])
    assert PROJECT in {row["project"].value for row in projects}
    assert all(row["title"] is not None for row in projects)
