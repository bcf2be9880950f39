"""``/fragments``: the dataset as Triple and Quad Pattern Fragments (Linked Data Fragments).

A SPARQL endpoint is the dearest interface a publisher runs; a fragment answers one pattern,
a page of 100 matches at a time, cacheable, and lets a client such as Comunica run the joins
(Verborgh et al., JWS 2016). ``/fragments?subject=&predicate=&object=&graph=`` follows the
TPF and QPF specifications (linkeddatafragments.org): terms in their explicit representation
(an IRI as it is, a literal quoted: ``"Turku"@fi``, ``"12"^^http://…#integer``; empty or
``?x`` for any), the data of the page, and in a graph of its own (``#metadata``, whose
``foaf:primaryTopic`` is the page) its count (``void:triples``, ``hydra:totalItems``: exact up
to the page, else an estimate from the release's statistics, 0 only when nothing matches),
its paging links and the ``hydra:search`` form with its subject, predicate, object and graph
mappings. The default graph (the consolidated one ``/sparql`` answers from) is named to QPF
clients by ``sd:defaultGraph``; with no graph given, a fragment matches it and every source
graph, as ``/sparql``'s dataset holds them. RDF in the formats of the pages, TriG by default
(a quad format keeps the metadata apart from the data; in a triple format, Turtle, N-Triples or
RDF/XML, they share the document, as the TPF specification allows). A release's answer is cacheable by its
version (``ETag``); ``Accept-Datetime`` goes to the release in force then, like the rest of the
site (``cblod.web.memento``).
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Hashable, Iterator
from email.utils import format_datetime
from threading import Lock
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, g, redirect, request, url_for
from pyoxigraph import DefaultGraph, Literal, NamedNode, Quad, RdfFormat, Triple, serialize
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header
from werkzeug.wrappers.response import Response as BaseResponse

from ..backends.published import Dataset
from ..core.rdfterms import GraphName, Term
from ..core.vocab import DCTERMS, FOAF, HYDRA, RDF, SD, VOID, XSD
from ..read.catalogue import fragments_search
from .dataset import statistics
from .memento import asked_datetime, release_at, use_release
from .store_access import current_store

blueprint = Blueprint("fragments", __name__)

#: matches on one page
PAGE = 100
#: matches counted past a page, where the statistics do not say, before the count is an estimate
COUNTED = 1_000
#: pages read at once for a client walking a pattern (asking its second page or later)
AHEAD = 20
#: media type -> (pyoxigraph format, whether it holds graphs); the first is the default
FORMATS = {
    "application/trig": (RdfFormat.TRIG, True),
    "application/n-quads": (RdfFormat.N_QUADS, True),
    "text/turtle": (RdfFormat.TURTLE, False),
    "application/n-triples": (RdfFormat.N_TRIPLES, False),
    "application/ld+json": (RdfFormat.JSON_LD, True),
    "application/rdf+xml": (RdfFormat.RDF_XML, False),
}
NAMES = {"trig": "application/trig", "nq": "application/n-quads", "ttl": "text/turtle",
         "nt": "application/n-triples", "jsonld": "application/ld+json",
         "rdf": "application/rdf+xml"}  # fmt: skip
_LITERAL = re.compile(r'^"(.*)"(?:@([A-Za-z0-9-]+)|\^\^<?([^<>]+)>?)?$', re.S)


class BadTerm(ValueError):
    pass


@blueprint.route("/fragments")
def fragment() -> BaseResponse:
    release = request.args.get("release")
    if release is None and (when := asked_datetime()) is not None:
        found = release_at(when)
        if found is None:
            abort(404, description="this dataset keeps no release to travel to")
        target = redirect(_with(release=str(found.number)), code=302)
        target.vary.add("Accept-Datetime")
        return target
    if release is not None:
        if not release.isdigit():
            abort(400, description="release must be a release number")
        use_release(int(release))
    try:
        subject, predicate, obj = (
            _term(request.args.get(name, ""), name) for name in ("subject", "predicate", "object")
        )
        graph = _graph(request.args.get("graph", ""))
        number = int(request.args.get("page", "1"))
    except (BadTerm, ValueError) as exc:
        abort(400, description=str(exc))
    if number < 1:
        abort(400, description="page must be 1 or more")
    if not isinstance(subject, NamedNode | None) or not isinstance(predicate, NamedNode | None):
        abort(400, description="subject and predicate must be IRIs")
    mime, (rdf_format, quads) = _negotiate()
    # a fragment changes only with the release (the query string is the rest of its URL)
    etag = f"{current_store().version}-{mime.split('/')[1]}"
    if etag in request.if_none_match or f"{etag}-gz" in request.if_none_match:
        return _cacheable(Response(status=304), etag)  # the compressed answer's tag too
    page, total, exact = _matches(subject, predicate, obj, graph, number)
    made = _document(page, total, exact, number, quads)
    body = serialize(
        made if quads else [Triple(q.subject, q.predicate, q.object) for q in made],
        format=rdf_format,
        prefixes=_PREFIXES if rdf_format in (RdfFormat.TURTLE, RdfFormat.TRIG) else None,
    )
    return _cacheable(Response(body, content_type=f"{mime}; charset=utf-8"), etag)


def _cacheable(response: Response, etag: str) -> Response:
    """Tagged by release; a kept release's answer never changes (a Memento)."""
    response.vary.add("Accept")
    response.vary.add("Accept-Datetime")
    response.set_etag(etag)
    kept = g.get("cblod_release")
    if kept is not None:
        response.headers["Memento-Datetime"] = format_datetime(kept.issued, usegmt=True)
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    else:
        response.headers["Cache-Control"] = "public, max-age=300"
    return response


