"""The catalogue and VoID description as the read layer makes them, with no web server: from a
store's statistics and releases, the addresses a host would serve them at, and a publisher.

The web tier's catalogue (tests/test_dcat_ap.py) is these statements with its own URLs; here
they are checked against the official DCAT-AP 3.0.1 shapes with addresses no server has.
"""

from __future__ import annotations

from datetime import UTC, datetime

import rdflib

from cblod.backends import releases
from cblod.read.catalogue import Addresses, Publication, Version, catalogue, void
from cblod.read.dumps import DATASET_DUMPS, manifest
from cblod.read.stats import dataset_statistics
from tests.helpers.compare import results

HOST = "https://data.example.eu/"
DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
AT = Addresses(
    home=HOST,
    sparql=HOST + "sparql",
    void=HOST + ".well-known/void",
    catalogue=HOST + "catalog",
    ldes=HOST + "ldes",
    fragments=HOST + "fragments",
    uri_space=HOST + "id/",
    dataset_dump=lambda name: f"{HOST}dumps/{name}",
    release_dump=lambda number, name: f"{HOST}releases/{number}/dumps/{name}",
    release=lambda number: f"{HOST}id/release/{number}",
)
BY = Publication(
    publisher_name="A programme secretariat",
    publisher_type="NonProfitOrganisation",
    publisher_iri=None,
    licence="http://creativecommons.org/licenses/by/4.0/",
    licence_type="Attribution",
)


def graph(triples) -> rdflib.Graph:
    data = rdflib.Graph()
    for t in triples:
        data.parse(data=f"{t.subject} {t.predicate} {t.object} .", format="nt")
    return data


def test_the_catalogue_of_a_store_conforms_to_dcat_ap_without_a_server(sample_store):
    stats = dataset_statistics(sample_store)
    kept = [r for r in map(releases.read, sample_store.releases.folders()) if r is not None]
    versions = [Version(r, stats, manifest(r.folder)) for r in kept]
    assert versions, "the sample store keeps its release"
    made = catalogue(
        stats,
        AT,
        BY,
        files=manifest(sample_store.snapshot),
        versions=versions,
        today=datetime(2026, 12, 7, tzinfo=UTC),
    )
    data = graph(made)
    for shapes_file in ("shapes.ttl", "range.ttl", "shapes_recommended.ttl"):
        assert results(data, shapes_file) == []
    dataset = rdflib.URIRef(HOST + "catalog#dataset")
    assert (dataset, rdflib.DCTERMS.identifier, rdflib.Literal(HOST + "id/")) in data
    dumps = {str(o) for o in data.objects(None, DCAT.downloadURL)}
    assert {f"{HOST}dumps/{f.name}" for f in DATASET_DUMPS} <= dumps
    number = kept[0].number
    assert (dataset, DCAT.hasVersion, rdflib.URIRef(f"{HOST}id/release/{number}")) in data
    assert {f"{HOST}releases/{number}/dumps/{f.name}" for f in DATASET_DUMPS} <= dumps


def test_void_counts_what_the_statistics_count(sample_store):
    stats = dataset_statistics(sample_store)
    data = graph(void(stats, AT))
    dataset = rdflib.URIRef(HOST + ".well-known/void#dataset")
    void_ns = rdflib.Namespace("http://rdfs.org/ns/void#")
    assert int(str(data.value(dataset, void_ns.triples))) == stats["triples"]
    assert (dataset, void_ns.sparqlEndpoint, rdflib.URIRef(HOST + "sparql")) in data
