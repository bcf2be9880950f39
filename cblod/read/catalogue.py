"""The dataset described for harvesters: its VoID description and a DCAT-AP 3.0.1 catalogue.

Both are statements built from what the dataset's statistics say (``cblod.read.stats``, kept
with each release) and from where things are served (``Addresses``: the web tier knows its
URLs) and who publishes (``Publication``: the server's settings). Nothing here speaks HTTP,
so the catalogue is tested against the official DCAT-AP shapes without a server too.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from ..backends.releases import CHANGES, Release
from ..core.errors import ValueParseError
from ..core.vocab import (
    ADMS,
    ADMS_LICENCE_TYPE,
    ADMS_PUBLISHER_TYPE,
    CBO,
    DCAT,
    DCATAP,
    DCTERMS,
    EU_ACCESS_RIGHT,
    EU_AVAILABILITY,
    EU_COUNTRY,
    EU_FILE_TYPE,
    EU_FREQUENCY,
    EU_LANGUAGE,
    EU_THEME,
    FOAF,
    HYDRA,
    RDF,
    RDFS,
    SD,
    SKOS,
    SPDX,
    VCARD,
    VOID,
    XSD,
    Namespace,
)
from ..records.places import country, country_extents
from .dumps import DATASET_DUMPS, DumpFile
from .stats import LINK_TARGETS

SPARQL_PROTOCOL = NamedNode("https://www.w3.org/TR/sparql11-protocol/")
LDES_SPECIFICATION = NamedNode("https://w3id.org/ldes/specification")
QPF_SPECIFICATION = NamedNode(
    "https://linkeddatafragments.org/specification/quad-pattern-fragments/"
)
GZIP = NamedNode("http://www.iana.org/assignments/media-types/application/gzip")
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
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "foaf": str(FOAF),
    "vcard": str(VCARD),
    "xsd": str(XSD),
    "cbo": str(CBO),
    "hydra": str(HYDRA),
}


@dataclass(frozen=True)
class Profile:
    """A DCAT-AP version the catalogue is written for. 3.0.1 is the default; 2.1.1 is what
    data.europa.eu converts a harvest to, and it differs where the two versions' shapes
    disagree: a size is an ``xsd:decimal`` (3.0.1: ``xsd:nonNegativeInteger``), a checksum may
    only be SHA-1 (cblod keeps SHA-256: left out), versions are Dublin Core's
    (``dct:hasVersion``, ``owl:versionInfo``; 3.0.1: DCAT 3's)."""

    name: str
    byte_size: NamedNode
    checksums: bool
    has_version: NamedNode
    is_version_of: NamedNode
    version_info: NamedNode


OWL_VERSION_INFO = NamedNode("http://www.w3.org/2002/07/owl#versionInfo")
PROFILES = {
    p.name: p
    for p in (
        Profile("dcat-ap-3.0.1", XSD.nonNegativeInteger, True, DCAT.hasVersion, DCAT.isVersionOf,
                DCAT.version),
        Profile("dcat-ap-2.1.1", XSD.decimal, False, DCTERMS.hasVersion, DCTERMS.isVersionOf,
                OWL_VERSION_INFO),
    )
}  # fmt: skip
DEFAULT_PROFILE = PROFILES["dcat-ap-3.0.1"]
#: the data is open: anyone may access it (the EU access-right table's term)
PUBLIC = EU_ACCESS_RIGHT.PUBLIC

FILE_TYPES = {
    "text/turtle": "RDF_TURTLE",
    "application/n-triples": "RDF_N_TRIPLES",
    "application/n-quads": "RDF_N_QUADS",
}


@dataclass(frozen=True)
class Addresses:
    """Where things are served: the absolute URLs the descriptions name."""

    home: str
    sparql: str
    void: str
    catalogue: str
    #: the change stream (LDES), when the backend keeps releases
    ldes: str | None
    #: the Triple and Quad Pattern Fragments interface (``/fragments``)
    fragments: str
    #: the dataset's URIs start with this (``void:uriSpace``, ``dct:identifier``)
    uri_space: str
    #: a dump of the dataset, by file name
    dataset_dump: Callable[[str], str]
    #: a dump of one kept release, by release number and file name
    release_dump: Callable[[int, str], str]
    #: a kept release's IRI, by number
    release: Callable[[int], str]


class Version(NamedTuple):
    """A kept release as the catalogue describes it: its record, the statistics kept with it
    and the sizes and checksums of its dumps."""

    release: Release
    stats: dict[str, Any]
    files: dict[str, dict[str, int | str]]


@dataclass(frozen=True)
class Publication:
    """Who publishes the dataset and under what terms (the server's settings)."""

    publisher_name: str
    #: a term of the ADMS publisher-type vocabulary
    publisher_type: str
    #: the publisher's own IRI (e.g. from the EU corporate-bodies table), when it has one
    publisher_iri: str | None
    licence: str
    #: a term of the ADMS licence-type vocabulary
    licence_type: str


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
    str(EU_ACCESS_RIGHT) + "PUBLIC": "public",
    str(EU_ACCESS_RIGHT).rstrip("/"): "Access right",
    str(EU_FILE_TYPE) + "RDF_TURTLE": "RDF Turtle",
    str(EU_FILE_TYPE) + "RDF_N_TRIPLES": "RDF N-Triples",
    str(EU_FILE_TYPE) + "RDF_N_QUADS": "RDF N-Quads",
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
        Triple(term, SKOS.inScheme, scheme),
        Triple(scheme, RDF.type, SKOS.ConceptScheme),
    ]
    label = LABELS.get(term.value) or _country_name(term.value)
    if label:
        found.append(Triple(term, SKOS.prefLabel, Literal(label, language="en")))
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


