"""``/ontology``: the cblod ontology, as HTML documentation and as data.

The documentation is generated from ``ontology/cblod.ttl`` itself, so it cannot drift from it.
Terms are hash IRIs (``https://w3id.org/cblod/ontology#Project``): ``/ontology#Project`` is
the anchor of each term, and the w3id.org redirect for the namespace points here.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, render_template, request
from pyoxigraph import serialize

from ..core.ontology_terms import ONTOLOGY_IRI, ontology_store, ontology_turtle, terms
from .links import href
from .negotiation import VARIANTS, negotiate

blueprint = Blueprint("ontology", __name__)


@blueprint.route("/ontology")
@blueprint.route("/ontology.<ext>")
def documentation(ext: str | None = None) -> Response:
    ext = ext or negotiate(request.headers.get("Accept")) or "html"
    if ext not in VARIANTS:
        return Response("formats: html, ttl, jsonld, nt, rdf\n", 404, mimetype="text/plain")
    if ext == "html":
        groups: dict[str, list[dict[str, Any]]] = {}
        for term in terms():
            groups.setdefault(term.kind, []).append(
                {
                    "term": term,
                    "parents": [
                        {"text": p.rsplit("#", 1)[-1].rsplit("/", 1)[-1], "href": href(p)}
                        for p in term.parents
                    ],
                }
            )
        order = ["Class", "ObjectProperty", "DatatypeProperty"]
        ordered = sorted(groups.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else 9)
        response = Response(render_template("ontology.html", groups=ordered, iri=ONTOLOGY_IRI))
    elif ext == "ttl":
        response = Response(ontology_turtle(), content_type="text/turtle; charset=utf-8")
    else:
        mime, rdf_format = VARIANTS[ext]
        triples = [q.triple for q in ontology_store().quads_for_pattern(None, None, None)]
        response = Response(
            serialize(triples, format=rdf_format), content_type=f"{mime}; charset=utf-8"
        )
    response.vary.add("Accept")
    return response
