"""The ontology and shapes: the public contract, readable and complete on its own."""

from importlib.resources import files

import pytest
import rdflib
from rdflib.namespace import OWL, RDF, RDFS

CBO = rdflib.Namespace("https://w3id.org/cblod/ontology#")

CORE_CLASSES = [
    "Programme", "Priority", "SpecificObjective", "ThematicObjective", "InvestmentPriority",
    "Project", "Organisation", "Participation", "Result", "Cluster", "SourceRecord",
]  # fmt: skip
CORE_PROPERTIES = [
    "acronym", "programme", "priority", "specificObjective", "thematicObjective",
    "investmentPriority", "startDate", "endDate", "status", "project", "partner", "role",
    "totalBudget", "euContribution", "country", "region", "legalStatus", "result",
]  # fmt: skip
ALIGNMENT_NAMESPACES = {
    "org": "http://www.w3.org/ns/org#",
    "adms": "http://www.w3.org/ns/adms#",
    "rov": "http://www.w3.org/ns/regorg#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "schema": "https://schema.org/",
    "frapo": "http://purl.org/cerif/frapo/",
    "prov": "http://www.w3.org/ns/prov#",
    "dcterms": "http://purl.org/dc/terms/",
}


@pytest.fixture(scope="module")
def ontology() -> rdflib.Graph:
    graph = rdflib.Graph()
    graph.parse(
        data=files("cblod.ontology").joinpath("cblod.ttl").read_text("utf-8"), format="turtle"
    )
    return graph


def test_core_terms_exist_with_their_kinds(ontology):
    for name in CORE_CLASSES:
        assert (CBO[name], RDF.type, OWL.Class) in ontology, name
    for name in CORE_PROPERTIES:
        kinds = set(ontology.objects(CBO[name], RDF.type))
        assert kinds & {OWL.ObjectProperty, OWL.DatatypeProperty}, name
    assert (CBO.LeadPartner, RDF.type, CBO.Role) in ontology
    assert (CBO.ProjectPartner, RDF.type, CBO.Role) in ontology


def test_every_term_has_a_label_and_a_comment(ontology):
    terms = {
        s for s in ontology.subjects() if isinstance(s, rdflib.URIRef) and s.startswith(str(CBO))
    }
    assert len(terms) > 40
    for term in terms:
        assert ontology.value(term, RDFS.label), term
        assert ontology.value(term, RDFS.comment), term


def test_terms_are_aligned_to_the_standard_vocabularies(ontology):
    targets = {
        str(o) for p in (RDFS.subClassOf, RDFS.subPropertyOf) for o in ontology.objects(None, p)
    }
    for prefix, namespace in ALIGNMENT_NAMESPACES.items():
        assert any(t.startswith(namespace) for t in targets), prefix


def test_amounts_and_dates_have_the_documented_datatypes(ontology):
    for name in ("totalBudget", "euContribution"):
        assert ontology.value(CBO[name], RDFS.range) == rdflib.XSD.decimal
    for name in ("startDate", "endDate"):
        assert ontology.value(CBO[name], RDFS.range) == rdflib.XSD.date


def test_shapes_cover_every_core_class():
    shapes = rdflib.Graph()
    shapes.parse(
        data=files("cblod.ontology").joinpath("shapes.ttl").read_text("utf-8"), format="turtle"
    )
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    targets = set(shapes.objects(None, sh.targetClass))
    for name in CORE_CLASSES:
        if name != "Cluster":  # a cluster is an organisation and meets its shape
            assert CBO[name] in targets, name