def _term(text: str, name: str) -> Term | None:
    """A term in the explicit representation, None for any (empty or a variable)."""
    text = text.strip()
    if not text or text.startswith("?"):
        return None
    if text.startswith('"'):
        found = _LITERAL.match(text)
        if found is None:
            raise BadTerm(
                f'{name}: {text[:80]!r} is not a literal ("text", "text"@lang, "text"^^IRI)'
            )
        value, language, datatype = found.groups()
        if language:
            return Literal(value, language=language)
        return Literal(value, datatype=NamedNode(datatype)) if datatype else Literal(value)
    if text.startswith("_:"):
        raise BadTerm(f"{name}: a blank node cannot be asked for")
    try:
        return NamedNode(text.strip("<>"))
    except ValueError:
        raise BadTerm(f"{name}: {text[:80]!r} is not an IRI") from None


def default_graph_iri() -> str:
    """The name QPF clients use for the default (consolidated) graph (``sd:defaultGraph``)."""
    return url_for("fragments.fragment", _external=True) + "#default-graph"


def _graph(text: str) -> GraphName | None:
    """The graph asked for: None for every graph, the default graph by its name."""
    term = _term(text, "graph")
    if term is None:
        return None
    if not isinstance(term, NamedNode):
        raise BadTerm("graph must be an IRI")
    return DefaultGraph() if term.value == default_graph_iri() else term