def _part(doc: NamedNode, kind: str, term: str) -> NamedNode:
    """The IRI of a partition or linkset of ``term``: unique per term, even where two
    vocabularies share a local name (``cbo:Project``, ``schema:Project``), and stable (a
    CRC, since ``str`` hashes differ between processes)."""
    name = term.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
    return NamedNode(f"{doc.value}#{kind}-{zlib.crc32(term.encode()):08x}-{name}")


def void(stats: dict[str, Any], at: Addresses) -> list[Triple]:
    """The VoID description (``/.well-known/void``): the dataset with its partitions by class
    and by property, its linksets to external registries, dumps and example resources."""
    doc = NamedNode(at.void)
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
        Triple(dataset, VOID.sparqlEndpoint, NamedNode(at.sparql)),
        Triple(dataset, VOID.uriLookupEndpoint, NamedNode(at.fragments + "?subject=")),
        Triple(dataset, VOID.uriSpace, Literal(at.uri_space)),
        Triple(dataset, VOID.vocabulary, NamedNode(str(CBO))),
        Triple(dataset, FOAF.homepage, NamedNode(at.home)),
    ]
    if stats["modified"]:
        t.append(
            Triple(dataset, DCTERMS.modified, Literal(stats["modified"], datatype=XSD.dateTime))
        )
    for f in DATASET_DUMPS:
        t.append(Triple(dataset, VOID.dataDump, NamedNode(at.dataset_dump(f.name))))
    t += [Triple(dataset, VOID.exampleResource, NamedNode(iri)) for iri in stats["examples"]]
    t += fragments_search(dataset, at.fragments)
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
    return t


def fragments_search(dataset: NamedNode | BlankNode, fragments: str) -> list[Triple]:
    """The Triple and Quad Pattern Fragments search form of ``dataset`` (``/fragments``), as
    its pages state it: a TPF/QPF client starts from any description that holds it."""
    form = NamedNode(fragments + "#search")
    t = [
        Triple(dataset, HYDRA.search, form),
        Triple(form, HYDRA.template, Literal(fragments + "{?subject,predicate,object,graph}")),
        Triple(form, HYDRA.variableRepresentation, HYDRA.ExplicitRepresentation),
    ]
    for variable, prop in (("subject", RDF.subject), ("predicate", RDF.predicate),
                           ("object", RDF.object), ("graph", SD.graph)):  # fmt: skip
        mapping = NamedNode(f"{fragments}#{variable}")
        t += [
            Triple(form, HYDRA.mapping, mapping),
            Triple(mapping, HYDRA.variable, Literal(variable)),
            Triple(mapping, HYDRA.property, prop),
        ]
    return t


