"""Every namespace cblod names, as pyoxigraph terms, in one place: the data's vocabularies,
the catalogue's and the protocols'. ``PREFIXES`` are those offered to SPARQL users."""

from __future__ import annotations

from pyoxigraph import NamedNode


class Namespace:
    """A namespace IRI whose attributes and items are pyoxigraph NamedNodes.

    Not a ``str`` subclass: ``DCTERMS.title`` or ``CBO.format`` would then be string methods.
    """

    def __init__(self, iri: str) -> None:
        self.iri = iri

    def __str__(self) -> str:
        return self.iri

    def __getattr__(self, name: str) -> NamedNode:
        if name.startswith("__"):
            raise AttributeError(name)
        node = NamedNode(self.iri + name)
        setattr(self, name, node)  # the next lookup is a plain attribute: no call at all
        return node

    def __getitem__(self, name: str) -> NamedNode:
        return NamedNode(self.iri + name)


CBO = Namespace("https://w3id.org/cblod/ontology#")
RDF = Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
RDFS = Namespace("http://www.w3.org/2000/01/rdf-schema#")
OWL = Namespace("http://www.w3.org/2002/07/owl#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
PROV = Namespace("http://www.w3.org/ns/prov#")
ORG = Namespace("http://www.w3.org/ns/org#")
ROV = Namespace("http://www.w3.org/ns/regorg#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
SCHEMA = Namespace("https://schema.org/")
WIKIDATA = Namespace("http://www.wikidata.org/entity/")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
LOCN = Namespace("http://www.w3.org/ns/locn#")
GEO = Namespace("http://www.opengis.net/ont/geosparql#")

DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCATAP = Namespace("http://data.europa.eu/r5r/")
VOID = Namespace("http://rdfs.org/ns/void#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
SH = Namespace("http://www.w3.org/ns/shacl#")
LDES = Namespace("https://w3id.org/ldes#")
TREE = Namespace("https://w3id.org/tree#")
AS = Namespace("https://www.w3.org/ns/activitystreams#")
ADMS_LICENCE_TYPE = Namespace("http://purl.org/adms/licencetype/")
ADMS_PUBLISHER_TYPE = Namespace("http://purl.org/adms/publishertype/")

# EU authority tables (publications.europa.eu): the country table is both data and catalogue
COUNTRY = Namespace("http://publications.europa.eu/resource/authority/country/")
EU_COUNTRY = "http://publications.europa.eu/resource/authority/country"  # the scheme
EU_FILE_TYPE = Namespace("http://publications.europa.eu/resource/authority/file-type/")
EU_THEME = Namespace("http://publications.europa.eu/resource/authority/data-theme/")
EU_FREQUENCY = Namespace("http://publications.europa.eu/resource/authority/frequency/")
EU_LANGUAGE = Namespace("http://publications.europa.eu/resource/authority/language/")
EU_AVAILABILITY = Namespace(
    "http://publications.europa.eu/resource/authority/planned-availability/"
)
EU_ACCESS_RIGHT = Namespace("http://publications.europa.eu/resource/authority/access-right/")
NUTS = Namespace("http://data.europa.eu/nuts/code/")
CURRENCY = Namespace("http://publications.europa.eu/resource/authority/currency/")

#: Prefixes offered to SPARQL users and used when writing Turtle.
PREFIXES: dict[str, str] = {
    "cbo": str(CBO),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "prov": str(PROV),
    "org": str(ORG),
    "rov": str(ROV),
    "adms": str(ADMS),
    "schema": str(SCHEMA),
    "geo": str(GEO),
    "foaf": str(FOAF),
    "locn": str(LOCN),
    "country": str(COUNTRY),
    "nuts": str(NUTS),
    "currency": str(CURRENCY),
    "wd": str(WIKIDATA),
}


def sparql_prefixes() -> str:
    """The PREFIX lines for every namespace above, to prepend to a query."""
    return "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in PREFIXES.items())
