"""The query page in a real headless browser (Debian's chromium, driven by Selenium).

Screenshots go to ``test-artifacts/`` so a person can look at what the test saw.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from tests.helpers.browser import CHROMEDRIVER, CHROMIUM, chromium, wait_for  # noqa: E402

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (CHROMIUM and CHROMEDRIVER),
        reason="needs Debian's chromium and chromium-driver (.ci/run installs them)",
    ),
]


def click_and_wait(browser, element) -> None:
    """Click something that loads a new page, and wait until the new page is there.

    The old page is marked with a window property that a new document does not have.
    Selenium's ``staleness_of`` polls the old element instead, and chromium can answer
    that poll with an inspector error rather than "stale" while the page is swapped
    (seen on CI with chromium 156), which failed a run that had done nothing wrong.
    """
    browser.execute_script("window.cblodOldPage = true;")
    element.click()
    wait_for_new_page(browser)


def submit_and_wait(browser, field) -> None:
    """Submit the form a field is in, and wait until the answer page is there."""
    browser.execute_script("window.cblodOldPage = true;")
    field.submit()
    wait_for_new_page(browser)


def wait_for_new_page(browser) -> None:
    WebDriverWait(browser, 30).until(
        lambda driver: driver.execute_script(
            "return !window.cblodOldPage && document.readyState === 'complete';"
        )
    )


@pytest.fixture(scope="module")
def browser():
    """A reader without JavaScript: every page, and the query page's own form and table (the
    fallback when YASGUI does not run)."""
    driver = chromium(javascript=False)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def js_browser():
    driver = chromium(javascript=True)
    yield driver
    driver.quit()


def test_run_an_example_see_the_table_follow_a_link(browser, server):
    browser.get(f"{server}/sparql")
    assert "SPARQL query" in browser.find_element(By.TAG_NAME, "h1").text
    editor = browser.find_element(By.ID, "query")
    assert "PREFIX cbo: <https://w3id.org/cblod/ontology#>" in editor.get_attribute("value")

    click_and_wait(
        browser,
        browser.find_element(By.LINK_TEXT, "Partners of 4Smart Growth with budgets, and the total"),
    )
    table = browser.find_element(By.ID, "results")
    rows = table.find_elements(By.CSS_SELECTOR, "tbody tr")
    assert len(rows) == 5
    assert "SISP Swedish Incubators & Science Parks" in table.text
    assert "199187.25" in table.text
    browser.save_screenshot(str(ARTIFACTS / "query-page-results.png"))

    shared = browser.find_element(By.ID, "share").get_attribute("href")
    browser.find_element(By.ID, "query").clear()
    browser.find_element(By.ID, "query").send_keys(
        "SELECT ?project WHERE { ?project a cbo:Project } ORDER BY ?project"
    )
    click_and_wait(browser, browser.find_element(By.ID, "run"))
    link = browser.find_element(By.CSS_SELECTOR, "#results tbody a")
    target = link.get_attribute("title")
    click_and_wait(browser, link)
    assert target in browser.find_element(By.CSS_SELECTOR, ".uri").text  # the resource page
    assert browser.find_elements(By.CSS_SELECTOR, "#partners tbody tr")

    browser.get(shared)  # the shareable link reruns the query
    assert len(browser.find_elements(By.CSS_SELECTOR, "#results tbody tr")) == 5


def test_a_mistake_is_shown_on_the_page(browser, server):
    browser.get(f"{server}/sparql?query=SELECT+%3Fx+WHERE+%7B")
    assert "malformed query" in browser.find_element(By.CSS_SELECTOR, ".error").text
    browser.save_screenshot(str(ARTIFACTS / "query-page-error.png"))


def test_home_project_and_organisation_pages_render(browser, server):
    browser.get(server + "/")
    assert "Interreg project data" in browser.find_element(By.TAG_NAME, "h1").text
    assert "5 projects" in browser.find_element(By.CSS_SELECTOR, ".lead").text
    browser.save_screenshot(str(ARTIFACTS / "home.png"))

    click_and_wait(browser, browser.find_element(By.LINK_TEXT, "projects"))
    click_and_wait(
        browser, browser.find_element(By.PARTIAL_LINK_TEXT, "Smart Clusters for Smart Growth")
    )
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith(
        "Smart Clusters for Smart Growth"
    )
    partners = browser.find_elements(By.CSS_SELECTOR, "#partners tbody tr")
    assert len(partners) == 5
    assert "817 789.75 EUR" in browser.find_element(By.ID, "partner-eu").text
    assert "Lead partner" in partners[0].text and "SISP" in partners[0].text
    browser.save_screenshot(str(ARTIFACTS / "project.png"))

    click_and_wait(browser, partners[0].find_element(By.TAG_NAME, "a"))
    assert "SISP Swedish Incubators & Science Parks" in browser.find_element(By.TAG_NAME, "h1").text
    projects = browser.find_element(By.ID, "projects").text
    assert "4Smart Growth" in projects and "SME2GO" in projects
    browser.save_screenshot(str(ARTIFACTS / "organisation.png"))


def test_search_box_finds_without_accents(browser, server):
    browser.get(server + "/")
    box = browser.find_element(By.CSS_SELECTOR, "form.search input")
    box.send_keys("vasteras")
    submit_and_wait(browser, box)
    assert "Västerås Science Park AB" in browser.find_element(By.CSS_SELECTOR, "ol.hits").text


def requested_urls(browser) -> list[str]:
    """The URL of every request the browser sent since the log was last read."""
    import json

    urls = []
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def console_problems(browser) -> list[str]:
    return [e["message"] for e in browser.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]


def test_yasgui_loads_from_cblod_and_runs_a_query(js_browser, demo_server):
    from urllib.parse import quote, urlsplit

    requested_urls(js_browser)  # start the log afresh
    query = (
        "SELECT ?programme (COUNT(?project) AS ?projects) WHERE { ?project a cbo:Project ; "
        "cbo:programme/skos:prefLabel ?programme } GROUP BY ?programme ORDER BY DESC(?projects)"
    )
    js_browser.get(f"{demo_server}/sparql?query={quote(query)}")
    wait_for(js_browser, ".yasgui .CodeMirror")
    assert not js_browser.find_element(By.ID, "query-form").is_displayed()  # the editor took over
    rows = WebDriverWait(js_browser, 30).until(
        lambda d: d.execute_script(
            "return Array.from(document.querySelectorAll('.yasr table tbody tr'))"
            ".map(r => r.innerText);"
        )
    )
    assert any("Central Baltic" in row for row in rows)
    js_browser.save_screenshot(str(ARTIFACTS / "yasgui-table.png"))
    # the chart view draws one bar per row
    js_browser.find_element(By.CSS_SELECTOR, ".yasr .select_chart").click()
    bars = wait_for(js_browser, ".yasr svg.cblod-chart rect")
    assert len(bars) == len(rows)
    js_browser.save_screenshot(str(ARTIFACTS / "yasgui-chart.png"))
    # prefix completion from cblod's own list
    editor = js_browser.find_element(By.CSS_SELECTOR, ".yasgui .CodeMirror")
    js_browser.execute_script(
        "arguments[0].CodeMirror.setValue('PREFIX sko'); arguments[0].CodeMirror.setCursor(0, 10);",
        editor,
    )
    js_browser.execute_script(
        "var cm = arguments[0].CodeMirror; cm.focus(); cm.replaceRange('', {line: 0, ch: 10});",
        editor,
    )
    editor.find_element(By.CSS_SELECTOR, "textarea").send_keys("s")
    hints = wait_for(js_browser, ".CodeMirror-hints li, .CodeMirror-hint")
    assert any("skos: <http://www.w3.org/2004/02/skos/core#>" in h.text for h in hints)
    # term completion from the properties cblod's data uses (not LOV)
    text = "PREFIX cbo: <https://w3id.org/cblod/ontology#>\nSELECT * WHERE { ?p cbo:acr"
    js_browser.execute_script(
        "var cm = arguments[0].CodeMirror; cm.setValue(arguments[1]); cm.focus();"
        "cm.setCursor(cm.lineCount() - 1, 1000);",
        editor,
        text,
    )
    typing = editor.find_element(By.CSS_SELECTOR, "textarea")
    typing.send_keys("o")
    typing.send_keys(Keys.CONTROL, Keys.SPACE)  # YASQE's key for term completion
    hints = wait_for(js_browser, ".CodeMirror-hints li, .CodeMirror-hint")
    assert any("cbo:acronym" in h.text for h in hints), [h.text for h in hints]
    host = urlsplit(demo_server).netloc
    requests_made = requested_urls(js_browser)
    assert requests_made and all(
        urlsplit(u).netloc == host for u in requests_made if not u.startswith("data:")
    ), [u for u in requests_made if urlsplit(u).netloc != host]
    assert not [p for p in console_problems(js_browser) if "Content Security Policy" in p]


def test_the_query_page_works_without_javascript(browser, demo_server):
    browser.get(f"{demo_server}/sparql")
    assert browser.find_element(By.ID, "query-form").is_displayed()
    assert not browser.find_element(By.ID, "yasgui").is_displayed()


def test_every_example_runs_in_the_editor_with_the_endpoints_answer(js_browser, demo_server):
    """Each example link on /sparql, followed with JavaScript on, puts the whole query in the
    editor and shows as many rows as the endpoint answers, with the same values (YASGUI's own
    URL reading cut a query at its first ";", so every example was a 400)."""
    import requests

    js_browser.get(f"{demo_server}/sparql")
    examples = [
        (a.text, a.get_attribute("href"))
        for a in js_browser.find_elements(By.CSS_SELECTOR, "#examples a")
    ]
    assert len(examples) >= 10
    for title, href in examples:
        query = parse_qs(urlsplit(href).query)["query"][0]
        expected = requests.get(
            f"{demo_server}/sparql",
            params={"query": query},
            headers={"Accept": "application/sparql-results+json"},
            timeout=60,
        ).json()["results"]["bindings"]
        assert expected, title  # an example that answers nothing shows nothing
        js_browser.get(f"{demo_server}/sparql")
        click_and_wait(js_browser, js_browser.find_element(By.LINK_TEXT, title))
        wait_for(js_browser, ".yasgui .CodeMirror")
        in_editor = js_browser.execute_script(
            "return document.querySelector('.yasgui .CodeMirror').CodeMirror.getValue();"
        )
        assert in_editor == query, title
        shown = js_browser.execute_script(
            "return document.querySelector('.yasgui .CodeMirror-code').innerText;"
        )
        assert "SELECT" in shown, title  # drawn, not only held (a hidden editor drew nothing)
        rows = WebDriverWait(js_browser, 30).until(
            lambda d: d.execute_script(
                "var rows = document.querySelectorAll('.yasr table.dataTable tbody tr');"
                "var error = document.querySelector('.yasr .errorResult');"
                "if (error && error.offsetParent) return ['ERROR ' + error.innerText];"
                "return rows.length ? Array.from(rows).map(r => r.innerText) : null;"
            )
        )
        assert not rows[0].startswith("ERROR"), (title, rows[0])
        assert len(rows) == min(len(expected), 50), title  # YASR's first page holds 50
        for row, binding in zip(rows, expected, strict=False):
            for term in binding.values():
                if term["type"] == "literal":
                    assert term["value"] in row.replace("\u00a0", " "), (title, term, row)


def test_a_reader_keeps_their_language_from_list_to_page_and_switches_it(js_browser, demo_server):
    """Chosen in the list, Swedish names stay on the pages the reader clicks through to; the
    header's switcher changes the language of the page being read."""
    js_browser.get(f"{demo_server}/projects?lang=sv")
    click_and_wait(
        js_browser,
        js_browser.find_element(By.LINK_TEXT, "Allians för kompetens i den blå ekonomin"),
    )
    title = js_browser.find_element(By.TAG_NAME, "h1")
    assert title.text == "Allians för kompetens i den blå ekonomin"
    assert title.get_attribute("lang") == "sv"
    partner = js_browser.find_element(By.CSS_SELECTOR, "#partners tbody a")
    click_and_wait(js_browser, partner)
    assert "lang=sv" in js_browser.current_url
    click_and_wait(js_browser, js_browser.find_element(By.LINK_TEXT, "Projects"))
    assert "lang=sv" in js_browser.current_url
    assert js_browser.find_elements(By.LINK_TEXT, "Allians för kompetens i den blå ekonomin")

    js_browser.get(
        f"{demo_server}/doc/project/interreg-northern-shores-synthetic-2021-2027/blueskills"
    )
    assert js_browser.find_element(By.TAG_NAME, "h1").text == "Blue Economy Skills Alliance"
    from selenium.webdriver.support.ui import Select

    Select(js_browser.find_element(By.ID, "lang-choice")).select_by_visible_text("suomi")
    click_and_wait(js_browser, js_browser.find_element(By.CSS_SELECTOR, "form.languages button"))
    assert js_browser.find_element(By.TAG_NAME, "h1").text == "Sinisen talouden osaamisallianssi"
    js_browser.save_screenshot(str(ARTIFACTS / "project-in-finnish.png"))


