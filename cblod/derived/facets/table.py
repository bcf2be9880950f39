"""Each list's rows as a spreadsheet has them: keep.eu's search-export columns, kept per item.

A keep.eu user's spreadsheets and macros read the projects and partners sheets of keep.eu's
search export by their headings (``cblod/data/keep_eu_columns.csv``: 197 and 138 columns, in
order). cblod's exports of projects and of participations use exactly those, so the CSV or
XLSX of a filtered list drops into the same workbook, and reads back through cblod's own
keep.eu mapping. Organisations have no keep.eu sheet: their columns are ours.

The cells are computed when the facet index is built (``cblod.derived.facets.index``), one file per
list with one JSON line per item, so an export is a read of what is kept, in the page's
order, and costs the same whatever the filters: no query at request time, flat memory.
Cells are text; ``NUMBER_COLUMNS`` and ``DATE_COLUMNS`` say which become numbers and dates.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from enum import Enum
from functools import cache
from importlib.resources import files
from typing import Protocol, TypeVar

from ...records.places import country_code
from ..paths import english_and_others

#: which sheet of keep.eu's export a list's rows follow
SHEETS = {"projects": "Search results, projects", "participations": "Search results, partners"}

ORGANISATION_COLUMNS = (
    "Organisation in English", "Organisation in other languages", "Country", "Country code",
    "NUTS3 code (or equivalent)", "NUTS3 (or equivalent)", "Legal status", "Type of Organisation",
    "Participant Identification Code", "VAT number", "National registration number", "Website",
    "Number of projects", "Total budget of participations", "EU contribution received",
    "URI",
)  # fmt: skip
#: the heading of the column that names each row's resource (last, in every list's export)
URI = "URI"

NUMBER_COLUMNS = frozenset({
    "Project's total budget / expenditure", "Project's EU funding", "Number of partners",
    "Partner's programme co-financing (EUR) (2021-2027 only)",
    "Partner contribution to project budget (EUR) (2021-2027 only)",
    "ERDF contribution (2014-2020 only)", "ENPI/ENI contribution (2014-2020 only)",
    "IPA II contribution (2014-2020 only)",
    "Partner's total eligible budget / expenditure", "Latitude", "Longitude",
    "Number of projects", "Total budget of participations", "EU contribution received",
})  # fmt: skip
DATE_COLUMNS = frozenset({"Project start", "Project end"})


@cache
def columns(name: str) -> tuple[str, ...]:
    """The headings of list ``name``'s export, in order."""
    if name not in SHEETS:
        return ORGANISATION_COLUMNS
    text = files("cblod").joinpath("data/keep_eu_columns.csv").read_text(encoding="utf-8")
    rows = [r for r in csv.DictReader(text.splitlines()) if r["sheet"] == SHEETS[name]]
    keep_eu = (r["header_used_in_samples"] for r in sorted(rows, key=lambda r: int(r["position"])))
    # after keep.eu's own columns (whose positions macros rely on): the row's resource, to cite
    return (*keep_eu, URI)


@dataclass(frozen=True)
class Field:
    """Values an item's row is made from: the ends of ``path`` (see ``cblod.derived.facets.spec``)."""

    path: tuple[str, ...]
    mode: str = "literal"  # "node" for resources, "tagged" for "lang<TAB>text"


