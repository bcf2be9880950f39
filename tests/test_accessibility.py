"""Readable for everyone: axe-core (pinned, installed by .ci/run into .ci/node) run in
headless chromium on the pages people start from, and the keyboard alone reaching a facet.

No serious or critical violation is allowed on any page a person reads: the home page, each
faceted list (with a filter on), every kind of resource page, the history, releases, dumps,
ontology and search pages, the error pages, the reconciliation preview, and the query page
with YASGUI running, before and after each example query has run.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import pytest
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from tests.helpers.browser import CHROMEDRIVER, CHROMIUM, chromium, wait_for

AXE = (
    Path(__file__).resolve().parent.parent
    / ".ci"
    / "node"
    / "node_modules"
    / "axe-core"
    / "axe.min.js"
)
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
FINLAND = "http://publications.europa.eu/resource/authority/country/FIN"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (CHROMIUM and CHROMEDRIVER and AXE.exists()),
        reason="needs chromium, chromium-driver and axe-core in .ci/node (.ci/run installs them)",
    ),
]

PAGES = {
    "home": "/",
    "projects": f"/projects?country={quote(FINLAND)}",
    "participations": "/participations?region=" + quote("http://data.europa.eu/nuts/code/FI1"),
    "organisations": "/organisations?q=science",
    "project": "/doc/project/central-baltic-2014-2020/4smart-growth",
    "organisation": "/doc/organisation/se/sisp-swedish-incubators-science-parks",
    "programme": "/doc/programme/central-baltic-2014-2020",
    "query": "/sparql",
    "not-found": "/doc/project/does-not-exist",
    "bad-filter": "/projects?programme=nonsense",
    "nothing-found": "/projects?start=1899",
    "page-past-the-end": "/projects?page=9",
    "search": "/search?q=park",
    "programmes": "/programmes",
    "clusters": "/clusters",
    "participation": "/doc/participation/central-baltic-2014-2020/4smart-growth/fi-turku-science-park",
    "programme-in-finnish": "/doc/programme/interreg-northern-shores-synthetic-2021-2027?lang=fi",
    "history": "/timemap/project/central-baltic-2014-2020/4smart-growth",
    "releases": "/releases",
    "release": "/doc/release/1",
    "dumps": "/dumps/",
    "ontology": "/ontology",
    "reconciliation-preview": "/reconcile/preview?id=organisation/fi/merenrannan-ammattikorkeakoulu",
}


@pytest.fixture(scope="module")
def browser():
    driver = chromium(javascript=True)
    driver.set_script_timeout(60)
    yield driver
    driver.quit()


def axe_violations(browser) -> list[dict]:
    browser.execute_script(AXE.read_text(encoding="utf-8"))
    result = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(r => done(JSON.stringify(r.violations)))"
        ".catch(e => done(JSON.stringify([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}])));"
    )
    return json.loads(result)


@pytest.mark.parametrize("page", PAGES)
def test_no_serious_or_critical_accessibility_violation(browser, demo_server, demo_store, page):
    browser.get(demo_server + PAGES[page])
    assert browser.find_element(By.TAG_NAME, "h1").text  # the page is there, not an error
    if page == "query":
        wait_for(browser, ".yasgui .CodeMirror")
    violations = axe_violations(browser)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"axe-{page}.json").write_text(json.dumps(violations, indent=1), encoding="utf-8")
    bad = [
        (v["id"], v["impact"], v["help"], [n["target"] for n in v["nodes"]][:3])
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, bad


def test_a_facet_is_reached_and_chosen_with_the_keyboard(browser, demo_server):
    browser.get(demo_server + "/projects")
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)
    for _ in range(60):  # tab through the page until focus is on a facet value
        focused = browser.switch_to.active_element
        if focused.get_attribute("href") and "country=" in (focused.get_attribute("href") or ""):
            break
        focused.send_keys(Keys.TAB)
    else:
        pytest.fail("no facet value was reached by the keyboard")
    label = focused.text
    browser.execute_script("window.cblodOldPage = true;")
    focused.send_keys(Keys.ENTER)
    WebDriverWait(browser, 30).until(
        lambda d: d.execute_script(
            "return !window.cblodOldPage && document.readyState === 'complete';"
        )
    )
    chosen = browser.find_elements(By.CSS_SELECTOR, 'a[aria-current="true"]')
    assert any(label in c.text for c in chosen)


def serious(violations: list[dict]) -> list[tuple]:
    return [
        (v["id"], v["impact"], v["help"], [n["target"] for n in v["nodes"]][:3])
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]


def test_the_query_page_stays_accessible_after_running_each_example(browser, demo_server):
    """After a query has run, YASGUI draws a results table (with a page-size select and a
    filter), tabs for each view and a raw response: every example's answer, in each view,
    has no serious or critical violation."""
    browser.get(demo_server + "/sparql")
    examples = [
        a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "#examples a")
    ]
    assert len(examples) >= 10
    found = []
    for n, href in enumerate(examples):
        browser.get(href)
        wait_for(browser, ".yasr table.dataTable tbody tr")
        found += [(n, "table", *v) for v in serious(axe_violations(browser))]
        if n == 0:  # the other views, once
            for view in ("response", "chart"):
                browser.find_element(By.CSS_SELECTOR, f".yasr .select_{view}").click()
                wait_for(browser, ".yasr .CodeMirror" if view == "response" else "svg.cblod-chart")
                found += [(n, view, *v) for v in serious(axe_violations(browser))]
            browser.find_element(By.CSS_SELECTOR, ".yasr .select_table").click()
    assert not found, found
