"""Real SPARQL clients against a real running server, compared with the store's own answer."""

import csv
import html
import io
import json
import sys
from collections.abc import Iterator
from decimal import Decimal

import pytest
import rdflib
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import (
    CSV,
    JSON,
    JSONLD,
    N3,
    RDF,
    RDFXML,
    TSV,
    TURTLE,
    XML,
    SPARQLWrapper,
)

from tests.helpers.samples import select
from tests.helpers.servers import free_port, process_serving

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


DESCRIBE = 'DESCRIBE ?o WHERE { ?o <https://w3id.org/cblod/ontology#acronym> "SISP" }'
#: what SPARQLWrapper's convert() gives for a graph, per return format, as an rdflib graph
GRAPH_PARSERS = {
    XML: lambda converted: converted,
    RDFXML: lambda converted: converted,
    RDF: lambda converted: converted,
    JSONLD: lambda converted: converted,
    TURTLE: lambda converted: rdflib.Graph().parse(data=converted, format="turtle"),
    N3: lambda converted: rdflib.Graph().parse(data=converted, format="n3"),
}


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("query", [CONSTRUCT, DESCRIBE], ids=["construct", "describe"])
@pytest.mark.parametrize("return_format", list(GRAPH_PARSERS))
def test_sparqlwrapper_graph_answers_in_every_format_it_offers(
    server, sample_store, return_format, query, method
):
    """SPARQLWrapper sends its format as format=, output= and results= as well as Accept:
    ``xml`` for a CONSTRUCT means RDF/XML, as on Fuseki and Virtuoso."""
    client = SPARQLWrapper(f"{server}/sparql")
    client.setMethod(method)
    client.setQuery(query)
    client.setReturnFormat(return_format)
    graph = GRAPH_PARSERS[return_format](client.query().convert())
    assert_same_graph(graph, sample_store, query)


def _key(text: str) -> str:
    """A term's text, numbers by value (an engine may write 1.50 as 1.5)."""
    try:
        return str(Decimal(text).normalize())
    except ArithmeticError:
        return text


def assert_same_graph(graph: rdflib.Graph, sample_store, query: str) -> None:
    """The answer of the embedded store, triple for triple. DESCRIBE's shape is left to the
    engine by SPARQL: Virtuoso adds the resource's inbound links, so there it is a superset."""
    expected = {tuple(_key(term.value) for term in t) for t in sample_store.query(query)}
    assert expected  # the comparison means nothing on an empty answer
    got = {tuple(_key(str(term)) for term in t) for t in graph}
    if query.startswith("DESCRIBE"):
        assert expected <= got
    else:
        assert got == expected


def test_sparqlwrapper_graph_as_n_triples_by_accept(server, sample_store):
    client = SPARQLWrapper(f"{server}/sparql")
    client.setQuery(CONSTRUCT)
    client.setOnlyConneg(True)
    client.addCustomHttpHeader("Accept", "application/n-triples")
    response = client.query()
    assert response.info()["content-type"].startswith("application/n-triples")
    graph = rdflib.Graph().parse(data=response.response.read(), format="nt")
    assert_same_graph(graph, sample_store, CONSTRUCT)


@pytest.mark.parametrize("return_format", [CSV, TSV])
def test_sparqlwrapper_select_as_tables(server, sample_store, return_format):
    client = SPARQLWrapper(f"{server}/sparql")
    client.setQuery(PARTNERS)
    client.setReturnFormat(return_format)
    text = client.query().convert().decode()
    delimiter = "," if return_format == CSV else "\t"
    header, *rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    assert [h.lstrip("?") for h in header] == ["name", "erdf"]
    names = [row[0].strip('"') for row in rows]
    assert names == [name for name, _ in expected(sample_store)]


@pytest.mark.parametrize("return_format", [JSON, XML, CSV, TSV])
@pytest.mark.parametrize(("acronym", "answer"), [("SME2GO", True), ("NO-SUCH-PROJECT", False)])
def test_sparqlwrapper_ask_in_every_format_it_offers(server, return_format, acronym, answer):
    client = SPARQLWrapper(f"{server}/sparql")
    client.setQuery(f'ASK {{ ?p <https://w3id.org/cblod/ontology#acronym> "{acronym}" }}')
    client.setReturnFormat(return_format)
    converted = client.query().convert()
    if return_format == JSON:
        assert converted["boolean"] is answer
    elif return_format == XML:
        (node,) = converted.getElementsByTagName("boolean")
        assert node.firstChild.data == str(answer).lower()
    else:
        assert converted.decode().split()[-1] == str(answer).lower()


@pytest.fixture(scope="module")
def cblod_serve(sample_store) -> Iterator[str]:
    """``cblod serve`` itself (waitress, the production server) over the sample store."""
    port = free_port()
    command = [sys.executable, "-m", "cblod", "serve", "--store", str(sample_store.path)]
    base = f"http://127.0.0.1:{port}"
    with process_serving([*command, "--port", str(port), "--workers", "1"], base + "/"):
        yield base


@pytest.mark.slow
@pytest.mark.parametrize(
    ("query", "return_format"),
    [(q, f) for q in (CONSTRUCT, DESCRIBE) for f in GRAPH_PARSERS]
    + [(PARTNERS, f) for f in (JSON, XML, CSV, TSV)]
    + [
        ('ASK { ?p <https://w3id.org/cblod/ontology#acronym> "SME2GO" }', f)
        for f in (JSON, XML, CSV, TSV)
    ],
)
def test_sparqlwrapper_every_format_against_the_cblod_serve_command(
    cblod_serve, sample_store, query, return_format
):
    client = SPARQLWrapper(f"{cblod_serve}/sparql")
    client.setQuery(query)
    client.setReturnFormat(return_format)
    converted = client.query().convert()
    if query.startswith("ASK") or query is PARTNERS:
        if return_format == XML:
            text = html.unescape(converted.toxml())
        elif return_format == JSON:
            text = json.dumps(converted, ensure_ascii=False)
        else:
            text = converted.decode()
        wanted = ["true"] if query.startswith("ASK") else [n for n, _ in expected(sample_store)]
        assert wanted and all(word in text for word in wanted)
    else:
        assert_same_graph(GRAPH_PARSERS[return_format](converted), sample_store, query)


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
