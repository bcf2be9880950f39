"""Resource pages, /id dereferencing and dumps, at two dataset sizes.

    python benchmarks/pages_bench.py --sizes 300 1200

For each size: generates keep.eu-shaped pages, ingests them, then measures
* page and ``/id`` latency (p50, p99) and requests/s of a running ``cblod serve``; each page
  first as a first view (no page cached), then the project pages again (from the page cache);
* the same pages from ``cblod serve --pages-ahead`` once it has made them (and how long the
  making took, and its size);
* project pages against ``oxigraph serve`` answering ``DESCRIBE`` of the same resources;
* ``cblod dump`` throughput (MB/s of N-Triples written) and its peak RSS, against the baseline
  of pyoxigraph dumping the same default graph uncompressed, each in its own process so peak
  memory is the process's own. Memory that stays flat as the dataset grows is the target.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import keep_eu_pages  # noqa: E402
from sparql_bench import free_port, launch  # noqa: E402

from cblod.backends.snapshots import published_snapshot  # noqa: E402
from cblod.backends.store import DATABASE, CblodStore  # noqa: E402
from cblod.publish import ingest  # noqa: E402
from cblod.web.ahead import DONE_FILE, PAGES_FILE  # noqa: E402

BASELINE_DUMP = """
import sys, pyoxigraph
store = pyoxigraph.Store.read_only(sys.argv[1])
with open(sys.argv[2], "wb") as out:
    store.dump(out, format=pyoxigraph.RdfFormat.N_TRIPLES, from_graph=pyoxigraph.DefaultGraph())
