"""NUTS regions the operator supplies (issue 27): partners a source places only by their NUTS
region get a point inside it, saying so; without the geometries they stay unplaced; the map
draws the regions. cblod ships no NUTS geometries (GISCO's may not be redistributed for
commercial use): these tests write a synthetic file in GISCO's shape, inside Sweden, where the
Tillväxtverket sample's clusters are known by region alone."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import geojson as geojson_lib
import pytest
import requests
from shapely.geometry import Point, shape

from cblod.backends.store import CblodStore
from cblod.core.errors import InputError
from cblod.core.vocab import CBO
from cblod.publish import ingest
from cblod.records.places import _rows
from cblod.records.regions import RegionShapes
from tests.helpers.samples import ALL_PAGES, TILLVAXTVERKET, select
from tests.test_points import lon_lat

NUTS = "http://data.europa.eu/nuts/code/"
#: left out of the file, so its organisations are placed at its parent, SE31
MISSING = "SE313"

PLACED = """
SELECT ?organisation ?region ?wkt ?method ?from WHERE {
  ?organisation a cbo:Organisation ; cbo:region ?region ; geo:hasGeometry ?point .
  ?point geo:asWKT ?wkt ; cbo:placedBy ?method .
  OPTIONAL { ?point prov:wasDerivedFrom ?from }
}"""
REGION_ONLY = """
SELECT DISTINCT ?organisation ?region WHERE {
  ?organisation a cbo:Organisation ; cbo:region ?region .
  FILTER NOT EXISTS { ?organisation schema:address [] }
}"""


def square(west: float, south: float, size: float) -> dict:
    ring = [[west, south], [west + size, south], [west + size, south + size],
            [west, south + size], [west, south]]  # fmt: skip
    return {"type": "Polygon", "coordinates": [ring]}


def u_shape(west: float, south: float, size: float) -> dict:
    """A U: its centroid lies in the gap between the arms, outside the region."""
    s, t = size, size / 4
    ring = [[west, south], [west + s, south], [west + s, south + s], [west + s - t, south + s],
            [west + s - t, south + t], [west + t, south + t], [west + t, south + s],
            [west, south + s], [west, south]]  # fmt: skip
    return {"type": "Polygon", "coordinates": [ring]}


def feature(code: str, geometry: dict) -> dict:
    properties = {"NUTS_ID": code, "LEVL_CODE": len(code) - 2, "CNTR_CODE": code[:2],
                  "NAME_LATN": f"Region {code}"}  # fmt: skip
    return {"type": "Feature", "id": code, "properties": properties, "geometry": geometry}


def swedish_regions(path: Path, *, shift: float = 0.0, only: set[str] | None = None) -> Path:
    """A GISCO-shaped file of Sweden's NUTS 3 regions (squares on a grid inside Sweden, the
    first a U) and their NUTS 2 parents (their children's extent), all but ``MISSING``."""
    codes = sorted(r["code"] for r in _rows("nuts.csv") if r["code"].startswith("SE"))
    features: list[dict] = []
    parents: dict[str, list[tuple[float, float]]] = {}
    for n, code in enumerate(c for c in codes if len(c) == 5):
        west, south = 13.0 + (n % 5) * 0.8 + shift, 57.0 + (n // 5) * 0.8
        shaped = u_shape if n == 0 else square
        parents.setdefault(code[:4], []).append((west, south))
        if code != MISSING:
            features.append(feature(code, shaped(west, south, 0.6)))
    for code, corners in parents.items():
        west, south = min(c[0] for c in corners), min(c[1] for c in corners)
        east, north = max(c[0] for c in corners) + 0.6, max(c[1] for c in corners) + 0.6
        features.append(feature(code, square(west, south, max(east - west, north - south))))
    if only is not None:
        features = [f for f in features if f["id"] in only]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


@pytest.fixture(scope="module")
def regions_file(tmp_path_factory) -> Path:
    return swedish_regions(tmp_path_factory.mktemp("nuts") / "NUTS_RG_2021_4326.geojson")


@pytest.fixture(scope="module")
def placed_store(tmp_path_factory, regions_file) -> CblodStore:
    store = CblodStore(tmp_path_factory.mktemp("placed") / "store")
    reports = ingest(ALL_PAGES, store=store, nuts_geometries=regions_file)
    assert all(r.status == "ingested" for r in reports), reports
    return store


def polygons(path: Path) -> dict:
    found = json.loads(path.read_text())
    return {f["id"]: shape(f["geometry"]) for f in found["features"]}


def test_a_region_s_point_lies_inside_it_even_where_its_centroid_does_not(regions_file):
    shapes = RegionShapes.read(regions_file)
    drawn = polygons(regions_file)
    u = next(code for code in sorted(drawn) if len(code) == 5)
    assert not drawn[u].contains(drawn[u].centroid)  # the U's centroid is in its gap
    for code, polygon in drawn.items():
        region = shapes.regions[code]
        assert polygon.contains(Point(region.point)), code
        assert region.name == f"Region {code}" and region.level == len(code) - 2
    assert shapes.placing(MISSING).code == MISSING[:4]  # a code missing: its parent
    assert shapes.placing("DK011") is None


def test_organisations_known_only_by_region_are_placed_inside_it(placed_store, regions_file):
    region_only = select(placed_store, REGION_ONLY)
    assert len(region_only) >= 20  # the Tillväxtverket clusters
    placed = {r["organisation"]: r for r in select(placed_store, PLACED)}
    drawn = polygons(regions_file)
    for row in region_only:
        point = placed[row["organisation"]]
        assert point["method"] == CBO.RegionPoint.value
        code = row["region"].removeprefix(NUTS)
        at = code if code in drawn else code[:4]
        assert point["from"] == NUTS + at  # the region it was placed in, maybe the parent
        assert drawn[at].contains(Point(lon_lat(point["wkt"]))), row
    assert any(r["region"] == NUTS + MISSING for r in region_only)


def test_without_geometries_they_are_not_placed_and_never_guessed(demo_store):
    region_only = {r["organisation"] for r in select(demo_store, REGION_ONLY)}
    placed = {r["organisation"] for r in select(demo_store, PLACED)}
    assert region_only and not region_only & placed


def test_the_regions_are_kept_so_later_ingests_place_with_them(tmp_path, regions_file):
    store = CblodStore(tmp_path / "store")
    ingest([TILLVAXTVERKET], store=store)
    assert not select(store, PLACED)
    # given once: every file of the run is read again, though unchanged, and placed
    (report,) = ingest([TILLVAXTVERKET], store=store, nuts_geometries=regions_file)
    assert report.status == "ingested"
    first = {r["organisation"]: r["wkt"] for r in select(store, PLACED)}
    assert first
    # the same geometries again, or none given: nothing to re-read
    (report,) = ingest([TILLVAXTVERKET], store=store, nuts_geometries=regions_file)
    assert report.status == "unchanged"
    (report,) = ingest([TILLVAXTVERKET], store=store)
    assert report.status == "unchanged"
    # new geometries: the points follow them
    moved = swedish_regions(tmp_path / "moved.geojson", shift=0.5)
    (report,) = ingest([TILLVAXTVERKET], store=store, nuts_geometries=moved)
    assert report.status == "ingested"
    second = {r["organisation"]: r["wkt"] for r in select(store, PLACED)}
    assert second.keys() == first.keys()
    assert all(lon_lat(second[o])[0] > lon_lat(first[o])[0] for o in first)


def test_a_region_outside_the_organisation_s_country_is_refused_with_a_warning(tmp_path):
    store = CblodStore(tmp_path / "store")
    outside = swedish_regions(tmp_path / "outside.geojson", shift=40.0)  # in Russia
    (report,) = ingest([TILLVAXTVERKET], store=store, nuts_geometries=outside)
    assert report.status == "ingested"
    assert not select(store, PLACED)
    assert any("outside Sweden: not used" in w for w in report.warnings), report.warnings


NO_CODE = {"properties": {}, "geometry": square(15, 60, 1)}
PROJECTED = feature("SE110", square(4_600_000, 3_900_000, 1000))  # EPSG:3035 metres
A_POINT = feature("SE110", {"type": "Point", "coordinates": [15, 60]})
BAD_FILES = [
    ("{not json", "cannot read NUTS geometries"),
    ('{"type": "Feature"}', "not a GeoJSON FeatureCollection"),
    (
        json.dumps({"features": [feature("SE110", square(15, 60, 1)), NO_CODE]}),
        "record 'feature 2', field 'NUTS_ID'",
    ),
    (json.dumps({"features": [PROJECTED]}), "EPSG:4326"),
    (json.dumps({"features": [A_POINT]}), "not a polygon"),
]


@pytest.mark.parametrize(("content", "where"), BAD_FILES)
def test_a_file_cblod_cannot_use_is_a_clear_error_and_changes_nothing(tmp_path, content, where):
    bad = tmp_path / "nuts.geojson"
    bad.write_text(content)
    with pytest.raises(InputError) as caught:
        RegionShapes.read(bad)
    assert str(bad) in str(caught.value) and where in str(caught.value)
    store_dir = tmp_path / "store"
    done = subprocess.run(
        [sys.executable, "-m", "cblod", "ingest", "--store", str(store_dir),
         "--nuts-geometries", str(bad), str(TILLVAXTVERKET)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 2 and where in done.stderr, done.stderr
    assert CblodStore(store_dir).snapshot is None  # nothing was published


@pytest.fixture(scope="module")
def regions_server(placed_store, tmp_path_factory):
    from tests.helpers.servers import served

    with served(placed_store, "embedded", tmp_path_factory.mktemp("regions")) as url:
        yield url


def test_the_map_draws_the_nuts_2_regions_or_those_the_filters_name(regions_server, regions_file):
    drawn = polygons(regions_file)
    whole = requests.get(f"{regions_server}/map/regions.geojson", timeout=30)
    assert whole.status_code == 200
    assert whole.headers["Content-Type"].startswith("application/geo+json")
    found = geojson_lib.loads(whole.text)
    assert found.is_valid, found.errors()
    assert sorted(f["id"] for f in found["features"]) == sorted(c for c in drawn if len(c) == 4)
    for f in found["features"]:  # simplified, still the region
        assert shape(f["geometry"]).symmetric_difference(drawn[f["id"]]).area < 0.01
    page = requests.get(
        f"{regions_server}/map", params={"list": "organisations", "region": NUTS + "SE110"},
        timeout=30,
    )  # fmt: skip
    assert page.status_code == 200 and 'data-regions="/map/regions.geojson?code=SE110"' in page.text
    one = requests.get(f"{regions_server}/map/regions.geojson?code=SE110", timeout=30).json()
    assert [f["id"] for f in one["features"]] == ["SE110"]


def test_a_store_without_geometries_draws_no_regions(demo_server):
    assert requests.get(f"{demo_server}/map/regions.geojson", timeout=30).status_code == 404
    assert "data-regions" not in requests.get(f"{demo_server}/map", timeout=30).text


def test_the_map_counts_the_region_placed_organisations_as_sparql_does(
    regions_server, placed_store
):
    from tests.test_map import counts_by_sparql, shown_counts

    html = requests.get(f"{regions_server}/map?list=organisations", timeout=30).text
    total, placed = counts_by_sparql(placed_store, "?item a cbo:Organisation", "geo:hasGeometry")
    assert shown_counts(html) == (total, placed)
    region_only = select(placed_store, REGION_ONLY)
    assert placed >= len({r["organisation"] for r in region_only})


@pytest.mark.slow
def test_the_browser_draws_the_regions_under_the_points_offline(regions_server, regions_file):
    from tests.helpers.browser import CHROMEDRIVER, CHROMIUM, chromium
    from tests.test_map import drawn, requested_hosts

    if not (CHROMIUM and CHROMEDRIVER):
        pytest.skip("needs Debian's chromium and chromium-driver (.ci/run installs them)")
    browser = chromium(javascript=True, offline=True)
    try:
        state = drawn(browser, f"{regions_server}/map?list=organisations")
        assert state["loaded"] == "1", state
        nuts_2 = [c for c in polygons(regions_file) if len(c) == 4]
        assert int(state["regionsDrawn"]) == len(nuts_2)
        assert len(browser.find_elements("css selector", "path.map-region")) == len(nuts_2)
        chosen = drawn(browser, f"{regions_server}/map?list=organisations&region={NUTS}SE110")
        assert chosen["regionsDrawn"] == "1" and int(chosen["points"]) >= 1
        assert requested_hosts(browser) == {"127.0.0.1"}
        errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
        assert not errors, errors
    finally:
        browser.quit()
