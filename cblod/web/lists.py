"""List pages per kind, with paging and sorting: the entry points a crawler and a reader need."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, render_template, request

from .links import href
from .pages import decimal, rows, value

blueprint = Blueprint("lists", __name__)
PAGE_SIZE = 50


@dataclass(frozen=True)
class Listing:
    title: str
    pattern: str  # binds ?item ?name and optional columns
    columns: tuple[tuple[str, str], ...]  # (variable, heading)
    sorts: dict[str, str]  # sort name -> ORDER BY expression


LISTINGS = {
    "projects": Listing(
        "Projects",
        """?item a cbo:Project ; rdfs:label ?name . OPTIONAL { ?item cbo:acronym ?acronym }
           OPTIONAL { ?item cbo:startDate ?start } OPTIONAL { ?item cbo:euContribution ?eu }
           OPTIONAL { ?item cbo:programme/skos:altLabel ?programme }""",
        (
            ("acronym", "Acronym"),
            ("programme", "Programme"),
            ("start", "Start"),
            ("eu", "EU contribution"),
        ),
        {"name": "LCASE(STR(?name))", "start": "DESC(?start)", "eu": "DESC(?eu)"},
    ),
    "organisations": Listing(
        "Organisations",
        """?item a cbo:Organisation ; skos:prefLabel ?name .
           OPTIONAL { ?item cbo:country/skos:prefLabel ?country }
           OPTIONAL { SELECT ?item (COUNT(?p) AS ?projects) WHERE { ?p cbo:partner ?item } GROUP BY ?item }""",
        (("country", "Country"), ("projects", "Projects")),
        {"name": "LCASE(STR(?name))", "projects": "DESC(?projects)", "country": "?country"},
    ),
    "clusters": Listing(
        "Clusters",
        """?item a cbo:Cluster ; skos:prefLabel ?name .
           OPTIONAL { ?item cbo:region/skos:prefLabel ?region }
           OPTIONAL { ?item cbo:selectedFor/skos:prefLabel ?programme }""",
        (("region", "Region"), ("programme", "Selected for")),
        {"name": "LCASE(STR(?name))", "region": "?region"},
    ),
    "programmes": Listing(
        "Programmes",
        """?item a cbo:Programme ; skos:prefLabel ?name .
           OPTIONAL { SELECT ?item (COUNT(?p) AS ?projects) WHERE { ?p a cbo:Project ; cbo:programme ?item } GROUP BY ?item }""",
        (("projects", "Projects"),),
        {"name": "LCASE(STR(?name))", "projects": "DESC(?projects)"},
    ),
}


def _render(name: str) -> str:
    listing = LISTINGS[name]
    sort = request.args.get("sort", "name")
    if sort not in listing.sorts:
        abort(400, description=f"sort by one of: {', '.join(listing.sorts)}")
    try:
        page = int(request.args.get("page", 1))
    except ValueError:
        abort(400, description="page must be a number")
    if not 1 <= page <= 1_000_000:
        abort(400, description="page must be between 1 and 1000000")
    variables = " ".join(f"?{v}" for v, _ in listing.columns)
    (total,) = rows(f"SELECT (COUNT(DISTINCT ?item) AS ?n) WHERE {{ {listing.pattern} }}")
    found = rows(
        f"SELECT DISTINCT ?item ?name {variables} WHERE {{ {listing.pattern} }} "
        f"ORDER BY {listing.sorts[sort]} ?item LIMIT {PAGE_SIZE} OFFSET {(page - 1) * PAGE_SIZE}"
    )
    count = int(total["n"].value)
    items = [
        {
            "href": href(value(r["item"])),
            "name": value(r["name"]),
            "cells": [decimal(r[v]) if v == "eu" else value(r[v]) for v, _ in listing.columns],
        }
        for r in found
    ]
    return render_template(
        "list.html",
        listing=listing,
        name=name,
        items=items,
        page=page,
        sort=sort,
        total=count,
        pages=max(1, -(-count // PAGE_SIZE)),
    )


@blueprint.route("/projects")
def projects() -> str:
    return _render("projects")


@blueprint.route("/organisations")
def organisations() -> str:
    return _render("organisations")


@blueprint.route("/clusters")
def clusters() -> str:
    return _render("clusters")


@blueprint.route("/programmes")
def programmes() -> str:
    return _render("programmes")
