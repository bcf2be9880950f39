"""Faceted lists at programme scale: facet pages and the full XLSX export, through the server.

Run on demand (never in the test suite), against 127.0.0.1 only:

    python benchmarks/facets_bench.py --projects 30000
    python benchmarks/facets_bench.py --store /tmp/store30k     # an ingested store

Generates the keep.eu export (``generate.keep_eu_export(varied=True)``: six programmes, NUTS
regions, legal statuses, names from common words; 30 000 projects, ~120 000 participations,
10 000 organisations) and ingests it with ``cblod ingest`` (which builds the
facet index at publish), unless ``--store`` is given; starts ``cblod serve``; then measures:

* the first facet page of the snapshot (the index read from disk);
* ``--requests`` facet pages (every facet's counts and the first 50 rows) over the three
  lists, with one to three filters drawn from the index's own values, p50 / p99, one client;
* baseline, same run: one facet's counts as one SPARQL aggregate on the same server (the
  page computes fifteen), p50;
* the XLSX of every participation: seconds to the last byte, size, rows (read back with
  openpyxl), and the server's memory before and at its peak while streaming (sampled every
  0.1 s); baseline: the same rows' three columns as SPARQL CSV from pyoxigraph directly.

Results are printed and written to ``results/facets.json``.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import ingested_export  # noqa: E402
from load import tree_rss_mb  # noqa: E402
from sparql_bench import cblod_serving  # noqa: E402

from cblod.backends.store import CblodStore  # noqa: E402
from cblod.core.vocab import sparql_prefixes  # noqa: E402
from cblod.derived.facets.index import folder_of, load  # noqa: E402
from cblod.derived.facets.spec import LISTS  # noqa: E402

ONE_FACET = (
    "SELECT ?country (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a cbo:Participation ; "
    "cbo:partner/cbo:country ?country } GROUP BY ?country"
)
ROWS = (
    "SELECT ?p ?budget ?eu WHERE { ?p a cbo:Participation ; cbo:totalBudget ?budget ; "
    "cbo:euContribution ?eu }"
)


def save_results(name: str, results: dict) -> None:
    """Print ``results`` and keep them as ``results/{name}.json`` beside this file."""
    out = Path(__file__).resolve().parent / "results" / f"{name}.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def facet_urls(store: CblodStore, count: int, seed: int = 3) -> list[str]:
    """Facet pages with one to three filters, values drawn from each list's own index."""
    rng = random.Random(seed)
    folder = folder_of(store)
    assert folder is not None
    indexes = {name: load(folder, spec) for name, spec in LISTS.items()}
    urls = []
    for n in range(count):
        name = list(LISTS)[n % len(LISTS)]
        index = indexes[name]
        assert index is not None, f"no facet index kept for {name}: ingest with this cblod"
        usable = [f for f in index.spec.facets if index.relations[f.key].values]
        params = []
        for facet in rng.sample(usable, min(len(usable), rng.randint(1, 3))):
            params.append((facet.key, rng.choice(index.relations[facet.key].values)))
        if rng.random() < 0.3:
            params.append(("eu_min", "100000"))
        urls.append(f"/{name}?{urlencode(params)}")
    return urls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--projects", type=int, default=30000)
    parser.add_argument("--store", type=Path, help="an ingested store (else one is made)")
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        store_dir = args.store or ingested_export(args.projects, Path(scratch), varied=True)
        results = run(store_dir, args.requests)
    results["projects"] = args.projects
    save_results("facets", results)


def run(store_dir: Path, count: int) -> dict:
    store = CblodStore(store_dir, must_exist=True)
    urls = facet_urls(store, count)
    with cblod_serving(store_dir) as (base, server):
        session = requests.Session()
        started = time.perf_counter()
        assert session.get(f"{base}/participations", timeout=600).status_code == 200
        first = time.perf_counter() - started
        for name in LISTS:  # each list's index read once, as after any publish
            session.get(f"{base}/{name}", timeout=600)
        timings = []
        for url in urls:
            started = time.perf_counter()
            response = session.get(base + url, timeout=60)
            timings.append(time.perf_counter() - started)
            assert response.status_code == 200, (url, response.status_code)
        baseline = []
        for n in range(20):
            started = time.perf_counter()
            response = session.post(
                f"{base}/sparql",
                data={"query": sparql_prefixes() + ONE_FACET + f"\n# {n}"},
                headers={"Accept": "application/sparql-results+json"},
                timeout=600,
            )
            baseline.append(time.perf_counter() - started)
            assert response.status_code == 200
        export = xlsx_export(session, base, server.pid)
        direct = direct_rows(store)
    p50, p99 = percentile(timings, 0.5), percentile(timings, 0.99)
    one = statistics.median(baseline)
    return {
        "first facet page of a snapshot (s)": round(first, 3),
        "facet pages": len(timings),
        "facet page p50 (ms)": round(p50 * 1000, 1),
        "facet page p99 (ms)": round(p99 * 1000, 1),
        "one facet by SPARQL on the same server, p50 (ms)": round(one * 1000, 1),
        "facet page p50 / one facet by SPARQL": round(p50 / one, 2),
        **export,
        "same rows, 3 columns, pyoxigraph CSV directly (s)": round(direct, 2),
        "xlsx export / pyoxigraph CSV": round(export["participations xlsx (s)"] / direct, 2),
    }


def xlsx_export(session: requests.Session, base: str, pid: int) -> dict:
    """Stream every participation as XLSX, sampling the server's memory meanwhile."""
    import openpyxl

    before = tree_rss_mb(pid)
    peak = [before]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak.append(tree_rss_mb(pid))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.perf_counter()
    first_byte = None
    body = io.BytesIO()
    with session.get(f"{base}/participations?format=xlsx", stream=True, timeout=600) as response:
        assert response.status_code == 200
        for chunk in response.iter_content(1 << 16):
            first_byte = first_byte or time.perf_counter() - started
            body.write(chunk)
    elapsed = time.perf_counter() - started
    done.set()
    sampler.join()
    body.seek(0)
    sheet = openpyxl.load_workbook(body, read_only=True).worksheets[0]
    rows = sum(1 for _ in sheet.iter_rows(values_only=True)) - 1
    return {
        "participations xlsx (s)": round(elapsed, 2),
        "participations xlsx first byte (s)": round(first_byte or 0, 3),
        "participations xlsx rows": rows,
        "participations xlsx MB": round(body.getbuffer().nbytes / 1e6, 1),
        "server memory before (MB)": round(before, 1),
        "server memory peak during export (MB)": round(max(peak), 1),
    }


def direct_rows(store: CblodStore) -> float:
    from pyoxigraph import QueryResultsFormat

    started = time.perf_counter()
    store.select(sparql_prefixes() + ROWS).serialize(format=QueryResultsFormat.CSV)
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
