"""``/``: what this cblod instance publishes, with links to query it."""

from __future__ import annotations

from flask import Blueprint, render_template

from ..stats import stats
from ..vocab import DCTERMS
from .store_access import current_store, memoized

blueprint = Blueprint("home", __name__)


@blueprint.route("/")
def index() -> str:
    store = current_store()
    sources = [
        {"iri": graph.value, "title": store.source_property(graph, DCTERMS.title)}
        for graph in store.source_graphs()
    ]
    counts = memoized(("stats",), lambda: stats(store))
    return render_template("home.html", counts=counts, sources=sources)
