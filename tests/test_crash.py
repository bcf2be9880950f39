"""``kill -9`` during an ingest: every source graph is the old or the new version, never half.

A real ``cblod ingest`` runs in a subprocess over many sources and is killed at random moments,
several times. After each kill the store must open, hold no staging leftovers, have each source
graph either absent/old or complete/new, and publish exactly what a full re-consolidation of
its source graphs gives. A final run completes.
"""

from __future__ import annotations

import random
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from conftest import SAMPLES, select
from test_store import full_consolidation

from cblod.ingest import ingest
from cblod.store import INTERNAL, CblodStore

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from generate import keep_eu_pages  # noqa: E402


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
    progress = []
    for round_ in range(1, 6):
        write_round(folder, generated, round_)
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "cblod.cli",
                "ingest",
                "-q",
                str(folder),
                "--store",
                str(store_dir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(1.0, 3.0))  # start-up ~0.7 s; the 255 sources take several seconds
        process.kill()
        process.wait()

        store = CblodStore(store_dir)  # opens after the kill, and drops staging leftovers
        assert not [
            g for g in store.store.named_graphs() if g.value.startswith(INTERNAL + "staging")
        ]
        statuses = statuses_by_graph(store)
        new = sum(values == [f"round {round_}"] for values in statuses.values())
        progress.append(new)
        for graph, values in statuses.items():
            assert (
                values in ([f"round {round_ - 1}"], [f"round {round_}"])
                or round_ > 1
                and len(values) == 1
            ), (graph, values)
        for name, text in generated.items():
            graph = f"http://127.0.0.1:5000/id/source/{name.lower()}"
            (row,) = select(
                store,
                f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?x a cbo:Participation }} }}",
            )
            assert int(row["n"]) == expected_partners(text), name  # never half a source
        published = {(q.subject, q.predicate, q.object) for q in store.default_graph_quads()}
        assert published == full_consolidation(store)
        del store
    # the kills fell inside the writes: some sources of a round were in, some not yet
    assert any(0 < n < len(generated) for n in progress), progress

    finished = subprocess.run(
        [sys.executable, "-m", "cblod.cli", "ingest", "-q", str(folder), "--store", str(store_dir)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert finished.returncode == 0, finished.stderr
    store = CblodStore(store_dir, read_only=True)
    assert len(store.source_graphs()) == 5 + len(generated)
    assert {tuple(v) for v in statuses_by_graph(store).values()} == {("round 5",)}
