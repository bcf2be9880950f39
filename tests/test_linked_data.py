"""Dereferenceable URIs, pages, dumps and the dataset description, over real HTTP."""

from __future__ import annotations

import gzip
import re
from decimal import Decimal
from html.parser import HTMLParser
from urllib.parse import urljoin, urlparse

import pytest
import rdflib
import requests
from pyoxigraph import Literal, Quad, RdfFormat, Store

from cblod.core.rdfterms import wkt_point
from cblod.core.vocab import GEO
from tests.helpers.samples import select
from tests.helpers.servers import running

BASE = "http://127.0.0.1:5000/"
SAMPLES_OF_EVERY_KIND = [
    "project/central-baltic-2014-2020/4smart-growth",
    "organisation/se/sisp-swedish-incubators-science-parks",
    "organisation/se/mobile-heights",  # a cluster
    "programme/central-baltic-2014-2020",
    "priority/central-baltic-2014-2020/1",
    "specific-objective/central-baltic-2014-2020/more-exports-by-the-central-baltic-companies-to-new-markets",
    "thematic-objective/03",
    "investment-priority/03d",
    "indicator/central-baltic-2014-2020/r1.3",
    "participation/central-baltic-2014-2020/4smart-growth/fi-turku-science-park",
    "source/keep-eu-4smart-growth.txt",
    "project/interreg-europe/clusterix-2.0",
]
FORMATS = {
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
}


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("a", "link"):
            self.hrefs += [v for k, v in attrs if k == "href" and v]


def crawl(server: str, limit: int = 3000) -> tuple[set, list]:
    """Follow every same-site link from the home page; (pages seen, [(path, status) broken])."""
    seen: set[str] = set()
    queue, broken = ["/"], []
    while queue and len(seen) < limit:
        path = queue.pop()
        if path in seen:
            continue
        seen.add(path)
        response = requests.get(server + path, timeout=60)
        if response.status_code >= 400:
            broken.append((path, response.status_code))
            continue
        if not response.headers.get("Content-Type", "").startswith("text/html"):
            continue
        parser = Links()
        parser.feed(response.text)
        for href in parser.hrefs:
            target = urlparse(urljoin(server + path, href))
            if target.netloc == urlparse(server).netloc and not target.path.startswith("/sparql"):
                queue.append(target.path + (f"?{target.query}" if target.query else ""))
    return seen, broken


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&amp;", "&")


# -- URIs and content negotiation ---------------------------------------------------------


@pytest.mark.parametrize("path", SAMPLES_OF_EVERY_KIND)
@pytest.mark.parametrize("accept", list(FORMATS))
def test_id_303s_to_a_document_that_parses_and_describes_it(server, path, accept):
    response = requests.get(
        f"{server}/id/{path}", headers={"Accept": accept}, allow_redirects=False, timeout=30
    )
    assert response.status_code == 303
    assert "Accept" in response.headers["Vary"]
    document = requests.get(urljoin(server, response.headers["Location"]), timeout=30)
    assert document.status_code == 200
    assert document.headers["Content-Type"].startswith(accept)
    graph = rdflib.Graph().parse(data=document.text, format=FORMATS[accept])
    assert (rdflib.URIRef(BASE + "id/" + path), None, None) in graph


@pytest.mark.parametrize("path", SAMPLES_OF_EVERY_KIND)
def test_a_browser_gets_the_html_page(server, path):
    response = requests.get(
        f"{server}/id/{path}", headers={"Accept": "text/html,*/*;q=0.8"}, timeout=30
    )
    assert response.status_code == 200
    assert response.history[0].status_code == 303
    assert response.headers["Content-Type"].startswith("text/html")
    assert BASE + "id/" + path in response.text  # the page shows the URI it describes


