"""/sparql as clients meet it: formats, datasets, errors, caching, limits and the timeout."""

from __future__ import annotations

import csv
import io
import re
import socket
import threading
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
import rdflib
import requests
from werkzeug.serving import make_server

from cblod.web import create_app
from tests.helpers.samples import select
from tests.helpers.servers import free_port, running

SUM = """SELECT (SUM(?eu) AS ?sum) WHERE {
  ?project cbo:acronym "4Smart Growth" . ?p cbo:project ?project ; cbo:euContribution ?eu }"""
PROJECTS = (
    "SELECT ?project ?title WHERE { ?project a cbo:Project ; rdfs:label ?title } ORDER BY ?project"
)
CONSTRUCT = "CONSTRUCT { ?s ?p ?o } WHERE { ?s a cbo:Project ; ?p ?o }"
CBO = rdflib.Namespace("https://w3id.org/cblod/ontology#")
SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
EXPLOSIVE = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def get(server, query, accept=None, **params):
    headers = {"Accept": accept} if accept else {}
    return requests.get(
        f"{server}/sparql", params={"query": query, **params}, headers=headers, timeout=60
    )


# -- service description ------------------------------------------------------------------


def test_service_description_names_the_endpoint_formats_and_dataset(server):
    response = requests.get(f"{server}/sparql", headers={"Accept": "text/turtle"}, timeout=30)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/turtle; charset=utf-8"
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    endpoint = rdflib.URIRef(f"{server}/sparql")
    assert (endpoint, SD.endpoint, endpoint) in graph
    assert (endpoint, SD.supportedLanguage, SD.SPARQL11Query) in graph
    formats = {str(f).rsplit("/", 1)[1] for f in graph.objects(endpoint, SD.resultFormat)}
    assert {"SPARQL_Results_JSON", "SPARQL_Results_CSV", "Turtle", "JSON-LD"} <= formats
    dataset = graph.value(endpoint, SD.defaultDataset)
    names = {graph.value(n, SD.name) for n in graph.objects(dataset, SD.namedGraph)}
    assert len(names) == 5
    assert "consolidated" in str(
        graph.value(graph.value(dataset, SD.defaultGraph), rdflib.DCTERMS.description)
    )


# -- content negotiation ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "mime"),
    [
        (None, "application/sparql-results+json"),
        ("*/*", "application/sparql-results+json"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv;q=0.5, text/tab-separated-values", "text/tab-separated-values"),
        ("text/html;q=0.1, text/csv;q=0.9, */*;q=0.2", "text/csv"),
        ("application/json", "application/sparql-results+json"),
    ],
)
def test_select_formats_follow_accept_and_q_values(server, accept, mime):
    response = get(server, PROJECTS, accept)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == f"{mime}; charset=utf-8"


def test_every_select_format_carries_the_same_answer(server):
    by_json = [b["project"]["value"] for b in get(server, PROJECTS).json()["results"]["bindings"]]
    xml = ET.fromstring(get(server, PROJECTS, "application/sparql-results+xml").content)
    ns = "{http://www.w3.org/2005/sparql-results#}"
    by_xml = [r.find(f"{ns}binding[@name='project']/{ns}uri").text for r in xml.iter(f"{ns}result")]
    by_csv = [
        row["project"]
        for row in csv.DictReader(io.StringIO(get(server, PROJECTS, "text/csv").text))
    ]
    tsv = get(server, PROJECTS, "text/tab-separated-values").text.splitlines()
    assert tsv[0] == "?project\t?title"
    by_tsv = [line.split("\t")[0].strip("<>") for line in tsv[1:]]
    assert len(by_json) == 5
    assert by_json == by_xml == by_csv == by_tsv


def test_literals_keep_language_and_datatype_in_json(server):
    bindings = get(server, SUM).json()["results"]["bindings"]
    assert bindings[0]["sum"] == {
        "type": "literal",
        "value": "817789.75",
        "datatype": "http://www.w3.org/2001/XMLSchema#decimal",
    }
    title = get(server, PROJECTS).json()["results"]["bindings"][0]["title"]
    assert title["xml:lang"] == "en"


