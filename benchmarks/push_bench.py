"""Publishing on and serving from each SPARQL server, against the engine itself.

    python benchmarks/push_bench.py --projects 3000

Generates a keep.eu export (``generate.keep_eu_export``) and one small page source, ingests
them into a local store, then for each engine (Oxigraph server, Virtuoso: throw-away instances
on 127.0.0.1, started as the tests start them) measures:

* ``cblod push``: the first, full push, then pushes after one small source changed (the first
  such push, and the next: the steady state);
* project pages through ``cblod serve --sparql-server`` (p50 / p99), each a first view, then
  asked again (from the page cache), and from a web host with ``--pages-ahead`` once it made
  them, against the engine's own ``DESCRIBE`` of the same resources over the same dataset;
* ``/sparql`` through cblod against the engine directly, for a one-project lookup and a
  per-country aggregate (each request a new query, so no cache answers).

Prints a table and the ratios; writes ``benchmarks/results/push.json``.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))  # the tests' helpers: real servers, the sample pages
from generate import keep_eu_export  # noqa: E402
from pages_bench import made_ahead, percentile  # noqa: E402

from cblod.backends.push import push  # noqa: E402
from cblod.backends.remote import RemoteStore, SparqlServer  # noqa: E402
from cblod.backends.store import CblodStore  # noqa: E402
from cblod.publish import ingest  # noqa: E402
from tests.helpers.samples import KEEP_EU_PAGE  # noqa: E402
from tests.helpers.servers import ENGINES, engine_serving, free_port, process_serving  # noqa: E402

REQUESTS = 100
LOOKUP = """PREFIX cbo: <https://w3id.org/cblod/ontology#>
SELECT ?partner ?eu WHERE {{ ?project cbo:projectCode "P{n:06d}" .
  ?p cbo:project ?project ; cbo:partner ?partner ; cbo:euContribution ?eu }}"""
AGGREGATE = """PREFIX cbo: <https://w3id.org/cblod/ontology#>
SELECT ?country (SUM(?eu) AS ?erdf) (COUNT(?p) AS ?n) WHERE {{
  ?p cbo:euContribution ?eu ; cbo:partner/cbo:country ?country FILTER(?eu > {n}) }}
