"""The ontology as data: its terms, labels, comments and which properties are functional.

Read once from ``ontology/cblod.ttl`` (shipped as ``cblod.ontology``); consolidation, pages and
the published ontology documentation all use this one reading.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from pyoxigraph import RdfFormat, Store

from .vocab import CBO, OWL, RDF, RDFS

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
        q.subject.value for q in store.quads_for_pattern(None, RDF.type, OWL.FunctionalProperty)
    )


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
        iri = quad.subject.value
        if not iri.startswith(str(CBO)):
            continue
        kinds = [q.object.value for q in store.quads_for_pattern(quad.subject, RDF.type, None)]
        kind = next((k.rsplit("#", 1)[-1] for k in kinds if k.startswith(str(OWL))), None)
        kind = kind if kind != "FunctionalProperty" else None
        kind = kind or next((k.rsplit("#", 1)[-1] for k in kinds), "Term")
        if OWL.ObjectProperty.value in kinds:
            kind = "ObjectProperty"
        elif OWL.DatatypeProperty.value in kinds:
            kind = "DatatypeProperty"
        comment = next(iter(store.quads_for_pattern(quad.subject, RDFS.comment, None)), None)
        parents = tuple(
            q.object.value
            for p in (RDFS.subClassOf, RDFS.subPropertyOf)
            for q in store.quads_for_pattern(quad.subject, p, None)
        )
        found.append(
            Term(
                iri,
                iri.rsplit("#", 1)[-1],
                kind,
                quad.object.value,
                comment.object.value if comment else "",
                parents,
            )
        )
    return tuple(sorted(found, key=lambda t: (t.kind, t.name)))


@cache
def term_labels() -> dict[str, str]:
    return {t.iri: t.label for t in terms()}
