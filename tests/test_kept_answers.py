"""Answers kept with a snapshot: the example queries and the home page's counts are computed
when a snapshot is published, and the endpoint answers them exactly as it would compute them."""

from __future__ import annotations

import csv
import io
import json
import re
from decimal import Decimal
from typing import Any

import pytest
import requests

from cblod.backends.store import CblodStore
from cblod.core.vocab import sparql_prefixes
from cblod.derived.kept import FOLDER, answer_file, kept_answer, kept_solutions, kept_summary
from cblod.publish import ingest
from cblod.query.running import QueryRequest, execute
from cblod.read.chosen_names import DEFAULT_LANGUAGES, effective
from cblod.read.examples import EXAMPLES
from cblod.read.figures import programme_figures
from cblod.read.listings import first_views
from cblod.read.stats import dataset_statistics, stats
from cblod.web.formatting import money
from cblod.web.labels import ordered_languages
from tests.helpers.samples import ALL_PAGES, INTERREG_EUROPE, ingest_all, select
from tests.helpers.servers import running

FORMATS = ["application/sparql-results+json", "text/csv", "application/sparql-results+xml"]


def computed(store, query: str, accept: str, max_rows: int = 100_000):
    return execute(
        store.engine, store.source_graphs(), QueryRequest(query, accept=accept, max_rows=max_rows)
    )


def test_every_example_and_the_counts_are_kept_with_the_snapshot(sample_store):
    folder = sample_store.data_dir / FOLDER
    programmes = select(sample_store, "SELECT DISTINCT ?p WHERE { ?p a cbo:Programme }")
    assert len(programmes) > 1
    tags = dataset_statistics(sample_store)["name_tags"]
    views = set(first_views(tags))
    assert len(list(folder.glob("*.srj"))) == len(EXAMPLES) + len(programmes) + len(views)
    assert kept_summary(sample_store, "stats") == json.loads(json.dumps(stats(sample_store)))
    statistics = dataset_statistics(sample_store)
    assert kept_summary(sample_store, "dataset-statistics") == json.loads(json.dumps(statistics))
    assert statistics["triples"] > 500 and statistics["examples"]
    for example in EXAMPLES:
        for accept in FORMATS:
            kept = kept_answer(sample_store, QueryRequest(example.query, accept=accept))
            assert kept is not None
            fresh = computed(sample_store, example.query, accept)
            assert (kept.status, kept.mime, kept.body) == (fresh.status, fresh.mime, fresh.body)


def test_the_plain_lists_first_views_are_kept_for_readers_who_see_the_default_names(
    sample_store,
):
    """Each list's first page in each order and the home page's programmes are answered at
    publish; a reader whose languages decide names as the default reader's (English, no
    language, a language no name has) asks exactly those queries."""
    tags = dataset_statistics(sample_store)["name_tags"]
    assert "en" in tags
    for query in first_views(tags):
        kept = kept_solutions(sample_store, sparql_prefixes() + query)
        assert kept is not None, query
        fresh = sample_store.select(sparql_prefixes() + query)
        assert [list(r) for r in kept] == [list(r) for r in fresh]
    default = effective(DEFAULT_LANGUAGES, tags)
    for asked in ([], ["en-US", "en"], ["en-GB"], ["pt-BR", "pt", "en"]):
        assert effective(ordered_languages(asked), tags) == default, asked
    assert effective(ordered_languages(["sv"]), tags) != default  # Swedish names exist


def test_the_endpoint_answers_an_example_as_it_would_compute_it(sample_store):
    example = next(e for e in EXAMPLES if "ERDF" in e.title)
    with running(sample_store) as url:
        answer = requests.get(
            f"{url}/sparql", params={"query": example.query, "format": "csv"}, timeout=30
        )
    assert answer.status_code == 200
    fresh = computed(sample_store, example.query, "text/csv")
    assert list(csv.reader(io.StringIO(answer.text))) == list(
        csv.reader(io.StringIO(fresh.body.decode()))
    )


