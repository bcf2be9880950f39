"""What the query page's editor (YASGUI, vendored) asks cblod for instead of other sites.

Out of the box YASGUI completes prefixes from prefix.cc and terms from LOV: requests to other
sites from every reader's browser, and suggestions for vocabularies this dataset does not
use. cblod answers both itself: the prefixes its queries predeclare, and the classes and
properties its data uses (the dataset's statistics, kept at publish) and its ontology defines.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from ..core.ontology_terms import terms
from ..core.vocab import PREFIXES
from .dataset import statistics

blueprint = Blueprint("editor", __name__)
CACHE = "public, max-age=300"


@blueprint.route("/sparql/prefixes.json")
def prefixes() -> Response:
    """``{prefix: namespace}``, the shape of prefix.cc's ``all.file.json``."""
    response = jsonify(PREFIXES)
    response.headers["Cache-Control"] = CACHE
    return response


@blueprint.route("/sparql/terms.json")
def completions() -> Response:
    """``{"class": [IRI, …], "property": [IRI, …]}``: what the data uses, then the ontology's."""
    summary = statistics()
    classes = list(summary.get("classes", {}))
    properties = list(summary.get("properties", {}))
    for term in terms():
        target = (
            properties
            if term.kind.endswith("Property")
            else classes
            if term.kind == "Class"
            else None
        )
        if target is not None and term.iri not in target:
            target.append(term.iri)
    response = jsonify({"class": sorted(classes), "property": sorted(properties)})
    response.headers["Cache-Control"] = CACHE
    return response
