"""A release's dumps versus pyoxigraph writing and compressing the same files.

    python benchmarks/dumps_bench.py                 # a 3000-project export, and 1000 pages

Builds a store from a generated keep.eu export (two large source graphs) and one from
generated keep.eu project pages (one small source graph each), then times, each in a fresh
process: ``cblod.read.dumps.release_dumps`` (every dump file, their manifest of sizes and
SHA-256 checksums) and, as the baseline, pyoxigraph dumping each of the same files itself
into a gzip stream at the same level (Turtle and N-Triples of the published graph, N-Quads of
the published graph and every source graph, N-Triples of each source graph). Prints ratios;
raw numbers in ``results/dumps.json``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import keep_eu_export, keep_eu_pages  # noqa: E402

OURS = """
import sys
from pathlib import Path
from cblod.read.dumps import release_dumps
from cblod.backends.store import CblodStore
store = CblodStore(sys.argv[1], must_exist=True)
release_dumps(store, Path(sys.argv[2]))
"""
BASELINE = """
import gzip, sys
from pathlib import Path
from pyoxigraph import DefaultGraph, RdfFormat, serialize
from cblod.read.members import GZIP_LEVEL
from cblod.backends.store import CblodStore
store = CblodStore(sys.argv[1], must_exist=True)
out, db = Path(sys.argv[2]), store.engine
def gz(name):
    return gzip.open(out / name, "wb", compresslevel=GZIP_LEVEL)
with gz("dataset.ttl.gz") as f:
    db.dump(f, format=RdfFormat.TURTLE, from_graph=DefaultGraph())
with gz("dataset.nt.gz") as f:
    db.dump(f, format=RdfFormat.N_TRIPLES, from_graph=DefaultGraph())
with gz("dataset.nq.gz") as f:
    db.dump(f, format=RdfFormat.N_TRIPLES, from_graph=DefaultGraph())
    for g in store.source_graphs():
        serialize(db.quads_for_pattern(None, None, None, g), f, format=RdfFormat.N_QUADS)
for n, g in enumerate(store.source_graphs()):
    with gz(f"source-{n}.nt.gz") as f:
        db.dump(f, format=RdfFormat.N_TRIPLES, from_graph=g)
"""


def timed(code: str, *argv: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, *argv], check=True)
    return time.perf_counter() - start


def measure(name: str, files: list[Path], work: Path) -> dict:
    store = work / f"store-{name}"
    subprocess.run(
        [sys.executable, "-m", "cblod.cli.main", "ingest", "-q", *map(str, files), "--store", str(store)],
        check=True, capture_output=True,
    )  # fmt: skip
    snapshot = next(p for p in store.iterdir() if p.name.startswith("v"))
    shutil.rmtree(snapshot / "dumps", ignore_errors=True)  # ingest built them: build again
    ours_dir, base_dir = work / f"ours-{name}", work / f"base-{name}"
    ours_dir.mkdir()
    base_dir.mkdir()
    ours = timed(OURS, str(store), str(snapshot))
    baseline = timed(BASELINE, str(store), str(base_dir))
    size = sum(p.stat().st_size for p in (snapshot / "dumps").rglob("*.gz"))
    return {"case": name, "sources": len(files), "dump_bytes": size, "cblod_s": ours,
            "pyoxigraph_s": baseline, "ratio": ours / baseline}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--projects", type=int, default=3000)
    parser.add_argument("--pages", type=int, default=1000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="cblod-dumps-"))
    try:
        export = work / "export"
        export.mkdir()
        pages = work / "pages"
        pages.mkdir()
        for file_name, text in keep_eu_pages(args.pages):
            (pages / file_name).write_text(text, encoding="utf-8")
        results = [
            measure(f"export-{args.projects}", keep_eu_export(args.projects, export), work),
            measure(f"pages-{args.pages}", sorted(pages.iterdir()), work),
        ]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{'case':<14}{'sources':>9}{'MB':>8}{'cblod s':>9}{'pyoxigraph s':>14}{'ratio':>7}")
    for r in results:
        print(f"{r['case']:<14}{r['sources']:>9}{r['dump_bytes'] / 1e6:>8.1f}{r['cblod_s']:>9.1f}"
              f"{r['pyoxigraph_s']:>14.1f}{r['ratio']:>7.2f}")  # fmt: skip
    out = Path(__file__).parent / "results" / "dumps.json"
    out.write_text(json.dumps(results, indent=2))
    print(f"\nratio: cblod's release dumps (with their checksums) / pyoxigraph writing and "
          f"compressing the same files, each in a fresh process; {out}")  # fmt: skip


if __name__ == "__main__":
    main()
