"""``cblod stats``: what the store holds, counted with SPARQL over the published graph."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from pyoxigraph import QuerySolution

from ..backends.published import Dataset
from ..core.rdfterms import lexical
from ..core.vocab import CBO, COUNTRY, CURRENCY, NUTS, RDF, sparql_prefixes

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


#: the home page's money figure: every partnership's EU contribution, each counted once
EU_FUNDING = "EU funding of partnerships (EUR)"
#: organisations with a point (``cblod.ingest.emit.Emitter.point``), and their share
PLACED = "organisations placed on the map"


def stats(store: Dataset, scans: Scans | None = None) -> dict[str, int | str]:
    """Counts of triples, sources and instances of each cbo: class, in a stable order
    (``scans``: the counts over every statement, when already known)."""
    counts: dict[str, int | str] = {
        "base URI": store.base_uri or "(none)",
        "source graphs": len(store.source_graphs()),
    }
    if scans is None:
        (row,) = store.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        counts["triples (default graph)"] = int(row["n"].value)
        by_class = {
            row["class"].value: int(row["n"].value)
            for row in store.select(
                sparql_prefixes()
                + "SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?class } GROUP BY ?class"
            )
        }
    else:
        counts["triples (default graph)"] = scans.triples
        by_class = dict(scans.classes)
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
    (placed,) = store.select(
        sparql_prefixes()
        + "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?o a cbo:Organisation ; geo:hasGeometry ?g }"
    )
    counts[PLACED] = f"{placed['n'].value} ({int(placed['n'].value) / organisations:.0%})"
    (external,) = store.select(
        sparql_prefixes()
        + f"""SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE {{ ?o a cbo:Organisation ; owl:sameAs ?x
               FILTER(!STRSTARTS(STR(?x), "{store.base_uri or ""}")) }}"""
    )
    (money,) = store.select(
        sparql_prefixes()
        + "SELECT (SUM(?e) AS ?n) WHERE { ?p a cbo:Participation ; cbo:euContribution ?e }"
    )
    counts[EU_FUNDING] = lexical(money["n"]) if money["n"] is not None else "0"
    counts["organisations linked to an external resource (Wikidata, …)"] = (
        f"{external['n'].value} ({int(external['n'].value) / organisations:.0%})"
    )
    return counts


#: external datasets our IRIs point into, for VoID linksets: (name, namespace, dataset IRI)
LINK_TARGETS = (
    ("countries", str(COUNTRY), "http://publications.europa.eu/resource/dataset/country"),
    ("nuts", str(NUTS), "http://data.europa.eu/nuts"),
    ("currencies", str(CURRENCY), "http://publications.europa.eu/resource/dataset/currency"),
    ("wikidata", "http://www.wikidata.org/entity/", "http://www.wikidata.org/"),
)


@dataclass
class Scans:
    """The statistics that count over every statement of the published graph: statements,
    subjects (IRIs), subjects per class, statements per property, and links per property into
    each external dataset (``LINK_TARGETS``). Each is a sum over subjects, so a release's can
    be updated from the release before's (``cblod.derived.statistics``)."""

    triples: int
    entities: int
    classes: Counter[str]
    properties: Counter[str]
    links: dict[str, Counter[str]]

    @classmethod
    def empty(cls) -> Scans:
        return cls(0, 0, Counter(), Counter(), {name: Counter() for name, _, _ in LINK_TARGETS})

    @classmethod
    def of(cls, store: Dataset) -> Scans:
        """Counted whole, with SPARQL over the published graph."""
        classes = Counter(
            {
                r["c"].value: int(r["n"].value)
                for r in store.select(
                    "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c"
                )
            }
        )
        properties = Counter(
            {
                r["p"].value: int(r["n"].value)
                for r in store.select("SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p")
            }
        )
        # every target in one pass over the statements (one scan, not one per target), our
        # own IRIs (most objects) set aside by one test before the targets' tests
        ours = f' && !STRSTARTS(STR(?o), "{store.base_uri}")' if store.base_uri else ""
        target = '""'
        for name, namespace, _ in reversed(LINK_TARGETS):
            target = f'IF(STRSTARTS(STR(?o), "{namespace}"), "{name}", {target})'
        links: dict[str, Counter[str]] = {name: Counter() for name, _, _ in LINK_TARGETS}
        for r in store.select(
            f"SELECT ?p ?target (COUNT(*) AS ?n) WHERE {{ ?s ?p ?o "
            f"FILTER(isIRI(?o) && ?p != <{RDF.type.value}>{ours}) BIND({target} AS ?target) "
            f'FILTER(?target != "") }} GROUP BY ?p ?target'
        ):
            links[r["target"].value][r["p"].value] = int(r["n"].value)
        (entities,) = store.select(
            "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o FILTER(isIRI(?s)) }"
        )
        return cls(sum(properties.values()), int(entities["n"].value), classes, properties, links)

    @classmethod
    def from_kept(cls, kept: dict[str, Any]) -> Scans | None:
        """From a release's kept ``dataset_statistics``; None if it lacks them."""
        try:
            return cls(
                int(kept["triples"]),
                int(kept["entities"]),
                Counter(kept["classes"]),
                Counter(kept["properties"]),
                {name: Counter(kept["links"].get(name, {})) for name, _, _ in LINK_TARGETS},
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            return None

    def plus(self, change: Scans) -> Scans | None:
        """These counts with ``change`` added; None if any would go below zero (the two do
        not describe the same data: the caller counts whole)."""

        def added(a: Counter[str], b: Counter[str]) -> Counter[str] | None:
            total = Counter(a)
            total.update(b)
            if any(n < 0 for n in total.values()):
                return None
            return Counter({k: n for k, n in total.items() if n > 0})

        classes, properties = (
            added(self.classes, change.classes),
            added(self.properties, change.properties),
        )
        links = {name: added(self.links[name], change.links[name]) for name in self.links}
        triples, entities = self.triples + change.triples, self.entities + change.entities
        if classes is None or properties is None or None in links.values():
            return None
        if triples < 0 or entities < 0:
            return None
        return Scans(triples, entities, classes, properties, links)  # type: ignore[arg-type]


def dataset_statistics(store: Dataset, scans: Scans | None = None) -> dict[str, Any]:
    """What VoID and DCAT-AP say of the dataset: sizes, classes and properties, links into
    other datasets, period, example resources, countries, last change (``scans``: the counts
    over every statement, when already known)."""

    def one(query: str) -> QuerySolution:
        (row,) = store.select(sparql_prefixes() + query)
        return row

    counted = scans if scans is not None else Scans.of(store)
    classes, properties = dict(counted.classes), dict(counted.properties)
    links = {name: dict(found) for name, found in counted.links.items()}
    period = one(
        "SELECT (MIN(?s) AS ?first) (MAX(?e) AS ?last) WHERE { ?p cbo:startDate ?s ; cbo:endDate ?e }"
    )
    examples = {
        name: next(
            iter(
                store.select(
                    f"SELECT ?s WHERE {{ ?s a cbo:{name} }} LIMIT 1", prefixes={"cbo": str(CBO)}
                )
            ),
            None,
        )
        for name in ("Project", "Organisation", "Programme")
    }
    countries = [
        r["c"].value
        for r in store.select(
            sparql_prefixes() + "SELECT DISTINCT ?c WHERE { ?o cbo:country ?c } ORDER BY ?c"
        )
    ]
    tags = name_tags(store)
    times = one(
        "SELECT (MIN(?t) AS ?first) (MAX(?t) AS ?t) WHERE { "
        "?g a cbo:SourceRecord ; prov:generatedAtTime ?t }"
    )
    return {
        "triples": counted.triples,
        "entities": str(counted.entities),
        "classes": classes,
        "properties": properties,
        "links": links,
        "first": period["first"].value if period["first"] else None,
        "last": period["last"].value if period["last"] else None,
        "examples": [row["s"].value for row in examples.values() if row is not None],
        "countries": countries,
        "languages": name_languages(store, tags),
        "name_tags": sorted(tags),
        "modified": times["t"].value if times["t"] else None,
        # the earliest ingest of a source still in the dataset
        "issued": times["first"].value if times["first"] else None,
    }


def name_languages(store: Dataset, tags: dict[str, int] | None = None) -> list[str]:
    """The languages names are given in (primary subtags of ``skos:prefLabel``), most used
    first: what a reader may ask names in (the pages' language switcher, DCAT-AP)."""
    counts: dict[str, int] = {}
    for tag, n in (tags if tags is not None else name_tags(store)).items():
        primary = tag.split("-")[0]
        counts[primary] = counts.get(primary, 0) + n
    return sorted(counts, key=lambda code: (-counts[code], code))


def name_tags(store: Dataset) -> dict[str, int]:
    """The language tags of names (``skos:prefLabel``), lower case, whole, with how many
    names have each: which of a reader's languages can decide a name (``chosen_names``)."""
    return {
        row["lang"].value: int(row["n"].value)
        for row in store.select(
            sparql_prefixes() + "SELECT ?lang (COUNT(*) AS ?n) WHERE { ?s skos:prefLabel ?l "
            'BIND(LCASE(LANG(?l)) AS ?lang) FILTER(?lang != "") } GROUP BY ?lang'
        )
    }