#: what each list's rows are made of, by name
FIELDS: dict[str, dict[str, Field]] = {
    "projects": {
        "programme": Field(("cbo:programme",), "node"),
        "code": Field(("dcterms:identifier",)),
        "acronym": Field(("cbo:acronym",)),
        "titles": Field(("skos:prefLabel",), "tagged"),
        "descriptions": Field(("dcterms:description",), "tagged"),
        "start": Field(("cbo:startDate",)),
        "end": Field(("cbo:endDate",)),
        "budget": Field(("cbo:totalBudget",)),
        "eu": Field(("cbo:euContribution",)),
        "rate": Field(("cbo:coFinancingRate",)),
        "funds": Field(("cbo:fund",), "node"),
        "priority": Field(("cbo:priority",), "node"),
        "objective": Field(("cbo:specificObjective",), "node"),
        "thematic": Field(("cbo:thematicObjective",), "node"),
        "investment": Field(("cbo:investmentPriority",), "node"),
        "themes": Field(("dcterms:subject",), "node"),
        "partners": Field(("^cbo:project",), "node"),
        "website": Field(("foaf:homepage",), "node"),
    },
    "participations": {
        "programme": Field(("cbo:project", "cbo:programme"), "node"),
        "code": Field(("cbo:project", "dcterms:identifier")),
        "acronym": Field(("cbo:project", "cbo:acronym")),
        "names": Field(("cbo:partner", "skos:prefLabel"), "tagged"),
        "role": Field(("cbo:role",), "node"),
        "type": Field(("cbo:partner", "cbo:organisationType")),
        "identifiers": Field(("cbo:partner", "cbo:identifier"), "node"),
        "addresses": Field(("cbo:partner", "schema:address"), "node"),
        "country": Field(("cbo:partner", "cbo:country"), "node"),
        "region": Field(("cbo:partner", "cbo:region"), "node"),
        "website": Field(("cbo:partner", "foaf:homepage"), "node"),
        "legal": Field(("cbo:partner", "cbo:legalStatus"), "node"),
        "rate": Field(("cbo:coFinancingRate",)),
        "eu": Field(("cbo:euContribution",)),
        "budget": Field(("cbo:totalBudget",)),
        "start": Field(("cbo:project", "cbo:startDate")),
        "funds": Field(("cbo:project", "cbo:fund"), "node"),
    },
    "organisations": {
        "names": Field(("skos:prefLabel",), "tagged"),
        "country": Field(("cbo:country",), "node"),
        "region": Field(("cbo:region",), "node"),
        "legal": Field(("cbo:legalStatus",), "node"),
        "type": Field(("cbo:organisationType",)),
        "identifiers": Field(("cbo:identifier",), "node"),
        "website": Field(("foaf:homepage",), "node"),
        "projects": Field(("^cbo:partner", "cbo:project"), "node"),
    },
}

#: properties of the resources fields lead to (a priority's notation, an address's town),
#: read once per build as lookups: (property, mode)
LOOKUPS = {
    "name": ("skos:prefLabel", "tagged"),
    "notation": ("skos:notation", "literal"),
    "scheme": ("cbo:scheme", "literal"),
    "label": ("rdfs:label", "literal"),
    "street": ("schema:streetAddress", "literal"),
    "postcode": ("schema:postalCode", "literal"),
    "town": ("schema:addressLocality", "literal"),
    "latitude": ("schema:latitude", "literal"),
    "longitude": ("schema:longitude", "literal"),
    "period_start": ("cbo:periodStart", "literal"),
    "period_end": ("cbo:periodEnd", "literal"),
}

Values = dict[str, list[str]]
T = TypeVar("T")


class Lookup(Protocol):
    """What a row function asks of the nodes its values lead to (``cblod.derived.facets.reuse.Recorder``)."""

    def __call__(self, name: str, iri: str) -> list[str]:
        """The values the lookup ``name`` (``LOOKUPS``) gives of the resource ``iri``."""
        ...

    def once(self, key: Hashable, make: Callable[[], T]) -> T:
        """``make()``, made once a build for every row asking with the same ``key``: an
        organisation's identifiers and address are the same in each of its participations'
        rows (20 000 of them for a large beneficiary)."""
        ...


def _one(values: list[str]) -> str | None:
    return min(values) if values else None


def _name(lookup: Lookup, iri: str | None) -> str | None:
    return english_and_others(lookup("name", iri))[0] if iri else None


def _coded(lookup: Lookup, iri: str | None) -> str | None:
    """ "RSO2.4. Title", as keep.eu writes a coded objective or priority."""
    if not iri:
        return None
    name, code = _name(lookup, iri), _one(lookup("notation", iri))
    return f"{code}. {name}" if code and name else name or code


def _rate(values: list[str]) -> str | None:
    rate = _one(values)
    return f"{rate.rstrip('0').rstrip('.') if '.' in rate else rate}%" if rate else None


def _local_name(iri: str) -> str:
    return re.split(r"[#/]", iri)[-1]


def _identifiers(lookup: Lookup, iris: list[str]) -> dict[str, tuple[str, str]]:
    """Scheme -> (notation, what the scheme is), of one organisation's identifiers."""
    return lookup.once(("identifiers", *iris), lambda: _identifiers_of(lookup, iris))


def _identifiers_of(lookup: Lookup, iris: list[str]) -> dict[str, tuple[str, str]]:
    found: dict[str, tuple[str, str]] = {}
    for iri in sorted(iris):
        scheme, notation = _one(lookup("scheme", iri)), _one(lookup("notation", iri))
        if scheme and notation and scheme not in found:
            label = _one(lookup("label", iri)) or scheme
            found[scheme] = (notation, label.removesuffix(notation).strip())
    return found


