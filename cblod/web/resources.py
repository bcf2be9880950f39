"""Dereferencing: ``/id/{kind}/{key}`` answers 303 to ``/doc/{kind}/{key}`` (Cool URIs).

``/doc/`` negotiates HTML, Turtle, JSON-LD, N-Triples and RDF/XML (``Vary: Accept``,
``Content-Location`` of the chosen variant, ``Link`` to every alternate); ``/doc/….ttl``,
``.jsonld``, ``.nt``, ``.rdf``, ``.html`` pick one. An unknown resource is a 404 page (HTML or
text by Accept), never a 500. Documents are kept per dataset version (``PAGE_CACHE_BYTES``):
a page asked for again is not described and rendered again. With ``PAGES_AHEAD`` a first
view reads the page made before it was asked for (``ahead``). ``Server-Timing`` says which.
"""

from __future__ import annotations

import time

from flask import Blueprint, Response, abort, current_app, redirect, request, url_for
from pyoxigraph import NamedNode, RdfFormat, serialize
from werkzeug.wrappers import Response as BaseResponse

from ..core.vocab import PREFIXES
from ..lru import SizedCache
from ..read.describe import Description, describe
from . import ahead, memento
from .labels import reader_languages, vary_on_language
from .language import asked_language
from .links import document_path, iri_for_path, local_kind_key
from .negotiation import VARIANTS, named_format, negotiate
from .pages import render_page
from .store_access import current_store, memos

blueprint = Blueprint("resources", __name__)


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
    return describe(
        current_store(), _node(kind, key), inbound_offset=_offset(), known=memos().about
    )


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
    """The thing itself has no document: 303 to its description in the best format (with
    ``Accept-Datetime``, 302 to its description as a release published it: ``memento``)."""
    ext = negotiate(request.headers.get("Accept"))
    if ext is None:
        abort(406, description="available: " + ", ".join(m for m, _ in VARIANTS.values()))
    if travelled := memento.to_memento(kind, key, ext):
        return travelled
    if moved := _moved(kind, key, "resources.thing"):
        return moved
    if not current_store().mentions(_node(kind, key)):
        memento.gone_or_missing(kind, key)
    target = url_for("resources.document", kind=kind, key=key if ext == "html" else f"{key}.{ext}")
    response = redirect(target, code=303)
    response.vary.add("Accept")
    response.vary.add("Accept-Datetime")
    response.headers["Link"] = memento.links(kind, key)
    return response


def _as_made_ahead(variant: str, asked_release: str | None) -> bool:
    """Whether this request asks for the page as pages are made ahead: HTML with names in
    English (``ahead.VARIANT``), its first page of inbound links, of the version served, by
    an application at the root of its host."""
    return (
        variant == ahead.VARIANT
        and asked_release is None
        and not _offset()
        and not request.script_root
    )


def _rendered(kind: str, key: str, d: Description, rdf_format: RdfFormat | None) -> bytes:
    """The document's body: the HTML page, or the description in ``rdf_format``."""
    if rdf_format is None:
        return render_page(kind, key, d).encode("utf-8")
    prefixes = PREFIXES if rdf_format == RdfFormat.TURTLE else None
    return serialize(d.triples(), format=rdf_format, prefixes=prefixes) or b""


@blueprint.route("/doc/<kind>/<path:key>", methods=["GET", "HEAD"])
def document(kind: str, key: str) -> BaseResponse:
    key, ext = _split(key)
    if ext is None and (asked_format := request.args.get("format")):
        # ?format= as the lists take it: a link that names its format, as a path suffix does
        ext = named_format(asked_format)
        if ext is None:
            abort(400, description=f"format must be one of: {', '.join(VARIANTS)}")
    negotiated = ext is None
    asked_release = request.args.get("release")
    if asked_release is not None:
        if not asked_release.isdigit():
            abort(400, description=f"release {asked_release[:20]!r} is not a release number")
        memento.use_release(int(asked_release))
    elif travelled := memento.to_memento(kind, key, ext):
        return travelled
    if ext is None:
        ext = negotiate(request.headers.get("Accept"))
        if ext is None:
            abort(406, description="available: " + ", ".join(m for m, _ in VARIANTS.values()))
    mime, rdf_format = VARIANTS[ext]
    # names on a page follow the reader's language: caches and ETags must tell them apart
    # (and links on a page carry the reader's ?lang: a page asked with one is another page)
    variant = ext if rdf_format else f"{ext}-{'.'.join(reader_languages())}"
    if rdf_format is None and (asked := asked_language()):
        variant += f"-lang-{asked}"
    if rdf_format is None and (newest := memento.newest_release()) is not None:
        variant += f"-newest-{newest.number}"  # an old release's page says how old it is
    version = current_store().version
    pages: SizedCache[bytes] = current_app.extensions["cblod_pages"]
    cache_key = (version, kind, key, variant, _offset())

    #: how the body was found, told to the client as ``Server-Timing`` (W3C Server Timing)
    how = {"desc": "kept"}

    def render() -> bytes | BaseResponse:
        started = time.perf_counter()
        description = _described(kind, key)
        if description.moved:
            survivor = current_store().survivor(description.iri)
            if moved := _moved_to(survivor, "resources.document", None if negotiated else ext):
                return moved
        if not description.exists:
            if asked_release is not None:
                abort(404, description=f"release {asked_release} has no {kind} {key!r}")
            memento.gone_or_missing(kind, key)
        rendered = _rendered(kind, key, description, rdf_format)
        pages.put(cache_key, rendered)
        how.update(desc="rendered", dur=f"{(time.perf_counter() - started) * 1000:.1f}")
        return rendered

    maker: ahead.Maker | None = current_app.extensions.get("cblod_ahead")
    if maker is not None:
        maker.ensure(current_store())  # a version published since the last request

    def kept() -> bytes | None:
        found = pages.get(cache_key)
        if found is None and maker is not None and _as_made_ahead(variant, asked_release):
            found = ahead.made_ahead(current_store().data_dir, kind, key)
            if found is not None:
                how["desc"] = "made-ahead"
        return found

    # many clients asking for one page right after a publish: rendered once, not by each
    found = current_app.extensions["cblod_rendering"].run(cache_key, kept, render)
    if not isinstance(found, bytes):
        return found  # moved: a redirect to the survivor
    body = found
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
    if asked_release is None:
        response.vary.add("Accept-Datetime")
    response.set_etag(f"{version}-{variant}")
    duration = f";dur={how['dur']}" if "dur" in how else ""
    response.headers["Server-Timing"] = f'page;desc="{how["desc"]}"{duration}'
    memento.as_memento(response, kind, key)
    response.make_conditional(request)
    return response
