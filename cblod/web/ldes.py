"""``/ldes``: the published resources as a Linked Data Event Stream (SEMIC LDES, W3C TREE).

Members are immutable versions: one per resource per release that added or changed it,
holding the resource's published statements as that release published them, with
``dct:isVersionOf`` the resource (``ldes:versionOfPath``) and ``dct:issued`` the release's
time (``ldes:timestampPath``; the published data never states it, so it is unambiguous); a resource a release removed gets a tombstone member
typed ``as:Delete`` (``ldes:versionDeleteObject``). The stream is fragmented by time: the
view ``/ldes/view`` relates to each kept release's page with ``tree:GreaterThanOrEqualToRelation``
and ``tree:LessThanRelation`` on the timestamp; a release's pages ``/ldes/release/{n}``
(``?page=`` for more than ``PAGE_MEMBERS``) never change and are cached forever, the view
changes with each release (short ``max-age``, ``ETag``). A client that synced at release n
fetches the view again and only the pages of the releases after n.

A version's IRI is ``{base}id/release/{n}/version/{the resource's IRI, percent-encoded}``.
Members exist for the releases the store keeps (``releases.Retention``): a full replay from
an empty state reproduces the published graph as long as the first release is kept.
"""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, abort, request, url_for
from pyoxigraph import DefaultGraph, Literal, NamedNode, Triple

from ..backends.releases import Release
from ..core.vocab import AS, DCTERMS, LDES, RDF, RDFS, SH, TREE, XSD
from .negotiation import rdf_response
from .releases import kept_release, release_iri, release_store, retained

blueprint = Blueprint("ldes", __name__)
PREFIXES = {"ldes": str(LDES), "tree": str(TREE), "dct": str(DCTERMS),             "sh": str(SH), "as": str(AS)}  # fmt: skip
#: members on one page of a release
PAGE_MEMBERS = 250
#: seconds a client may keep the view (it changes with each release)
VIEW_MAX_AGE = 60


def _stream() -> NamedNode:
    return NamedNode(url_for("ldes.stream", _external=True))


def _version(release: Release, iri: str) -> NamedNode:
    return NamedNode(f"{release_iri(release.number).value}/version/{quote(iri, safe='')}")


def _stamp(release: Release) -> Literal:
    return Literal(release.issued.isoformat(), datatype=XSD.dateTime)


def _answer(triples: list[Triple], *, immutable: bool, etag: str) -> Response:
    return rdf_response(
        triples,
        prefixes=PREFIXES,
        etag=etag,
        cache_control="public, max-age=31536000, immutable"
        if immutable
        else f"public, max-age={VIEW_MAX_AGE}",
    )


def _description(view: NamedNode) -> list[Triple]:
    stream = _stream()
    shape = NamedNode(stream.value + "#shape")
    policy = NamedNode(stream.value + "#retention")
    return [
        Triple(stream, RDF.type, LDES.EventStream),
        Triple(stream, LDES.versionOfPath, DCTERMS.isVersionOf),
        Triple(stream, LDES.timestampPath, DCTERMS.issued),
        Triple(stream, LDES.versionDeleteObject, AS.Delete),
        Triple(stream, TREE.shape, shape),
        Triple(stream, TREE.view, view),
        Triple(stream, LDES.retentionPolicy, policy),
        Triple(policy, RDFS.comment, Literal(
            "Members of the releases the publisher keeps: by default the last five and the "
            "last of every month (cblod ingest --keep-releases).", language="en")),
        Triple(shape, RDF.type, SH.NodeShape),
        Triple(shape, SH.property, NamedNode(shape.value + "-version")),
        Triple(NamedNode(shape.value + "-version"), SH.path, DCTERMS.isVersionOf),
        Triple(NamedNode(shape.value + "-version"), SH.minCount, Literal("1", datatype=XSD.integer)),
    ]  # fmt: skip


@blueprint.route("/ldes")
def stream() -> Response:
    """The event stream: what it is and where its view starts."""
    view = NamedNode(url_for("ldes.view", _external=True))
    releases = retained()
    latest = releases[0].number if releases else 0
    return _answer(_description(view), immutable=False, etag=f"ldes-{latest}")


@blueprint.route("/ldes/view")
def view() -> Response:
    """The root node: one time interval per kept release, oldest first."""
    node = NamedNode(url_for("ldes.view", _external=True))
    triples = _description(node) + [Triple(node, RDF.type, TREE.Node)]
    releases = sorted(retained(), key=lambda r: r.number)
    for n, release in enumerate(releases):
        page = NamedNode(url_for("ldes.release", number=release.number, _external=True))
        bounds = [(TREE.GreaterThanOrEqualToRelation, _stamp(release))]
        if n + 1 < len(releases):
            bounds.append((TREE.LessThanRelation, _stamp(releases[n + 1])))
        for k, (kind, value) in enumerate(bounds):
            relation = NamedNode(f"{node.value}#r{release.number}-{k}")
            triples += [
                Triple(node, TREE.relation, relation),
                Triple(relation, RDF.type, kind),
                Triple(relation, TREE.path, DCTERMS.issued),
                Triple(relation, TREE.value, value),
                Triple(relation, TREE.node, page),
            ]
    latest = releases[-1].number if releases else 0
    return _answer(triples, immutable=False, etag=f"ldes-view-{latest}")


@blueprint.route("/ldes/release/<int:number>")
def release(number: int) -> Response:
    """A page of the members of release ``number``: never changes."""
    found = kept_release(number)
    try:
        page = int(request.args.get("page", 0))
    except ValueError:
        abort(400, description="page must be a whole number")
    changes = sorted(
        (iri, change) for change, resources in found.changes.items() for iri in resources
    )
    pages = max(1, -(-len(changes) // PAGE_MEMBERS))
    if not 0 <= page < pages:
        abort(404, description=f"release {number} has {pages} page(s) of members")
    here = url_for("ldes.release", number=number, page=page or None, _external=True)
    node = NamedNode(here)
    stream_node = _stream()
    triples = [Triple(node, RDF.type, TREE.Node)]
    if page + 1 < pages:
        relation = NamedNode(f"{here}#next")
        triples += [
            Triple(node, TREE.relation, relation),
            Triple(relation, RDF.type, TREE.Relation),
            Triple(relation, TREE.node, NamedNode(
                url_for("ldes.release", number=number, page=page + 1, _external=True))),
        ]  # fmt: skip
    database = release_store(found)
    stamp = _stamp(found)
    for iri, change in changes[page * PAGE_MEMBERS : (page + 1) * PAGE_MEMBERS]:
        version = _version(found, iri)
        triples += [
            Triple(stream_node, TREE.member, version),
            Triple(version, DCTERMS.isVersionOf, NamedNode(iri)),
            Triple(version, DCTERMS.issued, stamp),
        ]
        if change == "removed":
            triples.append(Triple(version, RDF.type, AS.Delete))
            continue
        triples += [
            Triple(version, q.predicate, q.object)
            for q in database.quads(NamedNode(iri), None, None, DefaultGraph())
        ]
    return _answer(triples, immutable=True, etag=f"ldes-{number}-{page}")
