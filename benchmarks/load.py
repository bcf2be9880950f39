"""Load run: many clients at once against ``cblod serve`` on a generated keep.eu export.

Run on demand (never in the test suite), against 127.0.0.1 only, bounded in time:

    python benchmarks/load.py --projects 30000 --clients 16 --seconds 60

Generates the keep.eu export sheets (``generate.keep_eu_export``), ingests them with
``cblod ingest``, starts ``cblod serve`` with ``--workers`` query processes, warms the dump
files, then runs ``--clients`` threads for ``--seconds``, each drawing requests from a mix of
project, organisation and programme pages, ``/id`` dereferences, searches, the query page's
example SPARQL queries and dump downloads. Prints requests/s, p50/p99 latency per kind, the number of
errors (any status other than the expected one, or a failed connection: must be 0) and the
server's peak memory (the web process and its query workers, sampled every 0.2 s). Results
are written as JSON beside this file.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import keep_eu_export  # noqa: E402
from sparql_bench import free_port, launch, wait_until_up  # noqa: E402

from cblod.read.examples import EXAMPLES  # noqa: E402

#: kind of request -> share of the mix
MIX = {
    "project page": 30,
    "organisation page": 15,
    "programme page": 5,
    "id 303": 15,
    "search": 15,
    "sparql": 20,
    "dump": 5,
}
SEARCH_WORDS = ["organisation", "generated", "project 1", "innovation", "oy", "ab", "benchmark"]


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (the query workers), in MB."""
    total = 0
    for task in [pid, *children(pid)]:
        try:
            for line in Path(f"/proc/{task}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            pass
    return total / 1024


def children(pid: int) -> list[int]:
    try:
        found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except FileNotFoundError:
        return []
    return [int(c) for c in found] + [g for c in found for g in children(int(c))]


def sample_links(base: str, path: str, pattern: str, pages: int = 5) -> list[str]:
    links: list[str] = []
    for page in range(1, pages + 1):
        html = requests.get(f"{base}{path}", params={"page": page}, timeout=60).text
        links += re.findall(pattern, html)
    return sorted(set(links))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--projects", type=int, default=30000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=2, help="query worker processes")
    parser.add_argument("--store", type=Path, help="reuse (or build) the store here")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="cblod-load-"))
    store = args.store or work / "store"
    if not (store / "published").exists():
        print(f"generating and ingesting {args.projects} projects …", flush=True)
        paths = keep_eu_export(args.projects, work)
        subprocess.run(
            [sys.executable, "-m", "cblod.cli.main", "ingest", "-q", *map(str, paths), "--store", str(store)],
            check=True,
        )  # fmt: skip
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = launch(
        [sys.executable, "-m", "cblod.cli.main", "serve", "--store", str(store), "--port", str(port),
         "--workers", str(args.workers)]
    )  # fmt: skip
    try:
        wait_until_up(f"{base}/sparql", server)
        projects = sample_links(base, "/projects", r'href="(/(?:id|doc)/project/[^"]+)"')
        organisations = sample_links(
            base, "/organisations", r'href="(/(?:id|doc)/organisation/[^"]+)"'
        )
        # a programme's page aggregates over all of its projects (kept with the snapshot)
        programmes = sample_links(base, "/programmes", r'href="(/(?:id|doc)/programme/[^"]+)"', 1)
        requests.get(f"{base}/dumps/dataset.nq.gz", timeout=600).raise_for_status()  # build once
        results = run(base, projects, organisations, programmes, args, server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
    report(results, args)


def run(
    base: str, projects: list[str], organisations: list[str], programmes: list[str], args, pid: int
) -> dict:
    kinds = [k for k, share in MIX.items() for _ in range(share)]
    timings: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    stop = time.monotonic() + args.seconds
    peak = [0.0]
    lock = threading.Lock()

    def request(http: requests.Session, kind: str, rng: random.Random) -> requests.Response:
        if kind == "project page":
            return http.get(base + rng.choice(projects).replace("/id/", "/doc/"), timeout=60)
        if kind == "organisation page":
            return http.get(base + rng.choice(organisations).replace("/id/", "/doc/"), timeout=60)
        if kind == "programme page":
            return http.get(base + rng.choice(programmes).replace("/id/", "/doc/"), timeout=60)
        if kind == "id 303":
            iri = rng.choice(projects).replace("/doc/", "/id/")
            return http.get(base + iri, allow_redirects=False, timeout=60)
        if kind == "search":
            return http.get(f"{base}/search", params={"q": rng.choice(SEARCH_WORDS)}, timeout=60)
        if kind == "sparql":
            query = rng.choice(EXAMPLES).query
            return http.post(f"{base}/sparql", data={"query": query}, timeout=60,
                             headers={"Accept": "application/sparql-results+json"})  # fmt: skip
        return http.get(f"{base}/dumps/dataset.nq.gz", timeout=600)

    def client(seed: int) -> None:
        rng = random.Random(seed)
        with requests.Session() as http:
            while time.monotonic() < stop:
                kind = rng.choice(kinds)
                start = time.perf_counter()
                try:
                    response = request(http, kind, rng)
                    body_ok = response.status_code == (303 if kind == "id 303" else 200)
                    problem = None if body_ok else f"{kind}: {response.status_code}"
                except requests.RequestException as exc:
                    problem = f"{kind}: {type(exc).__name__}"
                elapsed = (time.perf_counter() - start) * 1000
                with lock:
                    timings[kind].append(elapsed)
                    if problem:
                        errors.append(problem)

    def sampler() -> None:
        while time.monotonic() < stop:
            peak[0] = max(peak[0], tree_rss_mb(pid))
            time.sleep(0.2)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
    threads.append(threading.Thread(target=sampler))
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return {"timings": timings, "errors": errors, "elapsed": elapsed, "peak_mb": peak[0]}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def report(results: dict, args) -> None:
    timings, elapsed = results["timings"], results["elapsed"]
    total = sum(len(v) for v in timings.values())
    rows = []
    print(f"\n{'kind':<20}{'requests':>9}{'p50 ms':>9}{'p99 ms':>9}")
    for kind in MIX:
        values = timings.get(kind, [])
        if not values:
            continue
        row = {"kind": kind, "requests": len(values), "p50_ms": statistics.median(values),
               "p99_ms": percentile(values, 0.99)}  # fmt: skip
        rows.append(row)
        print(f"{kind:<20}{row['requests']:>9}{row['p50_ms']:>9.1f}{row['p99_ms']:>9.1f}")
    every = [v for values in timings.values() for v in values]
    print(
        f"\n{total} requests in {elapsed:.0f} s by {args.clients} clients: {total / elapsed:.0f} req/s, "
        f"p50 {statistics.median(every):.1f} ms, p99 {percentile(every, 0.99):.1f} ms, "
        f"{len(results['errors'])} errors, server peak {results['peak_mb']:.0f} MB"
    )
    for problem in sorted(set(results["errors"]))[:10]:
        print("  error:", problem)
    out = Path(__file__).parent / "results" / "load.json"
    out.parent.mkdir(exist_ok=True)
    summary = {"projects": args.projects, "clients": args.clients, "workers": args.workers,
               "seconds": elapsed, "requests": total, "requests_per_s": total / elapsed,
               "errors": len(results["errors"]), "peak_mb": results["peak_mb"], "kinds": rows}  # fmt: skip
    out.write_text(json.dumps(summary, indent=2))
    print(out)
    if results["errors"]:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