GROUP BY ?country"""


def latencies(urls: list[str], warm: list[str] | None = None, **options: object) -> list[float]:
    """Milliseconds per request, one at a time, after a warm-up of ten (``warm``, else the
    first ten of ``urls``)."""
    out = []
    with requests.Session() as session:
        for url in urls[:10] if warm is None else warm:
            session.get(url, timeout=120, **options)
        for url in urls:
            start = time.perf_counter()
            response = session.get(url, timeout=120, **options)
            assert response.status_code == 200, (url, response.status_code, response.text[:200])
            out.append((time.perf_counter() - start) * 1000)
    return out


def posted(url: str, queries: list[str], **options: object) -> list[float]:
    out = []
    with requests.Session() as session:
        for query in queries:
            start = time.perf_counter()
            response = session.post(url, data={"query": query}, timeout=120, **options)
            assert response.status_code == 200, (response.status_code, response.text[:200])
            out.append((time.perf_counter() - start) * 1000)
    return out


def stats(values: list[float]) -> dict[str, float]:
    return {"p50": percentile(values, 50), "p99": percentile(values, 99)}


def measure(engine: str, store: CblodStore, page: Path, work: Path) -> dict[str, object]:
    result: dict[str, object] = {"engine": engine}
    with engine_serving(engine, work / engine) as endpoints:
        server = endpoints.server()
        start = time.perf_counter()
        full = push(store, server)  # an empty server: everything is sent
        result["push_full_s"] = time.perf_counter() - start
        result["triples"] = full.triples_sent
        local = work / f"{engine}-store"  # edited here; the next engine gets the original
        shutil.copytree(store.path, local)
        # one small source edited and pushed, twice: the first change's push has the server
        # copy the served published graph; from the second on, the published graph the
        # version before last used is patched in place (the steady state)
        for status, key in (("open", "push_one_source_first"), ("closed", "push_one_source")):
            text = re.sub(r"Project status: \w+", f"Project status: {status}", page.read_text())
            page.write_text(text)
            ingest([page], store=CblodStore(local))
            start = time.perf_counter()
            report = push(CblodStore(local, must_exist=True), server)
            result[f"{key}_s"] = time.perf_counter() - start
            result[f"{key}_triples"] = report.triples_sent
        remote = RemoteStore(SparqlServer(endpoints.query), cache=work / f"{engine}-cache")
        dataset = remote.dataset()
        graph_params = {"default-graph-uri": dataset.published.value}
        projects = [
            row["p"].value
            for row in remote.query(
                "SELECT ?p WHERE { ?p a <https://w3id.org/cblod/ontology#Project> } "
                f"ORDER BY ?p LIMIT {REQUESTS + 10}"
            )
        ]
        projects, others = projects[:REQUESTS], projects[REQUESTS:]
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        serving = [sys.executable, "-m", "cblod", "serve", "--sparql-server", endpoints.query]
        command = [*serving, "--port", str(port), "--max-rows", "1000000"]
        with process_serving(command, base + "/"):
            pages = [base + "/doc/" + iri.split("/id/", 1)[1] for iri in projects]
            warm = [base + "/doc/" + iri.split("/id/", 1)[1] for iri in others]
            # each page a first view (the warm-up asks for others), then again (page cache)
            html = {"Accept": "text/html"}
            result["page_ms"] = stats(latencies(pages, warm, headers=html))
            result["cached_page_ms"] = stats(latencies(pages, [], headers=html))
            describe = [
                endpoints.query
                + "?"
                + requests.compat.urlencode({"query": f"DESCRIBE <{iri}>", **graph_params})
                for iri in projects
            ]
            result["describe_ms"] = stats(latencies(describe, headers={"Accept": "text/turtle"}))
            for name, template, count in (
                ("lookup", LOOKUP, REQUESTS),
                ("aggregate", AGGREGATE, 20),
            ):
                cblod_queries = [template.format(n=n) for n in range(count)]
                engine_queries = [template.format(n=n + count) for n in range(count)]
                result[f"{name}_cblod_ms"] = stats(
                    posted(base + "/sparql", cblod_queries, headers={"Accept": "text/csv"})
                )
                result[f"{name}_engine_ms"] = stats(
                    posted(
                        endpoints.query,
                        engine_queries,
                        params=graph_params,
                        headers={"Accept": "text/csv"},
                    )
                )
        # the same first views from a web host that made its pages ahead
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        cache = work / f"{engine}-ahead-cache"
        started = time.perf_counter()
        ahead = [*serving, "--port", str(port), "--pages-ahead", "--cache", str(cache)]
        with process_serving(ahead, base + "/"):
            result["ahead_making_s"], result["ahead_mb"] = made_ahead(cache / "version-*", started)
            pages = [base + "/doc/" + iri.split("/id/", 1)[1] for iri in projects]
            result["ahead_page_ms"] = stats(latencies(pages, [base + "/robots.txt"] * 10))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--projects", type=int, default=3000)
    parser.add_argument("--engines", nargs="+", default=list(ENGINES))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cblod-push-bench-") as folder:
        work = Path(folder)
        (work / "export").mkdir()
        files = keep_eu_export(args.projects, work / "export")
        page = work / KEEP_EU_PAGE.name
        shutil.copy(KEEP_EU_PAGE, page)
        store = CblodStore(work / "store")
        ingest([*files, page], store=store)
        store = CblodStore(work / "store", must_exist=True)
        results = [measure(engine, store, page, work) for engine in args.engines]
    print(f"{args.projects} projects")
    for r in results:
        page_ratio = r["page_ms"]["p50"] / r["describe_ms"]["p50"]  # type: ignore[index]
        print(
            f"{r['engine']:>9}: push {r['push_full_s']:.1f} s full ({r['triples']} triples), "
            f"one source {r['push_one_source_first_s']:.1f} s then {r['push_one_source_s']:.1f} s "
            f"({r['push_one_source_triples']} triples); "
            f"page p50 {r['page_ms']['p50']:.1f} ms vs DESCRIBE {r['describe_ms']['p50']:.1f} ms "  # type: ignore[index]
            f"({page_ratio:.1f}x), again {r['cached_page_ms']['p50']:.1f} ms, made ahead "
            f"{r['ahead_page_ms']['p50']:.1f} ms ({r['ahead_page_ms']['p50'] / r['describe_ms']['p50']:.1f}x; "  # type: ignore[index]
            f"making {r['ahead_making_s']:.0f} s, {r['ahead_mb']:.0f} MB); lookup {r['lookup_cblod_ms']['p50']:.1f} vs "  # type: ignore[index]
            f"{r['lookup_engine_ms']['p50']:.1f} ms; aggregate {r['aggregate_cblod_ms']['p50']:.0f} vs "  # type: ignore[index]
            f"{r['aggregate_engine_ms']['p50']:.0f} ms"  # type: ignore[index]
        )
    out = HERE / "results" / "push.json"
    out.write_text(json.dumps({"projects": args.projects, "engines": results}, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
