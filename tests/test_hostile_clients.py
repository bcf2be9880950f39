"""Hostile or careless clients: explosive and deeply nested SPARQL, crafted URLs, writes.

Each request gets a 4xx (or a 503 for a query stopped by the timeout) with a message, never a
500 or a stack trace, while other clients keep being served. Text from sources that looks like
markup, Turtle or SPARQL is data: stored and shown verbatim, never interpreted.
"""

from __future__ import annotations

import gzip
import threading
from typing import Any

import pytest
import rdflib
import requests

from cblod.backends.store import CblodStore
from cblod.publish import ingest
from tests.helpers.samples import KEEP_EU_PAGE, select
from tests.helpers.servers import running

SUM = """PREFIX cbo: <https://w3id.org/cblod/ontology#>
SELECT (SUM(?eu) AS ?sum) WHERE { ?p cbo:euContribution ?eu }"""
NUMBERS = " ".join(str(n) for n in range(2500))
EXPLOSIVE = {
    "property path over the whole store": "PREFIX cbo: <https://w3id.org/cblod/ontology#> "
    "SELECT (COUNT(*) AS ?n) WHERE { ?a (cbo:x|!cbo:x)* ?b . ?c (cbo:x|!cbo:x)* ?d . "
    "?e (cbo:x|!cbo:x)* ?f }",
    "huge VALUES": f"SELECT (COUNT(*) AS ?n) WHERE {{ VALUES ?a {{ {NUMBERS} }} "
    f"VALUES ?b {{ {NUMBERS} }} ?s ?p ?o }}",
}
HOSTILE_TEXT = (
    '<script>alert(1)</script> "}] > ; DROP GRAPH <urn:x> ; @prefix x: <http://e/> . '
    "SELECT * { ?s ?p ?o } \\u0041 \x07\x1b[31m end"
)


def values_in(node):
    """Every JSON-LD ``@value`` string in a parsed document."""
    if isinstance(node, dict):
        if isinstance(node.get("@value"), str):
            yield node["@value"]
        for child in node.values():
            yield from values_in(child)
    elif isinstance(node, list):
        for child in node:
            yield from values_in(child)


def sparql(url: str, query: str, **params) -> requests.Response:
    return requests.post(f"{url}/sparql", data={"query": query, **params}, timeout=120)


@pytest.fixture(scope="module")
def guarded(tmp_path_factory):
    store = CblodStore(tmp_path_factory.mktemp("hostile") / "store")
    ingest([KEEP_EU_PAGE], store=store)
    with running(store, SPARQL_TIMEOUT=2, SPARQL_WORKERS=2) as url:
        yield url


@pytest.mark.parametrize("name", sorted(EXPLOSIVE))
@pytest.mark.slow
def test_explosive_queries_are_stopped_while_others_are_served(guarded, name):
    outcome: dict[str, Any] = {}
    thread = threading.Thread(target=lambda: outcome.update(r=sparql(guarded, EXPLOSIVE[name])))
    thread.start()
    served = sparql(guarded, SUM)  # the other worker answers meanwhile
    thread.join(timeout=120)
    assert served.status_code == 200
    assert outcome["r"].status_code == 503, outcome["r"].text
    assert "stopped" in outcome["r"].text
    assert sparql(guarded, SUM).status_code == 200  # the stopped worker was replaced


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE " + "{" * 3000 + "}" * 3000,
        "SELECT * WHERE { FILTER(" + "(" * 20000 + "1" + ")" * 20000 + ") }",
        "ASK { " + "OPTIONAL { " * 2000 + "?s ?p ?o " + "} " * 2000 + "}",
        "SELECT * WHERE { " + "[ <urn:p> " * 1000 + "1" + " ]" * 1000 + " }",
    ],
    ids=["braces", "parentheses", "optional", "blank nodes"],
)
def test_deeply_nested_queries_are_400_not_a_crash(guarded, query):
    answer = sparql(guarded, query)
    assert answer.status_code == 400
    assert "levels deep" in answer.text
    assert sparql(guarded, SUM).status_code == 200


def test_a_reasonably_nested_query_still_runs(guarded):
    answer = sparql(guarded, "ASK " + "{" * 150 + "}" * 150)
    assert answer.status_code == 200
    assert answer.json()["boolean"] is True


@pytest.mark.parametrize(
    "path",
    [
        "/doc/..%2f..%2fpyproject.toml",
        "/doc/%2e%2e/%2e%2e/pyproject.toml",
        "/doc/project/..%2F..%2F..%2Fetc%2Fpasswd",
        "/dumps/..%2f..%2fpublished",
        "/dumps/%2e%2e/published",
        "/dumps//etc/passwd",
        "/static/..%2f..%2fpyproject.toml",
        "/static/%2e%2e/%2e%2e/pyproject.toml",
        "/static//etc/passwd",
        "/doc//etc/passwd",
    ],
)
def test_path_traversal_finds_nothing(guarded, path):
    answer = requests.get(guarded + path, timeout=30)  # redirects (merged slashes) followed
    assert answer.status_code == 404
    assert "root:" not in answer.text and "[project]" not in answer.text


