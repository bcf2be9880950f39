"""The plain lists (clusters, programmes): what each shows, and the queries of their pages.

Projects, participations and organisations are faceted lists (``cblod.derived.facets``). A plain
list's page is one SPARQL query; the first views a release is most often read by (each list's
first page in each order, and the home page's programmes, for a reader of the default
languages) are answered at publish and kept with the release (``first_views``, read by
``cblod.derived.kept``), so no reader after a release waits for those aggregates (issue #24).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ..query.text import ordered
from .chosen_names import DEFAULT_LANGUAGES, chosen_name, effective, name_key

PAGE_SIZE = 50
#: the programmes the home page names, those with most projects first
HOME_PROGRAMMES = 20


@dataclass(frozen=True)
class Column:
    """One column of a listing: a pattern that may bind ``?{variable}`` for an item.

    ``kind`` says how an item's values become one cell: ``value`` the least, ``name`` the one
    the reader's language rule chooses (``labels``), ``count`` the number of distinct values.
    """

    variable: str
    heading: str
    pattern: str
    kind: Literal["value", "name", "count"] = "value"
    shortest: bool = False  # for names: the shortest in the chosen language

    def aggregate(self) -> str:
        v = f"?{self.variable}"
        if self.kind == "name":
            return f"({chosen_name(v + '_key', shortest=self.shortest)} AS {v})"
        if self.kind == "count":  # counted apart (``where``); none is 0
            # (COALESCE outside the MIN trips Virtuoso's compiler: "Bad dfe in sqlo_place_exp")
            return f"(MAX(COALESCE({v}_n, 0)) AS {v})"
        return f"(MIN({v}) AS {v})"

    def where(self, languages: tuple[str, ...]) -> str:
        if self.kind == "name":
            v = f"?{self.variable}"
            return f"OPTIONAL {{ {self.pattern} BIND({name_key(v + '_label', languages, shortest=self.shortest)} AS {v}_key) }}"
        if self.kind == "count":
            # a sub-select of its own: kept apart from the page, and the release before's
            # while what it counts does not change (``cblod.derived.parts``)
            v = f"?{self.variable}"
            return (
                f"OPTIONAL {{ {{ SELECT ?item (COUNT(DISTINCT {v}) AS {v}_n) "
                f"WHERE {{ {self.pattern} }} GROUP BY ?item }} }}"
            )
        return f"OPTIONAL {{ {self.pattern} }}"


@dataclass(frozen=True)
class Listing:
    title: str
    items: str  # binds ?item: what the list counts, each once
    name: str  # the property (path) of an item's names, one per language
    columns: tuple[Column, ...]
    sorts: dict[str, str]  # sort name -> ORDER BY expression

    def count_query(self) -> str:
        return f"SELECT (COUNT(DISTINCT ?item) AS ?n) WHERE {{ {self.items} }}"

    def page_query(
        self, languages: tuple[str, ...], sort: str, offset: int = 0, limit: int = PAGE_SIZE
    ) -> str:
        """One row per item: its chosen name and one value per column."""
        cells = " ".join(c.aggregate() for c in self.columns)
        optional = "\n".join(c.where(languages) for c in self.columns)
        grouped = (
            f"SELECT ?item ({chosen_name('?name_key')} AS ?name) {cells} WHERE {{ {self.items} "
            f"OPTIONAL {{ ?item {self.name} ?name_label }} "
            # an item without any name is listed under its IRI, after the named ones
            f'BIND(COALESCE({name_key("?name_label", languages)}, CONCAT("z", STR(?item))) AS ?name_key)\n'
            f"{optional} }} GROUP BY ?item"
        )
        return ordered(grouped, f"{self.sorts[sort]} ?item", limit=limit, offset=offset)


LISTINGS = {
    "clusters": Listing(
        "Clusters",
        "?item a cbo:Cluster .",
        "skos:prefLabel",
        (
            Column("region", "Region", "?item cbo:region/skos:prefLabel ?region_label .", "name"),
            Column(
                "programme",
                "Selected for",
                "?item cbo:selectedFor/skos:prefLabel ?programme_label .",
                "name",
            ),
        ),
        {"name": "LCASE(?name)", "region": "?region"},
    ),
    "programmes": Listing(
        "Programmes",
        "?item a cbo:Programme .",
        "skos:prefLabel",
        (
            Column(
                "projects",
                "Projects",
                "?projects a cbo:Project ; cbo:programme ?item .",
                "count",
            ),
            # summed apart from the item's names (one row per name would count it again)
            Column(
                "eu",
                "EU funding of its projects",
                "{ SELECT ?item (SUM(?project_eu) AS ?eu) WHERE { ?project a cbo:Project ; "
                "cbo:programme ?item ; cbo:euContribution ?project_eu } GROUP BY ?item }",
            ),
        ),
        {"name": "LCASE(?name)", "projects": "DESC(?projects)", "eu": "DESC(?eu)"},
    ),
}


def home_programmes(languages: tuple[str, ...]) -> str:
    """The query of the home page's programmes: those with most projects first."""
    return LISTINGS["programmes"].page_query(languages, "projects", limit=HOME_PROGRAMMES)


def first_views(name_tags: list[str]) -> list[str]:
    """The queries of the plain lists' first views for a reader of ``DEFAULT_LANGUAGES`` in a
    dataset whose names have ``name_tags``: each list's count and first page in each order,
    and the home page's programmes."""
    languages = effective(DEFAULT_LANGUAGES, name_tags)
    found = [home_programmes(languages)]
    for listing in LISTINGS.values():
        found.append(listing.count_query())
        found += [listing.page_query(languages, sort) for sort in listing.sorts]
    return found
