"""The map (issue 27): ``/map`` draws a faceted list's items at their points, with the list's
filters, in a real browser that can reach nothing but the server (the map's libraries and
its country outlines are cblod's own files), and every number it shows is SPARQL's."""

from __future__ import annotations

import json
import re
from urllib.parse import quote, urlsplit

import pytest
import requests

from tests.helpers.samples import select

FINLAND = "http://publications.europa.eu/resource/authority/country/FIN"
#: (list, its items, the path from an item to its points)
LISTS = [
    ("organisations", "?item a cbo:Organisation", "geo:hasGeometry"),
    ("participations", "?item a cbo:Participation", "cbo:partner/geo:hasGeometry"),
    ("projects", "?item a cbo:Project", "^cbo:project/cbo:partner/geo:hasGeometry"),
]


def counts_by_sparql(store, items: str, path: str, extra: str = "") -> tuple[int, int]:
    (total,) = select(store, f"SELECT (COUNT(DISTINCT ?item) AS ?n) WHERE {{ {items} . {extra} }}")
    (placed,) = select(
        store,
        f"SELECT (COUNT(DISTINCT ?item) AS ?n) WHERE {{ {items} . {extra} ?item {path} [] }}",
    )
    return int(total["n"]), int(placed["n"])


def shown_counts(html: str) -> tuple[int, int]:
    placed = re.search(r'<strong id="map-placed">(\d+)</strong>', html)
    total = re.search(r'<span id="map-total">(\d+)</span>', html)
    assert placed and total, html[:500]
    return int(total[1]), int(placed[1])


@pytest.mark.parametrize(("name", "items", "path"), LISTS)
def test_the_map_says_how_many_items_it_places_as_sparql_counts_them(
    demo_server, demo_store, name, items, path
):
    page = requests.get(f"{demo_server}/map?list={name}", timeout=60)
    assert page.status_code == 200
    assert shown_counts(page.text) == counts_by_sparql(demo_store, items, path)
    assert f'href="/{name}"' in page.text  # the list: the map's text alternative
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]


def test_the_map_takes_the_list_s_filters(demo_server, demo_store):
    page = requests.get(
        f"{demo_server}/map?list=organisations&country={quote(FINLAND)}", timeout=60
    )
    total, placed = counts_by_sparql(
        demo_store,
        "?item a cbo:Organisation",
        "geo:hasGeometry",
        f"?item cbo:country <{FINLAND}> .",
    )
    assert shown_counts(page.text) == (total, placed) and 0 < placed <= total
    geojson = re.search(r'data-geojson="([^"]+)"', page.text)
    assert geojson and "format=geojson" in geojson[1] and quote(FINLAND, safe="") in geojson[1]
    listing = requests.get(f"{demo_server}/organisations?country={quote(FINLAND)}", timeout=60)
    link = re.search(r'<a href="([^"]+)" id="list-map">Map</a>', listing.text)
    assert link and requests.get(
        demo_server + link[1].replace("&amp;", "&"), timeout=60
    ).text.count(f'<span id="map-total">{total}</span>')


def test_the_embeddable_map_may_be_framed_and_a_bad_request_is_a_400(demo_server):
    embedded = requests.get(f"{demo_server}/map?embed=1&list=projects", timeout=60)
    assert embedded.status_code == 200
    assert "frame-ancestors *" in embedded.headers["Content-Security-Policy"]
    assert "<nav>" not in embedded.text and 'id="map"' in embedded.text
    assert requests.get(f"{demo_server}/map?list=nothing", timeout=60).status_code == 400
    assert (
        requests.get(f"{demo_server}/map?list=projects&eu_min=lots", timeout=60).status_code == 400
    )


