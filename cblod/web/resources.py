"""Dereferencing: ``/id/{kind}/{key}`` answers 303 to ``/doc/{kind}/{key}`` (Cool URIs).

``/doc/`` negotiates HTML, Turtle, JSON-LD, N-Triples and RDF/XML (``Vary: Accept``,
``Content-Location`` of the chosen variant, ``Link`` to every alternate); ``/doc/….ttl``,
``.jsonld``, ``.nt``, ``.rdf``, ``.html`` pick one. An unknown resource is a 404 page (HTML or
text by Accept), never a 500. Documents are kept per dataset version (``PAGE_CACHE_BYTES``):
a page asked for again is not described and rendered again.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, redirect, request, url_for
from pyoxigraph import NamedNode, RdfFormat, serialize
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header
from werkzeug.wrappers import Response as BaseResponse

from ..describe import Description
from ..lru import SizedCache
from ..vocab import PREFIXES
from .labels import reader_languages, vary_on_language
from .links import document_path, iri_for_path, local_kind_key
from .pages import render_page
from .store_access import current_store

blueprint = Blueprint("resources", __name__)

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


def _split(key: str) -> tuple[str, str | None]:
    """``a/b.ttl`` -> (``a/b``, ``ttl``); a key that itself ends in ``.0`` stays whole."""
    stem, dot, ext = key.rpartition(".")
    return (stem, ext) if dot and ext in VARIANTS else (key, None)


def _node(kind: str, key: str) -> NamedNode:
    """Our IRI for the path; a path that makes no valid IRI names nothing we publish (404)."""
    try:
        return NamedNode(iri_for_path(kind, key))
    except ValueError:
        abort(404, description=f"cblod has no {kind} {key!r}")


def _described(kind: str, key: str) -> Description:
    """The description of the thing at ``kind/key`` (three queries on a SPARQL server)."""
    return current_store().describe(_node(kind, key), inbound_offset=_offset())


def _offset() -> int:
    try:
        return max(0, int(request.args.get("inbound", 0)))
    except ValueError:
        return 0


def _moved(kind: str, key: str, endpoint: str, ext: str | None = None) -> BaseResponse | None:
    """A 301 to the survivor when a curated same-as merged this IRI into another."""
    return _moved_to(current_store().survivor(_node(kind, key)), endpoint, ext)


def _moved_to(survivor: NamedNode | None, endpoint: str, ext: str | None) -> BaseResponse | None:
    """A 301 to the page of ``survivor`` at ``endpoint``, when it is one of ours."""
    if survivor is None:
        return None
    found = local_kind_key(survivor.value)
    if found is None:
        return None
    new_kind, new_key = found
    return redirect(
        url_for(endpoint, kind=new_kind, key=f"{new_key}.{ext}" if ext else new_key), code=301
    )


@blueprint.route("/id/<kind>/<path:key>", methods=["GET", "HEAD"])
def thing(kind: str, key: str) -> BaseResponse:
    """The thing itself has no document: 303 to its description in the best format."""
    if moved := _moved(kind, key, "resources.thing"):
        return moved
    if not current_store().mentions(_node(kind, key)):
        abort(404, description=f"cblod has no {kind} {key!r}")
    ext = negotiate(request.headers.get("Accept"))
    if ext is None:
        abort(406, description="available: " + ", ".join(m for m, _ in VARIANTS.values()))
    target = url_for("resources.document", kind=kind, key=key if ext == "html" else f"{key}.{ext}")
    response = redirect(target, code=303)
    response.vary.add("Accept")
    return response


def _rendered(kind: str, key: str, d: Description, rdf_format: RdfFormat | None) -> bytes:
    """The document's body: the HTML page, or the description in ``rdf_format``."""
    if rdf_format is None:
        return render_page(kind, key, d).encode("utf-8")
    prefixes = PREFIXES if rdf_format == RdfFormat.TURTLE else None
    return serialize(d.triples(), format=rdf_format, prefixes=prefixes) or b""


@blueprint.route("/doc/<kind>/<path:key>", methods=["GET", "HEAD"])
def document(kind: str, key: str) -> BaseResponse:
    key, ext = _split(key)
    negotiated = ext is None
    if ext is None:
        ext = negotiate(request.headers.get("Accept"))
        if ext is None:
            abort(406, description="available: " + ", ".join(m for m, _ in VARIANTS.values()))
    mime, rdf_format = VARIANTS[ext]
    # names on a page follow the reader's language: caches and ETags must tell them apart
    variant = ext if rdf_format else f"{ext}-{'.'.join(reader_languages())}"
    version = current_store().version
    pages: SizedCache[bytes] = current_app.extensions["cblod_pages"]
    cache_key = (version, kind, key, variant, _offset())
    body = pages.get(cache_key)
    if body is None:
        description = _described(kind, key)
        if description.moved:
            survivor = current_store().survivor(description.iri)
            if moved := _moved_to(survivor, "resources.document", None if negotiated else ext):
                return moved
        if not description.exists:
            abort(404, description=f"cblod has no {kind} {key!r}")
        body = _rendered(kind, key, description, rdf_format)
        pages.put(cache_key, body)
    response = Response(body, content_type=f"{mime}; charset=utf-8")
    if rdf_format is None:
        vary_on_language(response)
    if negotiated:
        response.vary.add("Accept")
    response.headers["Content-Location"] = document_path(kind, f"{key}.{ext}")
    response.headers["Link"] = ", ".join(
        f'<{document_path(kind, f"{key}.{e}")}>; rel="alternate"; type="{m}"'
        for e, (m, _) in VARIANTS.items()
    )
    response.set_etag(f"{version}-{variant}")
    response.make_conditional(request)
    return response