def _partner_ids(ids: dict[str, tuple[str, str]]) -> str | None:
    """keep.eu's "VAT | other id | description (EN)" for an organisation's identifiers."""
    vat = ids.get("eu-vat", ("", ""))[0]
    national = [
        (n, d) for scheme, (n, d) in sorted(ids.items()) if scheme not in ("eu-vat", "eu-pic")
    ]
    if not vat and not national:
        return None
    other, description = national[0] if national else ("", "")
    return f"{vat} | {other} | {description} (EN)" if description else f"{vat} | {other} | "


def _address(lookup: Lookup, iris: list[str]) -> dict[str, str | None]:
    """The parts of an organisation's most complete address."""
    return lookup.once(("address", *iris), lambda: _address_of(lookup, iris))


def _address_of(lookup: Lookup, iris: list[str]) -> dict[str, str | None]:
    parts = ("street", "postcode", "town", "latitude", "longitude")
    best = max(
        sorted(iris),
        key=lambda iri: sum(bool(lookup(p, iri)) for p in parts),
        default=None,
    )
    return {p: _one(lookup(p, best)) if best else None for p in parts}


def _region(lookup: Lookup, iri: str | None) -> dict[str, str | None]:
    from .spec import NUTS

    cells: dict[str, str | None] = {}
    if iri and iri.startswith(NUTS):
        code = iri[len(NUTS) :]
        for level, width in ((1, 3), (2, 4), (3, 5)):
            if len(code) >= width:
                cells[f"NUTS{level} code (or equivalent)"] = code[:width]
                cells[f"NUTS{level} (or equivalent)"] = _name(lookup, NUTS + code[:width])
    return cells


def _period(lookup: Lookup, programme: str | None) -> str | None:
    start = _one(lookup("period_start", programme)) if programme else None
    end = _one(lookup("period_end", programme)) if programme else None
    return f"{start}-{end}" if start and end else None


class Period(Enum):
    """Which of keep.eu's period-specific headings a value belongs under. keep.eu's headings
    mean what they say: "(2021-2027 only)" columns hold 2021-2027 values, "(2014-2020 only)"
    ones 2014-2020 values; a value of another period, or of none known, goes under neither
    (the RDF exports and the pages still carry it)."""

    P2021_2027 = "2021-2027"
    P2014_2020 = "2014-2020"
    OTHER = "other"


def period_of(lookup: Lookup, programme: str | None, start: str | None) -> Period:
    """The programming period: the programme's own (``cbo:periodStart``), else the one the
    project's start date falls in (2021-2027 projects are eligible from 1 January 2021)."""
    first = _one(lookup("period_start", programme)) if programme else None
    year = first or (start[:4] if start else None)
    if not year or not year.isdigit():
        return Period.OTHER
    if int(year) >= 2021:
        return Period.P2021_2027
    return Period.P2014_2020 if int(year) >= 2014 else Period.OTHER


#: a 2014-2020 partner's EU amount, by the fund its project draws on (ERDF unless the
#: project is funded by ENI or IPA alone)
FUND_COLUMNS_2014_2020 = {
    "ENI": "ENPI/ENI contribution (2014-2020 only)",
    "IPA": "IPA II contribution (2014-2020 only)",
}
ERDF_2014_2020 = "ERDF contribution (2014-2020 only)"


def _legal(iri: str | None) -> str | None:
    return _local_name(iri).removesuffix("LegalStatus").lower() if iri else None


def project_row(v: Values, lookup: Lookup) -> dict[str, str | None]:
    programme = _one(v["programme"])
    period = period_of(lookup, programme, _one(v["start"]))
    title, other_titles = english_and_others(v["titles"])
    description, other_descriptions = english_and_others(v["descriptions"])
    objective = _coded(lookup, _one(v["objective"]))
    row: dict[str, str | None] = {
        "Period": _period(lookup, programme),
        "Programme": _name(lookup, programme),
        "Project acronym": _one(v["acronym"]),
        "Project name in English": title,
        "Description in English": description,
        "Project start": _one(v["start"]),
        "Project end": _one(v["end"]),
        "Project's total budget / expenditure": _one(v["budget"]),
        "Project's EU funding": _one(v["eu"]),
        "Union co-financing rate": _rate(v["rate"]),
        "Contributing EU funds": ", ".join(sorted(_local_name(f) for f in v["funds"])) or None,
        "Number of partners": str(len(set(v["partners"]))),
        "Website": _one(v["website"]),
    }
    if period is Period.P2021_2027:
        row["Project ID (2021-2027 only)"] = _one(v["code"])
        row["Programme specific objective (2021-2027 only)"] = objective
        row["Programme Priority (2021-2027 only)"] = _coded(lookup, _one(v["priority"]))
    elif period is Period.P2014_2020:
        row["Specific objective (2014-2020 Interreg and Interreg IPA CBC only)"] = objective
        row["Thematic objective (2014-2020 Interreg only)"] = _coded(lookup, _one(v["thematic"]))
        row["Investment priority (2014-2020 Interreg only)"] = _coded(lookup, _one(v["investment"]))
    for n, text in enumerate(other_titles[:4], start=2):
        row[f"Project name in language {n}"] = text
    for n, text in enumerate(other_descriptions[:4], start=2):
        row[f"Description in language {n}"] = text
    for n, theme in enumerate(sorted(filter(None, (_name(lookup, t) for t in v["themes"])))[:3], 1):
        row[f"Theme {n}"] = theme
    return row


