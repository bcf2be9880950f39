"""``/fragments``: Triple and Quad Pattern Fragments (issue 28, part 1). A page holds what the
pattern matches (checked against SPARQL), its count, paging links and the search form in a
metadata graph of its own; Comunica (npm ``@comunica/query-sparql``, pinned, installed by
``.ci/run``) answers queries over it exactly as ``/sparql`` answers them."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
import rdflib
import requests

from tests.helpers.samples import select

HYDRA = rdflib.Namespace("http://www.w3.org/ns/hydra/core#")
VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
CBO = "https://w3id.org/cblod/ontology#"
DEFAULT = rdflib.URIRef("urn:x-rdflib:default")  # rdflib's name of a dataset's default graph
COMUNICA = (
    Path(__file__).resolve().parent.parent / ".ci" / "node" / "node_modules" / ".bin"
    / "comunica-sparql"
)  # fmt: skip


def fragment(server: str, **params: str) -> tuple[rdflib.Dataset, requests.Response]:
    response = requests.get(
        f"{server}/fragments", params=params, headers={"Accept": "application/trig"}, timeout=30
    )
    assert response.status_code == 200, response.text[:300]
    assert response.headers["Content-Type"].startswith("application/trig")
    data = rdflib.Dataset()
    data.parse(data=response.text, format="trig")
    return data, response


def count_of(node: rdflib.term.Node | None) -> int:
    """A count the metadata states (an xsd:integer literal)."""
    assert isinstance(node, rdflib.Literal), node
    return int(node.toPython())


def split(data: rdflib.Dataset, url: str) -> tuple[set[tuple], rdflib.Graph]:
    """The page's data quads, and its metadata graph (``<url#metadata>``)."""
    meta = rdflib.URIRef(url + "#metadata")
    quads = {
        (s, p, o, None if g == DEFAULT else g)
        for s, p, o, g in data.quads((None, None, None, None))
        if g != meta
    }
    return quads, data.graph(meta)


def test_a_fragment_holds_what_the_pattern_matches_and_counts_it(server, sample_store):
    project = select(sample_store, f"SELECT ?p WHERE {{ ?p a <{CBO}Project> }} LIMIT 1")[0]["p"]
    data, response = fragment(server, subject=project)
    quads, meta = split(data, response.url)
    expected = select(sample_store, f"SELECT ?p ?o WHERE {{ <{project}> ?p ?o }}")
    in_default = {(p, o) for s, p, o, g in quads if g is None}
    assert len(in_default) == len(expected) > 0
    assert all(str(s) == project for s, *_ in quads)
    page = rdflib.URIRef(response.url)
    assert (rdflib.URIRef(response.url + "#metadata"), rdflib.FOAF.primaryTopic, page) in meta
    named = select(
        sample_store, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ <{project}> ?p ?o }} }}"
    )[0]["n"]
    assert count_of(meta.value(page, VOID.triples)) == len(quads) == len(expected) + int(named)
    assert count_of(meta.value(page, HYDRA.totalItems)) == len(quads)
    assert meta.value(page, HYDRA.next) is None  # one page holds it all