def test_every_reconciliation_preview_fits_the_frame_its_manifest_declares(
    js_browser, demo_server, demo_store
):
    """Each entity's card, in a viewport the size the manifest declares (OpenRefine frames it
    so), needs no scrolling: its name, kind and every fact line are inside the frame."""
    from tests.helpers.samples import select

    manifest = requests_json(f"{demo_server}/reconcile")
    width, height = manifest["preview"]["width"], manifest["preview"]["height"]
    entities = [
        r["s"].split("/id/", 1)[1]
        for r in select(
            demo_store,
            "SELECT ?s WHERE { VALUES ?t { cbo:Organisation cbo:Project cbo:Programme } ?s a ?t }",
        )
    ]
    assert len(entities) > 40
    js_browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
    )
    try:
        tallest = (0, "")
        for entity in entities:
            js_browser.get(f"{demo_server}/reconcile/preview?id={entity}")
            size = js_browser.execute_script(
                "var d = document.documentElement;"
                "var last = Array.from(document.querySelectorAll('main > *'))"
                "  .map(e => e.getBoundingClientRect().bottom);"
                "return [d.scrollWidth, d.scrollHeight, Math.max.apply(null, last)];"
            )
            assert size[0] <= width and size[1] <= height and size[2] <= height, (entity, size)
            tallest = max(tallest, (size[2], entity))
        js_browser.get(f"{demo_server}/reconcile/preview?id={tallest[1]}")
        js_browser.save_screenshot(str(ARTIFACTS / "reconcile-preview.png"))
    finally:
        js_browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def requests_json(url: str):
    import requests

    return requests.get(url, timeout=60).json()


