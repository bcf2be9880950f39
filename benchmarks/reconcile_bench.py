"""The reconciliation service at programme scale: batches of 10 queries, as OpenRefine sends.

Run on demand (never in the test suite), against 127.0.0.1 only:

    python benchmarks/reconcile_bench.py --store /tmp/store30k    # an ingested store
    python benchmarks/reconcile_bench.py --projects 30000          # generate and ingest first

Starts ``cblod serve`` on the store (whose reconciliation index was built at publish), then
posts ``--batches`` batches of ten 0.2 queries drawn from the store's own organisations and
projects, in the variants a spreadsheet holds: the exact name, the name without its legal
form, lower case with a country condition, a VAT number alone, and words shared by thousands
of names ("organisation", "generated project"). Prints p50/p99 per batch, and, as the
baseline measured in the same run, ten exact-name lookups as one SPARQL query (``VALUES`` of the
names as written: index lookups, no normalisation, the least an engine can do) on the same
server. Results go to ``results/reconcile.json``.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from facets_bench import percentile, save_results  # noqa: E402
from generate import ingested_export  # noqa: E402
from sparql_bench import cblod_serving  # noqa: E402

from cblod.backends.store import CblodStore  # noqa: E402
from cblod.core.vocab import sparql_prefixes  # noqa: E402
from cblod.derived.matching.index import load  # noqa: E402

LEGAL_FORMS = (" Oy", " AB", " OÜ", " SIA", " Ltd")


def queries(store: CblodStore, batches: int, seed: int = 5) -> list[dict]:
    assert store.data_dir is not None
    entities = load(store.data_dir)
    assert entities, "no reconciliation index kept: ingest with this cblod"
    organisations = [e for e in entities if e.type == "Organisation"]
    projects = [e for e in entities if e.type == "Project"]
    rng = random.Random(seed)
    out = []
    for _ in range(batches):
        batch = {}
        for n in range(10):
            org = rng.choice(organisations)
            kind = n % 5
            if kind == 0:
                batch[f"q{n}"] = {"query": org.name, "type": "Organisation"}
            elif kind == 1:
                name = org.name
                for form in LEGAL_FORMS:
                    name = name.removesuffix(form)
                batch[f"q{n}"] = {"query": name}
            elif kind == 2:
                country = org.facts.get("country_code") or "FI"
                batch[f"q{n}"] = {
                    "query": org.name.lower(),
                    "properties": [{"pid": "country", "v": country}],
                }
            elif kind == 3:
                vat = org.facts.get("identifiers", {}).get("eu-vat") or ["FI10010093"]
                batch[f"q{n}"] = {"query": "", "properties": [{"pid": "vat", "v": vat[0]}]}
            else:
                batch[f"q{n}"] = {
                    "query": rng.choice(
                        ["organisation", "generated project", rng.choice(projects).name]
                    )
                }
        out.append(batch)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--projects", type=int, default=30000)
    parser.add_argument("--store", type=Path)
    parser.add_argument("--batches", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        store_dir = args.store or ingested_export(args.projects, Path(scratch), varied=True)
        results = run(store_dir, args.batches)
    results["projects"] = args.projects
    save_results("reconcile", results)


def run(store_dir: Path, batches: int) -> dict:
    store = CblodStore(store_dir, must_exist=True)
    work = queries(store, batches)
    with cblod_serving(store_dir) as (base, server):
        session = requests.Session()
        started = time.perf_counter()
        assert (
            session.get(f"{base}/reconcile/suggest/entity?prefix=a", timeout=600).status_code == 200
        )
        first = time.perf_counter() - started
        timings, matched = [], 0
        for batch in work:
            started = time.perf_counter()
            response = session.post(
                f"{base}/reconcile", data={"queries": json.dumps(batch)}, timeout=60
            )
            timings.append(time.perf_counter() - started)
            assert response.status_code == 200, response.text
            matched += sum(
                1 for r in response.json().values() if r["result"] and r["result"][0]["match"]
            )
        baseline = []
        names = [q["query"] for batch in work[:20] for q in batch.values() if q.get("query")]
        for n in range(20):
            chosen = " ".join(
                f"{json.dumps(name)} {json.dumps(name)}@en" for name in names[n * 5 : n * 5 + 10]
            )
            query = (
                sparql_prefixes()
                + f"SELECT ?o ?l WHERE {{ VALUES ?l {{ {chosen} }} ?o skos:prefLabel ?l }} # {n}"
            )
            started = time.perf_counter()
            response = session.post(
                f"{base}/sparql",
                data={"query": query},
                headers={"Accept": "application/sparql-results+json"},
                timeout=600,
            )
            baseline.append(time.perf_counter() - started)
            assert response.status_code == 200
    p50 = percentile(timings, 0.5)
    sparql = statistics.median(baseline)
    return {
        "first request of a snapshot (index load) (s)": round(first, 2),
        "batches of 10": len(timings),
        "batch of 10 p50 (ms)": round(p50 * 1000, 1),
        "batch of 10 p99 (ms)": round(percentile(timings, 0.99) * 1000, 1),
        "queries whose first candidate is a match": f"{matched} of {10 * len(timings)}",
        "baseline: 10 exact names by one SPARQL query, p50 (ms)": round(sparql * 1000, 1),
        "batch p50 / SPARQL exact lookup": round(p50 / sparql, 2),
    }


if __name__ == "__main__":
    main()
