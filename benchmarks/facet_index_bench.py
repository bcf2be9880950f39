"""The facet index of a store's release built whole, as an ingest builds it: time and memory.

    python benchmarks/facet_index_bench.py STORE [--out DIR]

Run on demand (never in the test suite) on an ingested store (``scale_bench.py`` leaves one
per size). First, the baseline, in the same process: every property the three lists follow
read into the path reader (what any build must read from the engine; the builds then use
it, as the ingest's do), with the memory it holds. Then each list built and saved into
``--out`` (a temporary folder by default; the store is not touched), with its export rows
written as they are made (``build(scratch=...)``). Prints seconds and peak RSS per list, and
the ratios to the baseline, as JSON.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import cast

from cblod.backends.store import CblodStore
from cblod.derived.facets import table
from cblod.derived.facets.index import build, save
from cblod.derived.facets.spec import LISTS, FacetedList
from cblod.derived.paths import Mode, PathReader


def peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("store", type=Path)
    parser.add_argument("--out", type=Path, help="where the index is saved (default: a temp dir)")
    args = parser.parse_args()
    store = CblodStore(args.store, must_exist=True)
    out = args.out or Path(tempfile.mkdtemp(prefix="facet-index-"))
    reader = PathReader(store)
    started = time.perf_counter()
    steps: set[tuple[str, Mode]] = {
        (step, "node" if n < len(path) - 1 else mode)
        for spec in LISTS.values()
        for path, mode in _paths(spec)
        for n, step in enumerate(path)
    }
    for step, mode in sorted(steps):
        reader._map(step, mode)  # noqa: SLF001 - the baseline is exactly the reader's reads
    found = {"baseline": {"seconds": round(time.perf_counter() - started, 1), "peak_mb": peak_mb()}}
    for spec in LISTS.values():
        started = time.perf_counter()
        made = build(store, spec, reader, scratch=out / "facets" / f"{spec.name}.rows.building")
        save(made, out / "facets")
        del made
        found[spec.name] = {
            "seconds": round(time.perf_counter() - started, 1),
            "peak_mb": peak_mb(),
        }
    built = sum(v["seconds"] for k, v in found.items() if k != "baseline")
    found["ratios"] = {
        "build_vs_reading": round(built / max(found["baseline"]["seconds"], 0.1), 1),
        "peak_vs_reader": round(peak_mb() / found["baseline"]["peak_mb"], 2),
    }
    print(json.dumps(found, indent=2))
    if args.out is None:
        shutil.rmtree(out, ignore_errors=True)


def _paths(spec: FacetedList) -> Iterator[tuple[tuple[str, ...], Mode]]:
    """Every (path, mode) a list's build follows: facets, orderings, points, export fields."""
    for facet in spec.facets:
        yield facet.path, cast(Mode, "node" if facet.kind in ("term", "nuts") else facet.kind)
    for measure in spec.orderings:
        yield measure.path, "node" if measure.aggregate == "count" else "number"
    if spec.points:
        yield spec.points, "literal"
    for field in table.FIELDS[spec.name].values():
        yield field.path, cast(Mode, field.mode)


if __name__ == "__main__":
    main()
