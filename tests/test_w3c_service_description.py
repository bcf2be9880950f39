"""The W3C SPARQL 1.1 Service Description tests (``tests/w3c/service-description``).

The manifest names three tests without machine-readable checks; each is implemented here as
its text says, against the real server. "Conforms to schema" is checked with SHACL shapes
written from the Service Description vocabulary's domains and ranges.
"""

from pathlib import Path

import pyshacl
import pytest
import rdflib
import requests

SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
MANIFEST = Path(__file__).parent / "w3c" / "service-description" / "manifest.ttl"

SD_SCHEMA = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
sd:ServiceShape a sh:NodeShape ; sh:targetClass sd:Service ;
  sh:property [ sh:path sd:endpoint ; sh:minCount 1 ; sh:nodeKind sh:IRI ] ;
  sh:property [ sh:path sd:supportedLanguage ; sh:minCount 1 ;
                sh:in ( sd:SPARQL10Query sd:SPARQL11Query sd:SPARQL11Update ) ] ;
  sh:property [ sh:path sd:resultFormat ; sh:nodeKind sh:IRI ] ;
  sh:property [ sh:path sd:feature ; sh:nodeKind sh:IRI ] ;
  sh:property [ sh:path sd:defaultDataset ; sh:maxCount 1 ; sh:class sd:Dataset ] .
sd:DatasetShape a sh:NodeShape ; sh:targetClass sd:Dataset ;
  sh:property [ sh:path sd:defaultGraph ; sh:maxCount 1 ; sh:class sd:Graph ] ;
  sh:property [ sh:path sd:namedGraph ; sh:class sd:NamedGraph ] .
sd:NamedGraphShape a sh:NodeShape ; sh:targetClass sd:NamedGraph ;
  sh:property [ sh:path sd:name ; sh:minCount 1 ; sh:maxCount 1 ; sh:nodeKind sh:IRI ] ;
  sh:property [ sh:path sd:graph ; sh:maxCount 1 ; sh:class sd:Graph ] .
"""


def manifest_tests() -> list[str]:
    graph = rdflib.Graph().parse(MANIFEST, format="turtle")
    manifest = next(
        graph.subjects(
            rdflib.RDF.type,
            rdflib.URIRef("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#Manifest"),
        )
    )
    entries = graph.value(
        manifest, rdflib.URIRef("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#entries")
    )
    return [str(e).rsplit("#", 1)[1] for e in rdflib.collection.Collection(graph, entries)]


def description(server: str, accept: str | None) -> tuple[requests.Response, rdflib.Graph]:
    headers = {"Accept": accept} if accept else {}
    response = requests.get(f"{server}/sparql", headers=headers, timeout=30)
    mime = response.headers["Content-Type"].split(";")[0]
    parser = {
        "text/turtle": "turtle",
        "application/rdf+xml": "xml",
        "application/ld+json": "json-ld",
    }
    return response, rdflib.Graph().parse(data=response.text, format=parser[mime])


@pytest.mark.parametrize(
    "accept", [None, "*/*", "text/turtle", "application/rdf+xml", "application/ld+json"]
)
@pytest.mark.parametrize("name", manifest_tests())
def test_w3c_service_description(server, name, accept):
    response, graph = description(server, accept)
    assert response.status_code == 200
    endpoint = rdflib.URIRef(f"{server}/sparql")
    if name == "returns-rdf":
        assert len(graph) > 10
    elif name == "has-endpoint-triple":
        assert (None, SD.endpoint, endpoint) in graph
    elif name == "conforms-to-schema":
        shapes = rdflib.Graph().parse(data=SD_SCHEMA, format="turtle")
        conforms, _, text = pyshacl.validate(graph, shacl_graph=shapes)
        assert conforms, text
    else:
        pytest.fail(f"unknown service description test {name}")
