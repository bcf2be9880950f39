"""Which variant of a document a client asked for: HTML for people, RDF for programs.

Shared by every route that serves a description (resources, releases, the catalogue).
"""

from __future__ import annotations

from pyoxigraph import RdfFormat
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
