"""Each part of what a release derives, timed alone on one core, on a store's published release.

    python benchmarks/derive_profile.py STORE

Run it on a store just updated (``update_bench.py`` makes one; or ingest an export, then one
changed page): the parts that update from the release before then take that path, as the
ingest did. The parts write into the release's own folder what the ingest wrote there (the
same bytes), and its dumps are moved aside and made again. Prints seconds per part (JSON).
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pyoxigraph import QueryResultsFormat

from cblod.backends.store import CblodStore
from cblod.core.vocab import sparql_prefixes
from cblod.derived.facets.keep import build_all
from cblod.derived.kept import JSON_RESULTS, KEPT_ROWS, _programmes
from cblod.derived.matching.index import keep as keep_reconciliation
from cblod.derived.paths import PathReader
from cblod.derived.reach import reach_of
from cblod.derived.statistics import statistics
from cblod.query.running import QueryRequest, execute
from cblod.read.dumps import RELEASE_DUMPS, release_dumps
from cblod.read.examples import EXAMPLES
from cblod.read.figures import programme_figures
from cblod.read.listings import first_views
from cblod.read.stats import dataset_statistics, stats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("store", type=Path)
    store = CblodStore(parser.parse_args().store, must_exist=True)
    assert store.snapshot is not None
    seconds: dict[str, float] = {}

    def timed(name: str, part: Callable[[], Any]) -> Any:
        started = time.perf_counter()
        found = part()
        seconds[name] = round(time.perf_counter() - started, 2)
        return found

    def select_json(query: str) -> bytes | None:
        return store.select(sparql_prefixes() + query).serialize(format=QueryResultsFormat.JSON)

    aside = Path(tempfile.mkdtemp())
    shutil.move(str(store.snapshot / RELEASE_DUMPS), aside / RELEASE_DUMPS)
    timed("dumps", lambda: release_dumps(store, store.snapshot))
    sources = store.source_graphs()
    timed("example answers", lambda: [
        execute(store.engine, sources, QueryRequest(e.query, accept=JSON_RESULTS, max_rows=KEPT_ROWS))
        for e in EXAMPLES
    ])  # fmt: skip
    timed(
        "programme figures", lambda: [select_json(programme_figures(p)) for p in _programmes(store)]
    )
    timed(
        "statistics counted whole (home counts, dataset statistics)",
        lambda: (stats(store), dataset_statistics(store)),
    )
    summary = timed("statistics updated from the release before", lambda: statistics(store))[1]
    timed(
        "plain lists' first views",
        lambda: [select_json(q) for q in first_views(summary["name_tags"])],
    )
    reach = timed("what the change reaches (cblod.derived.reach)", lambda: reach_of(store))
    reader = PathReader(store)  # reads what it follows lazily: the first index bears the reads
    timed("reconciliation index", lambda: keep_reconciliation(store, reader, reach))
    timed("facet index", lambda: build_all(store, reader, reach=reach))
    shutil.rmtree(aside)
    print(json.dumps(seconds, indent=1))


if __name__ == "__main__":
    main()
