"""Standard terms beside ours: a consumer without a reasoner finds identifiers, dates, names,
memberships and types under the vocabulary terms it knows (ADMS, DCTERMS, schema.org, W3C
org, SKOS), as well as under cbo's."""

import pytest
import requests
from pyoxigraph import Literal, NamedNode

from cblod.core.ontology_terms import functional_properties, published_parents
from cblod.core.rdfterms import Term, lexical
from cblod.core.vocab import CBO, RDF, SKOS
from cblod.ingest.consolidate import Consolidator
from tests.helpers.samples import select


def pairs(store, query: str) -> set[tuple[str, ...]]:
    return {tuple(row.values()) for row in select(store, query)}


@pytest.mark.parametrize(
    ("ours", "standard"),
    [
        ("cbo:identifier", "adms:identifier"),
        ("cbo:projectCode", "dcterms:identifier"),
        ("cbo:startDate", "schema:startDate"),
        ("cbo:endDate", "schema:endDate"),
        ("cbo:partner", "org:member"),
        ("cbo:project", "org:organization"),
        ("cbo:role", "org:role"),
        ("cbo:country", "dcterms:spatial"),
    ],
)
def test_every_statement_in_our_property_is_also_in_the_standard_one(demo_store, ours, standard):
    said = pairs(demo_store, f"SELECT ?s ?o WHERE {{ ?s {ours} ?o }}")
    assert said  # the sample data uses every property listed
    assert said <= pairs(demo_store, f"SELECT ?s ?o WHERE {{ ?s {standard} ?o }}")


@pytest.mark.parametrize(
    ("ours", "standard"),
    [
        ("cbo:Organisation", "schema:Organization"),
        ("cbo:Cluster", "org:FormalOrganization"),  # through cbo:Organisation
        ("cbo:Project", "schema:Project"),
        ("cbo:Participation", "org:Membership"),
        ("cbo:Identifier", "adms:Identifier"),
    ],
)
def test_every_instance_of_our_class_is_typed_with_the_standard_one(demo_store, ours, standard):
    instances = pairs(demo_store, f"SELECT ?s WHERE {{ ?s a {ours} }}")
    assert instances
    assert instances <= pairs(demo_store, f"SELECT ?s WHERE {{ ?s a {standard} }}")


def test_a_pic_is_found_through_adms_identifier_over_http(demo_server, demo_store):
    expected = pairs(
        demo_store,
        "SELECT ?o ?n WHERE { ?o cbo:identifier ?i . ?i skos:notation ?n }",
    )
    assert expected
    answer = requests.post(
        f"{demo_server}/sparql",
        data={
            "query": "PREFIX adms: <http://www.w3.org/ns/adms#> "
            "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
            "SELECT ?o ?n WHERE { ?o adms:identifier ?i . ?i skos:notation ?n }"
        },
        headers={"Accept": "application/sparql-results+json"},
        timeout=60,
    ).json()
    got = {(b["o"]["value"], b["n"]["value"]) for b in answer["results"]["bindings"]}
    assert got == expected


def test_parents_come_from_the_ontology_and_only_name_queried_terms():
    parents = published_parents()
    cbo = "https://w3id.org/cblod/ontology#"
    assert [p.value for p in parents[cbo + "identifier"]] == [
        "http://www.w3.org/ns/adms#identifier"
    ]
    # a parent that no consumer queries without a reasoner is not materialised
    assert all("prov#" not in p.value for found in parents.values() for p in found)


def test_an_acronym_is_an_alternative_label_unless_it_is_the_preferred_one(demo_store):
    acronyms = pairs(demo_store, "SELECT ?s ?o WHERE { ?s cbo:acronym ?o }")
    preferred = pairs(demo_store, "SELECT ?s ?o WHERE { ?s skos:prefLabel ?o }")
    alternative = pairs(demo_store, "SELECT ?s ?o WHERE { ?s skos:altLabel ?o }")
    assert acronyms - preferred and acronyms & preferred  # both cases are in the samples
    assert acronyms - preferred <= alternative
    assert not (alternative & preferred)  # SKOS keeps the label properties disjoint


def test_a_former_name_is_a_hidden_label_unless_it_is_shown_already():
    subject, graph = NamedNode("http://example.org/o"), NamedNode("http://example.org/g")
    statements: list[tuple[NamedNode, Term, NamedNode]] = [
        (RDF.type, CBO.Organisation, graph),
        (SKOS.prefLabel, Literal("Acme Oy"), graph),
        (CBO.formerName, Literal("Acme Oy"), graph),
        (CBO.formerName, Literal("Acme Ab"), graph),
    ]
    out, _ = Consolidator(functional_properties(), {}, published_parents()).subject(
        subject, statements
    )
    hidden = {lexical(q.object) for q in out if q.predicate == SKOS.hiddenLabel}
    assert hidden == {"Acme Ab"}
    types = {lexical(q.object) for q in out if q.predicate == RDF.type}
    assert "https://schema.org/Organization" in types
