"""The write path of issue 14 builds the same store as the one before it, quad for quad.

``cblod.ingest.writer.PREVIOUS_WRITE_PATH`` switches back to the previous path (statements written as
pyoxigraph quads, every subject of a streamed source re-derived from the store at its end);
both build a store from the same inputs, in the same order, and every quad of every graph
(source graphs, the published default graph, identity keys and merge evidence) must be the
same. Only what records the moment of an ingest differs between two runs (ingest times, the
dataset version's random id) and is left out of the comparison.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pyoxigraph import RdfFormat

import cblod.ingest.writer
from benchmarks.generate import keep_eu_export
from cblod.backends.store import CblodStore
from cblod.core.vocab import CBO, PROV
from cblod.mappings import keep_eu_export as export_mapping
from cblod.publish import ingest
from tests.helpers.samples import ALL_PAGES, SAMPLES

BULK = SAMPLES.parent / "bulk"
VOLATILE = (f"<{PROV.generatedAtTime.value}>", f"<{CBO.version.value}>")


def every_quad(store: CblodStore) -> list[str]:
    """All quads of the store as sorted N-Quads lines, the moment-of-ingest ones left out."""
    text = store.engine.dump(format=RdfFormat.N_QUADS).decode()
    return sorted(line for line in text.splitlines() if not any(v in line for v in VOLATILE))


def build(folder: Path, runs: list[list[Path]], *, previous: bool, monkeypatch) -> CblodStore:
    """A store built by ingesting each list of ``runs`` in turn, on the chosen path."""
    monkeypatch.setattr(cblod.ingest.writer, "PREVIOUS_WRITE_PATH", previous)
    store = CblodStore(folder)
    for paths in runs:
        reports = ingest(paths, store=store, keep=False)
        assert all(r.status in ("ingested", "unchanged") for r in reports), [
            str(r.error) for r in reports
        ]
    return store


def assert_same_store(tmp_path, runs, monkeypatch) -> list[str]:
    before = every_quad(build(tmp_path / "before", runs, previous=True, monkeypatch=monkeypatch))
    now = every_quad(build(tmp_path / "now", runs, previous=False, monkeypatch=monkeypatch))
    assert len(now) > 300
    assert now == before
    return now


@pytest.mark.parametrize("order", ["forward", "reverse"])
def test_every_sample_gives_the_same_store_on_both_paths(tmp_path, monkeypatch, order):
    files = [*ALL_PAGES, *sorted(BULK.iterdir())]
    if order == "reverse":
        files.reverse()
    assert_same_store(tmp_path, [[f] for f in files], monkeypatch)


def test_a_generated_export_in_many_chunks_gives_the_same_store(tmp_path, monkeypatch):
    """Chunks of 40 rows: organisations, projects and identifiers spoken of by several
    chunks, and by both sheets, are what the present path publishes early and corrects."""
    monkeypatch.setattr(export_mapping, "CHUNK_ROWS", 40)
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    # the same file names (so the same source graphs), other partners and figures
    runs = [
        keep_eu_export(150, first),
        [SAMPLES / "keep-eu-4smart-growth.txt"],  # a page beside the export
        keep_eu_export(150, second, seed=12),
    ]
    quads = assert_same_store(tmp_path, runs, monkeypatch)
    assert sum("/id/participation/" in line for line in quads) > 1000
