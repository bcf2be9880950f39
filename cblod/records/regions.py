"""NUTS regions as points and outlines, from a GeoJSON file the operator supplies.

Eurostat's GISCO publishes the NUTS geometries, but they may not be redistributed for
commercial use, so cblod ships none: an operator who may use them gives the file once
(``cblod ingest --nuts-geometries NUTS_RG_20M_2021_4326.geojson``). Then an organisation whose
source names only its NUTS region (no coordinates, no town cblod can place) is placed at its
region's point, said so (``cbo:RegionPoint``), and the map draws the regions' outlines. Without
the file such organisations are counted as not placed: never guessed.

A region's point is a point inside it (shapely's ``representative_point``, GEOS' interior
point), not its centroid, which a bay or a ring-shaped region puts outside. The outlines are
simplified to about a kilometre (``TOLERANCE``): the map's drawing, not a survey. The file is
read once and kept prepared in the store folder (``PREPARED``): later ingests place with it and
the server draws it without the operator's file.

Any GeoJSON FeatureCollection in WGS 84 longitude/latitude (EPSG:4326) whose features name
their NUTS code (GISCO's ``NUTS_ID``, or the feature's ``id``) is read; a region's name is
GISCO's ``NAME_LATN`` (else ``NUTS_NAME``, ``name``, the code).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core.errors import InputError
from .prepared import read_prepared, write_prepared

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry

#: the prepared regions, in the store folder
PREPARED = "nuts-geometries.json"
#: outlines simplified to this many degrees (~1 km), coordinates rounded to 4 decimals
TOLERANCE = 0.01
FORMAT = 1
_CODE = re.compile(r"^[A-Z]{2}[0-9A-Z]{0,3}$")


@dataclass(frozen=True)
class RegionShape:
    """One NUTS region: its code, name, level (0-3), a point inside it and its outline."""

    code: str
    name: str
    level: int
    point: tuple[float, float]  # longitude, latitude
    outline: dict[str, Any]  # a GeoJSON geometry

    def feature(self) -> dict[str, Any]:
        return {
            "type": "Feature",
            "id": self.code,
            "properties": {"code": self.code, "name": self.name, "level": self.level},
            "geometry": self.outline,
        }


class RegionShapes:
    """The regions of one operator file, by code; ``digest`` is the file's SHA-256."""

    def __init__(self, regions: dict[str, RegionShape], digest: str, file_name: str) -> None:
        self.regions = regions
        self.digest = digest
        self.file_name = file_name

    def __len__(self) -> int:
        return len(self.regions)

    def placing(self, code: str) -> RegionShape | None:
        """The region of ``code``, else its nearest parent in the file (a source's code from
        another NUTS version than the file's: the parent is still a true, coarser answer)."""
        while len(code) >= 2:
            found = self.regions.get(code)
            if found is not None:
                return found
            code = code[:-1]
        return None

    def outlines(self, codes: list[str] | None = None, level: int = 2) -> dict[str, Any]:
        """A GeoJSON FeatureCollection of the regions ``codes`` name (those in the file), else
        of every region at ``level`` (NUTS 2: where cohesion policy sorts its regions)."""
        if codes:
            chosen = [self.regions[c] for c in dict.fromkeys(codes) if c in self.regions]
        else:
            chosen = [r for r in self.regions.values() if r.level == level]
        return {"type": "FeatureCollection", "features": [r.feature() for r in chosen]}

    # -- reading the operator's file, keeping it prepared ---------------------------------

    @classmethod
    def read(cls, path: str | Path) -> RegionShapes:
        """The operator's GeoJSON file; an ``InputError`` naming the file, the feature and
        the field when it is not one cblod can use."""
        path = Path(path)
        try:
            raw = path.read_bytes()
            collection = json.loads(raw)
        except (OSError, ValueError) as exc:
            raise InputError(f"cannot read NUTS geometries: {exc}", file=str(path)) from exc
        features = collection.get("features") if isinstance(collection, dict) else None
        if not isinstance(features, list):
            raise InputError("not a GeoJSON FeatureCollection", file=str(path), field="features")
        regions: dict[str, RegionShape] = {}
        for n, feature in enumerate(features, 1):
            try:
                region = _region(feature)
            except InputError as exc:
                raise exc.located(file=str(path), record=f"feature {n}") from exc
            regions[region.code] = region
        if not regions:
            raise InputError("the file holds no NUTS region", file=str(path))
        return cls(regions, hashlib.sha256(raw).hexdigest(), path.name)

    @classmethod
    def load(cls, folder: str | Path) -> RegionShapes | None:
        """The regions kept prepared in a store folder, None when it has none."""
        kept = read_prepared(folder, PREPARED, FORMAT)
        if kept is None:
            return None
        regions = {
            code: RegionShape(code, name, level, (lon, lat), outline)
            for code, name, level, lon, lat, outline in kept["regions"]
        }
        return cls(regions, kept["sha256"], kept["file"])

    def save(self, folder: str | Path) -> None:
        """Into the store folder, whole (written beside it, then moved into place)."""
        kept = {
            "file": self.file_name,
            "sha256": self.digest,
            "regions": [
                [r.code, r.name, r.level, *r.point, r.outline] for r in self.regions.values()
            ],
        }
        write_prepared(folder, PREPARED, FORMAT, kept)


def _region(feature: Any) -> RegionShape:
    import shapely  # a third of a second: only where an operator's file is read
    from shapely.geometry import shape

    if not isinstance(feature, dict):
        raise InputError("not a GeoJSON feature")
    properties = feature.get("properties") or {}
    code = str(properties.get("NUTS_ID") or feature.get("id") or "").strip().upper()
    if not _CODE.match(code):
        raise InputError(f"no NUTS code (NUTS_ID or id): {code!r}", field="NUTS_ID")
    name = next(
        (str(properties[k]) for k in ("NAME_LATN", "NUTS_NAME", "name") if properties.get(k)),
        code,
    )
    given = feature.get("geometry")
    if not isinstance(given, dict):
        raise InputError(f"{code}: no geometry", field="geometry")
    try:
        geometry = shape(given)
    except (AttributeError, TypeError, ValueError, shapely.errors.GEOSException) as exc:
        raise InputError(f"{code}: not a GeoJSON geometry ({exc})", field="geometry") from exc
    if geometry.geom_type not in ("Polygon", "MultiPolygon") or geometry.is_empty:
        raise InputError(f"{code}: not a polygon ({geometry.geom_type})", field="geometry")
    west, south, east, north = geometry.bounds
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        raise InputError(
            f"{code}: coordinates are not longitude/latitude in degrees (EPSG:4326); "
            "GISCO offers each NUTS file in 4326",
            field="geometry",
        )
    if not geometry.is_valid:
        geometry = shapely.make_valid(geometry)
    inside = geometry.representative_point()
    return RegionShape(
        code,
        name,
        len(code) - 2,
        (round(inside.x, 6), round(inside.y, 6)),
        _outline(geometry),
    )


def _outline(geometry: BaseGeometry) -> dict[str, Any]:
    import shapely
    from shapely.geometry import mapping

    simple = shapely.set_precision(
        geometry.simplify(TOLERANCE, preserve_topology=True), 0.0001, mode="pointwise"
    )
    drawn = mapping(simple if not simple.is_empty else geometry)
    return json.loads(json.dumps(drawn))  # tuples as lists: as the kept file reads back
