"""The server over HTTP: a real Werkzeug server in a thread, and ``python serve.py`` itself."""

import gzip
import re
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
import rdflib
import requests

from cblod.publish import ingest
from tests.helpers.samples import ALL_PAGES, KEEP_EU_PAGE, ingest_all
from tests.helpers.servers import free_port, running

REPO = Path(__file__).resolve().parent.parent

SUM_QUERY = """SELECT (SUM(?eu) AS ?sum) WHERE {
  ?project cbo:acronym "4Smart Growth" . ?p cbo:project ?project ; cbo:euContribution ?eu }"""


def sparql(server: str, query: str, accept: str | None = None, post: bool = False):
    headers = {"Accept": accept} if accept else {}
    if post:
        return requests.post(f"{server}/sparql", data={"query": query}, headers=headers, timeout=30)
    return requests.get(f"{server}/sparql", params={"query": query}, headers=headers, timeout=30)


def test_get_sparql_returns_json_results(server):
    response = sparql(server, SUM_QUERY)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/sparql-results+json")
    (binding,) = response.json()["results"]["bindings"]
    assert Decimal(binding["sum"]["value"]) == Decimal("817789.75")


def test_post_form_and_csv(server):
    response = sparql(server, "SELECT ?c WHERE { ?c a cbo:Cluster }", "text/csv", post=True)
    assert response.status_code == 200
    assert len(response.text.strip().splitlines()) == 23  # header + 22 clusters


def test_construct_parses_as_turtle(server):
    construct = "CONSTRUCT { ?s ?p ?o } WHERE { ?s a cbo:Project ; ?p ?o }"
    response = sparql(server, construct, "text/turtle")
    assert response.status_code == 200
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    cbo = rdflib.Namespace("https://w3id.org/cblod/ontology#")
    assert len(set(graph.subjects(rdflib.RDF.type, cbo.Project))) == 5


def test_client_mistakes_are_4xx_with_a_message(server):
    bad = sparql(server, "SELEC ?x")
    assert bad.status_code == 400
    assert "1:" in bad.text  # the parser's position
    assert requests.post(f"{server}/sparql", data={"x": "1"}, timeout=30).status_code == 400
    wrong_body = requests.post(
        f"{server}/sparql", data="x", headers={"Content-Type": "text/plain"}, timeout=30
    )
    assert wrong_body.status_code == 415
    update = requests.post(
        f"{server}/sparql",
        data="DROP ALL",
        headers={"Content-Type": "application/sparql-query"},
        timeout=30,
    )
    assert update.status_code == 403


def test_home_page_lists_the_sources(server):
    response = requests.get(server, timeout=30)
    assert response.status_code == 200
    assert "keep.eu: 4Smart Growth" in response.text
    assert "Tillväxtverket: S3-piloten" in response.text


