"""Two web processes serving one store: both answer from the same release during an update.

Serving outgrows one process before ingest outgrows one machine (docs/scaling.md), so cblod
scales out by running more ``cblod serve`` processes over the same store folder (behind any
load balancer): each reads the published snapshot's files read-only and asks, per request,
which snapshot the store's pointer names. Here two real server processes serve one store while
a real ``cblod ingest`` publishes a new release; readers ask both, alternately, the whole time.

What a client of either process must see: every answer is one release (never a mix), no
errors, and once either process has answered from the new release, no request begun after
that gets the old one from either process; the moment the ingest returns both answer from
the new release, and their VoID descriptions name the same version.
"""

from __future__ import annotations

import subprocess
import threading
import time
from contextlib import ExitStack

import pytest
import requests

from benchmarks.generate import keep_eu_pages
from tests.helpers.rounds import STATUSES, cblod, rounds_in, write_round
from tests.helpers.servers import free_port, process_serving

#: real processes raced against an ingest: with the full suite, not the quick one
pytestmark = pytest.mark.slow


def void_version(base: str) -> str:
    answer = requests.get(f"{base}/.well-known/void", headers={"Accept": "text/turtle"}, timeout=60)
    assert answer.status_code == 200
    return answer.headers["ETag"]


def test_two_processes_answer_from_the_same_release_during_an_update(tmp_path):
    store, folder = tmp_path / "store", tmp_path / "sources"
    folder.mkdir()
    pages = dict(keep_eu_pages(80))
    write_round(folder, pages, 0)
    subprocess.run(cblod("ingest", "-q", str(folder), "--store", str(store)), check=True)

    #: (server, started, finished, round seen) of every answer
    answers: list[tuple[int, float, float, str]] = []
    problems: list[str] = []
    stop = threading.Event()

    def read(bases: list[str], first: int) -> None:
        with requests.Session() as http:
            n = first
            while not stop.is_set():
                server = n % len(bases)
                n += 1
                started = time.monotonic()
                answer = http.get(
                    f"{bases[server]}/sparql", params={"query": STATUSES, "format": "csv"}
                )
                finished = time.monotonic()
                found = rounds_in(answer.text)
                if answer.status_code != 200 or len(found) != 1:
                    problems.append(f"server {server}: {answer.status_code} {sorted(found)}")
                    continue
                answers.append((server, started, finished, found.pop()))

    with ExitStack() as servers:
        bases = []
        for _ in range(2):
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            command = cblod("serve", "--store", str(store), "--port", str(port), "--workers", "1")
            servers.enter_context(process_serving(command, base + "/"))
            bases.append(base)
        assert void_version(bases[0]) == void_version(bases[1])
        before = void_version(bases[0])

        readers = [threading.Thread(target=read, args=(bases, n)) for n in range(4)]
        for reader in readers:
            reader.start()
        try:
            time.sleep(0.5)  # both answer the old release for a while
            write_round(folder, pages, 1)
            ingest = subprocess.run(
                cblod("ingest", "-q", str(folder), "--store", str(store)),
                capture_output=True,
                text=True,
                timeout=600,
            )
            returned = time.monotonic()
            assert ingest.returncode == 0, ingest.stderr[-2000:]
            # the moment the command returns, both answer from the new release: no waiting
            for base in bases:
                answer = requests.get(f"{base}/sparql", params={"query": STATUSES})
                assert rounds_in(answer.text) == {"1"}
            time.sleep(0.5)
        finally:
            stop.set()
            for reader in readers:
                reader.join()
        after = {void_version(base) for base in bases}

    assert problems == []
    assert after != {before} and len(after) == 1  # one new version, the same in both
    for server in (0, 1):  # each process served both releases across the update
        assert {r for s, _, _, r in answers if s == server} == {"0", "1"}
    # once either process answered from the new release, every request begun later, to either
    # process, got the new one
    switched = min(finished for _, _, finished, found in answers if found == "1")
    late_old = [
        (s, started) for s, started, _, found in answers if found == "0" and started > switched
    ]
    assert late_old == []
    assert all(found == "1" for _, started, _, found in answers if started > returned)
