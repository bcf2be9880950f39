"""The dataset described for harvesters: VoID, a DCAT-AP catalogue, robots.txt, a sitemap.

``/.well-known/void`` (RFC 5785, as the VoID note asks) and ``/catalog`` are negotiated
(Turtle by default; JSON-LD, N-Triples, RDF/XML); their statements are the read layer's
(``cblod.read.catalogue``), made from the dataset's statistics, counted once per dataset
version. Absolute URLs use the address the client reached (behind a proxy, the forwarded one
when the app is told to trust it), the dataset's URIs use the store's base.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape

from flask import Blueprint, Response, abort, current_app, request, url_for
from pyoxigraph import Triple

from ..backends.published import current_release
from ..derived.kept import kept_summary, kept_summary_in
from ..read.catalogue import (
    DEFAULT_PROFILE,
    PREFIXES,
    PROFILES,
    Addresses,
    Profile,
    Publication,
    Version,
    catalogue,
    void,
)
from ..read.dumps import manifest
from ..read.page_sections import sitemap_subjects
from ..read.stats import dataset_statistics
from .links import base_uri
from .negotiation import rdf_response
from .releases import release_iri, retained
from .store_access import current_store, memoized

blueprint = Blueprint("dataset", __name__)
#: URLs one sitemap file may hold (sitemaps.org)
SITEMAP_URLS = 50_000


def statistics() -> dict[str, Any]:
    """The dataset's statistics: kept with the snapshot, or computed once per version."""
    store = current_store()
    return memoized(
        ("dataset-statistics",),
        lambda: kept_summary(store, "dataset-statistics") or dataset_statistics(store),
    )


def _respond(triples: list[Triple]) -> Response:
    return rdf_response(
        triples,
        prefixes=PREFIXES,
        etag=current_store().version,
        cache_control="public, max-age=300",
    )


def _url(endpoint: str, **values: str) -> str:
    return url_for(endpoint, _external=True, **values)


def addresses() -> Addresses:
    """Where this server serves what the descriptions name, as the client reached it."""
    keeps_releases = current_store().releases is not None
    return Addresses(
        home=_url("home.index"),
        sparql=_url("sparql.query"),
        void=_url("dataset.void"),
        catalogue=_url("dataset.catalog"),
        ldes=_url("ldes.stream") if keeps_releases else None,
        fragments=_url("fragments.fragment"),
        uri_space=base_uri() + "id/",
        dataset_dump=lambda name: _url("dumps.download", name=name),
        release_dump=lambda number, name: _url("releases.download", number=str(number), name=name),
        release=lambda number: release_iri(number).value,
    )


def publication() -> Publication:
    """Who publishes, from the server's settings."""
    config = current_app.config
    return Publication(
        publisher_name=config["PUBLISHER_NAME"],
        publisher_type=config["PUBLISHER_TYPE"],
        publisher_iri=config.get("PUBLISHER_IRI"),
        licence=config["DATA_LICENSE"],
        licence_type=config["DATA_LICENSE_TYPE"],
    )


@blueprint.route("/.well-known/void", endpoint="void")
def void_description() -> Response:
    return _respond(void(statistics(), addresses()))


@blueprint.route("/catalog")
def catalog() -> Response:
    """The catalogue, made once per dataset version, address and profile: it describes every
    kept release, whose statistics and dump files it reads. ``?profile=dcat-ap-2.1.1`` gives
    the DCAT-AP 2.1.1 catalogue (``cblod.read.catalogue.Profile``), the default is 3.0.1."""
    name = request.args.get("profile", DEFAULT_PROFILE.name)
    profile = PROFILES.get(name)
    if profile is None:
        abort(400, description=f"profile must be one of: {', '.join(PROFILES)}")
    return _respond(
        memoized(("catalog", request.host_url, profile.name), lambda: catalog_triples(profile))
    )


def catalog_triples(profile: Profile = DEFAULT_PROFILE) -> list[Triple]:
    stats = statistics()
    store = current_store()
    versions = [
        Version(
            release,
            kept_summary_in(release.folder, "dataset-statistics") or stats,
            manifest(release.folder),
        )
        for release in retained()
    ]
    return catalogue(
        stats,
        addresses(),
        publication(),
        files=manifest(current) if (current := current_release(store)) else {},
        versions=versions,
        today=datetime.now(UTC),
        profile=profile,
    )


@blueprint.route("/robots.txt")
def robots() -> Response:
    body = (
        "User-agent: *\nDisallow: /sparql\nDisallow: /search\n"
        f"Sitemap: {url_for('dataset.sitemap', _external=True)}\n"
    )
    return Response(body, mimetype="text/plain")


@blueprint.route("/sitemap.xml")
def sitemap() -> Response:
    base = base_uri()
    urls = [url_for("home.index", _external=True)]
    for iri in sitemap_subjects(current_store(), SITEMAP_URLS):
        if iri.startswith(base + "id/"):
            kind, _, key = iri[len(base) + 3 :].partition("/")
            urls.append(url_for("resources.document", kind=kind, key=key, _external=True))
    body = '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
    body += "".join(f"  <url><loc>{escape(u)}</loc></url>\n" for u in urls) + "</urlset>\n"
    return Response(body, mimetype="application/xml")