def catalogue(
    stats: dict[str, Any],
    at: Addresses,
    by: Publication,
    *,
    files: dict[str, dict[str, int | str]],
    versions: Sequence[Version],
    today: datetime,
    profile: Profile = DEFAULT_PROFILE,
) -> list[Triple]:
    """A DCAT-AP 3.0.1 catalogue of the dataset, conformant to the official SEMIC shapes
    (mandatory, class ranges, EU vocabularies, recommended: tests/test_dcat_ap.py); or, with
    ``profile``, the DCAT-AP 2.1.1 catalogue data.europa.eu converts harvests to (``Profile``).

    Every dataset (the dataset and each kept release) says what data.europa.eu's Metadata
    Quality Assessment scores, so each scores full marks by its table (tests/test_mqa.py):
    public access rights and the rights statement from the EU tables, and only downloadable
    distributions, each with its size, media type and dates. The SPARQL endpoint and the change
    stream are data services serving the dataset (``dcat:service``, ``dcat:servesDataset``),
    not distributions: a download's URL, media type and size do not apply to a query service.

    ``files``: the sizes and checksums of the dataset's dumps (the manifest of the release
    read); ``versions``: the kept releases, newest first, each described as a version with
    its own statistics and dumps; ``today``: the modification time when the statistics hold
    none (an empty dataset).

    One warning of the EU vocabularies shape remains by design: it prefers a publisher from
    the EU corporate-bodies table, which lists EU institutions, not programme secretariats
    (``Publication.publisher_iri`` names one where it applies).
    """
    doc = at.catalogue
    catalog_node, dataset, contact, service = (
        NamedNode(f"{doc}#{n}") for n in ("catalog", "dataset", "contact", "sparql")
    )
    publisher = NamedNode(by.publisher_iri or f"{doc}#publisher")
    licence = NamedNode(by.licence)
    home = NamedNode(at.home)
    now = Literal(stats["modified"] or today.isoformat(timespec="seconds"), datatype=XSD.dateTime)
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
        Triple(_scheme(EU_THEME), RDF.type, SKOS.ConceptScheme),
        Triple(home, RDF.type, FOAF.Document),
        Triple(publisher, RDF.type, FOAF.Agent),
        Triple(publisher, FOAF.name, Literal(by.publisher_name)),
        Triple(publisher, DCTERMS.type, ADMS_PUBLISHER_TYPE[by.publisher_type]),
        Triple(licence, RDF.type, DCTERMS.LicenseDocument),
        Triple(licence, DCTERMS.type, ADMS_LICENCE_TYPE[by.licence_type]),
        Triple(contact, RDF.type, VCARD.Kind),
        Triple(contact, VCARD.fn, Literal(by.publisher_name)),
        Triple(dataset, DCTERMS.identifier, Literal(at.uri_space)),
        Triple(SPARQL_PROTOCOL, RDF.type, DCTERMS.Standard),
        Triple(LDES_SPECIFICATION, RDF.type, DCTERMS.Standard),
        Triple(QPF_SPECIFICATION, RDF.type, DCTERMS.Standard),
    ]
    t += _concept(EU_LANGUAGE.ENG, _scheme(EU_LANGUAGE), DCTERMS.LinguisticSystem)
    t += _concept(EU_FREQUENCY.IRREG, _scheme(EU_FREQUENCY), DCTERMS.Frequency)
    t += _concept(
        ADMS_PUBLISHER_TYPE[by.publisher_type],
        NamedNode(str(ADMS_PUBLISHER_TYPE) + "1.0"),
        SKOS.Concept,
    )
    t += _concept(
        ADMS_LICENCE_TYPE[by.licence_type],
        NamedNode(str(ADMS_LICENCE_TYPE) + "1.0"),
        SKOS.Concept,
    )
    t += _concept(EU_AVAILABILITY.STABLE, _scheme(EU_AVAILABILITY), SKOS.Concept)
    t.append(Triple(GZIP, RDF.type, DCTERMS.MediaType))
    for theme in THEMES:
        t += _concept(theme, _scheme(EU_THEME), SKOS.Concept)
    for place in stats["countries"]:
        t.append(Triple(catalog_node, DCTERMS.spatial, NamedNode(place)))

    rights = NamedNode(f"{doc}#rights")
    t += [
        Triple(rights, RDF.type, DCTERMS.RightsStatement),
        Triple(rights, RDFS.label, Literal(
            f"Open data: free to access, reuse and redistribute under the licence <{licence.value}>, "
            f"naming {by.publisher_name} as the source.", language="en")),
    ]  # fmt: skip
    t += _concept(PUBLIC, _scheme(EU_ACCESS_RIGHT), DCTERMS.RightsStatement, SKOS.Concept)
    common = Common(publisher, contact, licence, home, rights, profile)
    dumps = [(f, NamedNode(at.dataset_dump(f.name))) for f in DATASET_DUMPS]
    t += _dataset(dataset, title, description, issued, now, stats, dumps, common, files)
    services = [
        (service, "cblod SPARQL endpoint", NamedNode(at.sparql), SPARQL_PROTOCOL),
        (NamedNode(f"{doc}#fragments"), "cblod Triple and Quad Pattern Fragments",
         NamedNode(at.fragments), QPF_SPECIFICATION),
    ]  # fmt: skip
    if at.ldes is not None:  # a backend that keeps releases: their stream
        services.append(
            (NamedNode(f"{doc}#ldes"), "cblod change stream (LDES)", NamedNode(at.ldes),
             LDES_SPECIFICATION)
        )  # fmt: skip
    for node, name, endpoint_url, standard in services:
        t += [Triple(catalog_node, DCAT.service, node)]
        t += _service(node, name, endpoint_url, standard, dataset, common)
    for release, release_stats, release_files in versions:
        version = NamedNode(at.release(release.number))
        counts = {change: release.total(change) for change in CHANGES}
        stamp = Literal(release.issued.isoformat(), datatype=XSD.dateTime)
        release_dumps = [
            (f, NamedNode(at.release_dump(release.number, f.name))) for f in DATASET_DUMPS
        ]
        t += [
            Triple(dataset, profile.has_version, version),
            Triple(version, profile.is_version_of, dataset),
            Triple(version, profile.version_info, Literal(str(release.number))),
            Triple(version, ADMS.versionNotes, Literal(
                ", ".join(f"{counts[c]} resources {c}" for c in CHANGES), language="en")),
        ]  # fmt: skip
        if release.previous is not None and profile.has_version == DCAT.hasVersion:
            t.append(Triple(version, DCAT.previousVersion, NamedNode(at.release(release.previous))))
        t += _dataset(
            version,
            Literal(f"{title.value}, release {release.number}", language="en"),
            description,
            stamp,
            stamp,
            release_stats,
            release_dumps,
            common,
            release_files,
        )
    return t