@pytest.mark.parametrize(
    ("accept", "parser"),
    [
        ("text/turtle", "turtle"),
        ("application/n-triples", "nt"),
        ("application/ld+json", "json-ld"),
        ("application/rdf+xml", "xml"),
        ("application/trig", "trig"),
        ("application/n-quads", "nquads"),
    ],
)
def test_construct_in_every_rdf_format_parses_independently(server, accept, parser):
    response = get(server, CONSTRUCT, accept)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == f"{accept}; charset=utf-8"
    graph = rdflib.Dataset() if parser in {"trig", "nquads"} else rdflib.Graph()
    graph.parse(data=response.text, format=parser)
    projects = {s for s, _, o in graph.triples((None, rdflib.RDF.type, CBO.Project))}
    assert len(projects) == 5


def test_turtle_uses_our_prefixes(server):
    text = get(server, CONSTRUCT, "text/turtle").text
    assert "@prefix cbo: <https://w3id.org/cblod/ontology#>" in text
    assert "cbo:Project" in text


def test_format_parameter_is_a_fallback_for_browsers(server):
    response = get(server, PROJECTS, "text/html", format="csv")
    assert response.headers["Content-Type"].startswith("text/csv")
    assert (
        get(server, CONSTRUCT, None, format="jsonld")
        .headers["Content-Type"]
        .startswith("application/ld+json")
    )


@pytest.mark.parametrize("parameter", ["format", "output", "results"])
@pytest.mark.parametrize(
    ("query", "value", "media_type"),
    [
        (PROJECTS, "xml", "application/sparql-results+xml"),
        (PROJECTS, "json", "application/sparql-results+json"),
        (PROJECTS, "csv", "text/csv"),
        (PROJECTS, "tsv", "text/tab-separated-values"),
        (PROJECTS, "application/json", "application/sparql-results+json"),
        ("ASK { ?s a cbo:Project }", "xml", "application/sparql-results+xml"),
        ("ASK { ?s a cbo:Project }", "csv", "text/csv"),
        (CONSTRUCT, "xml", "application/rdf+xml"),
        (CONSTRUCT, "json", "application/ld+json"),
        (CONSTRUCT, "turtle", "text/turtle"),
        (CONSTRUCT, "n3", "text/turtle"),
        (CONSTRUCT, "rdf", "application/rdf+xml"),
        (CONSTRUCT, "json-ld", "application/ld+json"),
        (CONSTRUCT, "N-Triples", "application/n-triples"),
        (CONSTRUCT, "application/rdf+xml", "application/rdf+xml"),
    ],
)
def test_every_format_parameter_spelling_is_read_by_query_form(
    server, parameter, query, value, media_type
):
    """Virtuoso's format=, Fuseki's output=, Rasqal's results=: xml and json mean the query
    form's own XML and JSON, so a client's one word works for SELECT, ASK and CONSTRUCT."""
    response = get(server, query, "*/*", **{parameter: value})
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == f"{media_type}; charset=utf-8"
    assert response.content.strip()


def test_a_format_parameter_the_query_form_cannot_give_is_406(server):
    assert get(server, CONSTRUCT, None, format="csv").status_code == 406
    assert get(server, PROJECTS, None, output="turtle").status_code == 406
    # the first value that fits wins, as SPARQLWrapper sends a word then a media type
    both = requests.get(
        f"{server}/sparql",
        params=[("query", CONSTRUCT), ("format", "rdf+xml"), ("format", "application/rdf+xml")],
        timeout=60,
    )
    assert both.headers["Content-Type"].startswith("application/rdf+xml")


def test_unproducible_types_get_406(server):
    assert get(server, PROJECTS, "image/png").status_code == 406
    assert get(server, "ASK {}", "text/turtle").status_code == 406
    assert get(server, CONSTRUCT, "text/csv").status_code == 406


# -- datasets -----------------------------------------------------------------------------


def source(server, file_name):
    rows = get(server, f'SELECT ?g WHERE {{ ?g cbo:fileName "{file_name}" }}').json()
    return rows["results"]["bindings"][0]["g"]["value"]


def test_default_graph_is_the_consolidated_view(server):
    value = get(server, SUM).json()["results"]["bindings"][0]["sum"]["value"]
    assert Decimal(value) == Decimal("817789.75")


def test_default_graph_uri_selects_what_one_source_said(server):
    graph = source(server, "centralbaltic-4smart-growth.txt")
    bindings = get(server, SUM, **{"default-graph-uri": graph}).json()["results"]["bindings"]
    assert Decimal(bindings[0]["sum"]["value"]) == Decimal("817790")  # rounded amounts


