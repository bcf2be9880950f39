"""A resource's description is the same whichever way it is read and whichever backend holds it.

The embedded store describes by pattern lookups (cheap in process); a SPARQL server in three
simple queries (three requests, not one per lookup). Both ways run on the same embedded store
here and must agree on every resource, inbound links paged; and every backend must describe as
the embedded store does.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import pytest
from pyoxigraph import DefaultGraph, Literal, NamedNode

from cblod.backends.store import CblodStore
from cblod.core.rdfterms import wkt_point
from cblod.core.vocab import GEO
from cblod.publish import ingest
from cblod.read.describe import (
    INBOUND_PAGE,
    Description,
    about_known,
    describe,
    describe_by_lookups,
    describe_in_few_queries,
    linked_nodes,
)
from tests.helpers.samples import KEEP_EU_PAGE


def published_iris(store: CblodStore) -> list[NamedNode]:
    """Every IRI the published graph states something about or links to."""
    found: set[str] = set()
    for quad in store.quads(None, None, None, DefaultGraph()):
        for term in (quad.subject, quad.object):
            if isinstance(term, NamedNode):
                found.add(term.value)
    return [NamedNode(iri) for iri in sorted(found)]


def fresh(describe, store, iri, **options):
    """``describe`` from its own reads: no name kept from an earlier description."""
    return describe(store, iri, **options)


@pytest.mark.parametrize("sorted_here", [2000, 1], ids=["read here", "counted by the engine"])
def test_both_ways_describe_every_resource_alike(sample_store, monkeypatch, sorted_here):
    import cblod.read.describe

    monkeypatch.setattr(cblod.read.describe, "INBOUND_SORTED_HERE", sorted_here)
    iris = published_iris(sample_store)
    assert len(iris) > 100
    described = 0
    for iri in iris:
        by_lookups = fresh(describe_by_lookups, sample_store, iri)
        if by_lookups.inbound_total > max(sorted_here, INBOUND_PAGE):
            # more links than a page, counted by the engine: the local way's pages follow
            # the store's order, a server's the links' (test_inbound_links_are_paged_...);
            # all else is alike
            by_queries = fresh(describe_in_few_queries, sample_store, iri)
            assert beside_the_page(by_lookups) == beside_the_page(by_queries), iri
            described += 1
            continue
        assert by_lookups == fresh(describe_in_few_queries, sample_store, iri), iri
        # and alike again with the names of what earlier pages showed kept
        assert (
            by_lookups
            == describe_by_lookups(sample_store, iri)
            == (describe_in_few_queries(sample_store, iri))
        )
        described += by_lookups.exists
        if 1 < by_lookups.inbound_total <= sorted_here:  # the second page, from one on
            assert fresh(describe_by_lookups, sample_store, iri, inbound_offset=1) == (
                fresh(describe_in_few_queries, sample_store, iri, inbound_offset=1)
            )
    assert described == len(iris)


def beside_the_page(d: Description) -> tuple:
    """What a description holds whichever inbound links its page shows."""
    return d.statements, d.by_source, d.inbound_total, d.sources_total, d.moved, d.iri


def test_names_kept_from_earlier_pages_are_those_of_the_same_version(tmp_path):
    """A name kept for one version is never shown for another: a project renamed at its
    source is shown by its new name in the next version, though the old one was kept."""
    page = tmp_path / "keep-eu-4smart-growth.txt"
    page.write_text(KEEP_EU_PAGE.read_text(encoding="utf-8"), encoding="utf-8")
    store = CblodStore(tmp_path / "store")
    ingest([page], store=store)
    (row,) = store.select("SELECT ?p WHERE { ?p a <https://w3id.org/cblod/ontology#Project> }")
    project = row["p"]
    older = CblodStore(tmp_path / "store", must_exist=True)  # stays on this version
    before = describe_by_lookups(older, project)
    assert before.label() == "Smart Clusters for Smart Growth through Joint Business Intelligence"
    text = page.read_text(encoding="utf-8").replace(before.label(), "Smart Clusters, renamed")
    page.write_text(text, encoding="utf-8")
    ingest([page], store=store)
    after = older.latest()
    assert after.version != older.version
    for way in (describe_by_lookups, describe_in_few_queries):
        assert way(after, project).label() == "Smart Clusters, renamed"
        assert way(older, project).label() == before.label()


def test_inbound_links_are_paged_in_a_stable_order(sample_store, monkeypatch):
    """Pages of a resource's inbound links, read and sorted here: the same links in the same
    order, each once, as the few-queries way gives them."""
    import cblod.read.describe

    monkeypatch.setattr(cblod.read.describe, "INBOUND_PAGE", 3)
    busiest = busiest_iri(sample_store)
    whole = describe_by_lookups(sample_store, busiest)
    assert whole.inbound_total > 6
    for way in (describe_by_lookups, describe_in_few_queries):
        pages = [way(sample_store, busiest, inbound_offset=o) for o in (0, 3, 6)]
        links = [link for page in pages for link in page.inbound]
        assert len(links) == 9 and len(set(links)) == 9
        assert links == sorted(links, key=lambda sp: (sp[1].value, sp[0].value))
        assert {page.inbound_total for page in pages} == {whole.inbound_total}


def test_many_inbound_links_are_paged_in_the_stores_order(sample_store, monkeypatch):
    """A resource with more inbound links than are read and sorted here
    (``INBOUND_SORTED_HERE``; an organisation in 20 000 projects has 40 000): the engine counts
    them, and a page reads only its stretch, by predicate and then in the store's own order.
    The pages partition the links (every link on exactly one page), each page is shown
    sorted, asking a page again gives the same links, and the total is exact."""
    import cblod.read.describe

    monkeypatch.setattr(cblod.read.describe, "INBOUND_PAGE", 3)
    monkeypatch.setattr(cblod.read.describe, "INBOUND_SORTED_HERE", 2)
    busiest = busiest_iri(sample_store)
    every = {
        (q.subject, q.predicate) for q in sample_store.quads(None, None, busiest, DefaultGraph())
    }
    pages = [
        describe_by_lookups(sample_store, busiest, inbound_offset=o)
        for o in range(0, len(every), 3)
    ]
    links = [link for page in pages for link in page.inbound]
    assert len(links) == len(every) and set(links) == every
    assert {page.inbound_total for page in pages} == {len(every)}
    for page in pages:
        assert page.inbound == sorted(page.inbound, key=lambda sp: (sp[1].value, sp[0].value))
    predicates = [p.value for page in pages for _, p in page.inbound]
    assert predicates == sorted(predicates)  # a predicate's links before the next one's
    again = describe_by_lookups(sample_store, busiest, inbound_offset=3)
    assert again.inbound == pages[1].inbound


def busiest_iri(store: CblodStore) -> NamedNode:
    """The resource with the most inbound links."""
    return max(published_iris(store), key=lambda i: len(list(
        store.quads(None, None, i, DefaultGraph())
    )))  # fmt: skip


def comparable(d: Description) -> Description:
    """``d`` with numbers by value: an engine may write 1.50 as 1.5; and points to 1e-4
    degrees: Virtuoso gives a WKT point back as its own geometry type, in single precision
    (README, "Virtuoso")."""

    def term(t):
        at = wkt_point(t.value) if isinstance(t, Literal) else None
        if at is not None:
            return Literal(f"POINT({round(at[0], 4)} {round(at[1], 4)})", datatype=GEO.wktLiteral)
        if isinstance(t, Literal) and t.datatype.value.endswith("#decimal"):
            try:
                return Literal(str(Decimal(t.value).normalize()), datatype=t.datatype)
            except InvalidOperation:
                return t
        return t

    def pairs(found):
        return sorted(((p, term(o)) for p, o in found), key=lambda po: (po[0].value, str(po[1])))

    d.statements = pairs(d.statements)
    d.by_source = {g: pairs(said) for g, said in d.by_source.items()}
    return d


@pytest.mark.slow
def test_every_backend_describes_as_the_embedded_store(published_samples, sample_store):
    for iri in published_iris(sample_store):
        assert comparable(describe(published_samples, iri)) == comparable(
            describe(sample_store, iri)
        ), iri


def test_every_backend_lists_the_subjects_under_a_prefix_alike(
    published_samples, sample_store, monkeypatch
):
    """What pages are made ahead for: every published subject of ours, each once, also when
    a server is read a page at a time (a few subjects a page here, to page at all)."""
    import cblod.backends.reads

    monkeypatch.setattr(cblod.backends.reads, "SUBJECTS_PAGE", 7)
    ours = f"{sample_store.base_uri}id/"
    expected = {
        q.subject
        for q in sample_store.quads(None, None, None, DefaultGraph())
        if isinstance(q.subject, NamedNode) and q.subject.value.startswith(ours)
    }
    listed = list(published_samples.subjects_under(ours))
    assert len(listed) == len(set(listed)) and set(listed) == expected
    assert len(expected) > 7 * 3


def test_names_kept_from_earlier_descriptions_describe_as_lookups_do(sample_store):
    """A server keeps the names of nodes its pages showed (``about_known``, held by the app):
    a description from them is the one its own reads give."""
    known = about_known()
    for iri in published_iris(sample_store):
        assert describe(sample_store, iri, known=known) == describe(sample_store, iri), iri
        shown = linked_nodes(describe(sample_store, iri))
        assert all(known.get((sample_store.version, node)) is not None for node in shown), iri
