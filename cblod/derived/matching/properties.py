"""One vocabulary of properties for the reconciliation service: the ids a client is offered
(``suggest/property``, ``extend/propose``), may match on (a query's ``properties``) and may add
as columns (data extension) are the same ids, with the same names.

OpenRefine offers the properties a service suggests both to match a column on and to add
columns from; a property suggested by one and refused by the other failed a whole batch of
rows (``town`` was suggested and proposed, matching accepted only ``city``). Every property
here works both ways: matching has its own rules for the ones that need them (identifiers read
and checked, countries by code or name, NUTS regions by prefix, homepages by host, projects by
programme, acronym or code: ``cblod.derived.matching.match``); any other agrees when a value the entity
would get by data extension is the query's, compared as ingest compares text (case and accents
folded).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ...records.identifiers import SCHEMES
from .index import Entity

ORGANISATION, PROJECT, PROGRAMME = "Organisation", "Project", "Programme"


Value = dict[str, Any]
#: an IRI -> the reference a client gets for it (``{"id": …, "name": …}``), or None
Resolve = Callable[[str], Value | None]
#: what data extension gives for one property of an entity
Extract = Callable[[Entity, Resolve], list[Value]]


@dataclass(frozen=True)
class Property:
    name: str
    #: the entity types that have it
    types: tuple[str, ...]
    #: its values for an entity of one of those types
    values: Extract


def _text(fact: str) -> Extract:
    def values(entity: Entity, resolve: Resolve) -> list[Value]:
        found = entity.name if fact == "name" else entity.facts.get(fact)
        return [{"str": found}] if found else []

    return values


def _texts(fact: str) -> Extract:
    return lambda entity, resolve: [{"str": v} for v in entity.facts.get(fact, [])]


def _identifiers(*schemes: str) -> Extract:
    """The identifiers of ``schemes`` (every national scheme when none is named)."""

    def values(entity: Entity, resolve: Resolve) -> list[Value]:
        ids: dict[str, list[str]] = entity.facts.get("identifiers", {})
        keys = schemes or tuple(k for k in sorted(ids) if k not in INTERNATIONAL)
        return [{"str": v} for k in keys for v in ids.get(k, [])]

    return values


def _amount(fact: str) -> Extract:
    def values(entity: Entity, resolve: Resolve) -> list[Value]:
        amount = entity.facts.get(fact)
        return [{"float": float(amount)}] if amount is not None else []

    return values


def _day(fact: str) -> Extract:
    def values(entity: Entity, resolve: Resolve) -> list[Value]:
        day = entity.facts.get(fact)
        return [{"date": f"{day[:10]}T00:00:00Z"}] if day else []

    return values


def _reference(fact: str) -> Extract:
    def values(entity: Entity, resolve: Resolve) -> list[Value]:
        found = resolve(entity.facts[fact]) if entity.facts.get(fact) else None
        return [found] if found else []

    return values


def _count(fact: str) -> Extract:
    return lambda entity, resolve: [{"int": int(entity.facts.get(fact, 0))}]


#: the identifier schemes that are not a country's register
INTERNATIONAL = ("eu-vat", "eu-pic", "lei")

PROPERTIES: dict[str, Property] = {
    "name": Property("Name", (ORGANISATION, PROJECT, PROGRAMME), _text("name")),
    "vat": Property("VAT number", (ORGANISATION,), _identifiers("eu-vat")),
    "pic": Property("EU Participant Identification Code (PIC)", (ORGANISATION,), _identifiers("eu-pic")),
    "lei": Property("Legal Entity Identifier (LEI)", (ORGANISATION,), _identifiers("lei")),
    "registry": Property("National registration number", (ORGANISATION,), _identifiers()),
    "country": Property("Country (ISO code or name)", (ORGANISATION,), _text("country_name")),
    "country_code": Property("Country code (ISO 3166)", (ORGANISATION,), _text("country_code")),
    "region": Property("NUTS region (code)", (ORGANISATION,), _text("region")),
    "region_name": Property("NUTS region name", (ORGANISATION,), _text("region_name")),
    "town": Property("Town", (ORGANISATION,), _text("town")),
    "homepage": Property("Homepage", (ORGANISATION,), _texts("homepages")),
    "projects": Property("Number of projects", (ORGANISATION,), _count("projects")),
    "eu_contribution": Property("EU contribution (EUR)", (ORGANISATION, PROJECT), _amount("eu")),
    "programme": Property("Programme (of a project)", (PROJECT,), _reference("programme")),
    "acronym": Property("Acronym (of a project)", (PROJECT,), _text("acronym")),
    "code": Property("Project code", (PROJECT,), _texts("codes")),
    "start": Property("Start date", (PROJECT,), _day("start")),
    "end": Property("End date", (PROJECT,), _day("end")),
    "budget": Property("Total budget (EUR)", (PROJECT,), _amount("budget")),
    "lead_partner": Property("Lead partner", (PROJECT,), _reference("lead_partner")),
    # every identifier scheme cblod reads, one property each ("identifier:fi-ytunnus")
    **{f"identifier:{key}": Property(scheme.name, (ORGANISATION,), _identifiers(key)) for key, scheme in SCHEMES.items()},
}  # fmt: skip

#: ids of earlier versions, still accepted in queries and extensions, no longer offered
ALIASES = {"city": "town"}

#: properties whose values are registry identifiers (matched by reading and checking them)
IDENTIFIER_PROPERTIES = frozenset(
    {"vat", "pic", "lei", "registry", *(p for p in PROPERTIES if p.startswith("identifier:"))}
)


def canonical(pid: object) -> str | None:
    """The vocabulary's id for ``pid`` (an alias becomes its property), or None."""
    if not isinstance(pid, str):
        return None
    pid = ALIASES.get(pid, pid)
    return pid if pid in PROPERTIES else None


def entity_id(iri: str) -> str:
    """An entity's id in the service: its URI's path after ``/id/`` (a full URI otherwise)."""
    return iri.split("/id/", 1)[1] if "/id/" in iri else iri


def values_of(entity: Entity, pid: str, resolve: Resolve) -> list[Value]:
    """What data extension gives for ``pid`` of ``entity``: values typed as the API's
    (``str``, ``int``, ``float``, ``date``, or a reference ``{"id", "name"}``)."""
    found = PROPERTIES[pid]
    return found.values(entity, resolve) if entity.type in found.types else []


def as_texts(values: list[Value]) -> list[str]:
    """The values as text a query's value is compared with: a reference by id and name, a
    number as written and as a number, a date as its day."""
    out: list[str] = []
    for value in values:
        if "id" in value:
            out += [str(value["id"]), str(value.get("name", ""))]
        elif "date" in value:
            out.append(str(value["date"])[:10])
        elif "float" in value or "int" in value:
            number = float(value["float"] if "float" in value else value["int"])
            out += [f"{number:g}", f"{number:.2f}", str(int(number)) if number.is_integer() else ""]
        else:
            out.append(str(value["str"]))
    return out
