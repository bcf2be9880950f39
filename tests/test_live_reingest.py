"""Readers during a re-ingest: every answer is the old dataset or the new one, never a mix.

A real ``cblod serve`` process serves a store while a real ``cblod ingest`` process rewrites
every source in it. Client threads keep asking SPARQL queries, viewing pages and downloading
the N-Quads dump the whole time. Each answer must be a 200 and hold one run's data only; the
dump started before the new snapshot was published must complete as a consistent file; and
the server must serve the new data afterwards without a restart.
"""

from __future__ import annotations

import gzip
import re
import shutil
import subprocess
import threading
import time

import pytest
import requests

from benchmarks.generate import keep_eu_pages
from tests.helpers.rounds import STATUSES, cblod, rounds_in, write_round
from tests.helpers.samples import SAMPLES
from tests.helpers.servers import free_port

#: real processes, killed or raced: run with the full suite, not the quick one
pytestmark = pytest.mark.slow


def wait_for(url: str, process: subprocess.Popen) -> None:
    for _ in range(300):
        if process.poll() is not None:
            raise AssertionError(process.stderr.read())
        try:
            requests.get(url, timeout=2)
            return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not come up")


def test_readers_during_a_reingest_see_one_version_and_no_errors(tmp_path):
    store, folder = tmp_path / "store", tmp_path / "sources"
    folder.mkdir()
    pages = dict(keep_eu_pages(120))
    shutil.copy(SAMPLES / "keep-eu-4smart-growth.txt", folder)
    write_round(folder, pages, 0)
    subprocess.run(cblod("ingest", "-q", str(folder), "--store", str(store)), check=True)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        cblod("serve", "--store", str(store), "--port", str(port), "--workers", "2"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    problems: list[str] = []
    seen: list[str] = []
    viewed: list[str] = []
    stop = threading.Event()

    def check(response: requests.Response, what: str) -> str:
        if response.status_code != 200:
            problems.append(f"{what}: {response.status_code} {response.text[:200]}")
        return response.text

    def ask_sparql() -> None:
        with requests.Session() as http:
            while not stop.is_set():
                answer = check(
                    http.get(f"{base}/sparql", params={"query": STATUSES, "format": "csv"}),
                    "sparql",
                )
                found = rounds_in(answer)
                if len(found) != 1:
                    problems.append(f"sparql mixed or empty: {sorted(found)}")
                seen.extend(found)

    def view_pages() -> None:
        with requests.Session() as http:
            while not stop.is_set():
                listing = check(http.get(f"{base}/projects"), "projects list")
                for link in re.findall(r'href="(/(?:doc|id)/project/[^"]+)"', listing)[:5]:
                    page = check(http.get(base + link), link)
                    viewed.append(link)
                    if len(rounds_in(page)) != 1:  # shows its status: one version, never two
                        problems.append(f"{link} shows rounds {sorted(rounds_in(page))}")

    try:
        wait_for(base + "/", server)
        readers = [threading.Thread(target=f) for f in (ask_sparql, ask_sparql, view_pages)]
        for reader in readers:
            reader.start()
        write_round(folder, pages, 1)
        ingest = subprocess.Popen(
            cblod("ingest", "-q", str(folder), "--store", str(store)), stderr=subprocess.PIPE
        )
        # a dump download that starts while the ingest is writing, and ends after it published
        with requests.get(f"{base}/dumps/dataset.nq.gz", stream=True) as download:
            assert download.status_code == 200
            body = b"".join(download.iter_content(64 * 1024))
        assert ingest.wait(timeout=600) == 0, ingest.stderr.read()
        for _ in range(100):  # the server follows the published snapshot with no restart
            if rounds_in(requests.get(f"{base}/sparql", params={"query": STATUSES}).text) == {"1"}:
                break
            time.sleep(0.1)
        else:
            raise AssertionError("the server never served the new snapshot")
        stop.set()
        for reader in readers:
            reader.join()
    finally:
        stop.set()
        server.terminate()
        server.wait(timeout=30)

    assert problems == []
    assert {"0", "1"} <= set(seen)  # the readers ran across the switch
    assert viewed
    dumped = gzip.decompress(body).decode()
    assert len(rounds_in(dumped)) == 1  # a consistent file: one version's statements
    assert dumped.count("\n") > 1000
