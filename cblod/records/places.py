"""Countries and regions: source spellings to EU authority IRIs (country table, NUTS 2021).

The tables are shipped data (``cblod/data/countries.csv``, ``nuts.csv``); a region name that only
nearly matches ("Bleking" for "Blekinge") is resolved with a warning, never silently.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from ..core.errors import ValueParseError
from .names import fold
from .values import clean_text


@dataclass(frozen=True)
class Country:
    iso2: str
    iso3: str
    name: str
    wikidata: str | None = None  # the country's Wikidata item (Q34 for Sweden)


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    approximate: bool = False

    @property
    def country_iso2(self) -> str:
        return self.code[:2]


def _rows(name: str) -> list[dict[str, str]]:
    with files("cblod").joinpath(f"data/{name}").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@cache
def _countries() -> dict[str, Country]:
    index: dict[str, Country] = {}
    for row in _rows("countries.csv"):
        country = Country(row["iso2"], row["iso3"], row["name_en"], row["wikidata"] or None)
        # and by its Wikidata item ("Q33"), as reconciliation clients name countries
        names = [row["iso2"], row["iso3"], row["name_en"], row["wikidata"]]
        names += row["other_names"].split("|")
        for name in filter(None, names):
            index[fold(name)] = country
    return index


def country(text: str) -> Country:
    """Find a country by ISO code (2 or 3 letters), English or native name.

    Jems writes "Suomi/Finland (FI)": a code in parentheses wins, then each slash-part.
    """
    raw = clean_text(text)
    candidates = []
    if m := re.search(r"\(([A-Za-z]{2,3})\)\s*$", raw):
        candidates.append(m.group(1))
        raw = raw[: m.start()].strip()
    candidates.extend([raw, *raw.split("/")])
    for candidate in candidates:
        if found := _countries().get(fold(candidate.strip())):
            return found
    raise ValueParseError(f"unknown country {text.strip()!r}")


def country_code(iri: str | None) -> str | None:
    """The ISO alpha-2 code of a country IRI (the EU authority table's ``…/country/FIN``, or
    any IRI ending in a code or a Wikidata item), None if it names no known country."""
    if not iri:
        return None
    try:
        return country(re.split(r"[#/]", iri)[-1]).iso2
    except ValueParseError:
        return None


@cache
def _regions() -> tuple[dict[str, Region], dict[str, str]]:
    by_code: dict[str, Region] = {}
    by_name: dict[str, str] = {}
    for row in _rows("nuts.csv"):
        by_code[row["code"]] = Region(row["code"], row["name"])
        for name in [row["name"], *row["aliases"].split("|")]:
            if name:
                by_name[_region_key(name)] = row["code"]
    return by_code, by_name


def _region_key(name: str) -> str:
    words = re.split(r"[^a-z0-9]+", fold(name))
    return " ".join(w for w in words if w and w not in {"lan", "region", "county", "maakunta"})


def _edit_distance_at_most_one(a: str, b: str) -> bool:
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = j = edits = 0
    while i < len(a) and j < len(b):
        if a[i] != b[j]:
            edits += 1
            if edits > 1:
                return False
            if len(a) == len(b):
                i += 1
        else:
            i += 1
        j += 1
    return edits + (len(b) - j) + (len(a) - i) <= 1


def region(text: str, *, country_iso2: str | None = None) -> Region:
    """Find a NUTS region by name or alias; one typo is tolerated and flagged ``approximate``."""
    by_code, by_name = _regions()
    key = _region_key(text)
    if code := by_name.get(key):
        return by_code[code]
    if key.upper().replace(" ", "") in by_code:
        return by_code[key.upper().replace(" ", "")]
    near = {
        code
        for name, code in by_name.items()
        if len(key) >= 5
        and (country_iso2 is None or code.startswith(country_iso2))
        and _edit_distance_at_most_one(key, name)
    }
    if len(near) == 1:
        found = by_code[near.pop()]
        return Region(found.code, found.name, approximate=True)
    raise ValueParseError(f"unknown region {text.strip()!r}")


def region_by_code(code: str) -> Region:
    try:
        return _regions()[0][code]
    except KeyError:
        raise ValueParseError(f"unknown NUTS code {code!r}") from None


@cache
def country_extents() -> dict[str, tuple[float, float, float, float]]:
    """Each country's bounding box (west, south, east, north) by ISO alpha-3 code, from
    Natural Earth (``cblod/data/country-extents.csv``): its home part, without overseas
    territories."""
    return {
        row["iso3"]: (
            float(row["west"]),
            float(row["south"]),
            float(row["east"]),
            float(row["north"]),
        )
        for row in _rows("country-extents.csv")
    }