def test_the_endpoint_reads_the_kept_answer_and_a_new_version_keeps_its_own(tmp_path, pages):
    """The answer served is the one kept with the snapshot (a kept file replaced by another
    answer is what the endpoint sends), and the next ingest keeps answers of its own data: a
    page of other projects added, so what the query reads changed (``cblod.derived.reads``)."""
    later = pages / INTERREG_EUROPE.name
    store = ingest_all(
        tmp_path / "store", [pages / p.name for p in ALL_PAGES if p.name != later.name]
    )
    example = next(e for e in EXAMPLES if "per programme" in e.title)
    kept = store.data_dir / FOLDER / answer_file(example.query)
    other = computed(store, "SELECT (42 AS ?projects) WHERE {}", "application/sparql-results+json")
    kept.write_bytes(other.body)
    with running(store) as url:
        answer = requests.get(
            url + "/sparql", params={"query": example.query, "format": "csv"}, timeout=30
        )
        assert answer.text.split() == ["projects", "42"]
        ingest([later], store=store)
        answer = requests.get(
            url + "/sparql", params={"query": example.query, "format": "csv"}, timeout=30
        )
    fresh = computed(store, example.query, "text/csv")
    assert answer.text.encode() == fresh.body and "42" not in answer.text


def test_a_kept_answer_keeps_the_endpoints_row_limit(sample_store):
    example = next(e for e in EXAMPLES if "Clusters by region" in e.title)
    assert len(computed(sample_store, example.query, "text/csv").body.splitlines()) > 3
    with running(sample_store, SPARQL_MAX_ROWS=2) as url:
        answer = requests.get(f"{url}/sparql", params={"query": example.query}, timeout=30)
    assert answer.status_code == 422 and "2 rows" in answer.text


@pytest.mark.parametrize("named", ["default-graph-uri", "named-graph-uri"])
def test_a_query_naming_a_dataset_is_never_answered_from_what_is_kept(sample_store, named):
    example = EXAMPLES[0]
    dataset: dict[str, Any] = {named.replace("-uri", "s").replace("-", "_"): ["x:y"]}
    request = QueryRequest(example.query, **dataset)
    assert kept_answer(sample_store, request) is None


def test_a_programme_page_shows_what_sparql_says_and_reads_its_kept_figures(tmp_path, pages):
    """Every number on a programme's page (its projects, ERDF by partner country) is what
    the endpoint's SPARQL gives, and the figures are read from the kept file: one replaced
    is what the page shows."""
    store = ingest_all(tmp_path / "store", [pages / p.name for p in ALL_PAGES])
    programme = "http://127.0.0.1:5000/id/programme/central-baltic-2014-2020"
    (count,) = select(
        store,
        f"SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {{ ?p a cbo:Project ; cbo:programme <{programme}> }}",
    )
    erdf = select(
        store,
        f"""SELECT ?country (SUM(?eu) AS ?sum) WHERE {{
              ?p cbo:project/cbo:programme <{programme}> ; cbo:euContribution ?eu ;
                 cbo:partner/cbo:country/skos:prefLabel ?country }} GROUP BY ?country""",
    )
    assert int(count["n"]) >= 2 and len(erdf) >= 3
    kept = store.data_dir / FOLDER / answer_file(sparql_prefixes() + programme_figures(programme))
    answer = json.loads(kept.read_bytes())
    (total,) = [b for b in answer["results"]["bindings"] if b["section"]["value"] == "total"]
    assert total["projects"]["value"] == count["n"]
    with running(store) as url:
        page = requests.get(f"{url}/doc/programme/central-baltic-2014-2020", timeout=30).text
        assert f"Projects ({count['n']})" in page
        chart = re.search(r"<svg.*?</svg>", page, re.S).group(0)
        shown = re.findall(r'text-anchor="end">([^<]+)</text>.*?<text[^>]*>([^<]+)</text>', chart)
        assert sorted(shown) == sorted((r["country"], money(Decimal(r["sum"]))) for r in erdf)
        total["projects"]["value"] = "12345"
        kept.write_text(json.dumps(answer))
        swedish = requests.get(f"{url}/doc/programme/central-baltic-2014-2020?lang=sv", timeout=30)
        assert "Projects (12345)" in swedish.text


def test_an_example_that_fails_is_not_kept_and_says_why(tmp_path, monkeypatch, caplog):
    """Not silently: the release is published, the failing example is answered live (with
    its error) and the ingest's log names it."""
    from cblod.derived import kept
    from cblod.read.examples import Example

    broken = Example("Broken", "SELECT ?x WHERE { ?x noSuchPrefixHere:p ?y }")
    monkeypatch.setattr(kept, "EXAMPLES", [*kept.EXAMPLES, broken])
    store = CblodStore(tmp_path / "store")
    with caplog.at_level("WARNING", logger="cblod.derived.kept"):
        ingest([INTERREG_EUROPE], store=store)
    assert store.snapshot is not None
    assert not (store.snapshot / FOLDER / answer_file(broken.query)).exists()
    (warning,) = [r for r in caplog.records if "example query not kept" in r.getMessage()]
    assert "status 400" in warning.getMessage() and "noSuchPrefixHere" in warning.getMessage()