def test_graph_ranges_over_source_graphs_only(server):
    rows = get(server, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }").json()
    graphs = {b["g"]["value"] for b in rows["results"]["bindings"]}
    assert len(graphs) == 5
    assert all("/id/source/" in g for g in graphs)


def test_named_graph_uri_restricts_graph(server):
    graph = source(server, "keep-eu-4smart-growth.txt")
    rows = get(
        server, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", **{"named-graph-uri": graph}
    )
    assert [b["g"]["value"] for b in rows.json()["results"]["bindings"]] == [graph]


# -- client mistakes ----------------------------------------------------------------------


def test_malformed_query_is_400_with_the_parser_message(server):
    response = get(server, "SELECT ?x WHERE { ?x ?y }")
    assert response.status_code == 400
    assert response.headers["Content-Type"].startswith("text/plain")
    # where the mistake is, in the client's own text (cblod's prefixes not counted)
    assert re.search(r"\b(1:\d+|line 1)\b", response.text), response.text
    assert "PREFIX" not in response.text


def test_method_body_type_and_update_errors(server):
    url = f"{server}/sparql"
    assert requests.put(url, data="query=ASK{}", timeout=30).status_code == 405
    assert requests.delete(url, timeout=30).status_code == 405
    assert (
        requests.post(
            url, data="ASK {}", headers={"Content-Type": "text/plain"}, timeout=30
        ).status_code
        == 415
    )
    for response in (
        requests.post(url, data={"update": "DROP ALL"}, timeout=30),
        requests.post(
            url, data="DROP ALL", headers={"Content-Type": "application/sparql-update"}, timeout=30
        ),
        get(server, "DROP ALL"),
        get(server, "PREFIX x: <http://x/> INSERT DATA { x:a x:b x:c }"),
    ):
        assert response.status_code == 403
        assert "read-only" in response.text
    two = requests.get(url, params=[("query", "ASK {}"), ("query", "ASK {}")], timeout=30)
    assert two.status_code == 400


def test_a_query_over_the_size_limit_is_413(server):
    huge = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 70_000
    assert requests.post(f"{server}/sparql", data={"query": huge}, timeout=30).status_code == 413
    assert get(server, huge).status_code in (413, 414)


@pytest.mark.slow
def test_service_is_refused_and_makes_no_outbound_connection(server):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(1.0)
    port = listener.getsockname()[1]
    try:
        for query in (
            f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
            "SELECT * WHERE { BIND(<http://127.0.0.1/> AS ?e) SERVICE ?e { ?s ?p ?o } }",
        ):
            response = get(server, query)
            assert response.status_code == 403
            assert "SERVICE" in response.text
        with pytest.raises(socket.timeout):
            listener.accept()
    finally:
        listener.close()


# -- browsers, caches and proxies ---------------------------------------------------------


def test_cors_headers_and_preflight(server):
    assert get(server, "ASK {}").headers["Access-Control-Allow-Origin"] == "*"
    preflight = requests.options(
        f"{server}/sparql",
        headers={"Origin": "https://example.org", "Access-Control-Request-Method": "POST"},
        timeout=30,
    )
    assert preflight.status_code == 204
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"


def test_gzip_when_accepted(server):
    response = requests.get(
        f"{server}/sparql",
        params={"query": CONSTRUCT},
        headers={"Accept": "application/n-triples", "Accept-Encoding": "gzip"},
        timeout=30,
    )
    assert response.headers["Content-Encoding"] == "gzip"
    assert "<https://w3id.org/cblod/ontology#Project>" in response.text  # decoded by requests
    plain = requests.get(
        f"{server}/sparql",
        params={"query": CONSTRUCT},
        headers={"Accept": "application/n-triples", "Accept-Encoding": "identity"},
        timeout=30,
    )
    assert "Content-Encoding" not in plain.headers
    assert plain.text == response.text


def test_etag_revalidation_gives_304(server):
    first = get(server, PROJECTS)
    etag = first.headers["ETag"]
    assert "max-age" in first.headers["Cache-Control"]
    again = requests.get(
        f"{server}/sparql", params={"query": PROJECTS}, headers={"If-None-Match": etag}, timeout=30
    )
    assert again.status_code == 304
    other = requests.get(
        f"{server}/sparql", params={"query": SUM}, headers={"If-None-Match": etag}, timeout=30
    )
    assert other.status_code == 200


# -- limits -------------------------------------------------------------------------------


