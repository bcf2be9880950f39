"""Kept answers asked in parts (``cblod.derived.parts``): each part's rows kept apart and
updated from a change are, put back in their query, the answer of the query asked whole.

The stores are real on-disk Oxigraph stores read through the backends' own read verbs; the
data is drawn at random (amounts as integers, decimals and now and then doubles, whose sums
are not exact and so are never kept apart), then changed at random as a fix would: amounts,
partners moved, participations added and removed, a country renamed, a project moved to
another programme. After each change, every kept query's answer from the updated parts is
the one asked whole of the changed data.
"""

from __future__ import annotations

import gc
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyoxigraph import BlankNode, DefaultGraph, Literal, NamedNode, Quad, QueryResultsFormat, Store

from cblod.backends.reads import PublishedReads
from cblod.core.vocab import CBO, RDF, RDFS, SKOS, XSD, sparql_prefixes
from cblod.derived.diff import Diff
from cblod.derived.part_shapes import Other, Star, Sums, kind_of
from cblod.derived.parts import Parts, parts_of
from cblod.query.spans import layout
from cblod.read.examples import EXAMPLES
from cblod.read.figures import programme_figures
from cblod.read.listings import first_views

EX = "http://example.org/"


class OnDisk(PublishedReads):
    """A real on-disk Oxigraph store read through the read verbs every backend shares."""

    def __init__(self, path: Path) -> None:
        self._engine = Store(str(path))

    @property
    def engine(self) -> Store:
        return self._engine


def example(title_start: str) -> str:
    return next(e.query for e in EXAMPLES if e.title.startswith(title_start))


QUERIES = [
    example("EU funding (ERDF) by partner country"),
    example("Projects per programme"),
    *(sparql_prefixes() + q for q in first_views(["en"])),
    sparql_prefixes() + programme_figures(EX + "programme/0"),
    sparql_prefixes() + programme_figures(EX + "programme/1"),
]


# --- where the parts are -------------------------------------------------------------------


def test_the_innermost_sub_selects_are_found_past_strings_iris_and_comments():
    query = (
        "PREFIX ex: <http://example.org/#{>\n"
        'SELECT * WHERE { ?s ex:p "{ SELECT" . # { SELECT in a comment\n'
        "  { SELECT ?s (COUNT(*) AS ?n) WHERE { ?s ex:q ?o FILTER(?o < 3 && ?o > 1) } GROUP BY ?s }\n"
        "  { SELECT * WHERE { { SELECT ?s WHERE { ?s ex:r '}' } } } }\n"
        "}"
    )
    found = layout(query)
    assert found is not None
    assert found.prologue == "PREFIX ex: <http://example.org/#{>\n"
    texts = [(query[s.start : s.end], s.innermost) for s in found.spans]
    assert [t.split()[:3] for t, _ in texts] == [
        ["{", "SELECT", "?s"],
        ["{", "SELECT", "*"],
        ["{", "SELECT", "?s"],
    ]
    assert [innermost for _, innermost in texts] == [True, False, True]
    assert query[found.where] == "{"
    assert layout("SELECT * WHERE { ?s ?p ?o ") is None  # braces that do not balance


def test_each_part_is_read_for_its_shape_by_a_parser():
    kinds = {
        title: [type(p.kind) for p in parts_of(query)]
        for title, query in [
            ("by country", example("EU funding (ERDF) by partner country")),
            ("per programme", example("Projects per programme")),
            ("lead partners", example("Lead partners")),
            ("figures", sparql_prefixes() + programme_figures(EX + "programme/0")),
        ]
    }
    assert kinds == {
        "by country": [Sums],  # the query itself: SUM and COUNT over one pattern
        "per programme": [Sums],
        "lead partners": [],  # not sums, and its LIMIT would cut its groups: asked whole
        "figures": [Star, Star, Star, Sums],  # per thing, per project (twice), per country
    }
    programmes = sparql_prefixes() + first_views(["en"])[0]
    assert {type(p.kind) for p in parts_of(programmes)} == {Sums, Other}  # COUNT DISTINCT


