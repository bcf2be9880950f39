"""Postal codes to points, from GeoNames' postal code files, which the operator supplies.

GeoNames publishes postal codes with a point each (https://download.geonames.org/export/zip/,
CC BY 4.0), but no well-kept package ships them for offline use, and cblod makes no request at
ingest: an operator gives the file (``cblod ingest --postal-codes FI.zip``: a country's file or
``allCountries.zip``, zipped as downloaded or not). A postal code places an organisation whose
town the gazetteer (``cblod.records.gazetteer``: places of 500 people or more) does not hold,
a village or a misspelling: the town's centre is what a reader expects of "…, 20520 Turku",
the postal code's point fills the gap.

The file is GeoNames' tab-separated form: country code, postal code, place name, three pairs
of administrative names and codes, latitude, longitude, accuracy. Several places can share a
code (a French code serves several communes): the one named like the source's locality, else
GeoNames' first. The store keeps the codes prepared (``PREPARED``) for later ingests.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import InputError
from .gazetteer import lookup_key
from .prepared import read_prepared, write_prepared

#: where GeoNames publishes them: what a postal code's point was derived from
SOURCE = "https://download.geonames.org/export/zip/"
#: the prepared postal codes, in the store folder
PREPARED = "postal-codes.json"
FORMAT = 1
#: GeoNames' columns: country, code, place, 3 x (admin name, code), latitude, longitude, accuracy
COLUMNS = 12


@dataclass(frozen=True)
class PostalPlace:
    """A postal code's point: its country, code, GeoNames' place name and coordinates."""

    country_iso2: str
    code: str
    place: str
    longitude: float
    latitude: float

    @property
    def key(self) -> str:
        """Unique within a store: country, code and place (a code may serve several)."""
        return f"{self.country_iso2}-{self.code}-{self.place}"


def normal_code(code: str, country_iso2: str) -> str:
    """A postal code as looked up: upper case, no spaces or hyphens, without a leading
    country prefix ("FI-20520", "SE 211 19")."""
    text = re.sub(r"[\s-]", "", code.upper())
    return text.removeprefix(country_iso2) if text[2:3].isdigit() else text


class PostalCodes:
    """Country -> code -> places, from one operator file; ``digest`` is its SHA-256."""

    def __init__(
        self, codes: dict[str, dict[str, list[PostalPlace]]], digest: str, file_name: str
    ) -> None:
        self.codes = codes
        self.digest = digest
        self.file_name = file_name

    def __len__(self) -> int:
        return sum(len(by_code) for by_code in self.codes.values())

    def place(self, country_iso2: str, code: str, locality: str | None) -> PostalPlace | None:
        """The point of ``code`` in the country: the place named ``locality`` if the code
        serves several, else GeoNames' first; None for a code the file does not hold."""
        found = self.codes.get(country_iso2, {}).get(normal_code(code, country_iso2))
        if not found:
            return None
        wanted = lookup_key(locality or "")
        return next((p for p in found if lookup_key(p.place) == wanted), found[0])

    # -- reading the operator's file, keeping it prepared ---------------------------------

    @classmethod
    def read(cls, path: str | Path) -> PostalCodes:
        """A GeoNames postal code file (``.txt`` or the ``.zip`` as downloaded); an
        ``InputError`` naming the file, the line and the field when a row is not GeoNames'."""
        path = Path(path)
        try:
            raw = path.read_bytes()
            text = _text_of(raw)
        except (OSError, ValueError, zipfile.BadZipFile) as exc:
            raise InputError(f"cannot read postal codes: {exc}", file=str(path)) from exc
        codes: dict[str, dict[str, list[PostalPlace]]] = {}
        rows = csv.reader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE)
        for n, row in enumerate(rows, 1):
            if not any(row):
                continue
            try:
                place = _place(row)
            except InputError as exc:
                raise exc.located(file=str(path), record=f"line {n}") from exc
            by_code = codes.setdefault(place.country_iso2, {})
            by_code.setdefault(normal_code(place.code, place.country_iso2), []).append(place)
        if not codes:
            raise InputError("the file holds no postal code", file=str(path))
        return cls(codes, hashlib.sha256(raw).hexdigest(), path.name)

    @classmethod
    def load(cls, folder: str | Path) -> PostalCodes | None:
        """The postal codes kept prepared in a store folder, None when it has none."""
        kept = read_prepared(folder, PREPARED, FORMAT)
        if kept is None:
            return None
        codes: dict[str, dict[str, list[PostalPlace]]] = {}
        for iso2, code, place, longitude, latitude in kept["places"]:
            by_code = codes.setdefault(iso2, {})
            by_code.setdefault(normal_code(code, iso2), []).append(
                PostalPlace(iso2, code, place, longitude, latitude)
            )
        return cls(codes, kept["sha256"], kept["file"])

    def save(self, folder: str | Path) -> None:
        """Into the store folder, whole (written beside it, then moved into place)."""
        places = [
            [p.country_iso2, p.code, p.place, p.longitude, p.latitude]
            for by_code in self.codes.values()
            for found in by_code.values()
            for p in found
        ]
        kept = {"file": self.file_name, "sha256": self.digest, "places": places}
        write_prepared(folder, PREPARED, FORMAT, kept)


def _text_of(raw: bytes) -> str:
    """The file's text, or the text file inside GeoNames' zip (not its readme)."""
    if raw[:4] != b"PK\x03\x04":
        return raw.decode("utf-8")
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        names = [n for n in archive.namelist() if n.endswith(".txt") and "readme" not in n.lower()]
        if len(names) != 1:
            raise ValueError(f"the zip should hold one postal code .txt file, not {names}")
        return archive.read(names[0]).decode("utf-8")


def _place(row: list[str]) -> PostalPlace:
    if len(row) < COLUMNS - 1:  # the accuracy column may be empty, and cut
        raise InputError(f"{len(row)} columns, not GeoNames' {COLUMNS}", field="columns")
    iso2, code, place = row[0].strip().upper(), row[1].strip(), row[2].strip()
    if not re.fullmatch(r"[A-Z]{2}", iso2):
        raise InputError(f"not a country code: {row[0]!r}", field="country code")
    if not code:
        raise InputError("no postal code", field="postal code")
    coordinates = []
    for value, field, bound in ((row[10], "longitude", 180), (row[9], "latitude", 90)):
        try:
            number = float(value)
        except ValueError:
            raise InputError(f"not a number: {value!r}", field=field) from None
        if not -bound <= number <= bound:
            raise InputError(f"{number} is not a {field} in degrees", field=field)
        coordinates.append(number)
    return PostalPlace(iso2, code, place, coordinates[0], coordinates[1])
