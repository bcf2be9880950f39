"""Bulk ingest of a generated keep.eu export versus pyoxigraph's ``bulk_load`` of the same quads.

    python benchmarks/ingest_bench.py                    # 3000 and 30000 projects

Generates the two keep.eu result sheets as CSV (``--projects`` projects, four partner rows
each on average, organisations drawn from a pool of a third as many, with check-digit-valid
business IDs so partners merge by identifier), times ``cblod ingest`` in a fresh process, then
dumps what it stored as N-Quads and times ``Store.bulk_load`` of exactly those quads in
another. Peak memory is each process's own (VmHWM). Then, as a secretariat fixing one
record: one keep.eu project page ingested into that store, changed, and ingested again (the
time of that update, and its share of the full ingest), and the export ingested again
unchanged (a no-op); and the first answer of each example query on a server just started on
the new snapshot, kept with it at publish or computed as the first visitor's was. Prints
ratios.
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

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import keep_eu_export  # noqa: E402
from sparql_bench import free_port, launch, wait_until_up  # noqa: E402

from cblod.read.examples import EXAMPLES  # noqa: E402

KEEP_EU_PAGE = (
    Path(__file__).resolve().parent.parent / "samples" / "pages" / "keep-eu-4smart-growth.txt"
)

from cblod.backends.snapshots import published_snapshot  # noqa: E402
from cblod.backends.store import DATABASE  # noqa: E402

PEAK = (
    "import sys; print(next(l.split()[1] for l in open('/proc/self/status') "
    "if l.startswith('VmHWM')), file=sys.stderr)"
)
#: the user's command, ``cblod ingest``, start to return: the release published whole (its
#: dumps, kept answers and indexes made before the pointer moves), in a fresh process
INGEST = """
import sys
from cblod.cli.main import main
if main(["ingest", "-q", "--store", sys.argv[1], *sys.argv[2:]]):
    raise SystemExit("the ingest failed")
"""
BULK_LOAD = """
import sys, pyoxigraph
store = pyoxigraph.Store(sys.argv[1])
store.bulk_load(path=sys.argv[2], format=pyoxigraph.RdfFormat.N_QUADS)
"""
DUMP = """
import sys, pyoxigraph
pyoxigraph.Store.read_only(sys.argv[1]).dump(sys.argv[2], format=pyoxigraph.RdfFormat.N_QUADS)
"""


def child(code: str, *argv: str) -> tuple[float, float]:
    seconds, peak, _ = child_output(code, *argv)
    return seconds, peak


def child_output(code: str, *argv: str) -> tuple[float, float, str]:
    """(seconds, peak RSS in MB, what it printed) of ``code`` run in a fresh process."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", f"{code}\n{PEAK}", *argv], capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(done.stderr[-2000:])
    peak = int(done.stderr.strip().splitlines()[-1]) / 1024
    return time.perf_counter() - start, peak, done.stdout


def measure(projects: int, work: Path) -> dict:
    folder = work / f"export-{projects}"
    folder.mkdir()
    paths = keep_eu_export(projects, folder)
    rows = sum(1 for _ in paths[1].open(encoding="utf-8")) - 1
    store = work / f"store-{projects}"
    ingest_s, ingest_mb = child(INGEST, str(store), *map(str, paths))
    # a secretariat fixes one record: one project page changed and ingested into the store
    page = folder / KEEP_EU_PAGE.name
    shutil.copy(KEEP_EU_PAGE, page)
    child(INGEST, str(store), str(page))
    page.write_text(page.read_text().replace("Project status: closed", "Project status: open"))
    page_s, page_mb = child(INGEST, str(store), str(page))
    unchanged_s, _ = child(INGEST, str(store), *map(str, paths))
    kept_ms, computed_ms = first_answers(store)
    nquads = work / f"dump-{projects}.nq"
    child(DUMP, str(published_snapshot(store) / DATABASE), str(nquads))
    quads = sum(1 for _ in nquads.open(encoding="utf-8"))
    load_s, load_mb = child(BULK_LOAD, str(work / f"bulk-{projects}"), str(nquads))
    return {"projects": projects, "partner_rows": rows, "quads": quads, "ingest_s": ingest_s,
            "ingest_peak_mb": ingest_mb, "bulk_load_s": load_s, "bulk_load_peak_mb": load_mb,
            "bulk_load_over_ingest": round(load_s / ingest_s, 2), "one_page_s": page_s,
            "one_page_peak_mb": page_mb, "unchanged_s": unchanged_s,
            "first_answer_kept_ms": kept_ms, "first_answer_computed_ms": computed_ms}  # fmt: skip


def first_answers(store: Path) -> tuple[list[float], list[float]]:
    """Milliseconds to the first answer of each example query on a server just started on
    the published snapshot: as asked (kept with the snapshot), and with a comment added (new
    text, so computed as the first visitor's was before answers were kept)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/sparql"
    server = launch([sys.executable, "-m", "cblod", "serve", "--store", str(store), "--port", str(port),
                     "--timeout", "600"])  # fmt: skip
    try:
        wait_until_up(url, server)
        timings: tuple[list[float], list[float]] = ([], [])
        for example in EXAMPLES:
            for n, text in enumerate((example.query, example.query + "# first visitor\n")):
                start = time.perf_counter()
                answer = requests.get(url, params={"query": text, "format": "csv"}, timeout=900)
                assert answer.status_code == 200, answer.text[:300]
                timings[n].append((time.perf_counter() - start) * 1000)
        return timings
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--projects", type=int, nargs="+", default=[3000, 30000])
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="cblod-ingest-"))
    try:
        results = [measure(n, work) for n in args.projects]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{'projects':>9}{'rows':>8}{'quads':>10}{'ingest s':>10}{'quads/s':>10}{'bulk_load s':>13}"
          f"{'quads/s':>10}{'bulk_load/ingest':>18}{'ingest MB':>11}{'bulk MB':>9}")  # fmt: skip
    for r in results:
        print(f"{r['projects']:>9}{r['partner_rows']:>8}{r['quads']:>10}{r['ingest_s']:>10.1f}"
              f"{r['quads'] / r['ingest_s']:>10.0f}{r['bulk_load_s']:>13.1f}"
              f"{r['quads'] / r['bulk_load_s']:>10.0f}{r['bulk_load_over_ingest']:>18.2f}"
              f"{r['ingest_peak_mb']:>11.0f}{r['bulk_load_peak_mb']:>9.0f}")  # fmt: skip
    print(
        f"\n{'projects':>9}{'one page s':>12}{'of full ingest':>16}{'peak MB':>9}{'unchanged s':>13}"
    )
    for r in results:
        print(f"{r['projects']:>9}{r['one_page_s']:>12.2f}{r['one_page_s'] / r['ingest_s']:>16.1%}"
              f"{r['one_page_peak_mb']:>9.0f}{r['unchanged_s']:>13.1f}")  # fmt: skip
    print(
        f"\n{'projects':>9}{'first answer of an example, kept: max ms':>44}{'computed: max ms':>19}"
    )
    for r in results:
        print(
            f"{r['projects']:>9}{max(r['first_answer_kept_ms']):>44.0f}{max(r['first_answer_computed_ms']):>19.0f}"
        )
    out = Path(__file__).parent / "results" / "ingest.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(
        "\ningest s: `cblod ingest`, process start to return, the release published whole;"
        "\nbulk_load/ingest: pyoxigraph's bulk_load of the same quads over that (target: at least"
        f"\n0.5, issue #24); {out}"
    )


if __name__ == "__main__":
    main()
