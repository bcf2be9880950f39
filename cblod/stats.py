"""``cblod stats``: what the store holds, counted with SPARQL over the published graph."""

from __future__ import annotations

from typing import Any

from pyoxigraph import QuerySolution

from .published import Dataset
from .rdfterms import lexical
from .vocab import CBO, COUNTRY, CURRENCY, NUTS, RDF, sparql_prefixes

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


def dataset_statistics(store: Dataset) -> dict[str, Any]:
    """What VoID and DCAT-AP say of the dataset: sizes, classes and properties, links into
    other datasets, period, example resources, countries, last change."""

    def one(query: str) -> QuerySolution:
        (row,) = store.select(sparql_prefixes() + query)
        return row

    classes = {
        r["c"].value: int(r["n"].value)
        for r in store.select("SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c")
    }
    properties = {
        r["p"].value: int(r["n"].value)
        for r in store.select("SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p")
    }
    # every target in one pass over the statements (one scan, not one per target), our own
    # IRIs (most objects) set aside by one test before the targets' tests
    ours = f' && !STRSTARTS(STR(?o), "{store.base_uri}")' if store.base_uri else ""
    target = '""'
    for name, namespace, _ in reversed(LINK_TARGETS):
        target = f'IF(STRSTARTS(STR(?o), "{namespace}"), "{name}", {target})'
    links: dict[str, dict[str, int]] = {name: {} for name, _, _ in LINK_TARGETS}
    for r in store.select(
        f"SELECT ?p ?target (COUNT(*) AS ?n) WHERE {{ ?s ?p ?o "
        f"FILTER(isIRI(?o) && ?p != <{RDF.type.value}>{ours}) BIND({target} AS ?target) "
        f'FILTER(?target != "") }} GROUP BY ?p ?target'
    ):
        links[r["target"].value][r["p"].value] = int(r["n"].value)
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
        "triples": sum(properties.values()),
        "entities": one("SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o FILTER(isIRI(?s)) }")[
            "n"
        ].value,
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