def test_the_map_s_files_are_cblod_s_own_with_their_licences_and_checksums():
    import hashlib
    from pathlib import Path

    folder = Path(__file__).resolve().parent.parent / "cblod" / "web" / "static" / "map"
    for line in (folder / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split()
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name
    for package in ("leaflet", "leaflet.markercluster", "topojson-client", "world-atlas"):
        assert (folder / f"LICENSE.{package}.txt").read_text().strip(), package
    outlines = json.loads((folder / "countries-50m.json").read_text())
    assert outlines["type"] == "Topology" and outlines["objects"]["countries"]["geometries"]


# -- in a browser with no network but the server ---------------------------------------------

browser_needed = pytest.mark.slow


@pytest.fixture(scope="module")
def offline_browser():
    from tests.helpers.browser import CHROMEDRIVER, CHROMIUM, chromium

    if not (CHROMIUM and CHROMEDRIVER):
        pytest.skip("needs Debian's chromium and chromium-driver (.ci/run installs them)")
    driver = chromium(javascript=True, offline=True)
    yield driver
    driver.quit()


def drawn(browser, url: str, css: str = "#map") -> dict[str, str]:
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(url)
    find = f"document.querySelector({json.dumps(css)})"
    WebDriverWait(browser, 60).until(lambda d: d.execute_script(f"return {find}.dataset.loaded"))
    return browser.execute_script(f"return Object.assign({{}}, {find}.dataset)")


def requested_hosts(browser) -> set[str]:
    hosts = set()
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            url = message["params"]["request"]["url"]
            if url.startswith("http"):
                hosts.add(urlsplit(url).hostname)
    return hosts


@browser_needed
@pytest.mark.parametrize(("name", "items", "path"), LISTS)
def test_the_map_draws_every_placed_item_offline_from_cblod_s_own_files(
    offline_browser, server_for_map, demo_store, name, items, path
):
    from tests.helpers.browser import ARTIFACTS

    offline_browser.get_log("performance")  # what came before
    state = drawn(offline_browser, f"{server_for_map}/map?list={name}")
    assert state["loaded"] == "1", state
    total, placed = counts_by_sparql(demo_store, items, path)
    assert int(state["features"]) == placed > 0
    assert int(state["points"]) >= placed
    assert requested_hosts(offline_browser) == {"127.0.0.1"}
    errors = [e for e in offline_browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors  # a CSP violation, a failed script or file
    offline_browser.save_screenshot(str(ARTIFACTS / f"map-{name}.png"))


@browser_needed
def test_every_cluster_and_point_is_reached_by_keyboard_and_opens_its_link(
    offline_browser, server_for_map
):
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    def settled(d) -> bool:  # no zoom or cluster animation running: the markers stay put
        return not d.find_elements(By.CSS_SELECTOR, ".leaflet-zoom-anim, .leaflet-cluster-anim")

    state = drawn(offline_browser, f"{server_for_map}/map?list=organisations")
    WebDriverWait(offline_browser, 10).until(settled)
    buttons = offline_browser.execute_script(  # read at once: the map may redraw its markers
        "return Array.from(document.querySelectorAll('.leaflet-marker-icon')).map(b => "
        "[b.getAttribute('tabindex'), b.getAttribute('role'), b.getAttribute('aria-label') || b.textContent.trim()])"
    )
    assert buttons and all(tab == "0" and role == "button" and name for tab, role, name in buttons)

    name = None
    for _ in range(10):  # Enter on a cluster zooms in (or spreads it out): points appear
        WebDriverWait(offline_browser, 10).until(settled)
        try:
            points = offline_browser.find_elements(By.CSS_SELECTOR, ".map-point")
            if points:
                name = points[0].get_attribute("aria-label")
                points[0].send_keys(Keys.ENTER)
                break
            offline_browser.find_elements(By.CSS_SELECTOR, ".marker-cluster")[0].send_keys(
                Keys.ENTER
            )
        except StaleElementReferenceException:
            continue  # redrawn meanwhile: look again
    assert name, state
    # the popup fades in: its link is read once a reader could see it (text is what is shown)
    link = WebDriverWait(offline_browser, 10).until(
        lambda d: next(
            (a for a in d.find_elements(By.CSS_SELECTOR, ".leaflet-popup-content a")
             if a.text.strip()),
            None,
        )
    )  # fmt: skip
    assert "/id/organisation/" in link.get_attribute("href") and link.text.strip() == name


@browser_needed
def test_the_map_page_has_no_accessibility_violations(offline_browser, server_for_map):
    from tests.test_accessibility import AXE, axe_violations

    if not AXE.exists():
        pytest.skip("needs axe-core in .ci/node (.ci/run installs it)")
    drawn(offline_browser, f"{server_for_map}/map?list=organisations")
    violations = axe_violations(offline_browser)
    assert not [v for v in violations if v.get("impact") in ("serious", "critical")], violations


@pytest.fixture(scope="module")
def server_for_map(demo_store, tmp_path_factory):
    """The demo served by the embedded store alone: the browser tests draw what it serves."""
    from tests.helpers.servers import served

    with served(demo_store, "embedded", tmp_path_factory.mktemp("map")) as url:
        yield url


@browser_needed
def test_the_query_page_draws_an_answer_s_points_on_a_map(
    offline_browser, server_for_map, demo_store
):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from cblod.core.vocab import sparql_prefixes
    from tests.helpers.browser import ARTIFACTS

    query = (
        "SELECT ?organisation ?point WHERE { ?organisation a cbo:Organisation ; "
        "geo:hasGeometry/geo:asWKT ?point }"
    )
    rows = demo_store.select(sparql_prefixes() + query)
    expected = len(list(rows))
    offline_browser.get(f"{server_for_map}/sparql?query={quote(query)}")
    WebDriverWait(offline_browser, 60).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, ".yasr .select_map")
    )[0].click()
    drawn_points = WebDriverWait(offline_browser, 30).until(
        lambda d: d.execute_script(
            "var m = document.querySelector('.cblod-results-map'); return m && m.dataset.points"
        )
    )
    assert int(drawn_points) == expected > 0
    markers = offline_browser.find_elements(By.CSS_SELECTOR, ".cblod-results-map .map-point")
    assert len(markers) == expected
    assert requested_hosts(offline_browser) == {"127.0.0.1"}
    offline_browser.save_screenshot(str(ARTIFACTS / "yasgui-map.png"))