def _matches(
    subject: NamedNode | None, predicate: NamedNode | None, obj: Term | None,
    graph: GraphName | None, number: int,
) -> tuple[list[Quad], int, bool]:  # fmt: skip
    """The page's quads, the count of all matches, and whether it is exact."""
    store = current_store()
    sources = store.source_graphs()
    if isinstance(graph, NamedNode) and graph not in sources:
        return [], 0, True  # a graph this dataset does not publish: nothing matches
    graphs: list[GraphName] = [DefaultGraph(), *sources] if graph is None else [graph]
    pattern = (store.version, subject, predicate, obj, graph)
    kept = AHEAD_PAGES.take((*pattern, number))
    if kept is not None:
        return kept
    start, end = (number - 1) * PAGE, number * PAGE
    # a client asking a second page walks the pattern: the pages after it are read now and
    # kept (quads, not the engine's iterator, which is bound to its thread), so walking n
    # pages reads the matches before them n / AHEAD times, not n times
    walking = number > 1
    last = end + (AHEAD - 1) * PAGE if walking else end
    # the statistics' count of the pattern, when they hold one: then matches are read only
    # to the end of what is wanted and one more (is there a next page?), else counted a while
    stated = _estimate(subject, predicate, obj, graph)
    limit = last + 1 if stated is not None else last + COUNTED
    found: list[Quad] = []
    seen = 0
    exact = True
    for quad in _all(store, subject, predicate, obj, graphs):
        if start <= seen < last:
            found.append(quad)
        seen += 1
        if seen >= limit:
            exact = False
            break
    total = seen if exact else max(seen, stated or 0)
    for n in range(1, -(-len(found) // PAGE)) if walking else ():
        later = found[n * PAGE : (n + 1) * PAGE]
        AHEAD_PAGES.keep((*pattern, number + n), (later, total, exact))
    return found[:PAGE], total, exact


class PagesAhead:
    """Pages read ahead for clients walking a pattern, by (version, pattern, page): a few
    kept, the least recently used let go; a page is taken by the request that asks it."""

    def __init__(self, size: int = 16 * AHEAD) -> None:
        self._kept: OrderedDict[Hashable, tuple[list[Quad], int, bool]] = OrderedDict()
        self._size = size
        self._lock = Lock()

    def take(self, key: Hashable) -> tuple[list[Quad], int, bool] | None:
        with self._lock:
            return self._kept.pop(key, None)

    def keep(self, key: Hashable, page: tuple[list[Quad], int, bool]) -> None:
        with self._lock:
            self._kept[key] = page
            while len(self._kept) > self._size:
                self._kept.popitem(last=False)


AHEAD_PAGES = PagesAhead()


def _all(
    store: Dataset,
    subject: NamedNode | None,
    predicate: NamedNode | None,
    obj: Term | None,
    graphs: list[GraphName],
) -> Iterator[Quad]:
    for name in graphs:
        yield from store.quads(subject, predicate, obj, name)


def _estimate(
    subject: NamedNode | None, predicate: NamedNode | None, obj: Term | None,
    graph: GraphName | None,
) -> int | None:  # fmt: skip
    """What the release's statistics say of a pattern over the default graph, if anything."""
    if subject is not None or not isinstance(graph, DefaultGraph | None):
        return None
    stats = statistics()
    if predicate is None and obj is None:
        return int(stats["triples"])
    if predicate is not None and obj is None:
        return int(stats["properties"].get(predicate.value, 0)) or None
    if predicate == RDF.type and isinstance(obj, NamedNode):
        return int(stats["classes"].get(obj.value, 0)) or None
    return None


def _with(**changes: str) -> str:
    """This request's URL with some parameters changed (``page``, ``release``)."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k not in changes]
    args += [(k, v) for k, v in changes.items() if v]
    query = urlencode(args)
    return request.base_url + (f"?{query}" if query else "")


def _here() -> str:
    """This page's URL as the client asked for it (what its metadata must be about)."""
    query = request.query_string.decode("latin-1")
    return request.base_url + (f"?{query}" if query else "")


def _document(page: list[Quad], total: int, exact: bool, number: int, quads: bool) -> list[Quad]:
    """The page's data, then its metadata and controls (in ``#metadata`` for a quad format)."""
    here = NamedNode(_here())
    base = url_for("fragments.fragment", _external=True)
    dataset = NamedNode(base + "#dataset")
    meta_graph: GraphName = NamedNode(here.value + "#metadata") if quads else DefaultGraph()
    count = Literal(str(total), datatype=XSD.integer)

    def add(s: NamedNode, p: NamedNode, o: Term) -> None:
        meta.append(Quad(s, p, o, meta_graph))

    meta: list[Quad] = []
    if isinstance(meta_graph, NamedNode):
        add(meta_graph, FOAF.primaryTopic, here)
    add(here, RDF.type, HYDRA.PartialCollectionView)
    add(
        here,
        DCTERMS.title,
        Literal("A page of the dataset's triples that match a pattern", language="en"),
    )
    add(here, VOID.triples, count)
    add(here, HYDRA.totalItems, count)
    add(here, HYDRA.itemsPerPage, Literal(str(PAGE), datatype=XSD.integer))
    add(here, HYDRA.first, NamedNode(_with(page="")))
    if number > 1:
        add(here, HYDRA.previous, NamedNode(_with(page=str(number - 1) if number > 2 else "")))
    if number * PAGE < total or not exact and len(page) == PAGE:
        add(here, HYDRA.next, NamedNode(_with(page=str(number + 1))))
    add(dataset, RDF.type, VOID.Dataset)
    add(dataset, RDF.type, HYDRA.Collection)
    add(dataset, VOID.subset, here)
    add(dataset, SD.defaultGraph, NamedNode(default_graph_iri()))
    # the search form as VoID, the service description and the catalogue state it
    meta += [
        Quad(t.subject, t.predicate, t.object, meta_graph) for t in fragments_search(dataset, base)
    ]
    return page + meta


def _negotiate() -> tuple[str, tuple[RdfFormat, bool]]:
    asked = request.args.get("format")
    if asked:
        mime = NAMES.get(asked) or (asked if asked in FORMATS else None)
        if mime is None:
            abort(400, description=f"format must be one of: {', '.join(NAMES)}")
        return mime, FORMATS[mime]
    accept = request.headers.get("Accept")
    best = parse_accept_header(accept, MIMEAccept).best_match(list(FORMATS)) if accept else None
    mime = best or next(iter(FORMATS))
    return mime, FORMATS[mime]


_PREFIXES = {
    "hydra": str(HYDRA),
    "void": str(VOID),
    "sd": str(SD),
    "dcterms": str(DCTERMS),
    "foaf": str(FOAF),
    "xsd": str(XSD),
}
