"""``kill -9`` during an ingest: the store reads as the old run or the new one, never half.

A real ``cblod ingest`` runs in a subprocess over many sources and is killed at random moments,
several times. After each kill the store must open, every source graph must be complete and
from one run (an ingest publishes its snapshot whole: ``cblod.backends.store``), and the default graph
must be exactly what a full re-consolidation of the source graphs gives. A final run completes.
"""

from __future__ import annotations

import random
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from benchmarks.generate import keep_eu_pages
from cblod.backends.snapshots import published_snapshot
from cblod.backends.store import CblodStore
from cblod.publish import ingest
from tests.helpers.compare import full_consolidation
from tests.helpers.samples import SAMPLES, select

#: real processes, killed or raced: run with the full suite, not the quick one
pytestmark = pytest.mark.slow


def expected_partners(text: str) -> int:
    return int(re.search(r"^Partners \((\d+)\)$", text, re.M).group(1))


def write_round(folder: Path, generated: dict[str, str], round_: int) -> None:
    """Every source changes each round, so every killed run is interrupted while writing."""
    for name, text in generated.items():
        (folder / name).write_text(
            text.replace("Project status: closed", f"Project status: round {round_}"),
            encoding="utf-8",
        )
    page = folder / "keep-eu-4smart-growth.txt"
    page.write_text(
        (SAMPLES / page.name)
        .read_text()
        .replace("Project status: closed", f"Project status: round {round_}")
    )


def statuses_by_graph(store) -> dict[str, list[str]]:
    rows = select(store, "SELECT ?g ?s WHERE { GRAPH ?g { ?p cbo:status ?s } }")
    found: dict[str, list[str]] = {}
    for row in rows:
        found.setdefault(row["g"], []).append(row["s"])
    return found


def test_kill_9_leaves_every_source_old_or_new(tmp_path):
    store_dir, folder = tmp_path / "store", tmp_path / "sources"
    shutil.copytree(SAMPLES, folder)
    generated = dict(keep_eu_pages(250, seed=3))
    write_round(folder, generated, 0)
    ingest([folder], store=CblodStore(store_dir))  # round 0 is in the store

    rng = random.Random(20261123)
    interrupted = []
    for round_ in range(1, 6):
        write_round(folder, generated, round_)
        process = subprocess.Popen(
            [sys.executable, "-m", "cblod", "ingest", "-q", str(folder), "--store", str(store_dir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        time.sleep(rng.uniform(1.0, 2.5))  # start-up ~0.7 s; the 255 sources take several seconds
        process.kill()
        process.wait()
        published = published_snapshot(store_dir)
        unpublished = [p for p in store_dir.glob("v*") if p.is_dir() and p.name > published.name]
        interrupted.append(bool(unpublished))

        store = CblodStore(store_dir, must_exist=True)  # opens after the kill
        rounds = {tuple(values) for values in statuses_by_graph(store).values()}
        assert len(rounds) == 1, rounds  # one run, never a mix
        assert rounds <= {(f"round {round_ - 1}",), (f"round {round_}",)} or round_ > 1
        for name, text in generated.items():
            graph = f"http://127.0.0.1:5000/id/source/{name.lower()}"
            (row,) = select(
                store,
                f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?x a cbo:Participation }} }}",
            )
            assert int(row["n"]) == expected_partners(text), name  # never half a source
        statements = {(q.subject, q.predicate, q.object) for q in store.default_graph_quads()}
        assert statements == full_consolidation(store)
        del store
    # the kills fell inside the writes: the dead writer's snapshot was there, unpublished
    assert any(interrupted), interrupted

    finished = subprocess.run(
        [sys.executable, "-m", "cblod", "ingest", "-q", str(folder), "--store", str(store_dir)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert finished.returncode == 0, finished.stderr
    store = CblodStore(store_dir, must_exist=True)
    assert len(store.source_graphs()) == 5 + len(generated)
    assert {tuple(v) for v in statuses_by_graph(store).values()} == {("round 5",)}
