"""List pages of the kinds without facets (clusters, programmes), with paging and sorting.

Projects, participations and organisations are faceted lists (``cblod.web.faceted``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from flask import Blueprint, Response, abort, make_response, render_template, request

from ..querytext import ordered
from .labels import chosen_name, name_key, reader_languages, vary_on_language
from .links import href
from .pages import bound, decimal, rows, value

blueprint = Blueprint("lists", __name__)
PAGE_SIZE = 50


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
        if self.kind == "count":
            return f"(COUNT(DISTINCT {v}) AS {v})"
        return f"(MIN({v}) AS {v})"

    def where(self, languages: tuple[str, ...]) -> str:
        if self.kind == "name":
            v = f"?{self.variable}"
            return f"OPTIONAL {{ {self.pattern} BIND({name_key(v + '_label', languages, shortest=self.shortest)} AS {v}_key) }}"
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


def requested_page() -> int:
    """``?page=``, from 1 (400 for anything else: a crawler's typo is not a server error)."""
    try:
        page = int(request.args.get("page", 1))
    except ValueError:
        abort(400, description="page must be a number")
    if not 1 <= page <= 1_000_000:
        abort(400, description="page must be between 1 and 1000000")
    return page


def past_the_end(page: int, pages: int) -> str:
    """What a page number past a list's last page is told (a 404: there is nothing there)."""
    return f"there is no page {page}: this list has {pages} page{'s' if pages > 1 else ''}"


def _render(name: str) -> Response:
    listing = LISTINGS[name]
    sort = request.args.get("sort", "name")
    if sort not in listing.sorts:
        abort(400, description=f"sort by one of: {', '.join(listing.sorts)}")
    page = requested_page()
    (total,) = rows(listing.count_query())
    count = int(bound(total["n"]))
    pages = max(1, -(-count // PAGE_SIZE))
    if page > pages:
        abort(404, description=past_the_end(page, pages))
    found = rows(listing.page_query(reader_languages(), sort, (page - 1) * PAGE_SIZE))
    items = [
        {
            "href": href(bound(r["item"])),
            "name": value(r["name"]),
            "cells": [
                decimal(r[c.variable]) if c.variable == "eu" else value(r[c.variable])
                for c in listing.columns
            ],
        }
        for r in found
    ]
    page_html = render_template(
        "list.html",
        listing=listing,
        name=name,
        items=items,
        page=page,
        sort=sort,
        total=count,
        pages=pages,
    )
    return vary_on_language(make_response(page_html))


@blueprint.route("/clusters")
def clusters() -> Response:
    return _render("clusters")


@blueprint.route("/programmes")
def programmes() -> Response:
    return _render("programmes")
