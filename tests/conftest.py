"""Shared fixtures: real on-disk stores built from the shipped sample pages, real servers."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from cblod.backends.published import Dataset
from cblod.backends.store import CblodStore
from cblod.cli.demo import build_demo_store
from tests.helpers.samples import SAMPLES, ingest_all
from tests.helpers.servers import ENGINES, Endpoints, engine_serving, remote_copy, served


@pytest.fixture(scope="session")
def sample_store(tmp_path_factory) -> CblodStore:
    """Every sample page ingested once, read by many tests (they must not write to it)."""
    return ingest_all(tmp_path_factory.mktemp("samples") / "store")


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory) -> CblodStore:
    """The README's demo: every bundled sample, pages and multilingual bulk exports (read-only)."""
    folder = tmp_path_factory.mktemp("demo") / "store"
    assert build_demo_store(folder)
    return CblodStore(folder, must_exist=True)


@pytest.fixture
def store(tmp_path) -> CblodStore:
    return CblodStore(tmp_path / "store")


@pytest.fixture
def pages(tmp_path) -> Path:
    """A writable copy of the sample pages, for tests that edit or break them."""
    target = tmp_path / "pages"
    shutil.copytree(SAMPLES, target)
    return target


@pytest.fixture(params=ENGINES)
def fresh_engine(request, tmp_path) -> Iterator[Endpoints]:
    """An empty server of each engine, a test's own (for tests that publish other data)."""
    with engine_serving(request.param, tmp_path / request.param) as endpoints:
        yield endpoints


@pytest.fixture(scope="session", params=["embedded", *ENGINES])
def published_samples(request, sample_store, tmp_path_factory) -> Iterator[Dataset]:
    """The sample store as cblod reads it on every backend: embedded, and pushed to each
    SPARQL server and read back (the seed facts must come out the same through each)."""
    if request.param == "embedded":
        yield sample_store
        return
    folder = tmp_path_factory.mktemp(f"{request.param}-facts")
    with engine_serving(request.param, folder / "engine") as endpoints:
        yield remote_copy(sample_store, endpoints, folder / "cache")


@pytest.fixture(scope="session", params=["embedded", *ENGINES])
def server(request, sample_store, tmp_path_factory) -> Iterator[str]:
    """The sample store served with default settings, shared by read-only HTTP tests.

    On every backend: the embedded store, and pushed to each SPARQL server and served from
    there (the external store backends pass the same endpoint and dereference tests).
    """
    folder = tmp_path_factory.mktemp(f"{request.param}-samples")
    with served(sample_store, request.param, folder) as url:
        yield url


@pytest.fixture(scope="session", params=["embedded", *ENGINES])
def demo_server(request, demo_store, tmp_path_factory) -> Iterator[str]:
    """The README's demo store served, on every backend (each SPARQL server holds one
    published dataset, so the demo has servers of its own)."""
    folder = tmp_path_factory.mktemp(f"{request.param}-demo")
    with served(demo_store, request.param, folder) as url:
        yield url


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The SPARQL server backends are part of the full run only: the quick run
    (``-m "not slow"``) checks every contract once, on the embedded store."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and any(v in ENGINES for v in callspec.params.values()):
            item.add_marker(pytest.mark.slow)