def page_of(server: str, iri: str) -> str:
    return requests.get(f"{server}/doc/{iri.split('/id/', 1)[1]}", timeout=60).text


def inline_points(html: str) -> list[dict]:
    import html as markup

    found = re.search(r'data-inline="([^"]*)"', html)
    assert found, "no small map"
    return json.loads(markup.unescape(found[1]))["features"]


def test_project_and_organisation_pages_have_their_points_on_a_small_map(demo_server, demo_store):
    (project,) = select(
        demo_store,
        "SELECT ?p (COUNT(DISTINCT ?wkt) AS ?n) WHERE { ?x cbo:project ?p ; cbo:partner ?o . "
        "?o geo:hasGeometry/geo:asWKT ?wkt } GROUP BY ?p ORDER BY DESC(?n) ?p LIMIT 1",
    )
    features = inline_points(page_of(demo_server, project["p"]))
    assert len({tuple(f["geometry"]["coordinates"]) for f in features}) == int(project["n"]) > 1
    (organisation,) = select(
        demo_store,
        "SELECT ?o (COUNT(DISTINCT ?wkt) AS ?n) WHERE { ?o a cbo:Organisation ; "
        "geo:hasGeometry/geo:asWKT ?wkt } GROUP BY ?o ORDER BY ?o LIMIT 1",
    )
    features = inline_points(page_of(demo_server, organisation["o"]))
    assert {f["id"] for f in features} == {organisation["o"]} and len(features) == int(
        organisation["n"]
    )
    (unplaced,) = select(
        demo_store,
        "SELECT ?o WHERE { ?o a cbo:Organisation FILTER NOT EXISTS { ?o geo:hasGeometry [] } } "
        "ORDER BY ?o LIMIT 1",
    )
    assert 'id="on-the-map"' not in page_of(demo_server, unplaced["o"])  # no empty map


@browser_needed
def test_a_programme_page_draws_its_partners_on_a_small_map(
    offline_browser, server_for_map, demo_store
):
    (programme,) = select(
        demo_store,
        "SELECT ?g (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a cbo:Participation ; "
        "cbo:project/cbo:programme ?g ; cbo:partner/geo:hasGeometry [] } GROUP BY ?g "
        "ORDER BY DESC(?n) LIMIT 1",
    )
    url = f"{server_for_map}/doc/{programme['g'].split('/id/', 1)[1]}"
    state = drawn(offline_browser, url, "#on-the-map .map")
    assert state["loaded"] == "1" and int(state["features"]) == int(programme["n"]) > 0
    assert requested_hosts(offline_browser) == {"127.0.0.1"}


@browser_needed
def test_the_outlines_cross_the_antimeridian_without_a_band_round_the_world(
    offline_browser, server_for_map
):
    """world-atlas' rings jump from 179.9 to -179.9 degrees; drawn flat, Russia became a band
    across the map. Every ring and edge drawn is continuous, and Chukotka lies east of 180."""
    drawn(offline_browser, f"{server_for_map}/map?list=organisations")
    found = offline_browser.execute_async_script(
        """
        var done = arguments[arguments.length - 1];
        var element = document.createElement("div");
        element.style.cssText = "width: 800px; height: 600px";
        document.body.appendChild(element);
        var made = cblodMap.base(element, { outlines: document.querySelector("#map").dataset.outlines });
        made.outlines.then(function () {
          var jumps = 0, lines = 0, russiaEast = -999;
          function walk(line, name) {
            lines += 1;
            var found = 0, net = 0;
            for (var i = 1; i < line.length; i++) {
              var step = line[i][0] - line[i - 1][0];
              if (Math.abs(step) > 180) { found += 1; net += step > 0 ? 1 : -1; }
              if (name === "Russia") russiaEast = Math.max(russiaEast, line[i][0]);
            }
            // a ring round a pole (Antarctica's) has to cross once: its jumps do not cancel
            var closed = line[0][0] === line[line.length - 1][0];
            if (!(closed && net !== 0)) jumps += found;
          }
          made.map.eachLayer(function (layer) {
            var f = layer.feature;
            if (!f || !f.geometry) return;
            var g = f.geometry, name = f.properties && f.properties.name;
            var parts = g.type === "Polygon" || g.type === "MultiLineString" ? g.coordinates
              : g.type === "MultiPolygon" ? [].concat.apply([], g.coordinates) : [];
            parts.forEach(function (line) { walk(line, name); });
          });
          done([jumps, lines, russiaEast]);
        });
        """
    )
    jumps, lines, russia_east = found
    assert lines > 1000 and jumps == 0
    assert 180 < russia_east < 200  # Chukotka, east of the antimeridian, next to the rest
