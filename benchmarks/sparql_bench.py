"""/sparql latency and throughput: cblod versus ``oxigraph serve-read-only`` on the same store.

Run on demand (never in the test suite); needs the ``oxigraph`` CLI (``pip install oxigraph``):

    python benchmarks/sparql_bench.py --projects 2000 --repeat 30

It generates keep.eu-shaped pages (benchmarks/generate.py), ingests them with cblod, serves the
store with both servers on 127.0.0.1, and for each query measures sequential latency (median,
min-max over ``--repeat`` runs) and throughput, each twice: every request a new query (a
comment makes it unique, so no cache answers it) and the same query repeated (``--concurrency`` clients, ``--requests``
requests in all), printing cblod / oxigraph ratios. Results are written as JSON beside this file.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import keep_eu_pages  # noqa: E402

from cblod.backends.snapshots import published_snapshot  # noqa: E402
from cblod.backends.store import DATABASE, CblodStore  # noqa: E402
from cblod.core.vocab import sparql_prefixes  # noqa: E402
from cblod.publish import ingest  # noqa: E402

QUERIES = {
    "one resource": "SELECT ?p ?o WHERE {{ <{project}> ?p ?o }}",
    "partners with budgets": """SELECT ?name ?role ?budget ?erdf WHERE {{
        ?p cbo:project <{project}> ; cbo:partner/skos:prefLabel ?name ; cbo:role ?role ;
           cbo:totalBudget ?budget ; cbo:euContribution ?erdf }}""",
    "ERDF by country": """SELECT ?country (SUM(?eu) AS ?erdf) WHERE {{
        ?p cbo:euContribution ?eu ; cbo:partner/cbo:country ?country }} GROUP BY ?country""",
    "count": "SELECT (COUNT(*) AS ?n) WHERE {{ ?s ?p ?o }}",
    "text filter": """SELECT ?o ?name WHERE {{ ?o a cbo:Organisation ; skos:prefLabel ?name
        FILTER(CONTAINS(LCASE(?name), "science")) }}""",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def launch(command: list[str]) -> subprocess.Popen:
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_until_up(url: str, process: subprocess.Popen) -> None:
    for _ in range(600):
        if process.poll() is not None:
            raise SystemExit(f"server exited: {process.args}")
        try:
            requests.get(url, params={"query": "ASK {}"}, timeout=2)
            return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise SystemExit(f"server did not start: {process.args}")


@contextmanager
def cblod_serving(store_dir: Path) -> Iterator[tuple[str, subprocess.Popen]]:
    """``cblod serve`` on ``store_dir`` at a free port of 127.0.0.1: (base URL, process)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = launch(
        [sys.executable, "-m", "cblod", "serve", "--store", str(store_dir), "--port", str(port)]
    )
    try:
        wait_until_up(f"{base}/sparql", server)
        yield base, server
    finally:
        server.terminate()
        server.wait()


def fresh(query: str, fresh: bool) -> str:
    """The query, made new with a comment when ``fresh`` (so no answer cache can serve it)."""
    return f"{query}\n# {uuid.uuid4()}" if fresh else query


def latency(
    session: requests.Session, url: str, query: str, repeat: int, unique: bool = True
) -> list[float]:
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = session.get(
            url,
            params={"query": fresh(query, unique)},
            headers={"Accept": "application/sparql-results+json"},
        )
        response.raise_for_status()
        timings.append((time.perf_counter() - start) * 1000)
    return timings


def throughput(url: str, query: str, clients: int, total: int, unique: bool = True) -> float:
    def one(_):
        with requests.Session() as session:
            session.get(url, params={"query": fresh(query, unique)}, timeout=60).raise_for_status()

    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(one, range(total)))
    return total / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--projects", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    beside = Path(sys.executable).parent / "oxigraph"
    oxigraph = shutil.which("oxigraph") or (str(beside) if beside.exists() else None)
    if not oxigraph:
        raise SystemExit("needs the oxigraph CLI: pip install oxigraph")

    work = Path(tempfile.mkdtemp(prefix="cblod-bench-"))
    pages, store_dir = work / "pages", work / "store"
    pages.mkdir()
    for name, text in keep_eu_pages(args.projects):
        (pages / name).write_text(text, encoding="utf-8")
    start = time.perf_counter()
    store = CblodStore(store_dir)
    ingest([pages], store=store)
    ingest_s = time.perf_counter() - start
    (row,) = store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    triples = int(row["n"].value)
    project = next(
        iter(
            store.query(
                "SELECT ?p WHERE { ?p a cbo:Project } LIMIT 1",
                prefixes={"cbo": "https://w3id.org/cblod/ontology#"},
            )
        )
    )["p"].value
    del store
    print(f"{args.projects} projects, {triples} triples (default graph), ingest {ingest_s:.1f} s")

    cblod_port, oxi_port = free_port(), free_port()
    cblod_serve = [sys.executable, "-m", "cblod.cli.main", "serve", "--store", str(store_dir)]
    oxigraph_serve = [
        oxigraph,
        "serve-read-only",
        "--location",
        str(published_snapshot(store_dir) / DATABASE),
    ]
    servers = {
        "cblod": (launch([*cblod_serve, "--port", str(cblod_port)]), f"http://127.0.0.1:{cblod_port}/sparql"),
        "oxigraph": (launch([*oxigraph_serve, "--bind", f"127.0.0.1:{oxi_port}"]), f"http://127.0.0.1:{oxi_port}/query"),
    }  # fmt: skip
    machine = {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
    }
    results: dict = {
        "machine": machine,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "projects": args.projects,
        "triples": triples,
        "ingest_s": round(ingest_s, 2),
        "queries": {},
    }
    try:
        for process, url in servers.values():
            wait_until_up(url, process)
        print(f"\n{'query':<36}{'cblod ms p50 (min-max)':>26}{'oxigraph ms p50 (min-max)':>28}"
              f"{'ratio':>7}{'cblod req/s':>13}{'oxigraph req/s':>16}{'ratio':>7}")  # fmt: skip
        cases = [(f"{n} ({mode})", t, mode == "new") for mode in ("new", "repeated")
                 for n, t in QUERIES.items()]  # fmt: skip
        for name, template, unique in cases:
            query = sparql_prefixes() + template.format(project=project)
            row = {}
            for server, (_, url) in servers.items():
                with requests.Session() as session:
                    latency(session, url, query, 3, unique)  # warm-up
                    timings = latency(session, url, query, args.repeat, unique)
                row[server] = {
                    "p50_ms": statistics.median(timings),
                    "min_ms": min(timings),
                    "max_ms": max(timings),
                    "req_per_s": throughput(url, query, args.concurrency, args.requests, unique),
                }
            c, o = row["cblod"], row["oxigraph"]
            print(f"{name:<36}{c['p50_ms']:>9.2f} ({c['min_ms']:.2f}-{c['max_ms']:.2f}){'':>3}"
                  f"{o['p50_ms']:>11.2f} ({o['min_ms']:.2f}-{o['max_ms']:.2f}){'':>3}"
                  f"{c['p50_ms'] / o['p50_ms']:>7.2f}{c['req_per_s']:>13.0f}{o['req_per_s']:>16.0f}"
                  f"{o['req_per_s'] / c['req_per_s']:>7.2f}")  # fmt: skip
            results["queries"][name] = row
    finally:
        for process, _ in servers.values():
            process.terminate()
            process.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)
    out = Path(__file__).parent / "results" / f"sparql-{args.projects}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"\nratios are cblod / oxigraph for latency and oxigraph / cblod for throughput; {out}")


if __name__ == "__main__":
    main()
