"""``/``: what this cblod instance publishes, and where to start reading."""

from __future__ import annotations

from flask import Blueprint, Response, make_response, render_template

from ..core.vocab import DCTERMS, PROV
from ..derived.kept import kept_summary
from ..read.listings import home_programmes
from ..read.stats import EU_FUNDING, stats
from .labels import vary_on_language
from .language import reader_name_languages
from .links import href
from .lists import listing_rows
from .pages import bound, value
from .store_access import current_store, memoized

blueprint = Blueprint("home", __name__)


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
    programmes = [
        {"href": href(bound(r["item"])), "name": value(r["name"]), "projects": value(r["projects"])}
        for r in listing_rows(home_programmes(reader_name_languages()))
    ]
    page = render_template(
        "home.html", counts=counts, sources=sources, programmes=programmes, eu_funding=EU_FUNDING
    )
    return vary_on_language(make_response(page))
