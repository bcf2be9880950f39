"""The dataset described for harvesters: VoID, a DCAT-AP catalogue, robots.txt, a sitemap.

``/.well-known/void`` (RFC 5785, as the VoID note asks) and ``/catalog`` are negotiated
(Turtle by default; JSON-LD, N-Triples, RDF/XML). Their statistics are counted once per
dataset version. Absolute URLs use the address the client reached (behind a proxy, the
forwarded one when the app is told to trust it), the dataset's URIs use the store's base.
"""

from __future__ import annotations

import zlib
from datetime import UTC, datetime
from typing import Any, NamedTuple
from xml.sax.saxutils import escape

from flask import Blueprint, Response, current_app, request, url_for
from pyoxigraph import Literal, NamedNode, Triple

from ..backends.releases import CHANGES
from ..core.errors import ValueParseError
from ..core.vocab import (
    CBO,
    DCTERMS,
    FOAF,
    RDF,
    XSD,
    Namespace,
    sparql_prefixes,
)
from ..derived.kept import kept_summary, kept_summary_in
from ..read.dumps import DATASET_DUMPS, DumpFile, manifest
from ..read.stats import LINK_TARGETS, dataset_statistics
from ..records.places import country, country_extents
from .links import base_uri
from .negotiation import rdf_response
from .releases import release_iri, retained
from .store_access import current_store, memoized

blueprint = Blueprint("dataset", __name__)

