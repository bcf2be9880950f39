"""List pages of the kinds without facets (clusters, programmes), with paging and sorting.

Projects, participations and organisations are faceted lists (``cblod.web.faceted``)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, make_response, render_template, request

from ..core.rdfterms import Term
from ..read.listings import LISTINGS, PAGE_SIZE
from .labels import vary_on_language
from .language import reader_name_languages
from .links import href
from .pages import bound, decimal, rows, value
from .store_access import memoized

blueprint = Blueprint("lists", __name__)


def listing_rows(query: str) -> list[dict[str, Term | None]]:
    """A plain list's rows: kept at publish for the first views (``listings.first_views``),
    else asked once per dataset version and kept in memory (a list is small: a few hundred
    programmes at most, so its pages are few)."""
    return memoized(("listing", query), lambda: rows(query))


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
    (total,) = listing_rows(listing.count_query())
    count = int(bound(total["n"]))
    pages = max(1, -(-count // PAGE_SIZE))
    if page > pages:
        abort(404, description=past_the_end(page, pages))
    found = listing_rows(listing.page_query(reader_name_languages(), sort, (page - 1) * PAGE_SIZE))
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
