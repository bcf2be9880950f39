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


@dataclass(frozen=True)
class Property:
    name: str
    #: the entity types that have it
    types: tuple[str, ...]


PROPERTIES: dict[str, Property] = {
    "name": Property("Name", (ORGANISATION, PROJECT, PROGRAMME)),
    "vat": Property("VAT number", (ORGANISATION,)),
    "pic": Property("EU Participant Identification Code (PIC)", (ORGANISATION,)),
    "lei": Property("Legal Entity Identifier (LEI)", (ORGANISATION,)),
    "registry": Property("National registration number", (ORGANISATION,)),
    "country": Property("Country (ISO code or name)", (ORGANISATION,)),
    "country_code": Property("Country code (ISO 3166)", (ORGANISATION,)),
    "region": Property("NUTS region (code)", (ORGANISATION,)),
    "region_name": Property("NUTS region name", (ORGANISATION,)),
    "town": Property("Town", (ORGANISATION,)),
    "homepage": Property("Homepage", (ORGANISATION,)),
    "projects": Property("Number of projects", (ORGANISATION,)),
    "eu_contribution": Property("EU contribution (EUR)", (ORGANISATION, PROJECT)),
    "programme": Property("Programme (of a project)", (PROJECT,)),
    "acronym": Property("Acronym (of a project)", (PROJECT,)),
    "code": Property("Project code", (PROJECT,)),
    "start": Property("Start date", (PROJECT,)),
    "end": Property("End date", (PROJECT,)),
    "budget": Property("Total budget (EUR)", (PROJECT,)),
    "lead_partner": Property("Lead partner", (PROJECT,)),
    # every identifier scheme cblod reads, one property each ("identifier:fi-ytunnus")
    **{f"identifier:{key}": Property(scheme.name, (ORGANISATION,)) for key, scheme in SCHEMES.items()},
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


Value = dict[str, Any]
#: an IRI -> the reference a client gets for it (``{"id": …, "name": …}``), or None
Resolve = Callable[[str], Value | None]


def entity_id(iri: str) -> str:
    """An entity's id in the service: its URI's path after ``/id/`` (a full URI otherwise)."""
    return iri.split("/id/", 1)[1] if "/id/" in iri else iri


def values_of(entity: Entity, pid: str, resolve: Resolve) -> list[Value]:
    """What data extension gives for ``pid`` of ``entity``: values typed as the API's
    (``str``, ``int``, ``float``, ``date``, or a reference ``{"id", "name"}``)."""
    if entity.type not in PROPERTIES[pid].types:
        return []
    facts = entity.facts
    ids: dict[str, list[str]] = facts.get("identifiers", {})
    text = {
        "name": entity.name,
        "country": facts.get("country_name"),
        "country_code": facts.get("country_code"),
        "region": facts.get("region"),
        "region_name": facts.get("region_name"),
        "town": facts.get("town"),
        "acronym": facts.get("acronym"),
    }
    if pid in text:
        return [{"str": text[pid]}] if text[pid] else []
    if pid in ("vat", "pic", "lei"):
        return [{"str": v} for v in ids.get({"vat": "eu-vat", "pic": "eu-pic"}.get(pid, pid), [])]
    if pid == "registry":
        national = (k for k in sorted(ids) if k not in ("eu-vat", "eu-pic", "lei"))
        return [{"str": v} for k in national for v in ids[k]]
    if pid.startswith("identifier:"):
        return [{"str": v} for v in ids.get(pid.split(":", 1)[1], [])]
    if pid == "homepage":
        return [{"str": v} for v in facts.get("homepages", [])]
    if pid == "code":
        return [{"str": v} for v in facts.get("codes", [])]
    if pid == "projects":
        return [{"int": int(facts.get("projects", 0))}]
    if pid in ("eu_contribution", "budget"):
        amount = facts.get("eu" if pid == "eu_contribution" else "budget")
        return [{"float": float(amount)}] if amount is not None else []
    if pid in ("start", "end"):
        day = facts.get(pid)
        return [{"date": f"{day[:10]}T00:00:00Z"}] if day else []
    if pid in ("programme", "lead_partner"):
        found = resolve(facts[pid]) if facts.get(pid) else None
        return [found] if found else []
    return []


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
