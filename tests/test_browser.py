"""The query page in a real headless browser (Debian's chromium, driven by Selenium).

Screenshots go to ``test-artifacts/`` so a person can look at what the test saw.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")

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
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", "--window-size=1280,1000",
    ):  # fmt: skip
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    ARTIFACTS.mkdir(exist_ok=True)
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