def start(command: list[str], store: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    process = subprocess.Popen(
        [*command, "--store", str(store), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return process, port


@pytest.mark.slow
def test_cblod_serve_serves_an_ingested_store(tmp_path):
    store = tmp_path / "store"
    ingest = [sys.executable, "-m", "cblod", "ingest", str(REPO / "samples" / "pages")]
    subprocess.run([*ingest, "--store", str(store)], check=True, capture_output=True)
    serve = [sys.executable, "-m", "cblod", "serve", "--workers", "1", "--max-rows", "3"]
    process, port = start(serve, store)
    try:
        response = wait_for(process, f"http://127.0.0.1:{port}/sparql", {"query": SUM_QUERY})
        sums = response.json()["results"]["bindings"]
        assert Decimal(sums[0]["sum"]["value"]) == Decimal("817789.75")
        capped = requests.get(
            f"http://127.0.0.1:{port}/sparql", params={"query": "SELECT * { ?s ?p ?o }"}, timeout=30
        )
        assert capped.status_code == 422  # --max-rows reached the server
    finally:
        process.terminate()
        process.wait(timeout=30)


def wait_for(process: subprocess.Popen, url: str, params: dict) -> requests.Response:
    """Poll a starting server until it answers (or fail with its output if it died)."""
    for _ in range(600):
        try:
            return requests.get(url, params=params, timeout=5)
        except requests.ConnectionError:
            assert process.poll() is None, process.stdout.read()
            time.sleep(0.1)
    raise AssertionError("server did not start")


@pytest.mark.slow
def test_serve_py_builds_the_demo_store_and_serves_it(tmp_path):
    process, port = start([sys.executable, str(REPO / "serve.py")], tmp_path / "demo")
    try:
        response = wait_for(process, f"http://127.0.0.1:{port}/sparql", {"query": SUM_QUERY})
        sums = response.json()["results"]["bindings"]
        assert Decimal(sums[0]["sum"]["value"]) == Decimal("817789.75")
    finally:
        process.terminate()
        process.wait(timeout=30)


def links_on(base: str, path: str) -> set[str]:
    page = requests.get(base + path, timeout=60)
    assert page.status_code == 200, path
    return {href for href in re.findall(r'href="([^"#]+)', page.text) if href.startswith("/")}


@pytest.mark.slow
@pytest.mark.parametrize(
    "command",
    [["serve.py"], ["-m", "cblod", "demo"]],
    ids=["python-serve.py", "cblod-demo"],
)
def test_the_demo_with_a_relative_store_answers_every_link_on_home_and_dumps(tmp_path, command):
    """As the README runs it: a relative --store, from the folder the user is in (the dumps
    were a 500 when send_file resolved the relative path inside the package)."""
    port = free_port()
    script = [str(REPO / command[0])] if command[0].endswith(".py") else command
    process = subprocess.Popen(
        [sys.executable, *script, "--store", "./cblod-data", "--port", str(port)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(process, base + "/", {})
        links = links_on(base, "/") | links_on(base, "/dumps/")
        dumps = {link for link in links if link.startswith("/dumps/") and link.endswith(".gz")}
        assert {"/dumps/dataset.ttl.gz", "/dumps/dataset.nt.gz", "/dumps/dataset.nq.gz"} <= dumps
        for link in sorted(links):
            assert requests.get(base + link, timeout=60).status_code == 200, link
        turtle = gzip.decompress(requests.get(base + "/dumps/dataset.ttl.gz", timeout=60).content)
        graph = rdflib.Graph().parse(data=turtle.decode(), format="turtle")
        assert len(graph) > 1000
        assert (tmp_path / "cblod-data" / "published").exists()  # relative to where it ran
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_hostile_requests_get_4xx_never_500_and_source_text_stays_inert(server):
    for path, expected in [
        ("/doc/project/%ff%fe", 400),
        ("/doc/project/a%00b", 400),
        ("/search?q=%ff", 400),
        ("/sparql?query=%ff", 400),
        ("/projects?page=999999999999999999999", 400),
        ("/id/" + "x" * 10_000, 404),
        ("/dumps/..%2f..%2fLOCK", 404),
        ("/static/%2e%2e/%2e%2e/pyproject.toml", 404),
        ("/doc/project/<script>alert(1)</script>", 404),
    ]:
        response = requests.get(server + path, headers={"Accept": "text/html"}, timeout=30)
        assert response.status_code == expected, path
        assert "<script>alert" not in response.text, path
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    page = requests.get(f"{server}/search", params={"q": "<script>x</script>"}, timeout=30)
    assert "<script>x</script>" not in page.text and "&lt;script&gt;" in page.text
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    assert requests.request("PATCH", server + "/", timeout=30).status_code == 405


def test_a_page_asked_again_is_the_new_versions_once_one_is_published(tmp_path, pages):
    """Pages are kept per dataset version: a re-ingest reaches the next request, without a
    restart, in every format."""
    store = ingest_all(tmp_path / "store", [pages / p.name for p in ALL_PAGES])
    path = "/doc/project/central-baltic-2014-2020/4smart-growth"
    with running(store) as url:
        before = [requests.get(url + path + ext, timeout=30) for ext in ("", ".ttl")]
        assert all("closed" in r.text for r in before)
        assert [requests.get(url + path + ext, timeout=30).text for ext in ("", ".ttl")] == [
            r.text for r in before
        ]
        page = pages / KEEP_EU_PAGE.name
        page.write_text(
            page.read_text().replace("Project status: closed", "Project status: ongoing")
        )
        ingest([page], store=store)
        after = [requests.get(url + path + ext, timeout=30) for ext in ("", ".ttl")]
        assert all("ongoing" in r.text and "closed" not in r.text for r in after)
        assert [r.headers["ETag"] for r in after] != [r.headers["ETag"] for r in before]


@pytest.mark.parametrize(
    ("path", "status", "said"),
    [
        ("/id/project/does-not-exist", 404, "cblod has no project"),
        ("/doc/organisation/xx/nobody", 404, "cblod has no organisation"),
        ("/projects?programme=nonsense", 400, "programme: 'nonsense' is not an IRI"),
        ("/projects?start=abcd", 400, "start: 'abcd' is not a year"),
        ("/projects?budget_min=abc", 400, "budget_min"),
        ("/projects?page=99", 404, "there is no page 99: this list has 1 page"),
        ("/programmes?page=99", 404, "there is no page 99"),
        ("/projects?page=x", 400, "page must be a number"),
    ],
)
def test_an_error_page_is_a_page_of_the_site_saying_what_went_wrong(server, path, status, said):
    """A person who mistypes an address or a filter gets the site's own page (header,
    navigation, styles, language) naming the problem and a way on; a program gets text."""
    import html

    page = requests.get(server + path, headers={"Accept": "text/html"}, timeout=60)
    assert page.status_code == status
    text = html.unescape(page.text)
    assert said in text
    assert '<html lang="en">' in page.text and "/static/cblod.css" in page.text
    assert '<a href="/projects">Projects</a>' in page.text and 'role="search"' in page.text
    assert '<a href="/">home page</a>' in page.text
    plain = requests.get(server + path, headers={"Accept": "text/plain, */*;q=0.1"}, timeout=60)
    assert plain.status_code == status and plain.text.startswith(f"{status} ")
    assert said in plain.text and "<" not in plain.text


def test_a_filter_of_the_wrong_kind_is_refused_like_any_other(server):
    """One rule for every filter: a value that cannot be one of the facet's (an IRI, a year,
    an amount) is a 400 naming the field; a value of the right kind that matches nothing is
    an empty list that says so."""
    for query in ("start=abcd", "end=20x5", "programme=nonsense", "budget_min=abc"):
        assert requests.get(f"{server}/projects?{query}", timeout=60).status_code == 400, query
    empty = requests.get(f"{server}/projects?start=1899", timeout=60)
    assert empty.status_code == 200
    assert "No projects match these filters" in empty.text
    assert '<table class="listing">' not in empty.text
    assert (
        requests.get(f"{server}/projects?start=1899&format=json", timeout=60).json()["total"] == 0
    )