def test_doc_headers_vary_content_location_and_alternates(server):
    url = f"{server}/doc/project/central-baltic-2014-2020/4smart-growth"
    response = requests.get(url, headers={"Accept": "text/turtle"}, timeout=30)
    assert "Accept" in response.headers["Vary"]
    assert response.headers["Content-Location"].endswith("/4smart-growth.ttl")
    alternates = response.headers["Link"]
    for ext in ("html", "ttl", "jsonld", "nt", "rdf"):
        assert f'/4smart-growth.{ext}>; rel="alternate"' in alternates
    explicit = requests.get(url + ".jsonld", timeout=30)
    assert explicit.headers["Content-Type"].startswith("application/ld+json")


@pytest.mark.parametrize(
    "path",
    [
        "/id/project/central-baltic-2014-2020/4smart-growth",
        "/doc/organisation/se/sisp-swedish-incubators-science-parks.ttl",
        "/dumps/dataset.nt.gz",
        "/.well-known/void",
    ],
)
def test_head_has_the_same_headers_as_get(server, path):
    get = requests.get(server + path, allow_redirects=False, timeout=30)
    head = requests.head(server + path, allow_redirects=False, timeout=30)
    assert head.status_code == get.status_code
    for name in ("Content-Type", "Location", "ETag", "Vary", "Content-Length"):
        assert head.headers.get(name) == get.headers.get(name), name


def test_unknown_resources_are_404_pages_never_500(server):
    html = requests.get(
        f"{server}/id/project/no-such-thing", headers={"Accept": "text/html"}, timeout=30
    )
    assert html.status_code == 404
    assert html.headers["Content-Type"].startswith("text/html")
    plain = requests.get(
        f"{server}/doc/organisation/xx/nobody.ttl", headers={"Accept": "text/turtle"}, timeout=30
    )
    assert plain.status_code == 404
    assert plain.headers["Content-Type"].startswith("text/plain")
    assert requests.get(f"{server}/id/", timeout=30).status_code == 404


def test_the_description_has_labels_of_linked_things_and_inbound_links(server):
    graph = rdflib.Graph().parse(
        data=requests.get(
            f"{server}/doc/organisation/se/sisp-swedish-incubators-science-parks.ttl", timeout=30
        ).text,
        format="turtle",
    )
    cbo = rdflib.Namespace("https://w3id.org/cblod/ontology#")
    participations = set(
        graph.subjects(
            cbo.partner,
            rdflib.URIRef(BASE + "id/organisation/se/sisp-swedish-incubators-science-parks"),
        )
    )
    assert len(participations) == 2  # inbound links: its two participations
    country = rdflib.URIRef("http://publications.europa.eu/resource/authority/country/SWE")
    assert graph.value(country, rdflib.RDFS.label) is not None  # label of what it points to


# -- pages for people ---------------------------------------------------------------------


def test_project_page_shows_partners_adding_up_to_the_erdf_total(server):
    page = requests.get(
        f"{server}/doc/project/central-baltic-2014-2020/4smart-growth", timeout=30
    ).text
    partners = re.search(r'<section id="partners">(.*?)</section>', page, re.S).group(1)
    rows = re.findall(r"<tr><td><a[^>]*>([^<]+)</a></td><td><a[^>]*>([^<]+)</a>", partners)
    assert len(rows) == 5
    assert ("SISP Swedish Incubators &amp; Science Parks", "Lead partner") in rows
    erdf = re.findall(r'<td class="num">([\d ]+(?:\.\d\d)?) EUR</td></tr>', partners)
    assert sum(Decimal(v.replace(" ", "")) for v in erdf) == Decimal("817789.75")
    assert "817 789.75 EUR" in text_of(re.search(r'id="partner-eu">([^<]+)<', page).group(0))
    assert "Competitive economy" in page and "More exports by the Central Baltic companies" in page
    assert "163 unique companies" not in page  # that is SME2GO's result, not this project's
    assert "6 export missions of 30 SMEs" in page
    assert '<script type="application/ld+json">' in page


