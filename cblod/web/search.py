"""``/search?q=``: the search box, over the FTS5 index built at ingest.

Each hit is shown under its name in the reader's language (``labels``: ``?lang=``, else
``Accept-Language``, then English, untagged, any), read for the page's hits in one query;
the index keeps one title per resource, whatever the reader.
"""

from __future__ import annotations

from flask import Blueprint, Response, make_response, render_template, request

from ..derived.search import search as find
from ..read.page_sections import names_of
from .labels import choose_name, reader_languages, vary_on_language
from .links import href
from .store_access import current_store

blueprint = Blueprint("search", __name__)


@blueprint.route("/search")
def search() -> Response:
    text = request.args.get("q", "").strip()[:200]
    hits = find(current_store(), text) if text else []
    names = names_of(current_store(), [h.iri for h in hits])
    languages = reader_languages()
    results = [
        {
            "href": href(h.iri),
            "title": choose_name(names.get(h.iri, []), languages) or h.title,
            "kind": h.kind,
            "snippet": h.snippet,
        }
        for h in hits
    ]
    page = render_template("search.html", search_query=text, results=results)
    return vary_on_language(make_response(page))
