"""``/``: what this cblod instance publishes, and where to start reading."""

from __future__ import annotations

from flask import Blueprint, render_template

from ..stats import stats
from ..vocab import DCTERMS, PROV
from .links import href
from .pages import rows, value
from .store_access import current_store, memoized

blueprint = Blueprint("home", __name__)


@blueprint.route("/")
def index() -> str:
    store = current_store()
    counts = memoized(("stats",), lambda: stats(store))
    sources = [
        {
            "href": href(graph.value),
            "title": store.source_property(graph, DCTERMS.title),
            "origin": store.source_property(graph, PROV.hadPrimarySource),
        }
        for graph in store.source_graphs()
    ]
    programmes = [
        {"href": href(value(r["p"])), "name": value(r["name"]), "projects": value(r["n"])}
        for r in rows("""SELECT ?p ?name (COUNT(?project) AS ?n) WHERE {
            ?p a cbo:Programme ; skos:prefLabel ?name . OPTIONAL { ?project cbo:programme ?p }
          } GROUP BY ?p ?name ORDER BY DESC(?n) ?name LIMIT 20""")
    ]
    return render_template("home.html", counts=counts, sources=sources, programmes=programmes)
