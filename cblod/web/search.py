"""``/search?q=``: the search box, over the FTS5 index built at ingest."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from ..search import search as find
from .links import href
from .store_access import current_store

blueprint = Blueprint("search", __name__)


@blueprint.route("/search")
def search() -> str:
    text = request.args.get("q", "").strip()[:200]
    hits = find(current_store(), text) if text else []
    results = [
        {"href": href(h.iri), "title": h.title, "kind": h.kind, "snippet": h.snippet} for h in hits
    ]
    return render_template("search.html", search_query=text, results=results)
