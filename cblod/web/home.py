"""``/``: what this cblod instance publishes, and where to start reading."""

from __future__ import annotations

from flask import Blueprint, Response, make_response, render_template

from ..kept import kept_summary
from ..stats import EU_FUNDING, stats
from ..vocab import DCTERMS, PROV
from .labels import reader_languages, vary_on_language
from .links import href
from .lists import LISTINGS
from .pages import bound, rows, value
from .store_access import current_store, memoized

blueprint = Blueprint("home", __name__)
#: the programmes the home page names, those with most projects first
HOME_PROGRAMMES = 20


@blueprint.route("/")
def index() -> Response:
    store = current_store()
    counts = memoized(("stats",), lambda: kept_summary(store, "stats") or stats(store))
    sources = [
        {
            "href": href(graph.value),
            "title": store.source_property(graph, DCTERMS.title),
            "origin": store.source_property(graph, PROV.hadPrimarySource),
        }
        for graph in store.source_graphs()
    ]
    listing = LISTINGS["programmes"]
    programmes = [
        {"href": href(bound(r["item"])), "name": value(r["name"]), "projects": value(r["projects"])}
        for r in rows(listing.page_query(reader_languages(), "projects", limit=HOME_PROGRAMMES))
    ]
    page = render_template(
        "home.html", counts=counts, sources=sources, programmes=programmes, eu_funding=EU_FUNDING
    )
    return vary_on_language(make_response(page))