class Common(NamedTuple):
    """What every dataset, version and service of the catalogue shares."""

    publisher: NamedNode
    contact: NamedNode
    licence: NamedNode
    home: NamedNode
    #: the rights statement every distribution names
    rights: NamedNode
    profile: Profile


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
        Triple(node, DCTERMS.accessRights, PUBLIC),
    ]
    t += [Triple(node, DCAT.theme, theme) for theme in THEMES]
    t += [Triple(node, DCAT.keyword, Literal(k, language="en")) for k in KEYWORDS]
    for place in map(NamedNode, stats["countries"]):
        t.append(Triple(node, DCTERMS.spatial, place))
        t += _concept(place, NamedNode(EU_COUNTRY), DCTERMS.Location, SKOS.Concept)
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
            Triple(dump, DCTERMS.rights, common.rights),
            Triple(dump, DCTERMS.issued, modified),  # made with the release it is of
            Triple(dump, DCTERMS.modified, modified),
            Triple(dump, DCATAP.availability, EU_AVAILABILITY.STABLE),
            Triple(media_type, RDF.type, DCTERMS.MediaType),
        ]
        if f.name in sizes:  # the release's dumps are built (after its publish)
            t.append(
                Triple(
                    dump,
                    DCAT.byteSize,
                    Literal(str(sizes[f.name]["bytes"]), datatype=common.profile.byte_size),
                )
            )
        if f.name in sizes and common.profile.checksums:
            checksum = _part_of(dump, "sha256")
            t += [
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
        Triple(node, DCTERMS.accessRights, PUBLIC),
        Triple(node, DCTERMS.conformsTo, standard),
        Triple(node, DCTERMS.publisher, common.publisher),
        Triple(node, DCAT.contactPoint, common.contact),
    ]
    t += [Triple(node, DCAT.theme, theme) for theme in THEMES]
    t += [Triple(node, DCAT.keyword, Literal(k, language="en")) for k in KEYWORDS]
    return t