"""


# ru_maxrss survives execve on Linux (a child would report its parent's peak); VmHWM is the
# peak of the child's own address space
PEAK = (
    "import sys; print(next(l.split()[1] for l in open('/proc/self/status') "
    "if l.startswith('VmHWM')), file=sys.stderr)"
)


CBLOD_DUMP = """
import sys
from pathlib import Path
from cblod.read.dumps import write_dumps
from cblod.backends.store import CblodStore
write_dumps(CblodStore(sys.argv[1], must_exist=True), Path(sys.argv[2]))
"""


def timed_child(code: str, *argv: str) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of ``code`` run in a fresh Python process, measured by itself."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", f"{code}\n{PEAK}", *argv], check=True, capture_output=True, text=True
    )
    seconds = time.perf_counter() - start
    return seconds, int(done.stderr.strip().splitlines()[-1]) / 1024


def latencies(session: requests.Session, urls: list[str], **options) -> list[float]:
    out = []
    for url in urls:
        start = time.perf_counter()
        response = session.get(url, timeout=60, **options)
        assert response.status_code in (200, 303), (url, response.status_code)
        out.append((time.perf_counter() - start) * 1000)
    return out


def made_ahead(folder: Path, started: float, limit: float = 3600.0) -> tuple[float, float]:
    """(seconds since ``started``, MB) once ``cblod serve --pages-ahead`` has made every page
    of the version whose folder is ``folder`` (a glob pattern: a server's cache names its
    version folders)."""
    while time.perf_counter() - started < limit:
        done = list(folder.parent.glob(f"{folder.name}/{DONE_FILE}"))
        if done:
            size = sum(f.stat().st_size for f in done[0].parent.glob(f"{PAGES_FILE}*"))
            return time.perf_counter() - started, size / 1e6
        time.sleep(0.5)
    raise TimeoutError(f"no pages made in {folder} after {limit:.0f} s")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def describe_latencies(store_dir: Path, iris: list[str]) -> list[float]:
    """``oxigraph serve`` answering DESCRIBE of the same resources: the dereference baseline."""
    beside = Path(sys.executable).parent / "oxigraph"
    oxigraph = shutil.which("oxigraph") or (str(beside) if beside.exists() else None)
    if not oxigraph:
        print("(no oxigraph CLI: pip install oxigraph for the DESCRIBE baseline)")
        return []
    port = free_port()
    server = launch([oxigraph, "serve-read-only", "--location",
                     str(published_snapshot(store_dir) / DATABASE), "--bind", f"127.0.0.1:{port}"])  # fmt: skip
    url = f"http://127.0.0.1:{port}/query"
    try:
        for _ in range(300):
            try:
                requests.get(url, params={"query": "ASK {}"}, timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        with requests.Session() as session:
            get = [f"{url}?{urlencode({'query': f'DESCRIBE <{iri}>'})}" for iri in iris]
            latencies(session, get[:10], headers={"Accept": "text/turtle"})
            return latencies(session, get, headers={"Accept": "text/turtle"})
    finally:
        server.terminate()
        server.wait(timeout=30)


def measure(size: int, work: Path) -> dict:
    pages, store_dir = work / f"pages-{size}", work / f"store-{size}"
    pages.mkdir()
    for name, text in keep_eu_pages(size):
        (pages / name).write_text(text, encoding="utf-8")
    start = time.perf_counter()
    store = CblodStore(store_dir)
    ingest([pages], store=store)
    ingest_s = time.perf_counter() - start
    projects = [
        r["p"].value
        for r in store.query("SELECT ?p WHERE { ?p a <https://w3id.org/cblod/ontology#Project> }")
    ]
    organisations = [
        r["o"].value
        for r in store.query(
            "SELECT ?o WHERE { ?o a <https://w3id.org/cblod/ontology#Organisation> }"
        )
    ]
    (row,) = store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    triples = int(row["n"].value)
    del store

    baseline_s, baseline_mb = timed_child(
        BASELINE_DUMP, str(published_snapshot(store_dir) / DATABASE), str(work / "raw.nt")
    )
    raw_mb = (work / "raw.nt").stat().st_size / 1e6
    dump_s, dump_mb = timed_child(CBLOD_DUMP, str(store_dir), str(work / f"dumps-{size}"))

    port = free_port()
    server = launch(
        [
            sys.executable,
            "-m",
            "cblod.cli.main",
            "serve",
            "--store",
            str(store_dir),
            "--port",
            str(port),
        ]
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                requests.get(base + "/robots.txt", timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        sample = projects[:100] + organisations[:100]
        docs = [base + iri.split("5000", 1)[1].replace("/id/", "/doc/", 1) for iri in sample]
        ids = [base + iri.split("5000", 1)[1] for iri in sample]
        warm = [base + i.split("5000", 1)[1].replace("/id/", "/doc/", 1) for i in projects[100:110]]
        with requests.Session() as session:
            latencies(session, warm)  # other pages: the measured ones are each a first view
            page_ms = latencies(session, docs)
            cached_ms = latencies(session, docs[:100])  # the same again: from the page cache
            id_ms = latencies(
                session, ids, allow_redirects=False, headers={"Accept": "text/turtle"}
            )
        started = time.perf_counter()
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda u: requests.get(u, timeout=60).raise_for_status(), docs * 2))
        pages_per_s = len(docs) * 2 / (time.perf_counter() - started)
    finally:
        server.terminate()
        server.wait(timeout=30)
    # the same pages from a server that made them ahead: each still a first view there
    port = free_port()
    started = time.perf_counter()
    server = launch([sys.executable, "-m", "cblod.cli.main", "serve", "--store", str(store_dir),
                     "--port", str(port), "--pages-ahead"])  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        making_s, making_mb = made_ahead(published_snapshot(store_dir) or work, started)
        docs = [base + iri.split("5000", 1)[1].replace("/id/", "/doc/", 1) for iri in sample]
        with requests.Session() as session:
            latencies(session, [base + "/robots.txt"] * 10)
            ahead_ms = latencies(session, docs)
    finally:
        server.terminate()
        server.wait(timeout=30)
    describe_ms = describe_latencies(store_dir, projects[:100])
    return {
        "projects": size,
        "triples": triples,
        "ingest_s": round(ingest_s, 1),
        "page_p50_ms": statistics.median(page_ms),
        "page_p99_ms": percentile(page_ms, 99),
        "id_303_p50_ms": statistics.median(id_ms),
        "id_303_p99_ms": percentile(id_ms, 99),
        "pages_per_s": pages_per_s,
        "describe_p50_ms": statistics.median(describe_ms) if describe_ms else None,
        "describe_p99_ms": percentile(describe_ms, 99) if describe_ms else None,
        "project_page_p50_ms": statistics.median(page_ms[:100]),
        "project_page_p99_ms": percentile(page_ms[:100], 99),
        "cached_page_p50_ms": statistics.median(cached_ms),
        "ahead_page_p50_ms": statistics.median(ahead_ms[:100]),
        "ahead_page_p99_ms": percentile(ahead_ms[:100], 99),
        "ahead_making_s": making_s,
        "ahead_mb": making_mb,
        "cached_page_p99_ms": percentile(cached_ms, 99),
        "dump_s": dump_s,
        "dump_peak_rss_mb": dump_mb,
        "baseline_dump_s": baseline_s,
        "baseline_peak_rss_mb": baseline_mb,
        "nt_mb": raw_mb,
        "dump_mb_per_s": raw_mb / dump_s,
        "baseline_mb_per_s": raw_mb / baseline_s,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs=2, default=[300, 1200])
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="cblod-pages-"))
    try:
        results = [measure(size, work) for size in sorted(args.sizes)]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(
        f"{'projects':>9}{'project page p50/p99 ms':>26}{'oxigraph DESCRIBE p50/p99 ms':>31}{'ratio p50/p99':>16}"
        f"{'again p50/p99 ms':>19}{'ratio':>12}{'made ahead p50/p99 ms':>24}{'ratio':>12}"
        f"{'making s':>10}{'MB':>6}"
    )
    for r in results:
        if r["describe_p50_ms"]:
            print(f"{r['projects']:>9}{r['project_page_p50_ms']:>14.1f}/{r['project_page_p99_ms']:<11.1f}"
                  f"{r['describe_p50_ms']:>18.1f}/{r['describe_p99_ms']:<12.1f}"
                  f"{r['project_page_p50_ms'] / r['describe_p50_ms']:>8.1f}/"
                  f"{r['project_page_p99_ms'] / r['describe_p99_ms']:<7.1f}"
                  f"{r['cached_page_p50_ms']:>11.1f}/{r['cached_page_p99_ms']:<7.1f}"
                  f"{r['cached_page_p50_ms'] / r['describe_p50_ms']:>5.1f}/"
                  f"{r['cached_page_p99_ms'] / r['describe_p99_ms']:<5.1f}"
                  f"{r['ahead_page_p50_ms']:>13.1f}/{r['ahead_page_p99_ms']:<7.1f}"
                  f"{r['ahead_page_p50_ms'] / r['describe_p50_ms']:>6.1f}/"
                  f"{r['ahead_page_p99_ms'] / r['describe_p99_ms']:<5.1f}"
                  f"{r['ahead_making_s']:>10.0f}{r['ahead_mb']:>6.0f}")  # fmt: skip
    print(
        f"{'projects':>9}{'triples':>9}{'page p50/p99 ms':>18}{'/id 303 p50/p99':>18}{'pages/s':>9}"
        f"{'dump MB/s':>11}{'raw MB/s':>10}{'ratio':>7}{'dump RSS MB':>13}{'raw RSS MB':>12}"
    )
    for r in results:
        print(
            f"{r['projects']:>9}{r['triples']:>9}{r['page_p50_ms']:>9.1f}/{r['page_p99_ms']:<8.1f}"
            f"{r['id_303_p50_ms']:>9.1f}/{r['id_303_p99_ms']:<8.1f}{r['pages_per_s']:>9.0f}"
            f"{r['dump_mb_per_s']:>11.1f}{r['baseline_mb_per_s']:>10.1f}"
            f"{r['baseline_mb_per_s'] / r['dump_mb_per_s']:>7.2f}{r['dump_peak_rss_mb']:>13.0f}{r['baseline_peak_rss_mb']:>12.0f}"
        )
    out = Path(__file__).parent / "results" / "pages.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(
        f"\nratio: raw pyoxigraph dump MB/s / cblod dump MB/s (cblod also gzips and writes per-source files); {out}"
    )


if __name__ == "__main__":
    main()
