"""The SPARQL a resource page asks beyond the resource's description, by section.

A project's page lists its partners (with their roles and amounts) and its results; an
organisation's, its projects, address and identifiers. Each section is one bounded SELECT
over the published graph; names are chosen for the reader's ``languages`` in the query
(``cblod.read.chosen_names``), so a page and the SPARQL a reader copies agree. The web tier
asks them together (``cblod.query.text.union_of_sections``) and shapes the rows for its
templates; a programme's figures are ``cblod.read.figures``'. Also here: the names of a
search's hits, and the resources a sitemap lists.
"""

from __future__ import annotations

from pyoxigraph import Literal

from ..backends.published import Dataset
from ..core.vocab import sparql_prefixes
from .chosen_names import chosen_name, name_key

#: the kinds a sitemap lists (what a search engine should index: the pages people read)
SITEMAP_KINDS = ("Project", "Organisation", "Programme")


def project_sections(iri: str, languages: tuple[str, ...]) -> dict[str, str]:
    """``partners`` (one row per participation), their ``points`` and ``results`` of project ``iri``."""
    return dict(
        # one row per participation, whatever the number of names: every name would be a row
        # and every amount counted once per name
        partners=f"""
            SELECT ?participation ?org ?role ({chosen_name("?name_key")} AS ?name)
                   ({chosen_name("?country_key")} AS ?countryName)
                   (MIN(?total_) AS ?total) (MIN(?eu_) AS ?eu) WHERE {{
              ?participation cbo:project <{iri}> ; cbo:partner ?org ; cbo:role ?role .
              ?org skos:prefLabel ?label . BIND({name_key("?label", languages)} AS ?name_key)
              OPTIONAL {{ ?org cbo:country/skos:prefLabel ?country
                         BIND({name_key("?country", languages)} AS ?country_key) }}
              OPTIONAL {{ ?participation cbo:totalBudget ?total_ }}
              OPTIONAL {{ ?participation cbo:euContribution ?eu_ }}
            }} GROUP BY ?participation ?org ?role""",
        points=f"""
            SELECT DISTINCT ?org ?wkt ?method WHERE {{
              ?participation cbo:project <{iri}> ; cbo:partner ?org .
              ?org geo:hasGeometry ?point . ?point geo:asWKT ?wkt ; cbo:placedBy ?method }}""",
        results=f"""
            SELECT ?result ?kind ({chosen_name("?text_key")} AS ?text) WHERE {{
              <{iri}> cbo:result ?result . ?result rdfs:label ?label ; cbo:resultKind ?kind .
              BIND({name_key("?label", languages)} AS ?text_key)
            }} GROUP BY ?result ?kind""",
    )


def organisation_sections(iri: str) -> dict[str, str]:
    """``address``, ``points`` and ``identifiers`` of organisation ``iri`` (its participations are chosen
    from the facet index: ``cblod.derived.facets.partners``, then named by
    ``participation_rows``)."""
    return dict(
        address=f"""
            SELECT ?full WHERE {{
              <{iri}> schema:address/<http://www.w3.org/ns/locn#fullAddress> ?full }}""",
        points=f"""
            SELECT ?wkt ?method WHERE {{
              <{iri}> geo:hasGeometry ?point . ?point geo:asWKT ?wkt ; cbo:placedBy ?method }}""",
        identifiers=f"""
            SELECT ?id ?notation ?identifier ?page WHERE {{ <{iri}> cbo:identifier ?id .
              ?id skos:notation ?notation ; rdfs:label ?identifier .
              OPTIONAL {{ ?id foaf:page ?page }} }}""",
    )


def participation_rows(participations: list[str], languages: tuple[str, ...]) -> str:
    """One row per participation of ``participations``: its project (with the name a reader
    of ``languages`` sees, its acronym and start), role and amounts."""
    values = " ".join(f"<{iri}>" for iri in participations)
    return f"""
        SELECT ?participation ?project ?role ({chosen_name("?title_key")} AS ?title)
               (MIN(?acronym_) AS ?acronym) (MIN(?total_) AS ?total) (MIN(?eu_) AS ?eu)
               (MIN(?start_) AS ?start) WHERE {{
          VALUES ?participation {{ {values} }}
          ?participation cbo:project ?project ; cbo:role ?role .
          ?project rdfs:label ?label . BIND({name_key("?label", languages)} AS ?title_key)
          OPTIONAL {{ ?project cbo:acronym ?acronym_ }}
          OPTIONAL {{ ?project cbo:startDate ?start_ }}
          OPTIONAL {{ ?participation cbo:totalBudget ?total_ }}
          OPTIONAL {{ ?participation cbo:euContribution ?eu_ }}
        }} GROUP BY ?participation ?project ?role"""


def names_of(dataset: Dataset, iris: list[str]) -> dict[str, list[Literal]]:
    """Every name (skos:prefLabel, rdfs:label) of each of ``iris``, in one query."""
    if not iris:
        return {}
    values = " ".join(f"<{iri}>" for iri in iris)
    query = (
        f"SELECT ?item ?name WHERE {{ VALUES ?item {{ {values} }} "
        "?item skos:prefLabel|rdfs:label ?name FILTER(isLiteral(?name)) }"
    )
    found: dict[str, list[Literal]] = {}
    for row in dataset.select(sparql_prefixes() + query):
        item, name = row["item"], row["name"]
        if item is not None and isinstance(name, Literal):
            found.setdefault(item.value, []).append(name)
    return found


def sitemap_subjects(dataset: Dataset, limit: int) -> list[str]:
    """The IRIs of up to ``limit`` projects, organisations and programmes (a sitemap's)."""
    classes = " ".join(f"cbo:{c}" for c in SITEMAP_KINDS)
    rows = dataset.select(
        sparql_prefixes()
        + f"SELECT DISTINCT ?s WHERE {{ VALUES ?c {{ {classes} }} ?s a ?c }} LIMIT {limit}"
    )
    return [row["s"].value for row in rows]