def test_pages_of_100_follow_to_every_match(server, sample_store):
    (count,) = select(sample_store, "SELECT (COUNT(*) AS ?n) WHERE { ?s a ?c }")
    graph_count = select(sample_store, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s a ?c } }")[0][
        "n"
    ]
    rdf_type = str(rdflib.RDF.type)
    url: str | None = None
    seen: Counter[tuple] = Counter()
    pages = 0
    by_page: dict[int, set[tuple]] = {}
    params = {"predicate": rdf_type}
    while True:
        if url is None:
            data, response = fragment(server, **params)
        else:
            response = requests.get(url, headers={"Accept": "application/trig"}, timeout=30)
            data = rdflib.Dataset()
            data.parse(data=response.text, format="trig")
        quads, meta = split(data, response.url)
        assert len(quads) <= 100 and all(p == rdflib.RDF.type for _, p, _, _ in quads)
        seen.update(quads)
        pages += 1
        by_page[pages] = quads
        nxt = meta.value(rdflib.URIRef(response.url), HYDRA.next)
        if nxt is None:
            break
        url = str(nxt)
    assert sum(seen.values()) == len(seen) == int(count["n"]) + int(graph_count)
    assert pages == -(-len(seen) // 100) > 2
    # pages asked out of order (read afresh, not kept from a walk) are the pages the walk got
    for number in (3, 2, pages):
        again, response = fragment(server, page=str(number), **params)
        assert split(again, response.url)[0] == by_page[number]


def test_the_default_graph_is_named_for_quad_clients_and_a_source_graph_alone(server, sample_store):
    data, response = fragment(server, predicate=str(rdflib.RDF.type))
    _, meta = split(data, response.url)
    (default,) = meta.objects(None, SD.defaultGraph)
    assert default is not None and str(default).endswith("/fragments#default-graph")
    only_default, response = fragment(server, predicate=str(rdflib.RDF.type), graph=str(default))
    quads, meta = split(only_default, response.url)
    (count,) = select(sample_store, "SELECT (COUNT(*) AS ?n) WHERE { ?s a ?c }")
    assert count_of(meta.value(rdflib.URIRef(response.url), VOID.triples)) == int(count["n"])
    assert all(g is None for *_, g in quads)
    source = sample_store.source_graphs()[0].value
    in_source, response = fragment(server, graph=source)
    quads, _ = split(in_source, response.url)
    assert quads and all(str(g) == source for *_, g in quads)
    nowhere, response = fragment(server, graph="http://example.org/not-a-graph")
    quads, meta = split(nowhere, response.url)
    assert not quads and count_of(meta.value(rdflib.URIRef(response.url), VOID.triples)) == 0


def test_literals_in_their_explicit_form_and_the_search_form(server, sample_store):
    row = select(
        sample_store, f"SELECT ?p ?t WHERE {{ ?p <{CBO}acronym> ?t }} ORDER BY ?t LIMIT 1"
    )[0]
    data, response = fragment(server, predicate=f"{CBO}acronym", object=f'"{row["t"]}"')
    quads, meta = split(data, response.url)
    assert {str(s) for s, *_ in quads} >= {row["p"]}
    (search,) = meta.objects(None, HYDRA.search)
    assert str(meta.value(search, HYDRA.template)).endswith(
        "/fragments{?subject,predicate,object,graph}"
    )
    mapped = {
        str(meta.value(m, HYDRA.variable)): meta.value(m, HYDRA.property)
        for m in meta.objects(search, HYDRA.mapping)
    }
    assert mapped == {"subject": rdflib.RDF.subject, "predicate": rdflib.RDF.predicate,
                      "object": rdflib.RDF.object, "graph": SD.graph}  # fmt: skip


@pytest.mark.parametrize(
    ("fmt", "parser"),
    [
        ("text/turtle", "turtle"),
        ("application/n-triples", "nt"),
        ("application/n-quads", "nquads"),
        ("application/ld+json", "json-ld"),
        ("application/rdf+xml", "xml"),
    ],  # fmt: skip
)
def test_every_format_the_pages_offer(server, fmt, parser):
    response = requests.get(
        f"{server}/fragments", params={"predicate": str(rdflib.RDF.type)},
        headers={"Accept": fmt}, timeout=30,
    )  # fmt: skip
    assert response.status_code == 200 and response.headers["Content-Type"].startswith(fmt)
    data = rdflib.Dataset()
    data.parse(data=response.text, format=parser)
    assert len(data) > 0


def test_cacheable_by_release_and_clear_errors(server):
    first = requests.get(f"{server}/fragments", timeout=30)
    assert first.status_code == 200 and "max-age" in first.headers["Cache-Control"]
    again = requests.get(
        f"{server}/fragments", headers={"If-None-Match": first.headers["ETag"]}, timeout=30
    )
    assert again.status_code == 304
    for params in ({"subject": '"a literal"'}, {"object": '"unclosed'}, {"page": "0"},
                   {"page": "x"}, {"format": "xml"}, {"subject": "_:b0"}):  # fmt: skip
        response = requests.get(f"{server}/fragments", params=params, timeout=30)
        assert response.status_code == 400, params


def test_accept_datetime_goes_to_the_release_then(sample_store):
    """On the embedded store, which keeps its releases (a SPARQL server backend keeps none)."""
    from tests.helpers.servers import running

    with running(sample_store) as server:
        went_back(server)


def went_back(server: str) -> None:
    response = requests.get(
        f"{server}/fragments?predicate={rdflib.RDF.type}",
        headers={"Accept-Datetime": "Mon, 01 Jan 2024 00:00:00 GMT"},
        allow_redirects=False, timeout=30,
    )  # fmt: skip
    assert response.status_code == 302 and "release=" in response.headers["Location"]
    memento = requests.get(response.headers["Location"], timeout=30)
    assert memento.status_code == 200 and "Memento-Datetime" in memento.headers


QUERIES = [
    f"SELECT ?p ?t WHERE {{ ?p a <{CBO}Project> ; <{CBO}acronym> ?t }}",
    f"SELECT ?project ?org WHERE {{ ?x <{CBO}project> ?project ; <{CBO}partner> ?org . "
    f"?org <{CBO}country> <http://publications.europa.eu/resource/authority/country/FIN> }}",
    f"SELECT ?g ?p WHERE {{ GRAPH ?g {{ ?p a <{CBO}Project> }} }}",
    f"SELECT ?p WHERE {{ ?p a <{CBO}Organisation> FILTER NOT EXISTS {{ ?p <{CBO}country> [] }} }}",
]


def bindings(body: str) -> Counter:
    rows = json.loads(body)["results"]["bindings"]
    return Counter(tuple(sorted((k, v["value"]) for k, v in row.items())) for row in rows)


@pytest.mark.slow
@pytest.mark.skipif(
    not (shutil.which("node") and COMUNICA.exists()),
    reason="needs Node.js and @comunica/query-sparql in .ci/node (.ci/run installs them)",
)
@pytest.mark.parametrize("query", QUERIES)
def test_comunica_over_the_fragments_answers_as_sparql_does(server, query):
    done = subprocess.run(
        ["node", str(COMUNICA), f"{server}/fragments", query, "-t",
         "application/sparql-results+json"],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    expected = requests.get(
        f"{server}/sparql", params={"query": query},
        headers={"Accept": "application/sparql-results+json"}, timeout=60,
    )  # fmt: skip
    assert bindings(done.stdout) == bindings(expected.text)
    assert sum(bindings(done.stdout).values()) > 0


def test_the_interface_is_advertised_where_clients_look(server):
    """VoID, the SPARQL service description and the DCAT-AP catalogue name /fragments: its
    search form (what a TPF/QPF client starts from) and a data service conforming to QPF."""
    fragments = rdflib.URIRef(f"{server}/fragments")
    template = rdflib.Literal(f"{server}/fragments{{?subject,predicate,object,graph}}")
    void = rdflib.Graph().parse(
        data=requests.get(f"{server}/.well-known/void", headers={"Accept": "text/turtle"},
                          timeout=30).text, format="turtle",
    )  # fmt: skip
    assert (None, VOID.uriLookupEndpoint, rdflib.URIRef(f"{fragments}?subject=")) in void
    assert (None, HYDRA.template, template) in void
    described = rdflib.Graph().parse(
        data=requests.get(f"{server}/sparql", headers={"Accept": "text/turtle"}, timeout=30).text,
        format="turtle",
    )
    assert (None, HYDRA.template, template) in described
    catalogue = rdflib.Graph().parse(
        data=requests.get(f"{server}/catalog", headers={"Accept": "text/turtle"}, timeout=30).text,
        format="turtle",
    )
    dcat = rdflib.Namespace("http://www.w3.org/ns/dcat#")
    (service,) = catalogue.subjects(dcat.endpointURL, fragments)
    assert (service, rdflib.RDF.type, dcat.DataService) in catalogue
    assert (
        service,
        rdflib.DCTERMS.conformsTo,
        rdflib.URIRef("https://linkeddatafragments.org/specification/quad-pattern-fragments/"),
    ) in catalogue
