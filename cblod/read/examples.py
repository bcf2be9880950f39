"""Example queries on the query page: real questions the published data answers.

An example that lists every resource of a kind stops at 100 rows (and says so): the query page
shows an answer, and a list of every project is a download (the dumps, or the query without
its LIMIT). Their answers are kept with each snapshot (``cblod.derived.kept``).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core.vocab import PREFIXES

#: Prefixes shown in the editor (all of cblod's are predeclared on the endpoint anyway).
SHOWN_PREFIXES = ("cbo", "rdfs", "skos", "prov", "xsd")


@dataclass(frozen=True)
class Example:
    title: str
    query: str


def with_prefixes(body: str) -> str:
    lines = [f"PREFIX {name}: <{PREFIXES[name]}>" for name in SHOWN_PREFIXES]
    return "\n".join(lines) + "\n\n" + body.strip() + "\n"


EXAMPLES = [
    Example(
        "Projects per programme",
        """SELECT ?programme (COUNT(?project) AS ?projects) WHERE {
  ?project a cbo:Project ; cbo:programme/skos:prefLabel ?programme .
} GROUP BY ?programme ORDER BY DESC(?projects)""",
    ),
    Example(
        "EU funding (ERDF) by partner country",
        """SELECT ?country (SUM(?eu) AS ?erdf) (COUNT(?participation) AS ?partnerships) WHERE {
  ?participation cbo:euContribution ?eu ; cbo:partner/cbo:country ?c .
  ?c skos:prefLabel ?country .
} GROUP BY ?country ORDER BY DESC(?erdf)""",
    ),
    Example(
        "Organisations in the most projects",
        """SELECT ?organisation (SAMPLE(?label) AS ?name) (COUNT(DISTINCT ?project) AS ?projects) WHERE {
  ?p cbo:partner ?organisation ; cbo:project ?project .
  ?organisation skos:prefLabel ?label .
} GROUP BY ?organisation ORDER BY DESC(?projects) ?name LIMIT 20""",
    ),
    Example(
        "Lead partners and their projects",
        """SELECT ?project ?acronym ?lead (SAMPLE(?label) AS ?name) WHERE {
  ?p cbo:role cbo:LeadPartner ; cbo:project ?project ; cbo:partner ?lead .
  ?project cbo:acronym ?acronym . ?lead skos:prefLabel ?label .
} GROUP BY ?project ?acronym ?lead ORDER BY ?acronym
LIMIT 100  # the first 100 by acronym; without it, every project""",
    ),
    Example(
        "All projects of one organisation (SISP), with role and budget",
        """SELECT ?project ?acronym ?role ?budget ?erdf WHERE {
  ?organisation skos:prefLabel|skos:altLabel "SISP" .
  ?p cbo:partner ?organisation ; cbo:project ?project ; cbo:role ?role .
  ?project cbo:acronym ?acronym .
  OPTIONAL { ?p cbo:totalBudget ?budget } OPTIONAL { ?p cbo:euContribution ?erdf }
} ORDER BY ?acronym""",
    ),
    Example(
        "Partners of 4Smart Growth with budgets, and the total",
        """SELECT (SAMPLE(?name) AS ?partner) ?role ?budget ?erdf WHERE {
  ?project cbo:acronym "4Smart Growth" .
  ?p cbo:project ?project ; cbo:partner/skos:prefLabel ?name ; cbo:role ?role ;
     cbo:totalBudget ?budget ; cbo:euContribution ?erdf .
} GROUP BY ?p ?role ?budget ?erdf ORDER BY ?role DESC(?erdf)""",
    ),
    Example(
        "Clusters by region",
        """SELECT ?region ?code (COUNT(?cluster) AS ?clusters)
       (GROUP_CONCAT(?name; separator=", ") AS ?names) WHERE {
  ?cluster a cbo:Cluster ; skos:prefLabel ?name ; cbo:region ?r .
  ?r skos:prefLabel ?region ; skos:notation ?code .
} GROUP BY ?region ?code ORDER BY DESC(?clusters) ?region""",
    ),
    Example(
        "Achieved results, with their numbers",
        """SELECT ?acronym ?result ?number WHERE {
  ?project cbo:acronym ?acronym ; cbo:result ?r .
  ?r cbo:resultKind cbo:Achieved ; rdfs:label ?result .
  OPTIONAL { ?r cbo:quantity ?number }
} ORDER BY ?acronym DESC(?number)""",
    ),
    Example(
        "Organisations with their registry identifiers",
        """SELECT ?organisation (SAMPLE(?label) AS ?name) ?scheme ?identifier ?registry WHERE {
  ?organisation a cbo:Organisation ; skos:prefLabel ?label ; cbo:identifier ?i .
  ?i cbo:scheme ?scheme ; skos:notation ?identifier .
  OPTIONAL { ?i <http://xmlns.com/foaf/0.1/page> ?registry }
} GROUP BY ?organisation ?scheme ?identifier ?registry ORDER BY ?name ?scheme
LIMIT 100  # the first 100 by name; without it, every organisation""",
    ),
    Example(
        "Where organisations are (the Map view draws the points)",
        """PREFIX geo: <http://www.opengis.net/ont/geosparql#>
SELECT ?organisation (SAMPLE(?label) AS ?name) ?point ?method WHERE {
  ?organisation a cbo:Organisation ; skos:prefLabel ?label ; geo:hasGeometry ?g .
  ?g geo:asWKT ?point ; cbo:placedBy ?method .
} GROUP BY ?organisation ?point ?method ORDER BY ?name
LIMIT 1000  # the first 1 000 by name""",
    ),
    Example(
        "What each source said about a partner's ERDF amount",
        """SELECT ?source ?partner ?erdf WHERE {
  GRAPH ?g { ?p cbo:euContribution ?erdf ; cbo:partner/skos:prefLabel ?partner ;
                cbo:project/cbo:acronym "4Smart Growth" . }
  ?g cbo:fileName ?source .
} ORDER BY ?partner ?source""",
    ),
]
EXAMPLES = [Example(e.title, with_prefixes(e.query)) for e in EXAMPLES]


def default_query() -> str:
    return EXAMPLES[0].query