def test_organisation_page_lists_every_project_with_role_and_names(server, sample_store):
    page = text_of(
        requests.get(
            f"{server}/doc/organisation/se/sisp-swedish-incubators-science-parks", timeout=30
        ).text
    )
    assert "4Smart Growth" in page and "SME2GO" in page
    assert page.count("Lead partner") >= 2
    assert "Mäster Samuelsgatan nr 60" in page and "Sweden" in page
    # organisation URIs are minted from the first name a store saw: find Tehnopol by its data
    (found,) = select(sample_store, "SELECT ?o WHERE { ?o cbo:country country:EST }")
    tehnopol = text_of(
        requests.get(server + found["o"].replace(BASE + "id/", "/doc/"), timeout=30).text
    )
    assert (
        "Sihtasutus Tallinna Teaduspark Tehnopol" in tehnopol
        and "Tallinn Science Park Tehnopol" in tehnopol
    )


def test_cluster_page_shows_its_nuts_region(server):
    page = text_of(requests.get(f"{server}/doc/organisation/se/automation-region", timeout=30).text)
    assert "Västmanlands län" in page and "SE125" in page


def test_programme_page_has_structure_projects_and_an_svg_chart(server):
    page = requests.get(f"{server}/doc/programme/central-baltic-2014-2020", timeout=30).text
    assert "Competitive economy" in page
    assert "4Smart Growth" in page and "SME2GO" in page
    chart = re.search(r"<svg.*?</svg>", page, re.S).group(0)
    assert "Sweden" in chart and "Finland" in chart and "Estonia" in chart


def test_list_pages_sort_and_page(server, sample_store):
    page = requests.get(f"{server}/organisations?sort=projects", timeout=30).text
    names = re.findall(r'<tr><td><a href="[^"]+">([^<]+)</a>', page)
    (count,) = select(sample_store, "SELECT (COUNT(?o) AS ?n) WHERE { ?o a cbo:Organisation }")
    assert len(names) == int(count["n"])
    assert names[0].startswith(("SISP", "Sihtasutus", "Turku", "Västerås"))
    clusters = requests.get(f"{server}/clusters?sort=region", timeout=30).text
    rows = re.findall(r"<tr><td><a[^>]*>([^<]+)</a></td><td>([^<]*)</td>", clusters)
    assert len(rows) == 22
    assert ("Automation Region", "Västmanlands län") in rows
    assert [region for _, region in rows] == sorted(region for _, region in rows)
    assert requests.get(f"{server}/projects?sort=bogus", timeout=30).status_code == 400
    assert requests.get(f"{server}/projects?page=x", timeout=30).status_code == 400


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("vasteras", "Västerås Science Park AB"),
        ("VÄSTERÅS", "Västerås Science Park AB"),
        ("tehnopol", "Sihtasutus Tallinna Teaduspark Tehnopol"),
        ("sme2go", "Central Baltic Region Smart City Solutions for Global Cities"),
        ("jarnvags", "Järnvägsklustret"),
    ],
)
def test_search_is_case_and_diacritic_insensitive(server, query, expected):
    page = requests.get(f"{server}/search", params={"q": query}, timeout=30).text
    assert expected in page


@pytest.mark.slow
def test_crawl_from_home_finds_no_broken_link(server):
    seen, broken = crawl(server)
    assert broken == []
    assert len(seen) > 80


# -- dumps and dataset description --------------------------------------------------------