def test_history_is_a_page_of_versions_and_an_old_one_says_so(js_browser, tmp_path, pages):
    """The "history" link opens a page listing the versions (not a file to save); an old
    version's page says which release it shows and links the current one."""
    from cblod.backends.store import CblodStore
    from cblod.publish import ingest
    from tests.helpers.clock import StepClock
    from tests.helpers.samples import ALL_PAGES
    from tests.helpers.servers import running

    store, clock = CblodStore(tmp_path / "store"), StepClock()
    ingest([pages / p.name for p in ALL_PAGES], store=store, clock=clock)
    clock.advance()  # release times are HTTP dates, to the second
    page = pages / "keep-eu-4smart-growth.txt"
    page.write_text(page.read_text().replace("Project status: closed", "Project status: open"))
    ingest([page], store=store, clock=clock)
    with running(store) as url:
        js_browser.get(f"{url}/doc/project/central-baltic-2014-2020/4smart-growth")
        assert not js_browser.find_elements(By.CSS_SELECTOR, ".memento")
        click_and_wait(js_browser, js_browser.find_element(By.LINK_TEXT, "history"))
        assert js_browser.find_element(By.TAG_NAME, "h1").text.startswith("Smart Clusters")
        versions = js_browser.find_elements(By.CSS_SELECTOR, "#versions tbody tr")
        assert len(versions) == 2 and "(current)" in versions[0].text
        js_browser.save_screenshot(str(ARTIFACTS / "history.png"))
        click_and_wait(js_browser, versions[1].find_element(By.PARTIAL_LINK_TEXT, "As of release"))
        banner = js_browser.find_element(By.CSS_SELECTOR, ".memento")
        assert "An earlier version" in banner.text and "published 1 time since" in banner.text
        assert "closed" in js_browser.find_element(By.ID, "statements").text
        js_browser.save_screenshot(str(ARTIFACTS / "old-version.png"))
        click_and_wait(js_browser, banner.find_element(By.LINK_TEXT, "The current page"))
        assert not js_browser.find_elements(By.CSS_SELECTOR, ".memento")
        assert "open" in js_browser.find_element(By.ID, "statements").text