@pytest.mark.parametrize(
    ("query", "shape"),
    [
        (
            "SELECT ?k (SUM(?v) AS ?s) (COUNT(*) AS ?n) WHERE { ?x cbo:a ?k ; cbo:b ?v } GROUP BY ?k",
            Sums,
        ),
        ("SELECT ?k (COUNT(?z) AS ?n) WHERE { ?x cbo:a ?k } GROUP BY ?k", Other),  # ?z never bound
        ("SELECT ?k (SUM(?v * 2) AS ?s) WHERE { ?x cbo:a ?k ; cbo:b ?v } GROUP BY ?k", Other),
        ("SELECT ?k (SUM(DISTINCT ?v) AS ?s) WHERE { ?x cbo:a ?k ; cbo:b ?v } GROUP BY ?k", Other),
        (
            "SELECT ?k (SUM(?v) AS ?s) WHERE { ?x cbo:a ?k OPTIONAL { ?x cbo:b ?v } } GROUP BY ?k",
            Other,
        ),
        ("SELECT ?k (SUM(?v) AS ?s) WHERE { ?x cbo:a ?k ; cbo:b* ?v } GROUP BY ?k", Other),
        (
            "SELECT ?x (MIN(?v) AS ?m) WHERE { ?x cbo:a ?k OPTIONAL { ?x cbo:b ?v } } GROUP BY ?x",
            Star,
        ),
        (
            "SELECT ?x (MIN(?v) AS ?m) WHERE { ?x cbo:a ?k OPTIONAL { ?k cbo:b ?v } } GROUP BY ?x",
            Other,
        ),
        ("SELECT ?x (MIN(?v) AS ?m) WHERE { OPTIONAL { ?x cbo:b ?v } } GROUP BY ?x", Other),
        ("SELECT ?x (MIN(?v) AS ?m) WHERE { ?x cbo:b ?v FILTER(?v < RAND()) } GROUP BY ?x", None),
        (
            "SELECT ?k (SUM(?v) AS ?s) WHERE { ?x cbo:a ?k ; cbo:b ?v } GROUP BY ?k HAVING (SUM(?v) > 1)",
            None,
        ),
        ("SELECT ?k ?v WHERE { ?x cbo:a ?k ; cbo:b ?v }", None),
    ],
)
def test_a_part_is_updated_only_in_the_shapes_a_diff_updates_exactly(query, shape):
    """Sums need every counted and summed variable bound by one basic graph pattern of plain
    properties (a sequence path is spelt out; a ``*`` path is not); a star needs its key the
    subject of every pattern, and bound by one that must match."""
    found = kind_of(sparql_prefixes() + query)
    assert (type(found[0]) if found else None) is shape


# --- updated parts answer as the query asked whole -----------------------------------------


def amount(draw_value: tuple[str, int]) -> Literal:
    kind, value = draw_value
    if kind == "integer":
        return Literal(str(value), datatype=XSD.integer)
    if kind == "double":
        return Literal(f"{value}.25E0", datatype=XSD.double)
    return Literal(f"{value}.{value % 100:02d}", datatype=XSD.decimal)


amounts = st.tuples(
    st.sampled_from(["integer", "decimal", "decimal", "double"]), st.integers(0, 9999)
)
datasets = st.fixed_dictionaries(
    {
        "projects": st.lists(
            st.tuples(st.integers(0, 2), amounts, st.booleans()), min_size=1, max_size=8
        ),
        "participations": st.lists(
            st.tuples(st.integers(0, 7), st.integers(0, 5), amounts), max_size=16
        ),
        "countries": st.lists(st.integers(0, 3), min_size=6, max_size=6),
    }
)
changes = st.lists(
    st.one_of(
        st.tuples(st.just("amount"), st.integers(0, 15), amounts),
        st.tuples(st.just("drop"), st.integers(0, 15), st.none()),
        st.tuples(st.just("add"), st.tuples(st.integers(0, 7), st.integers(0, 5)), amounts),
        st.tuples(st.just("move"), st.integers(0, 5), st.integers(0, 3)),
        st.tuples(st.just("rename"), st.integers(0, 3), st.none()),
        st.tuples(st.just("programme"), st.integers(0, 7), st.integers(0, 2)),
    ),
    min_size=1,
    max_size=4,
)