def test_nquads_dump_round_trips(server, sample_store):
    response = requests.get(f"{server}/dumps/dataset.nq.gz", timeout=60)
    assert response.status_code == 200
    assert response.headers["ETag"] and response.headers["Last-Modified"]
    again = requests.get(
        f"{server}/dumps/dataset.nq.gz",
        headers={"If-None-Match": response.headers["ETag"]},
        timeout=30,
    )
    assert again.status_code == 304
    loaded = Store()
    loaded.load(gzip.decompress(response.content), format=RdfFormat.N_QUADS)
    original = {
        q
        for q in sample_store.engine.quads_for_pattern(None, None, None, None)
        if not (getattr(q.graph_name, "value", "") or "").startswith("urn:cblod:internal:")
    }
    assert {points_to_4(q) for q in loaded} == {points_to_4(q) for q in original}
    # kept as parts (cblod.read.composed), served as one file: its length, and any range
    whole = response.content
    assert int(response.headers["Content-Length"]) == len(whole)
    assert response.headers["Accept-Ranges"] == "bytes"
    for start, end in ((0, 9), (len(whole) // 3, len(whole) // 3 + 70_000), (len(whole) - 5, None)):
        asked = f"bytes={start}-{'' if end is None else end}"
        part = requests.get(f"{server}/dumps/dataset.nq.gz", headers={"Range": asked}, timeout=30)
        assert part.status_code == 206
        assert part.content == whole[start : None if end is None else end + 1]
    head = requests.head(f"{server}/dumps/dataset.nq.gz", timeout=30)
    assert int(head.headers["Content-Length"]) == len(whole)


def points_to_4(quad: Quad) -> Quad:
    """A WKT point to 1e-4 degrees, typed geo:wktLiteral: Virtuoso gives a point back as its
    own geometry type, in single precision (README, "Virtuoso")."""
    at = wkt_point(quad.object.value) if isinstance(quad.object, Literal) else None
    if at is None:
        return quad
    point = Literal(f"POINT({round(at[0], 4)} {round(at[1], 4)})", datatype=GEO.wktLiteral)
    return Quad(quad.subject, quad.predicate, point, quad.graph_name)


def test_turtle_dump_is_the_published_graph(server, sample_store):
    response = requests.get(f"{server}/dumps/dataset.ttl.gz", timeout=60)
    graph = rdflib.Graph().parse(data=gzip.decompress(response.content).decode(), format="turtle")
    assert len(graph) == len(list(sample_store.default_graph_quads()))
    assert requests.get(f"{server}/dumps/../store", timeout=30).status_code == 404
    assert requests.get(f"{server}/dumps/%2e%2e/LOCK", timeout=30).status_code == 404


def test_void_describes_the_dataset(server, sample_store):
    graph = rdflib.Graph().parse(
        data=requests.get(f"{server}/.well-known/void", timeout=30).text, format="turtle"
    )
    void = rdflib.Namespace("http://rdfs.org/ns/void#")
    dataset = next(graph.subjects(rdflib.RDF.type, void.Dataset))
    assert graph.value(dataset, void.sparqlEndpoint) == rdflib.URIRef(f"{server}/sparql")
    assert str(graph.value(dataset, void.uriSpace)) == BASE + "id/"
    assert int(str(graph.value(dataset, void.triples))) == len(
        list(sample_store.default_graph_quads())
    )
    dumps = {str(d) for d in graph.objects(dataset, void.dataDump)}
    assert f"{server}/dumps/dataset.nt.gz" in dumps
    linksets = {
        str(graph.value(ls, void.linkPredicate)): int(str(graph.value(ls, void.triples)))
        for ls in graph.subjects(rdflib.RDF.type, void.Linkset)
    }
    assert linksets["https://w3id.org/cblod/ontology#region"] == 22
    (wikidata,) = select(
        sample_store,
        "SELECT (COUNT(*) AS ?n) WHERE { ?c a cbo:Country ; owl:sameAs ?item "
        "FILTER(STRSTARTS(STR(?item), 'http://www.wikidata.org/entity/Q')) }",
    )
    (countries,) = select(sample_store, "SELECT (COUNT(*) AS ?n) WHERE { ?c a cbo:Country }")
    assert wikidata["n"] == countries["n"] == "3"  # SE, FI, EE: each to its Wikidata item
    assert linksets["http://www.w3.org/2002/07/owl#sameAs"] == int(wikidata["n"])
    (euro,) = select(
        sample_store,
        "SELECT (COUNT(?s) AS ?n) (COUNT(DISTINCT ?c) AS ?currencies) WHERE { ?s cbo:currency ?c }",
    )
    (amounts,) = select(
        sample_store,
        "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s cbo:totalBudget|cbo:euContribution ?a }",
    )
    assert euro["currencies"] == "1" and euro["n"] == amounts["n"]  # every amount is in EUR
    assert linksets["https://w3id.org/cblod/ontology#currency"] == int(euro["n"])
    classes = {
        str(graph.value(p, void["class"])): int(str(graph.value(p, void.entities)))
        for p in graph.objects(dataset, void.classPartition)
    }
    assert classes["https://w3id.org/cblod/ontology#Project"] == 5


def test_robots_and_sitemap(server):
    robots = requests.get(f"{server}/robots.txt", timeout=30).text
    assert "Sitemap: " in robots
    sitemap = requests.get(f"{server}/sitemap.xml", timeout=30).text
    assert f"{server}/doc/project/central-baltic-2014-2020/4smart-growth" in sitemap


def test_ontology_is_published(server):
    page = requests.get(f"{server}/ontology", headers={"Accept": "text/html"}, timeout=30).text
    for name in ("Project", "Participation", "euContribution", "LeadPartner"):
        assert f'id="{name}"' in page
    turtle = requests.get(f"{server}/ontology", headers={"Accept": "text/turtle"}, timeout=30)
    graph = rdflib.Graph().parse(data=turtle.text, format="turtle")
    assert len(graph) > 200
    jsonld = requests.get(f"{server}/ontology.jsonld", timeout=30)
    assert len(rdflib.Graph().parse(data=jsonld.text, format="json-ld")) == len(graph)


# -- deployment ---------------------------------------------------------------------------


def test_uris_under_a_public_base_dereference_locally_and_behind_a_proxy(tmp_path):
    from cblod.backends.store import CblodStore
    from cblod.publish import ingest
    from tests.helpers.samples import KEEP_EU_PAGE

    store = CblodStore(tmp_path / "store")
    ingest([KEEP_EU_PAGE], store=store, base_uri="https://data.example.eu/")
    with running(store, TRUST_PROXY=True, SPARQL_WORKERS=1) as url:
        doc = requests.get(
            f"{url}/doc/project/central-baltic-2014-2020/4smart-growth.ttl", timeout=30
        )
        graph = rdflib.Graph().parse(data=doc.text, format="turtle")
        assert (
            rdflib.URIRef(
                "https://data.example.eu/id/project/central-baltic-2014-2020/4smart-growth"
            ),
            None,
            None,
        ) in graph
        void = requests.get(
            f"{url}/.well-known/void",
            headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "data.example.eu"},
            timeout=30,
        )
        assert "<https://data.example.eu/sparql>" in void.text


@pytest.mark.slow
def test_crawl_of_pages_and_bulk_sources_finds_no_broken_link(tmp_path):
    """The demo store's content (pages and every bulk format) served and crawled whole."""
    from cblod.backends.store import CblodStore
    from cblod.publish import ingest
    from cblod.read.validate import validate
    from tests.helpers.samples import SAMPLES

    store = CblodStore(tmp_path / "store")
    reports = ingest([SAMPLES, SAMPLES.parent / "bulk"], store=store)
    assert {r.status for r in reports} == {"ingested"}
    assert validate(store).conforms
    with running(store, SPARQL_WORKERS=1) as url:
        seen, broken = crawl(url)
        assert broken == []
        identifier = requests.get(f"{url}/doc/identifier/fi-ytunnus/2876543-5", timeout=30)
        assert "tietopalvelu.ytj.fi/yritys/2876543-5" in identifier.text
        (merenranta,) = select(
            store, 'SELECT ?o WHERE { ?o cbo:identifier/skos:notation "2876543-5" }'
        )
        page = requests.get(url + merenranta["o"].replace(BASE + "id/", "/doc/"), timeout=30).text
        assert "Finnish Business ID (Y-tunnus) 2876543-5" in page
        assert 'href="https://tietopalvelu.ytj.fi/yritys/2876543-5"' in page
