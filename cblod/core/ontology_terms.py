"""The ontology as data: its terms, labels, comments and which properties are functional.

Read once from ``ontology/cblod.ttl`` (shipped as ``cblod.ontology``); consolidation, pages and
the published ontology documentation all use this one reading.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from pyoxigraph import NamedNode, RdfFormat, Store

from .rdfterms import lexical
from .vocab import ADMS, CBO, DCTERMS, ORG, OWL, RDF, RDFS, ROV, SCHEMA, SKOS

ONTOLOGY_IRI = "https://w3id.org/cblod/ontology"


def ontology_turtle() -> bytes:
    return files("cblod.ontology").joinpath("cblod.ttl").read_bytes()


@cache
def ontology_store() -> Store:
    store = Store()
    store.load(ontology_turtle(), format=RdfFormat.TURTLE)
    return store


@cache
def functional_properties() -> frozenset[str]:
    """Properties declared functional: one value per subject in the default graph."""
    store = ontology_store()
    return frozenset(
        lexical(q.subject) for q in store.quads_for_pattern(None, RDF.type, OWL.FunctionalProperty)
    )


#: Terms of the standard vocabularies that portals and SEMIC Core Vocabulary, W3C org and
#: schema.org consumers ask for by name, without a reasoner. Where one of ours refines one of
#: these (``cbo:identifier`` a sub-property of ``adms:identifier``, ``cbo:Organisation`` a
#: sub-class of ``schema:Organization``), the published graph states the standard term beside
#: ours. Broader parents (``prov:Entity``, ``frapo:isFundedBy``) stay in the ontology only: they
#: would grow every dump for consumers that do not exist.
QUERIED_TERMS = frozenset(
    term.value
    for term in (
        # identifiers, names, dates
        ADMS.identifier,
        DCTERMS.identifier,
        SKOS.altLabel,
        SKOS.hiddenLabel,
        SCHEMA.startDate,
        SCHEMA.endDate,
        # places, kinds, publishers
        DCTERMS.spatial,
        DCTERMS.type,
        DCTERMS.publisher,
        ROV.orgType,
        # W3C org memberships: who took part in what, in which role
        ORG.member,
        ORG.organization,
        ORG.role,
        ORG.memberOf,
        # classes
        ORG.FormalOrganization,
        ORG.Membership,
        ORG.Role,
        SCHEMA.Organization,
        SCHEMA.Project,
        SCHEMA.Event,
        ADMS.Identifier,
        SKOS.Concept,
        DCTERMS.Location,
    )
)


@cache
def published_parents() -> dict[str, tuple[NamedNode, ...]]:
    """Each of our classes and properties -> its ancestors among ``QUERIED_TERMS``.

    Transitive (``cbo:Cluster`` -> ``cbo:Organisation`` -> ``schema:Organization``), read from
    the ontology's ``rdfs:subClassOf`` and ``rdfs:subPropertyOf``: RDFS entailment (rules
    rdfs7 and rdfs9) limited to the terms consumers query.
    """
    store = ontology_store()
    direct: dict[str, set[str]] = {}
    for predicate in (RDFS.subClassOf, RDFS.subPropertyOf):
        for quad in store.quads_for_pattern(None, predicate, None):
            direct.setdefault(lexical(quad.subject), set()).add(lexical(quad.object))

    def ancestors(term: str, seen: frozenset[str] = frozenset()) -> set[str]:
        found: set[str] = set()
        for parent in direct.get(term, ()):
            if parent not in seen:
                found |= {parent} | ancestors(parent, seen | {term})
        return found

    parents = {
        term: tuple(NamedNode(a) for a in sorted(ancestors(term) & QUERIED_TERMS))
        for term in direct
        if term.startswith(str(CBO))
    }
    return {term: found for term, found in parents.items() if found}


@dataclass(frozen=True)
class Term:
    iri: str
    name: str
    kind: str  # Class, ObjectProperty, DatatypeProperty, or the class of an individual
    label: str
    comment: str
    parents: tuple[str, ...]


@cache
def terms() -> tuple[Term, ...]:
    store = ontology_store()
    found = []
    for quad in store.quads_for_pattern(None, RDFS.label, None):
        iri = lexical(quad.subject)
        if not iri.startswith(str(CBO)):
            continue
        kinds = [lexical(q.object) for q in store.quads_for_pattern(quad.subject, RDF.type, None)]
        kind = next((k.rsplit("#", 1)[-1] for k in kinds if k.startswith(str(OWL))), None)
        kind = kind if kind != "FunctionalProperty" else None
        kind = kind or next((k.rsplit("#", 1)[-1] for k in kinds), "Term")
        if OWL.ObjectProperty.value in kinds:
            kind = "ObjectProperty"
        elif OWL.DatatypeProperty.value in kinds:
            kind = "DatatypeProperty"
        comment = next(iter(store.quads_for_pattern(quad.subject, RDFS.comment, None)), None)
        parents = tuple(
            lexical(q.object)
            for p in (RDFS.subClassOf, RDFS.subPropertyOf)
            for q in store.quads_for_pattern(quad.subject, p, None)
        )
        found.append(
            Term(
                iri,
                iri.rsplit("#", 1)[-1],
                kind,
                lexical(quad.object),
                lexical(comment.object) if comment else "",
                parents,
            )
        )
    return tuple(sorted(found, key=lambda t: (t.kind, t.name)))


@cache
def term_labels() -> dict[str, str]:
    return {t.iri: t.label for t in terms()}