def statements(data: dict[str, Any]) -> dict[str, set[Quad]]:
    """The dataset's statements, by subject."""
    by: dict[str, set[Quad]] = {}

    def add(s: str, p: NamedNode, o: Any) -> None:
        by.setdefault(s, set()).add(Quad(NamedNode(s), p, o, DefaultGraph()))

    for n, (programme, value, labelled) in enumerate(data["projects"]):
        project = f"{EX}project/{n}"
        add(project, RDF.type, CBO.Project)
        add(project, CBO.programme, NamedNode(f"{EX}programme/{programme}"))
        add(project, CBO.euContribution, amount(value))
        add(project, CBO.acronym, Literal(f"P{n}"))
        if labelled:
            add(project, RDFS.label, Literal(f"Project {n}", language="en"))
    for programme in range(3):
        iri = f"{EX}programme/{programme}"
        add(iri, RDF.type, CBO.Programme)
        add(iri, SKOS.prefLabel, Literal(f"Programme {programme}", language="en"))
    for n, (project, partner, value) in enumerate(data["participations"]):
        participation = f"{EX}participation/{n}"
        add(participation, CBO.project, NamedNode(f"{EX}project/{project}"))
        add(participation, CBO.partner, NamedNode(f"{EX}organisation/{partner}"))
        add(participation, CBO.euContribution, amount(value))
    for partner, country in enumerate(data["countries"]):
        add(f"{EX}organisation/{partner}", CBO.country, NamedNode(f"{EX}country/{country}"))
    for country in range(4):
        name = data.get("names", {}).get(country, f"Country {country}")
        add(f"{EX}country/{country}", SKOS.prefLabel, Literal(name, language="en"))
    return by


def changed(data: dict[str, Any], steps: list[tuple[str, Any, Any]]) -> dict[str, Any]:
    after: dict[str, Any] = {
        "projects": list(data["projects"]),
        "participations": list(data["participations"]),
        "countries": list(data["countries"]),
        "names": dict(data.get("names", {})),
    }
    rows = after["participations"]
    for step, which, value in steps:
        if step == "amount" and rows:
            project, partner, _ = rows[which % len(rows)]
            rows[which % len(rows)] = (project, partner, value)
        elif step == "drop" and rows:
            rows.pop(which % len(rows))
        elif step == "add":
            rows.append((*which, value))
        elif step == "move":
            after["countries"][which] = value
        elif step == "rename":
            after["names"][which] = f"Renamed {which}"
        elif step == "programme":
            projects = after["projects"]
            _, value_, labelled = projects[which % len(projects)]
            projects[which % len(projects)] = (value, value_, labelled)
    return after


def filled(path: Path, by: dict[str, set[Quad]]) -> Any:  # a Dataset
    store = OnDisk(path)
    store.engine.extend(q for quads in by.values() for q in quads)
    store.engine.flush()
    return store


def answer(store: Any, query: str) -> tuple[object, list[str]]:
    body = json.loads(store.select(query).serialize(format=QueryResultsFormat.JSON))
    rows = sorted(json.dumps(b, sort_keys=True) for b in body["results"]["bindings"])
    return body["head"], rows


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=datasets, steps=changes)
def test_parts_updated_from_a_change_answer_as_the_query_asked_whole(tmp_path_factory, data, steps):
    root = tmp_path_factory.mktemp("parts")
    before_quads, after_quads = statements(data), statements(changed(data, steps))
    before = filled(root / "before", before_quads)
    after = filled(root / "after", after_quads)
    subjects = frozenset(
        s
        for s in before_quads.keys() | after_quads.keys()
        if before_quads.get(s, set()) != after_quads.get(s, set())
    )
    properties = frozenset(
        q.predicate.value
        for s in subjects
        for q in before_quads.get(s, set()) ^ after_quads.get(s, set())
    )
    first = Parts(before, root / "answers-before")
    for query in QUERIES:
        assert answer(before, first.rewritten(query) or query) == answer(before, query), query
    diff = Diff(before, root, subjects)
    second = Parts(after, root / "answers-after", root / "answers-before", diff, properties)
    for query in QUERIES:
        assert answer(after, second.rewritten(query) or query) == answer(after, query), query
    # every part kept or updated, but those whose sums were not exact, and those of another
    # shape that read what changed (asked again)
    others = {p.standalone for q in QUERIES for p in parts_of(q) if isinstance(p.kind, Other)}
    assert second.counts["asked"] <= first.counts["not kept"] + len(others)
    del first, second, diff, before, after
    gc.collect()  # the stores' files closed: a hundred examples open two stores each


