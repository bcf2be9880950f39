"""Answers kept with a snapshot: computed once, when it is published, not by its first visitor.

The query page's example queries, the home page's counts, the dataset's statistics (VoID,
DCAT-AP), each programme page's figures (``cblod.read.figures``), the faceted lists' index
(``cblod.derived.facets``) and the reconciliation service's (``cblod.derived.matching``) are aggregates over the whole
dataset or a whole programme: seconds each on a large one. Before, the first visitor after every ingest paid for
them (the load run's p99 was 12 s at 30 000 projects). An ingest now computes them into the
snapshot it is about to publish (``answers/`` in its folder), and the web tier answers from
there: the example queries in any result format the endpoint offers (re-written from the
kept SPARQL JSON, with the endpoint's row limit), the counts as they are. They are computed
before the published pointer moves (``Draft.publish(derive=…)``, ``cblod.backends.draft``), so a release is never
served without them: no request waits for one to be built, and none sees another release's
(issue #24; what that costs an update is in benchmarks/README.md).

The aggregates (example answers, statistics, programme figures, the plain lists' first views)
are arbitrary GROUP BYs and MIN/MAX. An answer is the release before's when the query reads
none of the properties the release changed (``cblod.derived.reads``; a programme's figures also
when the release did not touch the programme: ``cblod.derived.figures``); otherwise it is
asked again, in a thread beside the indexes, in parts (``cblod.derived.parts``): each
aggregate sub-select's rows are kept with the release, and those a diff of subjects updates
exactly (sums and counts over one pattern, groups keyed by the subject of every pattern) are
updated, so a fixed amount costs what it changed, not a pass over every participation. The
statistics' counts are updated by the diff (``cblod.derived.statistics``).

They are made with the release's other derived artefacts (``cblod.derived.release``); a web
host on a SPARQL server keeps the same answers per pushed version, in its cache
(``cblod.web.prepare.RemotePreparer``).
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from pyoxigraph import QueryResultsFormat, QuerySolutions, parse_query_results

from ..backends.published import Dataset
from ..backends.releases import link_or_copy
from ..core.rdfterms import QueryResult, lexical
from ..core.vocab import sparql_prefixes
from ..query.running import QueryRequest, QueryResponse, execute
from ..read.examples import EXAMPLES
from ..read.figures import programme_figures
from ..read.listings import first_views
from ..read.stats import dataset_statistics, stats
from .parts import Parts
from .reads import answer_file

log = logging.getLogger(__name__)

FOLDER = "answers"
#: answers asked at once: the queries an update must ask again are arbitrary aggregates
#: (seconds each at 30 000 projects), and the engine runs each on a core of its own
ASKING = 2
#: rows kept for one example (the endpoint applies its own, usually lower, limit on reading)
KEPT_ROWS = 1_000_000
JSON_RESULTS = "application/sparql-results+json"


def keep_aggregates(
    store: Dataset,
    folder: Path,
    summarise: Callable[[Dataset], tuple[dict[str, Any], dict[str, Any]]] | None = None,
    kept_figures: Callable[[Dataset], tuple[Path, frozenset[str]] | None] | None = None,
    unchanged: Callable[[str], Path | None] | None = None,
    parts: Parts | None = None,
) -> int:
    """Compute and write into ``folder`` the example queries' answers, each programme's
    figures, the statistics and the plain lists' first views (``cblod.read.listings.first_views``)
    of the release ``store`` reads; returns how many files. Each file appears whole (written
    aside, then renamed), so a reader finds an answer or none. ``summarise`` makes the two
    summaries (``cblod.derived.statistics`` updates them from the release before);
    ``kept_figures`` says which programmes' figures are the release before's, and where that
    release's answers are (``cblod.derived.figures``); ``unchanged`` gives, for a query
    whose answer the release did not change, the release before's answer to it, which is
    then this release's too (``cblod.derived.reads``: nothing it reads changed); ``parts``
    answers a query with its aggregates' rows kept apart (``cblod.derived.parts``): without
    it, each query is asked whole."""
    sources = store.source_graphs()

    def kept_before(query: str) -> bool:
        before = unchanged(query) if unchanged is not None else None
        if before is None:
            return False
        link_or_copy(before, folder / before.name)
        if parts is not None:
            parts.carry(query)
        return True

    def in_parts(query: str) -> str:
        return (parts.rewritten(query) if parts is not None else None) or query

    def example_answer(query: str) -> int:
        answer = execute(
            store, sources, QueryRequest(in_parts(query), accept=JSON_RESULTS, max_rows=KEPT_ROWS)
        )
        if answer.status == 200 and answer.kind in ("solutions", "boolean"):
            _write(folder / answer_file(query), answer.body)
            return 1
        # not kept: the endpoint answers it when asked (and says why it fails, if it does)
        log.warning(
            "example query not kept (status %s): %s; it starts %r",
            answer.status,
            answer.body[:200].decode("utf-8", "replace").strip(),
            query.strip()[:80],
        )
        return 0

    def selected(query: str) -> int:
        body = store.select(in_parts(query)).serialize(format=QueryResultsFormat.JSON)
        assert body is not None  # serialize() returns the bytes when given no output
        _write(folder / answer_file(query), body)
        return 1

    def summarised() -> dict[str, Any]:
        home, statistics = (summarise or _summaries)(store)
        summaries = {"stats": home, "dataset-statistics": statistics}
        for name, summary in summaries.items():
            _write(folder / f"{name}.json", json.dumps(summary).encode("utf-8"))
        return statistics

    kept = 0
    with ThreadPoolExecutor(max_workers=ASKING) as asking:  # the engine releases the GIL
        described = asking.submit(summarised)  # first: the first views need its name tags
        asked = []
        for example in EXAMPLES:
            if kept_before(example.query):
                kept += 1
            else:
                asked.append(asking.submit(example_answer, example.query))
        found = kept_figures(store) if kept_figures is not None else None
        before, untouched = found if found is not None else (None, frozenset[str]())
        for programme in _programmes(store):
            figures = sparql_prefixes() + programme_figures(programme)
            name = answer_file(figures)
            if before is not None and programme in untouched and (before / name).exists():
                link_or_copy(before / name, folder / name)  # nothing it read changed
                if parts is not None:
                    parts.carry(figures)
                kept += 1
            elif kept_before(figures):
                kept += 1
            else:
                asked.append(asking.submit(selected, figures))
        kept += 2  # the summaries
        for query in first_views(described.result()["name_tags"]):
            text = sparql_prefixes() + query
            if kept_before(text):
                kept += 1
            else:
                asked.append(asking.submit(selected, text))
        kept += sum(each.result() for each in asked)
    return kept


def _summaries(store: Dataset) -> tuple[dict[str, Any], dict[str, Any]]:
    """The home page's counts and the dataset's statistics, counted whole."""
    return stats(store), dataset_statistics(store)


def _write(path: Path, body: bytes) -> None:
    partial = path.with_suffix(f".{uuid.uuid4().hex}.partial")
    partial.write_bytes(body)
    os.replace(partial, path)


def kept_answer(store: Dataset, request: QueryRequest) -> QueryResponse | None:
    """The kept answer to ``request`` in the format it asks for, or None when none is kept
    (another query, or a dataset named in the request)."""
    if request.default_graphs or request.named_graphs or store.data_dir is None:
        return None
    path = store.data_dir / FOLDER / answer_file(request.query)
    try:
        body = path.read_bytes()
    except OSError:
        return None
    return execute(_KeptResults(body), [], request)


def kept_solutions(store: Dataset, query: str) -> QuerySolutions | None:
    """The kept answer to the SELECT ``query`` (a page's figures), or None if none is kept."""
    if store.data_dir is None:
        return None
    try:
        body = (store.data_dir / FOLDER / answer_file(query)).read_bytes()
    except OSError:
        return None
    found = parse_query_results(body, format=QueryResultsFormat.JSON)
    return found if isinstance(found, QuerySolutions) else None


def _programmes(store: Dataset) -> list[str]:
    found = store.select(sparql_prefixes() + "SELECT DISTINCT ?p WHERE { ?p a cbo:Programme }")
    return sorted(lexical(row["p"]) for row in found)


def kept_summary(store: Dataset, name: str) -> Any | None:
    """A kept summary (``"stats"``, ``"dataset-statistics"``), or None."""
    return kept_summary_in(store.data_dir, name) if store.data_dir is not None else None


def kept_summary_in(snapshot: Path, name: str) -> Any | None:
    """A summary kept in the snapshot folder ``snapshot`` (a release's), or None: read without
    opening its database."""
    try:
        return json.loads((snapshot / FOLDER / f"{name}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


class _KeptResults:
    """Stands in for the store in ``execute``: every query is answered with the kept one."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    def query(self, query: str, /, **options: Any) -> QueryResult:
        return parse_query_results(self.body, format=QueryResultsFormat.JSON)
