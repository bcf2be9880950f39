"""Real SPARQL clients against a real running server, compared with the store's own answer."""

from decimal import Decimal

import rdflib
from conftest import select
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import JSON, TURTLE, XML, SPARQLWrapper

PARTNERS = """PREFIX cbo: <https://w3id.org/cblod/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?name ?erdf WHERE {
  ?project cbo:acronym "4Smart Growth" .
  ?p cbo:project ?project ; cbo:partner/skos:prefLabel ?name ; cbo:euContribution ?erdf .
} ORDER BY ?name"""
CONSTRUCT = """PREFIX cbo: <https://w3id.org/cblod/ontology#>
CONSTRUCT { ?p ?property ?value } WHERE { ?p a cbo:Participation ; ?property ?value }"""


def expected(sample_store) -> list[tuple[str, Decimal]]:
    return [(r["name"], Decimal(r["erdf"])) for r in select(sample_store, PARTNERS)]


def test_sparqlwrapper_select_as_json(server, sample_store):
    client = SPARQLWrapper(f"{server}/sparql")
    client.setQuery(PARTNERS)
    client.setReturnFormat(JSON)
    rows = client.query().convert()["results"]["bindings"]
    got = [(r["name"]["value"], Decimal(r["erdf"]["value"])) for r in rows]
    assert got == expected(sample_store)
    assert sum(erdf for _, erdf in got) == Decimal("817789.75")


def test_sparqlwrapper_select_as_xml(server, sample_store):
    client = SPARQLWrapper(f"{server}/sparql")
    client.setQuery(PARTNERS)
    client.setReturnFormat(XML)
    document = client.query().convert()
    ns = "http://www.w3.org/2005/sparql-results#"
    names = [
        b.getElementsByTagNameNS(ns, "literal")[0].firstChild.data
        for b in document.getElementsByTagNameNS(ns, "binding")
        if b.getAttribute("name") == "name"
    ]
    assert names == [name for name, _ in expected(sample_store)]


def test_sparqlwrapper_construct_as_turtle(server, sample_store):
    client = SPARQLWrapper(f"{server}/sparql")
    client.setQuery(CONSTRUCT)
    client.setReturnFormat(TURTLE)
    graph = rdflib.Graph().parse(data=client.query().convert(), format="turtle")
    (count,) = select(
        sample_store, "SELECT (COUNT(*) AS ?n) WHERE { ?p a cbo:Participation ; ?x ?y }"
    )
    assert len(graph) == int(count["n"])


def test_sparqlwrapper_post(server, sample_store):
    client = SPARQLWrapper(f"{server}/sparql")
    client.setMethod("POST")
    client.setQuery(PARTNERS)
    client.setReturnFormat(JSON)
    assert len(client.query().convert()["results"]["bindings"]) == len(expected(sample_store))


def test_rdflib_sparqlstore(server, sample_store):
    graph = rdflib.Graph(store=SPARQLStore(f"{server}/sparql", returnFormat="json"))
    got = [(str(row.name), Decimal(str(row.erdf))) for row in graph.query(PARTNERS)]
    assert got == expected(sample_store)
    projects = list(
        graph.triples(
            (None, rdflib.RDF.type, rdflib.URIRef("https://w3id.org/cblod/ontology#Project"))
        )
    )
    assert len(projects) == 5