def participation_row(v: Values, lookup: Lookup) -> dict[str, str | None]:
    name, other_names = english_and_others(v["names"])
    ids = _identifiers(lookup, v["identifiers"])
    address = _address(lookup, v["addresses"])
    country = _one(v["country"])
    budget, eu = _one(v["budget"]), _one(v["eu"])
    programme = _one(v["programme"])
    period = period_of(lookup, programme, _one(v["start"]))
    row: dict[str, str | None] = {
        "Programme": _name(lookup, programme),
        "Project acronym": _one(v["acronym"]),
        "Organisation in English": name,
        "Lead partner": "Yes" if any(r.endswith("LeadPartner") for r in v["role"]) else "No",
        "Type of Organisation": _one(v["type"]),
        "Participant Identification Code": ids.get("eu-pic", (None, ""))[0],
        "Partner’s ID if not PIC": _partner_ids(ids),
        "Street": address["street"],
        "Postal code": address["postcode"],
        "Town": address["town"],
        "Country": _name(lookup, country),
        "Country code": country_code(country),
        "Latitude": address["latitude"],
        "Longitude": address["longitude"],
        "Website": _one(v["website"]),
        "Legal status": _legal(_one(v["legal"])),
        "Partner's total eligible budget / expenditure": budget,
        **_region(lookup, _one(v["region"])),
    }
    if period is Period.P2021_2027:
        row["Project ID (2021-2027 only)"] = _one(v["code"])
        row["Partner's programme co-financing (%) (2021-2027 only)"] = _rate(v["rate"])
        row["Partner's programme co-financing (EUR) (2021-2027 only)"] = eu
        row["Partner contribution to project budget (EUR) (2021-2027 only)"] = (
            _difference(budget, eu) if budget and eu else None
        )
    elif period is Period.P2014_2020:
        funds = {_local_name(f) for f in v["funds"]}
        only = FUND_COLUMNS_2014_2020.get(next(iter(funds))) if len(funds) == 1 else None
        row[only or ERDF_2014_2020] = eu
    for n, text in enumerate(other_names[:3], start=2):
        row[f"Organisation in language {n}"] = text
    return row


def _difference(total: str, part: str) -> str:
    from decimal import Decimal

    return str(Decimal(total) - Decimal(part))


def organisation_row(
    v: Values, lookup: Lookup, sums: dict[str, float | None], iri: str
) -> dict[str, str | None]:
    name, other_names = english_and_others(v["names"])
    ids = _identifiers(lookup, v["identifiers"])
    country, region = _one(v["country"]), _one(v["region"])
    national = [n for scheme, (n, _) in sorted(ids.items()) if scheme not in ("eu-vat", "eu-pic")]
    return {
        "Organisation in English": name,
        "Organisation in other languages": " | ".join(other_names) or None,
        "Country": _name(lookup, country),
        "Country code": country_code(country),
        "NUTS3 code (or equivalent)": _local_name(region) if region else None,
        "NUTS3 (or equivalent)": _name(lookup, region),
        "Legal status": _legal(_one(v["legal"])),
        "Type of Organisation": _one(v["type"]),
        "Participant Identification Code": ids.get("eu-pic", (None, ""))[0],
        "VAT number": ids.get("eu-vat", (None, ""))[0],
        "National registration number": national[0] if national else None,
        "Website": _one(v["website"]),
        "Number of projects": str(len(set(v["projects"]))),
        **{
            key: _amount(sums.get(key))
            for key in ("Total budget of participations", "EU contribution received")
        },
        URI: iri,
    }


def _amount(value: float | None) -> str | None:
    return None if value is None else f"{value:.2f}"
