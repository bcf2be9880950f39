"""Which variant of a document a client asked for: HTML for people, RDF for programs.

Shared by every route that serves a description (resources, releases, the catalogue).
"""

from __future__ import annotations

from flask import Response, request
from pyoxigraph import RdfFormat, Triple, serialize
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

#: extension -> (media type, pyoxigraph format or None for HTML); the order is the preference
VARIANTS = {
    "html": ("text/html", None),
    "ttl": ("text/turtle", RdfFormat.TURTLE),
    "jsonld": ("application/ld+json", RdfFormat.JSON_LD),
    "nt": ("application/n-triples", RdfFormat.N_TRIPLES),
    "rdf": ("application/rdf+xml", RdfFormat.RDF_XML),
}
ALIASES = {"application/json": "jsonld", "text/plain": "nt", "application/xml": "rdf"}


#: ``?format=`` values a link may name a variant by (the lists take the same names)
FORMAT_NAMES = {
    **{ext: ext for ext in VARIANTS},
    "turtle": "ttl", "json-ld": "jsonld", "ntriples": "nt", "n-triples": "nt", "xml": "rdf",
    "rdfxml": "rdf", "rdf+xml": "rdf",
    **{mime: ext for ext, (mime, _) in VARIANTS.items()},
}  # fmt: skip


def named_format(asked: str) -> str | None:
    """The variant ``?format=`` names (an extension, a usual name or a media type), or None."""
    return FORMAT_NAMES.get(asked.strip().lower())


def negotiate(accept: str | None) -> str | None:
    """The extension of the best variant for ``accept`` (HTML when anything goes)."""
    if not accept:
        return "html"
    parsed = parse_accept_header(accept, MIMEAccept)
    offers = [mime for mime, _ in VARIANTS.values()] + list(ALIASES)
    best = parsed.best_match(offers)
    if best is None:
        return None
    return ALIASES.get(best) or next(ext for ext, (mime, _) in VARIANTS.items() if mime == best)


def rdf_response(
    triples: list[Triple], *, prefixes: dict[str, str], etag: str, cache_control: str
) -> Response:
    """``triples`` as the RDF format the client asked for (``?format=`` or ``Accept``;
    Turtle when it asked for HTML or anything else), conditional on ``etag``."""
    ext = request.args.get("format") or negotiate(request.headers.get("Accept"))
    if ext not in VARIANTS or VARIANTS[ext][1] is None:
        ext = "ttl"
    mime, rdf_format = VARIANTS[ext]
    body = serialize(triples, format=rdf_format, prefixes=prefixes if ext == "ttl" else None)
    response = Response(body, content_type=f"{mime}; charset=utf-8")
    response.vary.add("Accept")
    response.set_etag(f"{etag}-{ext}")
    response.headers["Cache-Control"] = cache_control
    response.make_conditional(request)
    return response
