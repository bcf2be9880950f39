"""Bulk ingest of a generated keep.eu export versus pyoxigraph's ``bulk_load`` of the same quads.

    python benchmarks/ingest_bench.py --projects 1000 4000          # the issue's size: 30000

Generates the two keep.eu result sheets as CSV (``--projects`` projects, four partner rows
each on average, organisations drawn from a pool of a third as many, with check-digit-valid
business IDs so partners merge by identifier), times ``cblod ingest`` in a fresh process, then
dumps what it stored as N-Quads and times ``Store.bulk_load`` of exactly those quads in
another. Peak memory is each process's own (VmHWM). Prints ratios.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from stdnum import luhn
from stdnum.fi import alv

from cblod.snapshots import published_snapshot
from cblod.store import DATABASE

PEAK = (
    "import sys; print(next(l.split()[1] for l in open('/proc/self/status') "
    "if l.startswith('VmHWM')), file=sys.stderr)"
)
INGEST = """
import sys
from cblod.ingest import ingest
from cblod.store import CblodStore
reports = ingest(sys.argv[2:], store=CblodStore(sys.argv[1]))
assert all(r.status == "ingested" for r in reports), [str(r.error) for r in reports]
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
PROGRAMME = "2021 - 2027 Interreg Benchmark Shores SYNTHETIC"
PROJECT_HEADER = ["Programme", "Project acronym", "Project name in English", "Project start", "Project end",
                  "Project's total budget / expenditure", "Project's EU funding", "Programme Priority (2021-2027 only)",
                  "Programme specific objective (2021-2027 only)", "Theme 1", "Contributing EU funds"]  # fmt: skip
PARTNER_HEADER = ["Programme", "Project acronym", "Organisation in English", "Lead partner", "Country code",
                  "Town", "Participant Identification Code", "Partner's ID if not PIC",
                  "Partner's total eligible budget / expenditure",
                  "Partner's programme co-financing (EUR) (2021-2027 only)"]  # fmt: skip


def ytunnus_digit(base: str) -> str | None:
    """The check digit that makes a Y-tunnus valid (stdnum's own checksum), if there is one."""
    return next((d for d in "0123456789" if alv.checksum(base + d) == 0), None)


def organisations(count: int, rng: random.Random) -> list[tuple[str, str, str]]:
    """Finnish and Swedish organisations with valid business IDs, as keep.eu writes them."""
    out = []
    for n in range(count):
        base = f"{1000000 + n:07d}"
        digit = ytunnus_digit(base)
        if n % 2 and digit:
            ids = f"FI{base}{digit} | {base}-{digit} | Business ID (EN)"
            out.append((f"Organisation {n} Oy", "FI", ids))
        else:
            digits = f"80{n:07d}"[:9]
            digits += luhn.calc_check_digit(digits)
            orgnr = f"{digits[:6]}-{digits[6:]}"
            out.append(
                (f"Organisation {n} AB", "SE", f"{orgnr} | {orgnr} | Organisationsnummer (EN)")
            )
    return out


def generate(projects: int, folder: Path, seed: int = 11) -> list[Path]:
    rng = random.Random(seed)
    pool = organisations(max(10, projects // 3), rng)
    paths = [folder / "projects.csv", folder / "partners.csv"]
    with (
        paths[0].open("w", newline="", encoding="utf-8") as p,
        paths[1].open("w", newline="", encoding="utf-8") as q,
    ):
        projects_csv, partners_csv = csv.writer(p), csv.writer(q)
        projects_csv.writerow(PROJECT_HEADER)
        partners_csv.writerow(PARTNER_HEADER)
        for i in range(projects):
            chosen = rng.sample(pool, rng.randint(2, 6))
            budgets = [rng.randint(5_000_000, 60_000_000) for _ in chosen]
            eu = [b * 4 // 5 for b in budgets]
            year = rng.randint(2022, 2026)
            projects_csv.writerow([PROGRAMME, f"P{i:06d}", f"Generated project {i}", f"{year}-01-01", f"{year + 2}-12-31",
                                   f"{sum(budgets) / 100:.2f}", f"{sum(eu) / 100:.2f}", "1. Innovation",
                                   "RSO1.1. Research and innovation capacities", "Innovation", "ERDF"])  # fmt: skip
            for k, ((name, country, ids), total, funding) in enumerate(
                zip(chosen, budgets, eu, strict=True)
            ):
                partners_csv.writerow([PROGRAMME, f"P{i:06d}", name, "Yes" if k == 0 else "No", country, "Town", "",
                                       ids, f"{total / 100:.2f}", f"{funding / 100:.2f}"])  # fmt: skip
    return paths


def child(code: str, *argv: str) -> tuple[float, float]:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", f"{code}\n{PEAK}", *argv], capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(done.stderr[-2000:])
    return time.perf_counter() - start, int(done.stderr.strip().splitlines()[-1]) / 1024


def measure(projects: int, work: Path) -> dict:
    folder = work / f"export-{projects}"
    folder.mkdir()
    paths = generate(projects, folder)
    rows = sum(1 for _ in paths[1].open(encoding="utf-8")) - 1
    store = work / f"store-{projects}"
    ingest_s, ingest_mb = child(INGEST, str(store), *map(str, paths))
    nquads = work / f"dump-{projects}.nq"
    child(DUMP, str(published_snapshot(store) / DATABASE), str(nquads))
    quads = sum(1 for _ in nquads.open(encoding="utf-8"))
    load_s, load_mb = child(BULK_LOAD, str(work / f"bulk-{projects}"), str(nquads))
    return {"projects": projects, "partner_rows": rows, "quads": quads, "ingest_s": ingest_s, "ingest_peak_mb": ingest_mb,
            "bulk_load_s": load_s, "bulk_load_peak_mb": load_mb}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--projects", type=int, nargs="+", default=[1000, 4000])
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="cblod-ingest-"))
    try:
        results = [measure(n, work) for n in args.projects]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{'projects':>9}{'rows':>8}{'quads':>10}{'ingest s':>10}{'quads/s':>10}{'bulk_load s':>13}{'quads/s':>10}"
          f"{'ratio':>7}{'ingest MB':>11}{'bulk MB':>9}")  # fmt: skip
    for r in results:
        print(f"{r['projects']:>9}{r['partner_rows']:>8}{r['quads']:>10}{r['ingest_s']:>10.1f}{r['quads'] / r['ingest_s']:>10.0f}"
              f"{r['bulk_load_s']:>13.1f}{r['quads'] / r['bulk_load_s']:>10.0f}{r['ingest_s'] / r['bulk_load_s']:>7.1f}"
              f"{r['ingest_peak_mb']:>11.0f}{r['bulk_load_peak_mb']:>9.0f}")  # fmt: skip
    out = Path(__file__).parent / "results" / "ingest.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"\nratio: cblod ingest time / bulk_load time for the same quads; {out}")


if __name__ == "__main__":
    main()
