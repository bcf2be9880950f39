"""Which properties a query reads (``cblod.derived.reads``): what decides whether a kept
answer is kept again, so every way a query may read more than it names must say so."""

from __future__ import annotations

import pytest

from cblod.derived.reads import properties_read, unchanged

A, B, C = "http://example.org/a", "http://example.org/b", "http://example.org/c"


@pytest.mark.parametrize(
    ("query", "read"),
    [
        (f"SELECT * WHERE {{ ?s <{A}> ?o }}", {A}),
        (f"SELECT * WHERE {{ ?s ^<{A}>/<{B}>* ?o }}", {A, B}),
        (f"SELECT * WHERE {{ ?s <{A}>|<{B}>+ ?o }}", {A, B}),
        (f"SELECT * WHERE {{ ?s <{A}> ?o FILTER NOT EXISTS {{ ?o <{B}> ?x }} }}", {A, B}),
        (f"SELECT * WHERE {{ ?s <{A}> ?o OPTIONAL {{ ?o <{C}> ?x }} }}", {A, C}),
        (f"SELECT (COUNT(*) AS ?n) WHERE {{ {{ SELECT ?s WHERE {{ ?s <{B}> ?o }} }} }}", {B}),
        (f"ASK {{ ?s <{C}> ?o }}", {C}),
    ],
)
def test_the_properties_a_query_names(query, read):
    assert properties_read(query) == read


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { ?s ?p ?o }",
        f"SELECT * WHERE {{ ?s !<{A}> ?o }}",
        f"SELECT * WHERE {{ GRAPH ?g {{ ?s <{A}> ?o }} }}",
        f"SELECT * FROM <http://example.org/g> WHERE {{ ?s <{A}> ?o }}",
        f"SELECT * WHERE {{ SERVICE <http://example.org/sparql> {{ ?s <{A}> ?o }} }}",
        f"SELECT (NOW() AS ?t) WHERE {{ ?s <{A}> ?o }}",
        f"SELECT (RAND() AS ?r) WHERE {{ ?s <{A}> ?o }}",
        f"SELECT ?s WHERE {{ ?s <{A}> ?o }} ORDER BY UUID()",
        "SELECT * WHERE { this is not SPARQL",
    ],
)
def test_a_query_that_may_read_anything_is_never_kept(query):
    assert properties_read(query) is None
    assert not unchanged(query, set())


def test_an_answer_is_unchanged_only_when_none_of_its_properties_changed():
    query = f"SELECT * WHERE {{ ?s <{A}> ?o . ?o <{B}> ?x }}"
    assert unchanged(query, {C})
    assert not unchanged(query, {B, C})


def test_patterns_inside_exists_are_read_too():
    query = f"ASK {{ ?s <{A}> ?o FILTER EXISTS {{ ?o <{B}>/<{C}> ?x }} }}"
    assert properties_read(query) in ({A, B, C}, None)  # a path there may be untold: None
    assert (
        properties_read(f"ASK {{ ?s <{A}> ?o FILTER EXISTS {{ GRAPH ?g {{ ?o <{B}> ?x }} }} }}")
        is None
    )


def test_queries_parsed_side_by_side_are_read_as_one_at_a_time():
    """The kept answers are asked from threads, and rdflib's parser keeps state while it
    parses: in a fresh interpreter (as ``cblod ingest`` is), every example parsed from four
    threads at once is read as when parsed alone (before, most read as "anything", and their
    answers were never kept)."""
    import subprocess
    import sys

    from cblod.read.examples import EXAMPLES

    script = (
        "from concurrent.futures import ThreadPoolExecutor\n"
        "from cblod.derived.reads import properties_read\n"
        "from cblod.read.examples import EXAMPLES\n"
        "with ThreadPoolExecutor(max_workers=4) as pool:\n"
        "    found = list(pool.map(properties_read, [e.query for e in EXAMPLES]))\n"
        "print(sum(f is None for f in found))\n"
    )
    untold = sum(properties_read(e.query) is None for e in EXAMPLES)
    ran = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert int(ran.stdout) == untold