def test_the_row_cap_answers_with_a_clear_message(sample_store):
    with running(sample_store, SPARQL_MAX_ROWS=10, SPARQL_WORKERS=1) as url:
        over = get(url, "SELECT * WHERE { ?s ?p ?o }")
        assert over.status_code == 422
        assert "more than 10 rows" in over.text
        assert "LIMIT" in over.text
        assert get(url, "SELECT * WHERE { ?s ?p ?o } LIMIT 10").status_code == 200


@pytest.mark.slow
def test_an_explosive_query_is_stopped_while_others_are_served(sample_store):
    with running(sample_store, SPARQL_TIMEOUT=3, SPARQL_WORKERS=2) as url:
        outcome = {}

        def explode():
            outcome["response"] = get(url, EXPLOSIVE)

        thread = threading.Thread(target=explode)
        thread.start()
        simple = get(url, SUM)  # answered by the other worker while the first one grinds
        still_running = thread.is_alive()
        thread.join(timeout=120)  # without a working timeout this query would run for hours
        assert simple.status_code == 200
        assert still_running
        assert not thread.is_alive()
        stopped = outcome["response"]
        assert stopped.status_code == 503
        assert "longer than 3" in stopped.text
        # the killed worker was replaced: the endpoint keeps answering
        assert get(url, SUM).status_code == 200
        assert get(url, SUM).status_code == 200


def test_the_store_answers_the_same_as_the_endpoint(server, sample_store):
    over_http = [b["sum"]["value"] for b in get(server, SUM).json()["results"]["bindings"]]
    assert over_http == [row["sum"] for row in select(sample_store, SUM)]


def test_a_repeated_query_is_answered_from_the_cache_of_this_data_version(sample_store):
    app = create_app(sample_store, SPARQL_WORKERS=1, SPARQL_TIMEOUT=2)
    http = make_server("127.0.0.1", free_port(), app, threaded=True)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{http.server_port}"
    try:
        first = get(url, SUM)
        assert first.status_code == 200
        app.extensions["cblod_pool"].close()  # with every query worker gone …
        again = get(url, SUM)
        assert again.status_code == 200 and again.json() == first.json()  # … the cache answers
        assert get(url, SUM + " LIMIT 1").status_code == 503  # a new query needs a worker
    finally:
        http.shutdown()


def test_a_whole_amount_is_found_by_value_on_every_engine(server):
    """Virtuoso stores a whole ``xsd:decimal`` (``"228750"^^xsd:decimal``) as ``xsd:integer``
    (README, engine differences): a query that compares by value, or casts with
    ``xsd:decimal()``, answers alike on every backend; the datatype itself differs."""
    query = """SELECT ?p (xsd:decimal(?e) AS ?amount) (DATATYPE(?e) AS ?type) WHERE {
      ?p cbo:euContribution ?e FILTER(?e = 228750) }"""
    answer = select_json(server, query)
    assert len(answer) == 2  # SME2GO's two partners with 228 750 EUR
    decimal = "http://www.w3.org/2001/XMLSchema#decimal"
    assert all(Decimal(r["amount"]["value"]) == Decimal("228750") for r in answer)
    assert all(r["amount"].get("datatype") == decimal for r in answer)
    assert {r["type"]["value"] for r in answer} <= {
        decimal,
        "http://www.w3.org/2001/XMLSchema#integer",  # Virtuoso's
    }
    typed = 'SELECT ?p WHERE { ?p cbo:euContribution "228750"^^xsd:decimal }'
    assert len(select_json(server, typed)) == 2  # the typed literal matches by value too


def select_json(server: str, query: str) -> list[dict]:
    response = requests.get(
        f"{server}/sparql",
        params={"query": query},
        headers={"Accept": "application/sparql-results+json"},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    return response.json()["results"]["bindings"]


def test_an_engine_failing_on_a_valid_query_is_a_502_naming_it(server, request):
    """A SPARQL server behind cblod that fails on a valid query (Virtuoso 7.2 cannot sort
    rows that cast an integer with ``xsd:decimal()``: error SR128) is a 502 with the engine's
    message, never cblod's own 500; other engines answer."""
    query = """SELECT ?p (xsd:decimal(?e) AS ?amount) WHERE {
      ?p cbo:euContribution ?e FILTER(?e = 228750) } ORDER BY ?p"""
    response = requests.get(f"{server}/sparql", params={"query": query}, timeout=60)
    if request.node.callspec.params["server"] == "virtuoso":
        assert response.status_code == 502 and "SR128" in response.text
    else:
        assert response.status_code == 200