@pytest.mark.parametrize("prefix", ["/id/project/", "/doc/project/", "/dumps/", "/static/"])
def test_very_long_iris_are_refused_plainly(guarded, prefix):
    answer = requests.get(guarded + prefix + "x" * 10_000, timeout=30)
    assert answer.status_code in (404, 414)
    assert "Traceback" not in answer.text


@pytest.mark.parametrize(
    "path, params",
    [
        ("/id/project/a%0d%0aSet-Cookie:%20x=1", None),
        ("/sparql", {"query": "ASK {}", "format": "json\r\nX-Injected: 1"}),
        ("/search", {"q": "a\r\nX-Injected: 1"}),
        ("/projects", {"sort": "name\r\nX-Injected: 1"}),
    ],
)
def test_no_header_can_be_injected(guarded, path, params):
    answer = requests.get(guarded + path, params=params, allow_redirects=False, timeout=30)
    assert answer.status_code < 500
    assert "X-Injected" not in answer.headers and "Set-Cookie" not in answer.headers
    assert all("\n" not in value for value in answer.headers.values())


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "POST"])
@pytest.mark.parametrize("path", ["/", "/id/project/x", "/doc/project/x", "/dumps/dataset.nq.gz"])
def test_there_is_nothing_to_write_to(guarded, method, path):
    answer = requests.request(method, guarded + path, data=b"x", timeout=30)
    assert answer.status_code == 405


@pytest.mark.parametrize(
    "update",
    ["DROP ALL", "LOAD <http://127.0.0.1:9/x.ttl>", "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
     "CLEAR DEFAULT", "WITH <urn:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }"],
)  # fmt: skip
def test_updates_are_refused_and_change_nothing(guarded, update):
    before = sparql(guarded, SUM).json()
    for data in ({"update": update}, {"query": update}):
        answer = requests.post(f"{guarded}/sparql", data=data, timeout=30)
        assert answer.status_code in (400, 403), (data, answer.status_code)
    assert sparql(guarded, SUM).json() == before


def test_text_from_sources_is_stored_and_shown_verbatim_and_inert(tmp_path):
    page = tmp_path / "keep-eu-hostile.txt"
    original = KEEP_EU_PAGE.read_text(encoding="utf-8")
    expected_outputs = next(
        line for line in original.splitlines() if line.startswith("Expected Outputs")
    )
    page.write_text(original.replace(expected_outputs, f"Expected Outputs (EN): {HOSTILE_TEXT}"))
    store = CblodStore(tmp_path / "store")
    (report,) = ingest([page], store=store)
    assert report.status == "ingested", report.error
    where = select(store, "SELECT ?s ?p ?o WHERE { ?s ?p ?o FILTER(CONTAINS(?o, 'alert(1)')) }")
    assert [row["o"] for row in where] == [HOSTILE_TEXT]  # verbatim, control characters too
    subject = where[0]["s"]
    with running(store) as url:
        local = subject.replace("http://127.0.0.1:5000", url)
        html = requests.get(local, headers={"Accept": "text/html"}, timeout=30)
        assert html.status_code == 200
        assert "<script>alert(1)</script>" not in html.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html.text
        assert "script-src" not in html.headers["Content-Security-Policy"] or (
            "'unsafe-inline'" not in html.headers["Content-Security-Policy"]
        )
        for accept, fmt in [("text/turtle", "turtle"), ("application/n-triples", "nt")]:
            body = requests.get(local, headers={"Accept": accept}, timeout=30).text
            graph = rdflib.Graph().parse(data=body, format=fmt)
            assert HOSTILE_TEXT in {str(o) for o in graph.objects()}
            assert (None, None, rdflib.URIRef("urn:x")) not in graph  # no injected statement
        ld = requests.get(local, headers={"Accept": "application/ld+json"}, timeout=30)
        assert HOSTILE_TEXT in set(values_in(ld.json()))
        dump = requests.get(f"{url}/dumps/dataset.nq.gz", timeout=60).content
        dataset = rdflib.Dataset().parse(data=gzip.decompress(dump), format="nquads")
        assert HOSTILE_TEXT in {str(o) for o in dataset.objects()}
        found = sparql(url, "SELECT ?o WHERE { ?s ?p ?o FILTER(CONTAINS(?o, 'alert(1)')) }")
        assert [b["o"]["value"] for b in found.json()["results"]["bindings"]] == [HOSTILE_TEXT]
