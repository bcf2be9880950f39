"""``cblod stats``: what the store holds, counted with SPARQL over the published graph."""

from __future__ import annotations

from .published import Dataset
from .vocab import CBO, sparql_prefixes

COUNTED_CLASSES = (
    "Programme",
    "Priority",
    "SpecificObjective",
    "ThematicObjective",
    "InvestmentPriority",
    "Indicator",
    "Project",
    "Organisation",
    "Cluster",
    "Participation",
    "Result",
    "SourceRecord",
)


def stats(store: Dataset) -> dict[str, int | str]:
    """Counts of triples, sources and instances of each cbo: class, in a stable order."""
    counts: dict[str, int | str] = {
        "base URI": store.base_uri or "(none)",
        "source graphs": len(store.source_graphs()),
    }
    (row,) = store.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    counts["triples (default graph)"] = int(row["n"].value)
    by_class = {
        row["class"].value: int(row["n"].value)
        for row in store.select(
            sparql_prefixes()
            + "SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?class } GROUP BY ?class"
        )
    }
    for name in COUNTED_CLASSES:
        counts[name] = by_class.get(CBO[name].value, 0)
    (linked,) = store.select(
        sparql_prefixes()
        + "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?o a cbo:Organisation ; cbo:identifier ?i }"
    )
    organisations = by_class.get(CBO.Organisation.value, 0) or 1
    counts["organisations with a registry identifier"] = (
        f"{linked['n'].value} ({int(linked['n'].value) / organisations:.0%})"
    )
    (external,) = store.select(
        sparql_prefixes()
        + f"""SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE {{ ?o a cbo:Organisation ; owl:sameAs ?x
               FILTER(!STRSTARTS(STR(?x), "{store.base_uri or ""}")) }}"""
    )
    counts["organisations linked to an external resource (Wikidata, …)"] = (
        f"{external['n'].value} ({int(external['n'].value) / organisations:.0%})"
    )
    return counts