def test_an_amount_fixed_updates_the_parts_it_reaches_and_asks_none_again(tmp_path):
    data = {
        "projects": [(0, ("decimal", 5), True), (1, ("integer", 7), True)],
        "participations": [
            (0, 0, ("decimal", 10)),
            (1, 1, ("decimal", 20)),
            (0, 2, ("integer", 3)),
        ],
        "countries": [0, 1, 2, 3, 0, 1],
    }
    before_quads = statements(data)
    after_quads = statements(changed(data, [("amount", 0, ("decimal", 11))]))
    before, after = (
        filled(tmp_path / "before", before_quads),
        filled(tmp_path / "after", after_quads),
    )
    first = Parts(before, tmp_path / "a")
    for query in QUERIES:
        first.rewritten(query)
    every = {p.standalone for q in QUERIES for p in parts_of(q)}
    assert first.counts == {"kept": 0, "updated": 0, "asked": len(every), "not kept": 0}
    participation = f"{EX}participation/0"
    diff = Diff(before, tmp_path, frozenset({participation}))
    amounts = frozenset({CBO.euContribution.value})
    second = Parts(after, tmp_path / "b", tmp_path / "a", diff, amounts)
    for query in QUERIES:
        assert answer(after, second.rewritten(query) or query) == answer(after, query)
    # read amounts, updated: the sums by country (the example's, each programme's), by
    # programme (the list's), and each programme's two stars of its projects (whose rows read
    # the projects' amounts: no project changed, so none is asked again)
    assert second.counts == {"kept": 4, "updated": 8, "asked": 0, "not kept": 0}
    assert {p.name for p in (tmp_path / "b" / "memo").iterdir()} == {
        p.name for p in (tmp_path / "a" / "memo").iterdir()
    }


@pytest.mark.parametrize("value", ['"a {"', "<http://example.org/x#y>"])
def test_a_part_whose_rows_cannot_stand_in_values_stays_in_its_query(tmp_path, value):
    store = filled(tmp_path / "s", {})
    subject = NamedNode(EX + "a")
    store.engine.add(Quad(subject, CBO.acronym, Literal("x"), DefaultGraph()))
    store.engine.add(Quad(subject, CBO.partner, BlankNode(), DefaultGraph()))
    query = sparql_prefixes() + (
        "SELECT * WHERE { { SELECT ?s (SAMPLE(?o) AS ?b) WHERE { ?s cbo:partner ?o } GROUP BY ?s } "
        f"BIND({value} AS ?v) }}"
    )
    parts = Parts(store, tmp_path / "answers")
    assert parts.rewritten(query) is None  # a blank node: the part is asked with its query
    assert parts.counts["not kept"] == 1
    assert answer(store, query)[1]  # and the query still answers


def test_parsing_leaves_no_query_solutions_for_another_thread_to_drop(tmp_path, monkeypatch):
    """pyparsing leaves reference cycles holding the frames above a parse: a query parsed
    while a caller iterates solutions kept them alive until the garbage collector dropped
    them from another thread, which pyoxigraph refuses (a warning on the user's terminal,
    and a leak). Queries are parsed in a thread of their own."""
    import gc
    import sys
    import threading

    from cblod.derived.reads import properties_read

    unraisable: list[object] = []
    monkeypatch.setattr(sys, "unraisablehook", lambda u: unraisable.append(u.exc_value))
    store = filled(tmp_path / "s", statements({"projects": [(0, ("integer", 1), True)],
                                               "participations": [], "countries": [0] * 6}))  # fmt: skip

    def reads_while_iterating() -> None:
        solutions = store.select("SELECT ?s WHERE { ?s ?p ?o }")
        next(solutions)
        for n in range(3):  # queries never parsed before: each parse is a new one
            properties_read(f"SELECT ?s WHERE {{ ?s <{EX}p{n}-{id(solutions)}> ?o }}")

    asking = threading.Thread(target=reads_while_iterating)
    asking.start()
    asking.join()
    gc.collect()
    assert unraisable == []


def test_shapes_kept_by_other_rules_are_read_again(tmp_path, monkeypatch):
    """What a release kept of its parts' shapes is taken only under the same rules: an
    upgrade that tells shapes apart otherwise reads them again rather than trust the old."""
    from cblod.derived import part_shapes, parts

    query = example("EU funding (ERDF) by partner country")
    (tmp_path / "memo").mkdir()
    first = parts.Known(None)
    assert isinstance(first.kind(query, top=True)[0], Sums)
    first.save(tmp_path / "memo")
    assert parts.Known(tmp_path / "memo")._known  # the same rules: taken
    monkeypatch.setattr(parts, "SHAPES", part_shapes.SHAPES + 1)
    assert parts.Known(tmp_path / "memo")._known == {}  # other rules: read again
