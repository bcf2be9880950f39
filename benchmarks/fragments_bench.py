"""``/fragments`` (Triple and Quad Pattern Fragments) on an ingested store: page latencies.

    python benchmarks/fragments_bench.py STORE [--requests 200]

Run on demand (never in the test suite), against 127.0.0.1 only. Starts ``cblod serve`` on
STORE and asks first pages of the patterns a TPF client asks (everything; a predicate; a
class; a subject; an object; a source graph; a deep page), each URL once per round with no
``If-None-Match`` (a fresh answer, not a 304). Baseline, same server and run: the same
patterns as a SPARQL SELECT of 100 rows on ``/sparql``. Then a client's walk: ``--walk``
pages of one predicate followed by ``hydra:next`` (what Comunica does for an unselective
pattern), against the same rows as one SPARQL SELECT. Prints p50/p99 per kind and overall,
the walk's seconds, and the ratios to the baselines, as JSON.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sparql_bench import cblod_serving  # noqa: E402

from cblod.backends.store import CblodStore  # noqa: E402
from cblod.core.vocab import CBO, RDF  # noqa: E402

TYPE = RDF.type.value


def patterns(store: CblodStore, n: int) -> list[tuple[str, dict[str, str], str]]:
    """(kind, fragment parameters, the same pattern's SPARQL) for ``n`` requests."""
    rng = random.Random(7)
    projects = [r["p"].value for r in store.select(
        f"SELECT ?p WHERE {{ ?p a <{CBO.Project.value}> }} LIMIT 2000")]  # fmt: skip
    countries = [r["c"].value for r in store.select(
        f"SELECT DISTINCT ?c WHERE {{ ?o <{CBO.country.value}> ?c }}")]  # fmt: skip
    graphs = [g.value for g in store.source_graphs()]
    found = []
    for _ in range(n):
        kind = rng.choice(["all", "predicate", "class", "subject", "object", "graph", "deep"])
        if kind == "all":
            found.append((kind, {}, "SELECT * WHERE { ?s ?p ?o } LIMIT 100"))
        elif kind == "predicate":
            found.append(
                (
                    kind,
                    {"predicate": CBO.partner.value},
                    f"SELECT * WHERE {{ ?s <{CBO.partner.value}> ?o }} LIMIT 100",
                )
            )
        elif kind == "class":
            found.append(
                (
                    kind,
                    {"predicate": TYPE, "object": CBO.Organisation.value},
                    f"SELECT * WHERE {{ ?s a <{CBO.Organisation.value}> }} LIMIT 100",
                )
            )
        elif kind == "subject":
            p = rng.choice(projects)
            found.append((kind, {"subject": p}, f"SELECT * WHERE {{ <{p}> ?p ?o }} LIMIT 100"))
        elif kind == "object":
            c = rng.choice(countries)
            found.append((kind, {"object": c}, f"SELECT * WHERE {{ ?s ?p <{c}> }} LIMIT 100"))
        elif kind == "graph":
            g = rng.choice(graphs)
            found.append(
                (kind, {"graph": g}, f"SELECT * WHERE {{ GRAPH <{g}> {{ ?s ?p ?o }} }} LIMIT 100")
            )
        else:
            page = rng.randint(2, 50)
            found.append(
                (
                    kind,
                    {"predicate": TYPE, "page": str(page)},
                    f"SELECT * WHERE {{ ?s a ?c }} OFFSET {(page - 1) * 100} LIMIT 100",
                )
            )
    return found  # fmt: skip


def _walk(session: requests.Session, base: str, pages: int) -> tuple[float, int]:
    """Seconds to follow ``hydra:next`` through ``pages`` pages of cbo:partner (the link read
    with a regular expression: the server's time, not a parser's), and the quads walked."""
    url: str | None = f"{base}/fragments?" + urlencode({"predicate": CBO.partner.value})
    walked, started = 0, time.perf_counter()
    for _ in range(pages):
        assert url is not None
        r = session.get(url, headers={"Accept": "application/trig"}, timeout=60)
        assert r.status_code == 200, r.text[:200]
        walked += 1
        found = re.search(r"hydra:next <([^>]+)>", r.text)
        url = found[1] if found else None
        if url is None:
            break
    return time.perf_counter() - started, walked * 100


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("store", type=Path)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--walk", type=int, default=300, help="pages of the walk (300)")
    args = parser.parse_args()
    store = CblodStore(args.store, must_exist=True)
    asked = patterns(store, args.requests)
    del store
    with cblod_serving(args.store) as (base, _):
        session = requests.Session()
        fragments: dict[str, list[float]] = {}
        sparql: list[float] = []
        for kind, params, query in asked:
            started = time.perf_counter()
            r = session.get(f"{base}/fragments", params=params,
                            headers={"Accept": "application/trig"}, timeout=60)  # fmt: skip
            fragments.setdefault(kind, []).append(time.perf_counter() - started)
            assert r.status_code == 200, r.text[:200]
            started = time.perf_counter()
            r = session.get(f"{base}/sparql", params={"query": query},
                            headers={"Accept": "application/sparql-results+json"}, timeout=60)  # fmt: skip
            sparql.append(time.perf_counter() - started)
            assert r.status_code == 200, r.text[:200]
        walk, rows = _walk(session, base, args.walk)
        started = time.perf_counter()
        r = session.get(f"{base}/sparql", params={
            "query": f"SELECT * WHERE {{ ?s <{CBO.partner.value}> ?o }} LIMIT {rows}"},
            headers={"Accept": "text/csv"}, timeout=600)  # fmt: skip
        one_select = time.perf_counter() - started
        assert r.status_code == 200, r.text[:200]
    every = [t for each in fragments.values() for t in each]
    found = {
        "requests": len(every),
        "fragments_ms": {"p50": p(every, 0.5), "p99": p(every, 0.99)},
        "by_kind_p50_ms": {k: p(v, 0.5) for k, v in sorted(fragments.items())},
        "baseline_sparql_100_rows_ms": {"p50": p(sparql, 0.5), "p99": p(sparql, 0.99)},
    }
    found["ratio_p50"] = round(statistics.median(every) / statistics.median(sparql), 2)
    found["walk"] = {"pages": args.walk, "quads": rows, "seconds": round(walk, 2),
                     "ms_per_page": round(walk / args.walk * 1000, 1),
                     "baseline_one_select_seconds": round(one_select, 2)}  # fmt: skip
    print(json.dumps(found, indent=2))


if __name__ == "__main__":
    main()
