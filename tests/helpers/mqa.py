"""data.europa.eu's Metadata Quality Assessment of one dataset, by the table of its data
provider manual ("Metadata quality dashboard", https://dataeuropa.gitlab.io/data-provider-manual/
metadata-quality-dashboard/): five dimensions, 405 points.

| dimension | indicator (points) |
|---|---|
| findability (100) | keywords 30, categories (``dcat:theme``) 30, geo search (``dct:spatial``) 20, time-based search (``dct:temporal``) 20 |
| accessibility (100) | access URL answers 50, download URL given 20, download URL answers 30 |
| interoperability (110) | format 20, media type 10, format or media type from a vocabulary 10, non-proprietary 20, machine-readable 20, DCAT-AP compliance 30 |
| reusability (75) | licence 20, licence from the vocabulary 10, access restrictions 10, access restrictions from the vocabulary 5, contact point 20, publisher 10 |
| contextuality (20) | rights 5, file size 5, date of issue 5, modification date 5 |

An indicator the manual computes on distributions is scored here as the share of the
dataset's distributions that meet it (the strictest reading: every distribution must, for
full marks); the dates on the dataset and every distribution. "Answers" is an HTTP status
below 400, asked of the server. Compliance is zero violations of the DCAT-AP shapes the caller
names. The non-proprietary and machine-readable formats are those of the EU file-type table
the MQA's lists hold for the formats cblod writes (RDF serialisations); another format scores 0.
"""

from __future__ import annotations

from collections.abc import Callable

import rdflib

DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
DCT = rdflib.DCTERMS
EU = "http://publications.europa.eu/resource/authority/"
IANA = "http://www.iana.org/assignments/media-types/"

WEIGHTS: dict[str, dict[str, int]] = {
    "findability": {"keyword": 30, "theme": 30, "spatial": 20, "temporal": 20},
    "accessibility": {"access_url": 50, "download_url": 20, "download_url_answers": 30},
    "interoperability": {
        "format": 20,
        "media_type": 10,
        "vocabulary": 10,
        "non_proprietary": 20,
        "machine_readable": 20,
        "dcat_ap": 30,
    },
    "reusability": {
        "licence": 20,
        "licence_vocabulary": 10,
        "access_rights": 10,
        "access_rights_vocabulary": 5,
        "contact_point": 20,
        "publisher": 10,
    },
    "contextuality": {"rights": 5, "byte_size": 5, "issued": 5, "modified": 5},
}
FULL = sum(sum(d.values()) for d in WEIGHTS.values())  # 405

#: the EU file types the MQA counts as open and as machine-readable, of those cblod could write
NON_PROPRIETARY = {"RDF_TURTLE", "RDF_N_TRIPLES", "RDF_N_QUADS", "RDF_XML", "JSON_LD", "CSV"}
MACHINE_READABLE = NON_PROPRIETARY | {"JSON", "XML"}


def score(
    graph: rdflib.Graph,
    dataset: rdflib.term.Node,
    *,
    answers: Callable[[str], bool],
    compliant: bool,
) -> dict[str, dict[str, float]]:
    """Points per dimension and indicator for ``dataset`` in the catalogue ``graph``."""
    distributions = list(graph.objects(dataset, DCAT.distribution))

    def has(node: rdflib.term.Node, prop: rdflib.URIRef) -> bool:
        return graph.value(node, prop) is not None

    def share(test: Callable[[rdflib.term.Node], bool]) -> float:
        return sum(map(test, distributions)) / len(distributions) if distributions else 0.0

    def file_type(node: rdflib.term.Node) -> str | None:
        found = graph.value(node, DCT.format)
        return str(found).removeprefix(EU + "file-type/") if found is not None else None

    def in_vocabulary(node: rdflib.term.Node) -> bool:
        form, media = graph.value(node, DCT.format), graph.value(node, DCAT.mediaType)
        return (form is not None and str(form).startswith(EU + "file-type/")) or (
            media is not None and str(media).startswith(IANA)
        )

    licences = [graph.value(d, DCT.license) for d in distributions]
    rights = graph.value(dataset, DCT.accessRights)
    found: dict[str, dict[str, float]] = {
        "findability": {
            "keyword": has(dataset, DCAT.keyword),
            "theme": has(dataset, DCAT.theme),
            "spatial": has(dataset, DCT.spatial),
            "temporal": has(dataset, DCT.temporal),
        },
        "accessibility": {
            "access_url": share(lambda d: all(map(answers, map(str, graph.objects(d, DCAT.accessURL))))
                                and has(d, DCAT.accessURL)),
            "download_url": share(lambda d: has(d, DCAT.downloadURL)),
            "download_url_answers": share(
                lambda d: has(d, DCAT.downloadURL)
                and all(map(answers, map(str, graph.objects(d, DCAT.downloadURL))))
            ),
        },
        "interoperability": {
            "format": share(lambda d: has(d, DCT.format)),
            "media_type": share(lambda d: has(d, DCAT.mediaType)),
            "vocabulary": share(in_vocabulary),
            "non_proprietary": share(lambda d: file_type(d) in NON_PROPRIETARY),
            "machine_readable": share(lambda d: file_type(d) in MACHINE_READABLE),
            "dcat_ap": compliant,
        },
        "reusability": {
            "licence": share(lambda d: has(d, DCT.license)),
            "licence_vocabulary": sum(
                licence is not None and str(licence).startswith(EU + "licence/")
                for licence in licences
            ) / max(len(licences), 1),
            "access_rights": rights is not None,
            "access_rights_vocabulary": rights is not None
            and str(rights).startswith(EU + "access-right/"),
            "contact_point": has(dataset, DCAT.contactPoint),
            "publisher": has(dataset, DCT.publisher),
        },
        "contextuality": {
            "rights": share(lambda d: has(d, DCT.rights)),
            "byte_size": share(lambda d: has(d, DCAT.byteSize)),
            "issued": has(dataset, DCT.issued) and share(lambda d: has(d, DCT.issued)),
            "modified": has(dataset, DCT.modified) and share(lambda d: has(d, DCT.modified)),
        },
    }  # fmt: skip
    return {
        dimension: {name: float(met) * WEIGHTS[dimension][name] for name, met in met_by.items()}
        for dimension, met_by in found.items()
    }


def total(points: dict[str, dict[str, float]]) -> float:
    return sum(sum(d.values()) for d in points.values())