VOID = Namespace("http://rdfs.org/ns/void#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
EU_FILE_TYPE = Namespace("http://publications.europa.eu/resource/authority/file-type/")
EU_THEME = Namespace("http://publications.europa.eu/resource/authority/data-theme/")
EU_FREQUENCY = Namespace("http://publications.europa.eu/resource/authority/frequency/")
EU_LANGUAGE = Namespace("http://publications.europa.eu/resource/authority/language/")
EU_COUNTRY = "http://publications.europa.eu/resource/authority/country"
EU_AVAILABILITY = Namespace(
    "http://publications.europa.eu/resource/authority/planned-availability/"
)
DCATAP = Namespace("http://data.europa.eu/r5r/")
SKOS_NS = Namespace("http://www.w3.org/2004/02/skos/core#")
ADMS_LICENCE_TYPE = Namespace("http://purl.org/adms/licencetype/")
ADMS_PUBLISHER_TYPE = Namespace("http://purl.org/adms/publishertype/")
SPARQL_PROTOCOL = NamedNode("https://www.w3.org/TR/sparql11-protocol/")
LDES_SPECIFICATION = NamedNode("https://w3id.org/ldes/specification")
ADMS = Namespace("http://www.w3.org/ns/adms#")
GZIP = NamedNode("http://www.iana.org/assignments/media-types/application/gzip")
SPDX = Namespace("http://spdx.org/rdf/terms#")
#: the algorithm as the official DCAT-AP 3.0.1 shapes require it (``sh:pattern
#: "^https://spdx.org/rdf/terms"`` in mdr-vocabularies), though SPDX's namespace is http
SHA256 = NamedNode("https://spdx.org/rdf/terms#checksumAlgorithm_sha256")
WKT = NamedNode("http://www.opengis.net/ont/geosparql#wktLiteral")
KEYWORDS = ("Interreg", "cohesion policy", "ERDF", "projects", "beneficiaries", "linked data")
THEMES = (EU_THEME.REGI, EU_THEME.ECON)
PREFIXES = {
    "void": str(VOID),
    "dcat": str(DCAT),
    "dcatap": str(DCATAP),
    "spdx": "http://spdx.org/rdf/terms#",
    "skos": str(SKOS_NS),
    "dcterms": str(DCTERMS),
    "foaf": str(FOAF),
    "vcard": str(VCARD),
    "xsd": str(XSD),
    "cbo": str(CBO),
}
FILE_TYPES = {
    "text/turtle": "RDF_TURTLE",
    "application/n-triples": "RDF_N_TRIPLES",
    "application/n-quads": "RDF_N_QUADS",
}


def _scheme(vocabulary: Namespace) -> NamedNode:
    """An EU or ADMS controlled vocabulary (its namespace without the trailing slash)."""
    return NamedNode(str(vocabulary).rstrip("/"))


#: English labels of the controlled-vocabulary terms the catalogue uses (the vocabularies'
#: own): DCAT-AP asks for a concept's ``skos:prefLabel`` and a scheme's ``dct:title``
LABELS = {
    str(EU_THEME) + "REGI": "Regions and cities",
    str(EU_THEME) + "ECON": "Economy and finance",
    str(EU_LANGUAGE) + "ENG": "English",
    str(EU_FREQUENCY) + "IRREG": "irregular",
    str(EU_AVAILABILITY) + "STABLE": "stable",
    str(EU_FILE_TYPE) + "RDF_TURTLE": "RDF Turtle",
    str(EU_FILE_TYPE) + "RDF_N_TRIPLES": "RDF N-Triples",
    str(EU_FILE_TYPE) + "RDF_N_QUADS": "RDF N-Quads",
    str(EU_FILE_TYPE) + "SPARQLQ": "SPARQL query",
    str(ADMS_PUBLISHER_TYPE) + "NonProfitOrganisation": "Non-Profit Organisation",
    str(ADMS_LICENCE_TYPE) + "Attribution": "Attribution",
    str(EU_THEME).rstrip("/"): "Data theme",
    str(EU_LANGUAGE).rstrip("/"): "Language",
    str(EU_FREQUENCY).rstrip("/"): "Frequency",
    str(EU_AVAILABILITY).rstrip("/"): "Planned availability",
    str(EU_FILE_TYPE).rstrip("/"): "File type",
    EU_COUNTRY: "Country",
    str(ADMS_PUBLISHER_TYPE) + "1.0": "Publisher Type",
    str(ADMS_LICENCE_TYPE) + "1.0": "Licence Type",
}


def _concept(term: NamedNode, scheme: NamedNode, *classes: NamedNode) -> list[Triple]:
    """What DCAT-AP asks a catalogue to say of a term it takes from a controlled vocabulary:
    its class (``range.ttl`` checks linked things' classes in the data), its scheme (the EU
    vocabularies shape, ``mdr-vocabularies.shape.ttl``, checks ``skos:inScheme`` and the
    scheme's class) and their labels (``shapes.ttl``)."""
    found = [Triple(term, RDF.type, c) for c in classes]
    found += [
        Triple(term, SKOS_NS.inScheme, scheme),
        Triple(scheme, RDF.type, SKOS_NS.ConceptScheme),
    ]
    label = LABELS.get(term.value) or _country_name(term.value)
    if label:
        found.append(Triple(term, SKOS_NS.prefLabel, Literal(label, language="en")))
    if scheme.value in LABELS:
        found.append(Triple(scheme, DCTERMS.title, Literal(LABELS[scheme.value], language="en")))
    return found


def _country_name(iri: str) -> str | None:
    if not iri.startswith(EU_COUNTRY + "/"):
        return None
    try:
        return country(iri.rsplit("/", 1)[1]).name
    except ValueParseError:
        return None


def _location(place: NamedNode) -> list[Triple]:
    """A country's bounding box and its centre, as GeoSPARQL WKT (``dcat:bbox``,
    ``dcat:centroid``), when ``cblod/data/country-extents.csv`` has it."""
    extent = country_extents().get(place.value.rsplit("/", 1)[1])
    if extent is None:
        return []
    west, south, east, north = extent
    box = f"POLYGON(({west} {south},{east} {south},{east} {north},{west} {north},{west} {south}))"
    centre = f"POINT({(west + east) / 2:.4f} {(south + north) / 2:.4f})"
    return [
        Triple(place, DCAT.bbox, Literal(box, datatype=WKT)),
        Triple(place, DCAT.centroid, Literal(centre, datatype=WKT)),
    ]


def _int(value: int) -> Literal:
    return Literal(str(value), datatype=XSD.integer)


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


def _part(doc: NamedNode, kind: str, term: str) -> NamedNode:
    """The IRI of a partition or linkset of ``term``: unique per term, even where two
    vocabularies share a local name (``cbo:Project``, ``schema:Project``), and stable (a
    CRC, since ``str`` hashes differ between processes)."""
    name = term.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
    return NamedNode(f"{doc.value}#{kind}-{zlib.crc32(term.encode()):08x}-{name}")


def _absolute(endpoint: str, **values: str) -> NamedNode:
    return NamedNode(url_for(endpoint, _external=True, **values))


@blueprint.route("/.well-known/void")
def void() -> Response:
    stats = statistics()
    doc = _absolute("dataset.void")
    dataset = NamedNode(doc.value + "#dataset")
    t = [
        Triple(dataset, RDF.type, VOID.Dataset),
        Triple(
            dataset,
            DCTERMS.title,
            Literal("cblod: Interreg and cohesion-policy projects", language="en"),
        ),
        Triple(
            dataset,
            DCTERMS.description,
            Literal(
                "Programmes, projects, partners with per-partner budgets, and results, read from "
                "programme databases and registries; one value per fact in the default graph.",
                language="en",
            ),
        ),
        Triple(dataset, VOID.triples, _int(stats["triples"])),
        Triple(dataset, VOID.entities, _int(int(stats["entities"]))),
        Triple(dataset, VOID.sparqlEndpoint, _absolute("sparql.query")),
        Triple(dataset, VOID.uriSpace, Literal(base_uri() + "id/")),
        Triple(dataset, VOID.vocabulary, NamedNode(str(CBO))),
        Triple(dataset, FOAF.homepage, _absolute("home.index")),
    ]
    if stats["modified"]:
        t.append(
            Triple(dataset, DCTERMS.modified, Literal(stats["modified"], datatype=XSD.dateTime))
        )
    for f in DATASET_DUMPS:
        t.append(Triple(dataset, VOID.dataDump, _absolute("dumps.download", name=f.name)))
    t += [Triple(dataset, VOID.exampleResource, NamedNode(iri)) for iri in stats["examples"]]
    for cls, count in sorted(stats["classes"].items()):
        part = _part(doc, "class", cls)
        t += [
            Triple(dataset, VOID.classPartition, part),
            Triple(part, VOID["class"], NamedNode(cls)),
            Triple(part, VOID.entities, _int(count)),
        ]
    for prop, count in sorted(stats["properties"].items()):
        part = _part(doc, "property", prop)
        t += [
            Triple(dataset, VOID.propertyPartition, part),
            Triple(part, VOID.property, NamedNode(prop)),
            Triple(part, VOID.triples, _int(count)),
        ]
    for name, _, target in LINK_TARGETS:
        for prop, count in sorted(stats["links"].get(name, {}).items()):
            linkset = _part(doc, f"links-{name}", prop)
            t += [
                Triple(linkset, RDF.type, VOID.Linkset),
                Triple(dataset, VOID.subset, linkset),
                Triple(linkset, VOID.subjectsTarget, dataset),
                Triple(linkset, VOID.objectsTarget, NamedNode(target)),
                Triple(linkset, VOID.target, dataset),
                Triple(linkset, VOID.target, NamedNode(target)),
                Triple(linkset, VOID.linkPredicate, NamedNode(prop)),
                Triple(linkset, VOID.triples, _int(count)),
            ]
    return _respond(t)


@blueprint.route("/catalog")
def catalog() -> Response:
    """The catalogue (``catalog_triples``), made once per dataset version and address: it
    describes every kept release, whose statistics and dump files it reads."""
    return _respond(memoized(("catalog", request.host_url), catalog_triples))


def catalog_triples() -> list[Triple]:
    """A DCAT-AP 3.0.1 catalogue of the dataset, conformant to the official SEMIC shapes
    (mandatory, class ranges, EU vocabularies, recommended: tests/test_dcat_ap.py).

    One warning of the EU vocabularies shape remains by design: it prefers a publisher from
    the EU corporate-bodies table, which lists EU institutions, not programme secretariats
    (``PUBLISHER_IRI`` names one where it applies).
    """
    stats = statistics()
    config = current_app.config
    doc = _absolute("dataset.catalog").value
    catalog_node, dataset, contact, service = (
        NamedNode(f"{doc}#{n}") for n in ("catalog", "dataset", "contact", "sparql")
    )
    publisher = NamedNode(config.get("PUBLISHER_IRI") or f"{doc}#publisher")
    licence = NamedNode(config["DATA_LICENSE"])
    home = _absolute("home.index")
    now = Literal(
        stats["modified"] or datetime.now(UTC).isoformat(timespec="seconds"), datatype=XSD.dateTime
    )
    issued = Literal(stats.get("issued") or now.value, datatype=XSD.dateTime)
    title = Literal("cblod: Interreg and cohesion-policy projects as linked data", language="en")
    description = Literal(
        "Programmes, priorities and objectives, projects, partner organisations with their "
        "per-partner budgets, and results of EU Interreg and cohesion-policy programmes, "
        "published with stable URIs and provenance.",
        language="en",
    )
    t = [
        Triple(catalog_node, RDF.type, DCAT.Catalog),
        Triple(catalog_node, DCTERMS.title, title),
        Triple(catalog_node, DCTERMS.description, description),
        Triple(catalog_node, DCTERMS.publisher, publisher),
        Triple(catalog_node, DCTERMS.license, licence),
        Triple(catalog_node, DCTERMS.issued, issued),
        Triple(catalog_node, DCTERMS.modified, now),
        Triple(catalog_node, FOAF.homepage, home),
        Triple(catalog_node, DCAT.dataset, dataset),
        Triple(catalog_node, DCAT.themeTaxonomy, _scheme(EU_THEME)),
        Triple(catalog_node, DCTERMS.language, EU_LANGUAGE.ENG),
        Triple(_scheme(EU_THEME), RDF.type, SKOS_NS.ConceptScheme),
        Triple(home, RDF.type, FOAF.Document),
        Triple(publisher, RDF.type, FOAF.Agent),
        Triple(publisher, FOAF.name, Literal(config["PUBLISHER_NAME"])),
        Triple(publisher, DCTERMS.type, ADMS_PUBLISHER_TYPE[config["PUBLISHER_TYPE"]]),
        Triple(licence, RDF.type, DCTERMS.LicenseDocument),
        Triple(licence, DCTERMS.type, ADMS_LICENCE_TYPE[config["DATA_LICENSE_TYPE"]]),
        Triple(contact, RDF.type, VCARD.Kind),
        Triple(contact, VCARD.fn, Literal(config["PUBLISHER_NAME"])),
        Triple(dataset, DCTERMS.identifier, Literal(base_uri() + "id/")),
        Triple(SPARQL_PROTOCOL, RDF.type, DCTERMS.Standard),
        Triple(LDES_SPECIFICATION, RDF.type, DCTERMS.Standard),
    ]
    t += _concept(EU_LANGUAGE.ENG, _scheme(EU_LANGUAGE), DCTERMS.LinguisticSystem)
    t += _concept(EU_FREQUENCY.IRREG, _scheme(EU_FREQUENCY), DCTERMS.Frequency)
    t += _concept(
        ADMS_PUBLISHER_TYPE[config["PUBLISHER_TYPE"]],
        NamedNode(str(ADMS_PUBLISHER_TYPE) + "1.0"),
        SKOS_NS.Concept,
    )
    t += _concept(
        ADMS_LICENCE_TYPE[config["DATA_LICENSE_TYPE"]],
        NamedNode(str(ADMS_LICENCE_TYPE) + "1.0"),
        SKOS_NS.Concept,
    )
    t += _concept(EU_AVAILABILITY.STABLE, _scheme(EU_AVAILABILITY), SKOS_NS.Concept)
    t += _concept(EU_FILE_TYPE.SPARQLQ, _scheme(EU_FILE_TYPE), DCTERMS.MediaTypeOrExtent)
    t.append(Triple(GZIP, RDF.type, DCTERMS.MediaType))
    for theme in THEMES:
        t += _concept(theme, _scheme(EU_THEME), SKOS_NS.Concept)
    for place in stats["countries"]:
        t.append(Triple(catalog_node, DCTERMS.spatial, NamedNode(place)))

    common = Common(publisher, contact, licence, home)
    dumps = [(f, _absolute("dumps.download", name=f.name)) for f in DATASET_DUMPS]
    store = current_store()
    current = manifest(store.snapshot) if store.snapshot else {}
    t += _dataset(dataset, title, description, issued, now, stats, dumps, common, current)
    endpoint = NamedNode(f"{doc}#dist-sparql")
    t += [
        Triple(dataset, DCAT.distribution, endpoint),
        Triple(endpoint, RDF.type, DCAT.Distribution),
        Triple(endpoint, DCTERMS.title, Literal("SPARQL endpoint", language="en")),
        Triple(
            endpoint,
            DCTERMS.description,
            Literal("The dataset queried live, SPARQL 1.1 Protocol.", language="en"),
        ),
        Triple(endpoint, DCAT.accessURL, _absolute("sparql.query")),
        Triple(endpoint, DCAT.accessService, service),
        Triple(endpoint, DCTERMS.license, licence),
        Triple(endpoint, DCTERMS.format, EU_FILE_TYPE.SPARQLQ),
        Triple(endpoint, DCATAP.availability, EU_AVAILABILITY.STABLE),
    ]
    services = [(service, "cblod SPARQL endpoint", _absolute("sparql.query"), SPARQL_PROTOCOL)]
    if current_store().snapshot is not None:  # a backend that keeps releases: their stream
        services.append(
            (NamedNode(f"{doc}#ldes"), "cblod change stream (LDES)", _absolute("ldes.stream"),
             LDES_SPECIFICATION)
        )  # fmt: skip
    for node, name, endpoint_url, standard in services:
        t += [Triple(catalog_node, DCAT.service, node)]
        t += _service(node, name, endpoint_url, standard, dataset, common)
    for release in retained():
        version = release_iri(release.number)
        counts = {change: release.total(change) for change in CHANGES}
        stamp = Literal(release.issued.isoformat(), datatype=XSD.dateTime)
        release_dumps = [
            (f, _absolute("releases.download", number=str(release.number), name=f.name))
            for f in DATASET_DUMPS
        ]
        t += [
            Triple(dataset, DCAT.hasVersion, version),
            Triple(version, DCAT.isVersionOf, dataset),
            Triple(version, DCAT.version, Literal(str(release.number))),
            Triple(version, ADMS.versionNotes, Literal(
                ", ".join(f"{counts[c]} resources {c}" for c in CHANGES), language="en")),
        ]  # fmt: skip
        if release.previous is not None:
            t.append(Triple(version, DCAT.previousVersion, release_iri(release.previous)))
        t += _dataset(
            version,
            Literal(f"{title.value}, release {release.number}", language="en"),
            description,
            stamp,
            stamp,
            kept_summary_in(release.folder, "dataset-statistics") or stats,
            release_dumps,
            common,
            manifest(release.folder),
        )
    return t


class Common(NamedTuple):
    """What every dataset, version and service of the catalogue shares."""

    publisher: NamedNode
    contact: NamedNode
    licence: NamedNode
    home: NamedNode


def _dataset(
    node: NamedNode,
    title: Literal,
    description: Literal,
    issued: Literal,
    modified: Literal,
    stats: dict[str, Any],
    dumps: list[tuple[DumpFile, NamedNode]],
    common: Common,
    sizes: dict[str, dict[str, int | str]],
) -> list[Triple]:
    """A dcat:Dataset (the dataset, or one of its releases) with what DCAT-AP asks of one:
    coverage from ``stats`` (the statistics kept with that snapshot), and its dumps."""
    t = [
        Triple(node, RDF.type, DCAT.Dataset),
        Triple(node, DCTERMS.title, title),
        Triple(node, DCTERMS.description, description),
        Triple(node, DCTERMS.publisher, common.publisher),
        Triple(node, DCTERMS.issued, issued),
        Triple(node, DCTERMS.modified, modified),
        Triple(node, DCTERMS.accrualPeriodicity, EU_FREQUENCY.IRREG),
        Triple(node, DCAT.landingPage, common.home),
        Triple(node, DCAT.contactPoint, common.contact),
    ]
    t += [Triple(node, DCAT.theme, theme) for theme in THEMES]
    t += [Triple(node, DCAT.keyword, Literal(k, language="en")) for k in KEYWORDS]
    for place in map(NamedNode, stats["countries"]):
        t.append(Triple(node, DCTERMS.spatial, place))
        t += _concept(place, NamedNode(EU_COUNTRY), DCTERMS.Location, SKOS_NS.Concept)
        t += _location(place)
    if stats["first"]:
        period = _part_of(node, "period")
        t += [
            Triple(node, DCTERMS.temporal, period),
            Triple(period, RDF.type, DCTERMS.PeriodOfTime),
            Triple(period, DCAT.startDate, Literal(stats["first"], datatype=XSD.date)),
            Triple(period, DCAT.endDate, Literal(stats["last"], datatype=XSD.date)),
        ]
    for f, download in dumps:
        dump = _part_of(node, f"dump-{f.name.replace('.', '-')}")
        media_type = NamedNode(f"http://www.iana.org/assignments/media-types/{f.media_type}")
        file_type = EU_FILE_TYPE[FILE_TYPES[f.media_type]]
        t += [
            Triple(node, DCAT.distribution, dump),
            Triple(dump, RDF.type, DCAT.Distribution),
            Triple(dump, DCTERMS.title, Literal(f.description, language="en")),
            Triple(dump, DCTERMS.description, Literal(f"{f.description}, gzipped.", language="en")),
            Triple(dump, DCAT.accessURL, download),
            Triple(dump, DCAT.downloadURL, download),
            Triple(dump, DCAT.mediaType, media_type),
            Triple(dump, DCAT.compressFormat, GZIP),
            Triple(dump, DCTERMS.format, file_type),
            Triple(dump, DCTERMS.license, common.licence),
            Triple(dump, DCTERMS.modified, modified),
            Triple(dump, DCATAP.availability, EU_AVAILABILITY.STABLE),
            Triple(media_type, RDF.type, DCTERMS.MediaType),
        ]
        if f.name in sizes:  # the release's dumps are built (after its publish)
            checksum = _part_of(dump, "sha256")
            t += [
                Triple(dump, DCAT.byteSize, Literal(str(sizes[f.name]["bytes"]),
                                                    datatype=XSD.nonNegativeInteger)),
                Triple(dump, SPDX.checksum, checksum),
                Triple(checksum, RDF.type, SPDX.Checksum),
                Triple(checksum, SPDX.algorithm, SHA256),
                Triple(checksum, SPDX.checksumValue, Literal(str(sizes[f.name]["sha256"]),
                                                             datatype=XSD.hexBinary)),
                Triple(SHA256, RDF.type, SPDX.ChecksumAlgorithm),
            ]  # fmt: skip
        t += _concept(file_type, _scheme(EU_FILE_TYPE), DCTERMS.MediaTypeOrExtent)
    return t


def _part_of(node: NamedNode, name: str) -> NamedNode:
    """A node describing part of ``node`` (its period, a distribution), under its IRI."""
    return NamedNode(f"{node.value}{'-' if '#' in node.value else '#'}{name}")


def _service(
    node: NamedNode,
    title: str,
    endpoint: NamedNode,
    standard: NamedNode,
    dataset: NamedNode,
    common: Common,
) -> list[Triple]:
    """A dcat:DataService serving the dataset, with what DCAT-AP recommends of one."""
    t = [
        Triple(node, RDF.type, DCAT.DataService),
        Triple(node, DCTERMS.title, Literal(title, language="en")),
        Triple(node, DCAT.endpointURL, endpoint),
        Triple(node, DCAT.endpointDescription, endpoint),
        Triple(node, DCAT.servesDataset, dataset),
        Triple(node, DCTERMS.license, common.licence),
        Triple(node, DCTERMS.conformsTo, standard),
        Triple(node, DCTERMS.publisher, common.publisher),
        Triple(node, DCAT.contactPoint, common.contact),
    ]
    t += [Triple(node, DCAT.theme, theme) for theme in THEMES]
    t += [Triple(node, DCAT.keyword, Literal(k, language="en")) for k in KEYWORDS]
    return t


@blueprint.route("/robots.txt")
def robots() -> Response:
    body = (
        "User-agent: *\nDisallow: /sparql\nDisallow: /search\n"
        f"Sitemap: {url_for('dataset.sitemap', _external=True)}\n"
    )
    return Response(body, mimetype="text/plain")


@blueprint.route("/sitemap.xml")
def sitemap() -> Response:
    store = current_store()
    classes = " ".join(f"cbo:{c}" for c in ("Project", "Organisation", "Programme"))
    rows = store.select(
        sparql_prefixes()
        + f"SELECT DISTINCT ?s WHERE {{ VALUES ?c {{ {classes} }} ?s a ?c }} LIMIT 50000"
    )
    base = base_uri()
    urls = [url_for("home.index", _external=True)]
    for row in rows:
        iri = row["s"].value
        if iri.startswith(base + "id/"):
            kind, _, key = iri[len(base) + 3 :].partition("/")
            urls.append(url_for("resources.document", kind=kind, key=key, _external=True))
    body = '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
    body += "".join(f"  <url><loc>{escape(u)}</loc></url>\n" for u in urls) + "</urlset>\n"
    return Response(body, mimetype="application/xml")
