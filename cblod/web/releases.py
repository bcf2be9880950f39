"""``/releases``: every publication of the dataset, what it changed, and its own dumps.

``/releases`` lists the retained releases (HTML for people; Turtle, JSON-LD, N-Triples by
``Accept`` or ``?format=``); ``/id/release/{n}`` is a release's IRI (303 to its document,
Cool URIs), ``/doc/release/{n}`` says what it changed in words and numbers and, in RDF,
links every resource it added, changed or removed. A release the retention policy removed
answers 410 Gone; one never published, 404. ``/releases/{n}/dumps/{file}`` are the release's
dumps: built once, the same bytes forever (``Cache-Control: immutable``). ``/dumps/`` stays
the latest. Releases are the embedded store's (``cblod.backends.releases``); a store served from a
SPARQL server has none.
"""

from __future__ import annotations

import threading

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from pyoxigraph import Literal, NamedNode, Triple
from werkzeug.wrappers import Response as BaseResponse

from ..backends.published import Dataset
from ..backends.releases import CHANGES, Release, read
from ..core.vocab import ADMS, CBO, DCAT, DCTERMS, RDF, XSD
from ..read.dumps import dump_files, release_dumps
from .dumps import send_dump
from .links import base_uri
from .negotiation import VARIANTS, negotiate, rdf_response
from .store_access import current_store

blueprint = Blueprint("releases", __name__)
PREFIXES = {"dcat": str(DCAT), "dct": str(DCTERMS), "adms": str(ADMS), "cbo": str(CBO)}
#: release snapshots kept open (each a read-only database handle)
OPEN_RELEASES = 8
#: resources of each kind and change a release page links to (its RDF links them all)
SHOWN = 50
_building = threading.Lock()
_opening = threading.Lock()


def retained() -> list[Release]:
    """The releases on disk, newest first."""
    releases = current_store().releases
    if releases is None or releases.current is None:
        return []
    found = (read(folder) for folder in releases.folders())
    published = releases.current.name
    return sorted(
        (r for r in found if r is not None and r.folder.name <= published),
        key=lambda r: -r.number,
    )


def release_iri(number: int) -> NamedNode:
    return NamedNode(f"{base_uri()}id/release/{number}")


def kept_release(number: int) -> Release:
    releases = retained()
    for release in releases:
        if release.number == number:
            return release
    if releases and 0 < number < releases[0].number:
        abort(410, description=f"release {number} is no longer kept (retention policy)")
    abort(404, description=f"no release {number}")


def release_store(release: Release) -> Dataset:
    """A read-only handle on a kept release's snapshot, kept open for the next request
    (Memento, the stream, the catalogue and the release's dumps read it)."""
    opened: dict[str, Dataset] = current_app.extensions.setdefault("cblod_releases", {})
    key = str(release.folder)
    with _opening:
        if key not in opened:
            releases = current_store().releases
            assert releases is not None  # a kept release was found: the backend keeps them
            if len(opened) >= OPEN_RELEASES:
                opened.pop(next(iter(opened)))
            opened[key] = releases.at(release.folder)
        return opened[key]


def _format() -> str | None:
    ext = request.args.get("format") or negotiate(request.headers.get("Accept"))
    return ext if ext in VARIANTS else None


def _dataset() -> NamedNode:
    return NamedNode(url_for("dataset.catalog", _external=True) + "#dataset")


def _summary(release: Release) -> list[Triple]:
    iri = release_iri(release.number)
    counts = {change: release.total(change) for change in CHANGES}
    notes = ", ".join(f"{counts[c]} resources {c}" for c in CHANGES)
    found = [
        Triple(_dataset(), DCAT.hasVersion, iri),
        Triple(iri, RDF.type, DCAT.Dataset),
        Triple(iri, DCTERMS.title, Literal(f"cblod release {release.number}", language="en")),
        Triple(iri, DCAT.version, Literal(str(release.number))),
        Triple(iri, DCTERMS.issued, Literal(release.issued.isoformat(), datatype=XSD.dateTime)),
        Triple(iri, DCAT.isVersionOf, _dataset()),
        Triple(iri, ADMS.versionNotes, Literal(notes, language="en")),
    ]
    if release.previous is not None:
        found.append(Triple(iri, DCAT.previousVersion, release_iri(release.previous)))
    return found


@blueprint.route("/releases")
def index() -> Response | str:
    releases = retained()
    ext = _format()
    if ext not in (None, "html"):
        latest = releases[0].number if releases else 0
        return rdf_response(
            [t for r in releases for t in _summary(r)],
            prefixes=PREFIXES,
            etag=f"releases-{latest}",
            cache_control="public, max-age=60",
        )
    return render_template("releases.html", releases=releases)


@blueprint.route("/id/release/<int:number>")
def identifier(number: int) -> BaseResponse:
    kept_release(number)
    return redirect(url_for("releases.document", number=number), code=303)


@blueprint.route("/doc/release/<int:number>")
def document(number: int) -> Response | str:
    release = kept_release(number)
    ext = _format()
    if ext not in (None, "html"):
        triples = _summary(release)
        iri = release_iri(number)
        terms = {"added": CBO.addedResource, "changed": CBO.changedResource,
                 "removed": CBO.removedResource}  # fmt: skip
        for change, resources in release.changes.items():
            triples += [Triple(iri, terms[change], NamedNode(r)) for r in resources]
        for f in dump_files(current_store())[:3]:
            node = NamedNode(f"{iri.value}#dump-{f.name.replace('.', '-')}")
            triples += [
                Triple(iri, DCAT.distribution, node),
                Triple(node, RDF.type, DCAT.Distribution),
                Triple(node, DCAT.downloadURL, NamedNode(
                    url_for("releases.download", number=number, name=f.name, _external=True))),
                Triple(node, DCAT.mediaType, NamedNode(
                    f"http://www.iana.org/assignments/media-types/{f.media_type}")),
            ]  # fmt: skip
        return rdf_response(
            triples,
            prefixes=PREFIXES,
            etag=f"release-{number}",
            cache_control="public, max-age=3600",  # what a release says never changes
        )
    changes = {
        change: sorted(resources.items(), key=lambda item: (item[1], item[0]))[:SHOWN]
        for change, resources in release.changes.items()
    }
    return render_template(
        "release.html",
        release=release,
        counts=release.kinds,
        changes=changes,
        files=dump_files(current_store())[:3],
        shown=SHOWN,
    )


@blueprint.route("/releases/<int:number>/dumps/<path:name>", methods=["GET", "HEAD"])
def download(number: int, name: str) -> Response:
    release = kept_release(number)
    snapshot = release_store(release)
    if name not in {f.name for f in dump_files(snapshot)}:
        abort(404, description=f"no dump file {name!r} in release {number}")
    with _building:
        folder = release_dumps(snapshot, release.folder)
    response = send_dump(
        folder, name, f"release-{number}-{name.rsplit('/', 1)[-1]}", f"release-{number}-{name}"
    )
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