NARROW_PAGES = (
    "/", "/projects", "/participations", "/organisations", "/programmes", "/sparql",
    "/doc/project/central-baltic-2014-2020/4smart-growth",
    "/doc/organisation/se/sisp-swedish-incubators-science-parks",
    "/doc/programme/central-baltic-2014-2020", "/search?q=park", "/releases", "/dumps/",
    "/ontology", "/doc/project/does-not-exist",
)  # fmt: skip


def test_a_phone_sized_screen_never_scrolls_sideways_and_shows_results_first(
    js_browser, demo_server
):
    """At 390 px (a phone), no page is wider than the screen (wide tables scroll inside
    themselves), and a list's filters fold under one "Filters" control so its first result
    comes before any facet value; unfolded, the filters are all there."""
    js_browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True},
    )
    try:
        for path in NARROW_PAGES:
            js_browser.get(demo_server + path)
            width = js_browser.execute_script("return document.documentElement.scrollWidth;")
            assert width <= 390, (path, width)
        js_browser.get(f"{demo_server}/projects")
        visible_facets = js_browser.execute_script(
            "var first = document.querySelector('table.listing tbody tr').getBoundingClientRect().top;"
            "return Array.from(document.querySelectorAll('.facets a')).filter(a => {"
            "  return a.checkVisibility() && a.getBoundingClientRect().top < first; }).length;"
        )
        assert visible_facets == 0
        js_browser.save_screenshot(str(ARTIFACTS / "projects-390px.png"))
        js_browser.find_element(By.CSS_SELECTOR, "details.filters > summary").click()
        shown = js_browser.execute_script(
            "return Array.from(document.querySelectorAll('.facets a'))"
            ".filter(a => a.checkVisibility()).length;"
        )
        assert shown > 10
    finally:
        js_browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
