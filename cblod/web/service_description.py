"""The SPARQL 1.1 Service Description of ``/sparql``: what it speaks and what it holds."""

from __future__ import annotations

from pyoxigraph import BlankNode, Literal, NamedNode, Quad, Triple, serialize

from ..backends.published import Dataset
from ..core.vocab import DCTERMS, FORMATS, HYDRA, RDF, SD, VOID
from ..query.formats import Format
from ..read.catalogue import fragments_search

XSD_INTEGER = NamedNode("http://www.w3.org/2001/XMLSchema#integer")

RESULT_FORMATS = (
    "SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
    "Turtle", "N-Triples", "JSON-LD", "RDF_XML", "TriG", "N-Quads",
)  # fmt: skip


def _counts(store: Dataset) -> tuple[int, dict[str, int]]:
    """Triples in the default graph, and in each named graph (one pass each)."""
    (row,) = store.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    per_graph = {
        r["g"].value: int(r["n"].value)
        for r in store.select(
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
        )
    }
    return int(row["n"].value), per_graph


def service_description(
    endpoint: str, store: Dataset, fmt: Format, fragments: str | None = None
) -> bytes:
    """What the endpoint speaks and holds; with ``fragments``, the same dataset's Triple and
    Quad Pattern Fragments interface (its search form, ``void:uriLookupEndpoint``)."""
    service = NamedNode(endpoint)
    dataset, default = BlankNode(), BlankNode()
    default_count, graph_counts = _counts(store)
    triples = [
        Triple(service, RDF.type, SD.Service),
        Triple(service, SD.endpoint, service),
        Triple(service, SD.supportedLanguage, SD.SPARQL11Query),
        Triple(service, DCTERMS.title, Literal("cblod SPARQL endpoint (read-only)", language="en")),
        Triple(service, SD.defaultDataset, dataset),
        Triple(dataset, RDF.type, SD.Dataset),
        Triple(dataset, SD.defaultGraph, default),
        Triple(default, RDF.type, SD.Graph),
        Triple(default, VOID.triples, Literal(str(default_count), datatype=XSD_INTEGER)),
        Triple(
            default,
            DCTERMS.description,
            Literal(
                "The consolidated view: every resource, one value per fact (the most precise "
                "amount, else the most authoritative source's value). Each source's own "
                "statements are in the named graph whose name is its cbo:SourceRecord.",
                language="en",
            ),
        ),
    ]
    triples += [Triple(service, SD.resultFormat, FORMATS[name]) for name in RESULT_FORMATS]
    if fragments is not None:
        triples.append(Triple(dataset, VOID.uriLookupEndpoint, NamedNode(fragments + "?subject=")))
        triples += fragments_search(dataset, fragments)
    for graph in store.source_graphs():
        named, description = BlankNode(), BlankNode()
        triples += [
            Triple(dataset, SD.namedGraph, named),
            Triple(named, RDF.type, SD.NamedGraph),
            Triple(named, SD.name, graph),
            Triple(named, SD.graph, description),
            Triple(description, RDF.type, SD.Graph),
            Triple(
                description,
                VOID.triples,
                Literal(str(graph_counts.get(graph.value, 0)), datatype=XSD_INTEGER),
            ),
        ]
    prefixes = {"sd": str(SD), "formats": str(FORMATS), "void": str(VOID), "dcterms": str(DCTERMS),
                "hydra": str(HYDRA)}  # fmt: skip
    statements: list[Triple] | list[Quad] = triples
    if fmt.name in {"trig", "nq"}:
        statements = [Quad(t.subject, t.predicate, t.object) for t in triples]
    return (
        serialize(
            statements, format=fmt.rdf, prefixes=prefixes if fmt.name in {"ttl", "trig"} else None
        )
        or b""
    )
