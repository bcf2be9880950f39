"""The W3C SPARQL 1.1 Protocol test suite, over HTTP, against a real cblod server.

The manifest (``tests/w3c/protocol/manifest.ttl``, vendored unmodified) describes each test as
HTTP requests and expected responses. Every query test runs as written. The update tests
expect a writable endpoint; cblod's public endpoint is read-only by design, so for those the
documented behaviour is checked instead: each update request is refused with a 4xx (403).
"""

from __future__ import annotations

import json
import threading
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import rdflib
import requests
from pyoxigraph import NamedNode, RdfFormat
from werkzeug.serving import make_server

from cblod.backends.draft import Draft
from cblod.backends.store import CblodStore
from cblod.web import create_app
from tests.helpers.servers import free_port

W3C = Path(__file__).parent / "w3c" / "protocol"
MF = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = rdflib.Namespace("http://www.w3.org/2011/http#")
UT = rdflib.Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
CNT = rdflib.Namespace("http://www.w3.org/2011/content#")
HTS = rdflib.Namespace("http://www.w3.org/2011/http-statusCodes#")
TABULAR = {
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
}
RDF_TYPES = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
    "application/ld+json": "json-ld",
    "application/trig": "trig",
    "application/n-quads": "nquads",
}


def _manifest() -> rdflib.Graph:
    graph = rdflib.Graph()
    graph.parse(W3C / "manifest.ttl", format="turtle")
    return graph


MANIFEST = _manifest()


def _list(node) -> list:
    return list(rdflib.collection.Collection(MANIFEST, node)) if node else []


def _tests() -> list[tuple[str, rdflib.URIRef]]:
    manifest = next(MANIFEST.subjects(rdflib.RDF.type, MF.Manifest))
    entries = _list(MANIFEST.value(manifest, MF.entries))
    return [(str(entry).rsplit("#", 1)[-1], entry) for entry in entries]


def _graph_data() -> dict[str, Path]:
    """Every graph any test loads: its name (rdfs:label) and its data file."""
    found = {}
    for node in MANIFEST.objects(None, UT.graphData):
        found[str(MANIFEST.value(node, rdflib.RDFS.label))] = (
            W3C / Path(str(MANIFEST.value(node, UT.graph))).name
        )
    return found


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory):
    path = tmp_path_factory.mktemp("w3c") / "store"
    store = CblodStore(path)
    draft = Draft.begin(store)  # the test's own graphs, as they are (no mapping reads them)
    for name, data in _graph_data().items():
        draft.database.load(data.read_bytes(), format=RdfFormat.N_TRIPLES, to_graph=NamedNode(name))
    draft.publish(changes={}, sources=[])
    app = create_app(store)
    http = make_server("127.0.0.1", free_port(), app, threaded=True)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{http.server_port}"
    http.shutdown()
    app.extensions["cblod_pool"].close()


def _request(base: str, node) -> tuple[requests.Response, rdflib.term.Node]:
    method = str(MANIFEST.value(node, HT.methodName))
    path = str(MANIFEST.value(node, HT.absolutePath)).replace("/sparql/", "/sparql", 1)
    headers = {
        str(MANIFEST.value(h, HT.fieldName)): str(MANIFEST.value(h, HT.fieldValue))
        for h in _list(MANIFEST.value(node, HT.headers))
    }
    body = MANIFEST.value(node, HT.body)
    data = None
    if body is not None:
        encoding = str(MANIFEST.value(body, CNT.characterEncoding) or "UTF-8")
        data = str(MANIFEST.value(body, CNT.chars)).encode(encoding)
    response = requests.request(method, base + path, headers=headers, data=data, timeout=60)
    return response, MANIFEST.value(node, HT.resp)


def _status_ok(status: int, expected: set[str]) -> bool:
    return any(status // 100 == int(code[len("StatusCode")]) for code in expected)


def _check_body(response: requests.Response, expected) -> None:
    fmt = MANIFEST.value(expected, MF.expectedFormat)
    mime = response.headers.get("Content-Type", "").split(";")[0].strip()
    body = response.content  # requests undoes a Content-Encoding (gzip) itself
    if fmt is not None and str(fmt) in {"tabular", "boolean"}:
        assert mime in TABULAR, mime
    if fmt is not None and str(fmt) == "RDF":
        assert mime in RDF_TYPES, mime
        rdflib.Graph().parse(data=body.decode(), format=RDF_TYPES[mime])
    boolean = MANIFEST.value(expected, MF.expectedBoolean)
    if boolean is not None:
        if mime == "application/sparql-results+json":
            value = json.loads(body)["boolean"]
        else:
            root = ET.fromstring(body)
            value = root.find("{http://www.w3.org/2005/sparql-results#}boolean").text == "true"
        assert value is boolean.toPython()


TESTS = _tests()
QUERY_TESTS = [(name, node) for name, node in TESTS if "update" not in name]
UPDATE_TESTS = [(name, node) for name, node in TESTS if "update" in name]


@pytest.mark.parametrize(("name", "test"), QUERY_TESTS, ids=[n for n, _ in QUERY_TESTS])
def test_w3c_protocol_query(endpoint, name, test):
    action = MANIFEST.value(test, MF.action)
    for request in _list(MANIFEST.value(action, HT.requests)):
        response, expected = _request(endpoint, request)
        codes = {str(c).rsplit("#", 1)[-1] for c in MANIFEST.objects(expected, MF.expectedStatus)}
        assert _status_ok(response.status_code, codes), (response.status_code, response.text)
        if 200 <= response.status_code < 300:
            _check_body(response, expected)


@pytest.mark.parametrize(("name", "test"), UPDATE_TESTS, ids=[n for n, _ in UPDATE_TESTS])
def test_w3c_protocol_update_is_refused_on_the_read_only_endpoint(endpoint, name, test):
    action = MANIFEST.value(test, MF.action)
    update, *checks = _list(MANIFEST.value(action, HT.requests))
    response, _ = _request(endpoint, update)
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
    for request in checks:  # the suite's follow-up queries still work; nothing was written
        response, _ = _request(endpoint, request)
        assert response.status_code == 200, response.text
