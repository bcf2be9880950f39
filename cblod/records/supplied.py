"""The places an operator supplies (NUTS geometries, postal codes), as one run of ingest uses
them: given this run, else kept in the store from an earlier one.

Both are data cblod may not (NUTS) or cannot (postal codes, not on PyPI) ship, read offline
at ingest. A file given is kept prepared in the store folder once the run is published, so
later ingests and the server use it without being told again. A file that differs from the
one kept changes where partners are, so the run re-reads every file it is given (``changed``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .postcodes import PostalCodes
from .regions import RegionShapes


@dataclass
class SuppliedPlaces:
    """What places partners beyond the source's coordinates and the gazetteer's towns."""

    regions: RegionShapes | None = None
    postcodes: PostalCodes | None = None
    #: True when a file given this run differs from the one the store kept
    changed: bool = False
    #: the files given this run (saved into the store once it is published)
    given: tuple[RegionShapes | PostalCodes, ...] = ()

    @classmethod
    def for_run(
        cls,
        store_folder: Path,
        *,
        nuts_geometries: str | Path | None = None,
        postal_codes: str | Path | None = None,
    ) -> SuppliedPlaces:
        """The files given (read now: a bad one is an error before anything is written),
        else those the store keeps."""
        supplied = cls(RegionShapes.load(store_folder), PostalCodes.load(store_folder))
        given: list[RegionShapes | PostalCodes] = []
        if nuts_geometries:
            regions = RegionShapes.read(nuts_geometries)
            supplied.changed |= regions.digest != getattr(supplied.regions, "digest", None)
            supplied.regions = regions
            given.append(regions)
        if postal_codes:
            codes = PostalCodes.read(postal_codes)
            supplied.changed |= codes.digest != getattr(supplied.postcodes, "digest", None)
            supplied.postcodes = codes
            given.append(codes)
        supplied.given = tuple(given)
        return supplied

    def keep(self, store_folder: Path) -> None:
        """Save what was given this run into the store (after the run was published)."""
        for kept in self.given:
            kept.save(store_folder)
