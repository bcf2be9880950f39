"""Pages many clients ask for at once right after a publish are rendered once, not by each.

Tested through the real server: concurrent first requests for a programme's page, counted
at the description (what each render starts with), and through ``OneAtATime`` itself for
what happens when the first computation fails.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

import cblod.web.resources
from cblod.lru import OneAtATime, VersionedCache
from tests.helpers.servers import running


def test_concurrent_first_views_of_a_page_render_it_once(sample_store, monkeypatch):
    described = []
    original = cblod.web.resources._described

    def counted(kind, key):
        described.append(key)
        time.sleep(0.3)  # a render slow enough for the other requests to arrive meanwhile
        return original(kind, key)

    monkeypatch.setattr(cblod.web.resources, "_described", counted)
    with running(sample_store) as url:
        page = f"{url}/doc/programme/central-baltic-2014-2020"
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda _: requests.get(page, timeout=60), range(8)))
    assert {a.status_code for a in answers} == {200}
    assert len({a.text for a in answers}) == 1
    assert described == ["central-baltic-2014-2020"]


def test_when_the_first_fails_the_next_computes_and_the_rest_read_its_result():
    flights, cache, calls = OneAtATime(timeout=5), {}, []
    started = threading.Event()

    def compute(n: int) -> str:
        calls.append(n)
        if n == 0:
            started.set()
            time.sleep(0.2)
            raise LookupError("the first render fails")
        time.sleep(0.1)
        cache["page"] = f"rendered by {n}"
        return cache["page"]

    def ask(n: int) -> str:
        return flights.run("page", lambda: cache.get("page"), lambda: compute(n))

    with ThreadPoolExecutor(4) as pool:
        first = pool.submit(ask, 0)
        started.wait()
        others = [pool.submit(ask, n) for n in (1, 2, 3)]
        with pytest.raises(LookupError):
            first.result()
        results = {f.result() for f in others}
    assert len(results) == 1 and calls[0] == 0 and len(calls) == 2


def test_a_versioned_cache_makes_each_value_once_and_forgets_old_versions():
    cache = VersionedCache[str](versions=2, most=3)
    made: list[tuple[str, str]] = []

    def maker(version: str, key: str):
        def make() -> str:
            made.append((version, key))
            return f"{key}@{version}"

        return make

    assert cache.get("v1", "a", maker("v1", "a")) == "a@v1"
    assert cache.get("v1", "a", maker("v1", "a")) == "a@v1"  # kept: not made again
    cache.get("v2", "a", maker("v2", "a"))
    cache.get("v3", "a", maker("v3", "a"))  # v1 is now two versions old: gone
    cache.get("v1", "a", maker("v1", "a"))
    assert made == [("v1", "a"), ("v2", "a"), ("v3", "a"), ("v1", "a")]
    for key in "bcd":  # at most three values, the oldest made going first
        cache.get("v3", key, maker("v3", key))
    cache.get("v3", "a", maker("v3", "a"))
    assert made[-1] == ("v3", "a")


def test_a_versioned_cache_makes_a_value_once_for_callers_asking_together():
    cache = VersionedCache[int](versions=2)
    calls = []

    def slow() -> int:
        calls.append(1)
        time.sleep(0.2)
        return 42

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: cache.get("v", "k", slow), range(8)))
    assert answers == [42] * 8 and len(calls) == 1
