"""What each faceted list offers: its items, facets and amount ranges, as SPARQL paths.

One definition serves three readers. The index built at ingest follows each path step by
step over the whole dataset (``cblod.derived.facets.index``: one query per property, joined in
memory, since a query per facet joining 120 000 participations took a minute and a half), the
page counts with that index, and the query a page shows (``cblod.derived.facets.sparql``) writes the
same paths as SPARQL property paths, so what a reader runs on ``/sparql`` gives the page's
numbers.

A path is a sequence of properties, ``^`` marking one followed backwards: a project's partner
countries are ``^cbo:project/cbo:partner/cbo:country`` (the participations naming the
project, their partner, its country). Facets on a project's partners hold when *some* partner
has the value; on a list of participations they are the partner's own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

#: how a facet's values are matched and shown: IRIs with names, literals (status), years of
#: dates, or NUTS regions, where a region includes the regions whose code it begins
Kind = Literal["term", "literal", "year", "nuts"]
#: how a measure makes one amount of an item's values: its one value, their sum, or a count
Aggregate = Literal["one", "sum", "count"]


@dataclass(frozen=True)
class Facet:
    key: str  # the query parameter: ?programme=<IRI>&programme=<IRI>
    heading: str
    path: tuple[str, ...]  # properties from the item to the value; "^p" is p backwards
    kind: Kind = "term"

    @property
    def sparql_path(self) -> str:
        return "/".join(self.path)


@dataclass(frozen=True)
class Measure:
    """An amount per item, filtered by a range (``?eu_min=``, ``?eu_below=``), shown in bands."""

    key: str
    heading: str
    path: tuple[str, ...]
    aggregate: Aggregate = "one"


@dataclass(frozen=True)
class FacetedList:
    name: str  # the path: /projects
    title: str
    cls: str  # the class of the items
    names: str  # the property of an item's names (one per language)
    facets: tuple[Facet, ...]
    measures: tuple[Measure, ...]
    #: what free text is matched against: the item itself (no path), or what these reach
    text_targets: tuple[str, ...] = ()
    #: sort orders besides the name and the measures (all largest first)
    sorts: tuple[Measure, ...] = field(default=())
    #: the path from an item to the WKT of its points (GeoSPARQL): its own, or its partners'
    points: tuple[str, ...] = ()

    def facet(self, key: str) -> Facet | None:
        return next((f for f in self.facets if f.key == key), None)

    @property
    def items(self) -> str:
        return f"?item a {self.cls} ."

    @property
    def orderings(self) -> tuple[Measure, ...]:
        return (*self.measures, *self.sorts)


def _project_facets(*through: str) -> tuple[Facet, ...]:
    """The facets a project has, reached from the item by ``through``."""
    return (
        Facet("programme", "Programme", (*through, "cbo:programme")),
        Facet("priority", "Priority", (*through, "cbo:priority")),
        Facet("objective", "Specific objective", (*through, "cbo:specificObjective")),
        Facet("thematic", "Thematic objective", (*through, "cbo:thematicObjective")),
        Facet("theme", "Theme", (*through, "dcterms:subject")),
        Facet("start", "Start year", (*through, "cbo:startDate"), "year"),
        Facet("end", "End year", (*through, "cbo:endDate"), "year"),
        Facet("status", "Status", (*through, "cbo:status"), "literal"),
    )


def _partner_facets(*through: str, heading: str = "") -> tuple[Facet, ...]:
    return (
        Facet("country", f"{heading}Country", (*through, "cbo:country")),
        Facet("region", f"{heading}Region (NUTS)", (*through, "cbo:region"), "nuts"),
        Facet("legal", f"{heading}Legal status", (*through, "cbo:legalStatus")),
    )


PROJECTS = FacetedList(
    "projects",
    "Projects",
    "cbo:Project",
    "rdfs:label",
    (
        *_project_facets(),
        *_partner_facets("^cbo:project", "cbo:partner", heading="Partner: "),
        Facet("organisation", "Partner", ("^cbo:project", "cbo:partner")),
    ),
    (
        Measure("budget", "Total budget", ("cbo:totalBudget",)),
        Measure("eu", "EU contribution", ("cbo:euContribution",)),
    ),
    sorts=(Measure("start", "Start", ("cbo:startDate",)),),
    points=("^cbo:project", "cbo:partner", "geo:hasGeometry", "geo:asWKT"),
)

PARTICIPATIONS = FacetedList(
    "participations",
    "Participations",
    "cbo:Participation",
    "rdfs:label",
    (
        *_project_facets("cbo:project"),
        *_partner_facets("cbo:partner"),
        Facet("role", "Partner role", ("cbo:role",)),
        Facet("organisation", "Organisation", ("cbo:partner",)),
    ),
    (
        Measure("budget", "Partner budget", ("cbo:totalBudget",)),
        Measure("eu", "Partner EU contribution", ("cbo:euContribution",)),
    ),
    text_targets=("cbo:project", "cbo:partner"),
    points=("cbo:partner", "geo:hasGeometry", "geo:asWKT"),
)

ORGANISATIONS = FacetedList(
    "organisations",
    "Organisations",
    "cbo:Organisation",
    "skos:prefLabel",
    (
        *_partner_facets(),
        Facet("role", "Role in a project", ("^cbo:partner", "cbo:role")),
        *_project_facets("^cbo:partner", "cbo:project"),
    ),
    (
        Measure(
            "budget", "Budget of its participations", ("^cbo:partner", "cbo:totalBudget"), "sum"
        ),
        Measure("eu", "EU contribution received", ("^cbo:partner", "cbo:euContribution"), "sum"),
    ),
    sorts=(Measure("projects", "Projects", ("^cbo:partner", "cbo:project"), "count"),),
    points=("geo:hasGeometry", "geo:asWKT"),
)

#: the relation of a list's index holding its items' points (``FacetedList.points``)
POINTS = "point"

LISTS = {spec.name: spec for spec in (PROJECTS, PARTICIPATIONS, ORGANISATIONS)}

#: the bands a range facet shows (EUR); a reader may also type any bounds
BANDS = (0, 10_000, 100_000, 500_000, 1_000_000, 5_000_000, 10_000_000)

#: where NUTS region IRIs live: the code follows, and a code's prefixes are its parents
NUTS = "http://data.europa.eu/nuts/code/"
