"""The page of an organisation taking part in every project: listed whole, or a bounded part.

    python benchmarks/large_organisation_bench.py                 # 20 000 projects
    python benchmarks/large_organisation_bench.py --projects 5000

Generates a keep.eu export (``generate.keep_eu_export``) and adds one organisation (a
national agency, with its business ID) as a partner of every project, ingests it with
``cblod ingest``, then times the first view of that organisation's page on a server just
started (nothing cached) as the page was before issue 26 (every participation listed:
``ORGANISATION_PROJECTS_SHOWN`` unbounded) and as it is (the latest 100, a summary of all), in
the same run, and the first view of a typical organisation's page beside them. Each server
has loaded the release's indexes first, as ``cblod serve`` does before readers come.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests
from werkzeug.serving import make_server

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import keep_eu_export, with_busiest_partner  # noqa: E402

from cblod.backends.store import CblodStore  # noqa: E402
from cblod.web import create_app  # noqa: E402


def export(projects: int, folder: Path) -> list[Path]:
    paths = keep_eu_export(projects, folder)
    with_busiest_partner(paths, projects)  # one more partner in every project
    return paths


def first_view(store: CblodStore, path: str, shown: int) -> float:
    """Milliseconds to the whole page, asked first of a server just started once it has
    loaded the release's indexes (as ``cblod serve`` does before a reader comes: its
    preparer), with no page made yet."""
    app = create_app(store, ORGANISATION_PROJECTS_SHOWN=shown)
    assert store.snapshot is not None
    assert app.extensions["cblod_prepare"].wait_for(store.snapshot, timeout=600)
    http = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    try:
        started = time.perf_counter()
        response = requests.get(f"http://127.0.0.1:{http.server_port}{path}", timeout=600)
        assert response.status_code == 200, response.status_code
        return round((time.perf_counter() - started) * 1000, 1)
    finally:
        http.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--projects", type=int, default=20_000)
    projects = parser.parse_args().projects
    with tempfile.TemporaryDirectory() as scratch:
        folder, store_dir = Path(scratch) / "export", Path(scratch) / "store"
        folder.mkdir()
        paths = export(projects, folder)
        cli = [
            sys.executable,
            "-m",
            "cblod",
            "ingest",
            *map(str, paths),
            "--store",
            str(store_dir),
            "-q",
        ]
        subprocess.run(cli, check=True)
        store = CblodStore(store_dir, must_exist=True)
        found = {}
        for row in store.select(
            "SELECT ?o (COUNT(?p) AS ?n) WHERE { ?p <https://w3id.org/cblod/ontology#partner> ?o }"
            " GROUP BY ?o ORDER BY DESC(?n)"
        ):
            found[row["o"].value] = int(row["n"].value)
        busiest, typical = next(iter(found)), list(found)[len(found) // 2]
        page = {iri: "/doc/" + iri.split("/id/", 1)[1] for iri in (busiest, typical)}
        results = {
            "projects": projects,
            "participations of the busiest organisation": found[busiest],
            "participations of a typical organisation": found[typical],
            "busiest, every participation listed (before), first view ms": first_view(
                store, page[busiest], 10**9
            ),
            "busiest, the latest 100 and a summary (now), first view ms": first_view(
                store, page[busiest], 100
            ),
            "typical organisation, first view ms": first_view(store, page[typical], 100),
        }
    before = results["busiest, every participation listed (before), first view ms"]
    now = results["busiest, the latest 100 and a summary (now), first view ms"]
    results["ratio now / before"] = round(now / before, 3)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
