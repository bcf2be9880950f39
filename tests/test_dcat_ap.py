"""``/catalog`` passes the official DCAT-AP 3.0.1 shapes, as data.europa.eu checks a harvest.

The shapes are SEMIC's, unedited (``tests/shapes/dcat-ap-3.0.1/``, with their provenance).
No violation of the mandatory, range or EU-vocabulary shapes, and no warning of the
recommended ones. One warning of the EU-vocabulary shape stays by design and is checked to be
the only one: it prefers a publisher from the EU corporate-bodies table, which lists EU
institutions (a programme secretariat names its own with ``PUBLISHER_IRI``).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import rdflib
import requests
from rdflib.compare import isomorphic

from tests.helpers.compare import results

SHAPES = Path(__file__).parent / "shapes" / "dcat-ap-3.0.1"
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
DCT = rdflib.Namespace("http://purl.org/dc/terms/")


@pytest.fixture(scope="module")
def catalogue(server) -> rdflib.Graph:
    response = requests.get(f"{server}/catalog", headers={"Accept": "text/turtle"}, timeout=30)
    assert response.status_code == 200
    return rdflib.Graph().parse(data=response.text, format="turtle")


@pytest.mark.parametrize("shapes_file", ["shapes.ttl", "range.ttl", "shapes_recommended.ttl"])
def test_no_violation_and_no_warning(catalogue, shapes_file):
    assert results(catalogue, shapes_file) == []


def test_eu_vocabularies_only_warn_of_a_publisher_outside_the_eu_corporate_bodies(catalogue):
    found = results(catalogue, "mdr-vocabularies.shape.ttl")
    assert found, "the publisher warning is expected unless PUBLISHER_IRI is an EU body"
    assert {(severity, path) for severity, path, _ in found} == {("Warning", str(DCT.publisher))}


def test_the_catalogue_in_json_ld_says_the_same(server, catalogue):
    response = requests.get(
        f"{server}/catalog", headers={"Accept": "application/ld+json"}, timeout=30
    )
    assert response.headers["Content-Type"].startswith("application/ld+json")
    as_json_ld = rdflib.Graph().parse(data=response.text, format="json-ld")
    assert isomorphic(as_json_ld, catalogue)


def test_countries_are_placed_and_the_dumps_downloadable(server, catalogue):
    dcat = rdflib.Namespace("http://www.w3.org/ns/dcat#")
    sweden = rdflib.URIRef("http://publications.europa.eu/resource/authority/country/SWE")
    assert (None, DCT.spatial, sweden) in catalogue
    assert "POLYGON((11.1472 55.3464," in str(catalogue.value(sweden, dcat.bbox))
    downloads = {str(o) for o in catalogue.objects(None, dcat.downloadURL)}
    assert f"{server}/dumps/dataset.ttl.gz" in downloads
    for url in downloads:
        assert requests.head(url, timeout=60).status_code == 200


def test_releases_and_the_change_stream_are_in_the_catalogue(sample_store):
    from tests.helpers.servers import running

    dcat = rdflib.Namespace("http://www.w3.org/ns/dcat#")
    adms = rdflib.Namespace("http://www.w3.org/ns/adms#")
    with running(sample_store) as url:
        text = requests.get(f"{url}/catalog", headers={"Accept": "text/turtle"}, timeout=30).text
        graph = rdflib.Graph().parse(data=text, format="turtle")
        (dataset,) = graph.subjects(dcat.hasVersion, None, unique=True)
        versions = list(graph.objects(dataset, dcat.hasVersion))
        assert [str(v) for v in versions] == [sample_store.base_uri + "id/release/1"]
        (version,) = versions
        assert str(graph.value(version, dcat.version)) == "1"
        assert graph.value(version, DCT.issued) and graph.value(version, adms.versionNotes)
        downloads = {str(o) for o in graph.objects(None, dcat.downloadURL)}
        assert f"{url}/releases/1/dumps/dataset.nq.gz" in downloads
        ldes = next(graph.subjects(dcat.endpointURL, rdflib.URIRef(f"{url}/ldes")))
        assert (ldes, rdflib.RDF.type, dcat.DataService) in graph
        spdx = rdflib.Namespace("http://spdx.org/rdf/terms#")
        for distribution, download in graph.subject_objects(dcat.downloadURL):
            body = requests.get(str(download), timeout=60).content  # what a harvester gets
            assert int(str(graph.value(distribution, dcat.byteSize))) == len(body)
            checksum = graph.value(distribution, spdx.checksum)
            assert (
                str(graph.value(checksum, spdx.checksumValue)) == hashlib.sha256(body).hexdigest()
            )
    assert [s for s, _, _ in results(graph, "shapes_recommended.ttl")] == []
    assert results(graph, "range.ttl") == results(graph, "shapes.ttl") == []
