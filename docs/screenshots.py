"""Take the README's screenshots of the demo, as a reader sees it: ``python docs/screenshots.py``.

Builds the demo store in a temporary folder, serves it, and photographs a few pages in
Debian's headless chromium (``.ci/run`` installs it; ``pip install -e ".[test]"`` brings
Selenium). Run it after a change to the pages, and commit the pictures with the change.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from werkzeug.serving import make_server

from cblod.backends.store import CblodStore
from cblod.cli.demo import build_demo_store
from cblod.web import create_app

HERE = Path(__file__).resolve().parent
#: (file, path, window width, height, what to wait for)
SHOTS = (
    ("project-page.png", "/doc/project/central-baltic-2014-2020/4smart-growth", 1280, 1400, "h1"),
    ("projects-list.png", "/projects?lang=sv", 1280, 1000, "table.listing"),
    ("projects-phone.png", "/projects", 390, 844, "table.listing"),
    ("query-page.png", None, 1280, 1000, ".yasr table.dataTable tbody tr"),
)


def browser() -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "chromium"
    for flag in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--no-first-run",
        "--hide-scrollbars",
    ):  # fmt: skip
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        store_dir = Path(folder) / "store"
        build_demo_store(store_dir)
        app = create_app(CblodStore(store_dir, must_exist=True))
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        driver = browser()
        try:
            for name, path, width, height, ready in SHOTS:
                driver.execute_cdp_cmd(
                    "Emulation.setDeviceMetricsOverride",
                    {
                        "width": width,
                        "height": height,
                        "deviceScaleFactor": 1,
                        "mobile": width < 500,
                    },
                )
                if path is None:  # the query page, after running its second example
                    driver.get(base + "/sparql")
                    path = driver.find_elements(By.CSS_SELECTOR, "#examples a")[1].get_attribute(
                        "href"
                    )
                    driver.get(path)
                else:
                    driver.get(base + path)
                WebDriverWait(driver, 30).until(
                    lambda d, css=ready: d.find_elements(By.CSS_SELECTOR, css)
                )
                time.sleep(0.5)
                driver.save_screenshot(str(HERE / name))
                print("wrote", HERE / name)
        finally:
            driver.quit()
            server.shutdown()
            app.extensions["cblod_pool"].close()


if __name__ == "__main__":
    main()
