"""Postal codes the operator supplies (GeoNames' postal code files, issue 27): a partner whose
town cblod's gazetteer does not hold (a village under 500 people) is placed at its postal
code's point, saying so; its town, when found, still comes first. cblod cannot ship the file
(no package carries it for offline use): the tests write one in GeoNames' form."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from pyoxigraph import NamedNode

from cblod.backends.store import CblodStore
from cblod.core.errors import InputError
from cblod.core.rdfterms import lexical
from cblod.core.vocab import CBO
from cblod.ingest.emit import Emitter
from cblod.ingest.identity import Identity
from cblod.publish import ingest
from cblod.records.model import Address, Organisation, Text
from cblod.records.places import country
from cblod.records.postcodes import PostalCodes, normal_code
from cblod.records.supplied import SuppliedPlaces
from tests.helpers.samples import select
from tests.test_points import lon_lat, points_of

BULK = Path(__file__).resolve().parent.parent / "samples" / "bulk"
#: GeoNames' columns: country, code, place, 3 x (admin name, code), latitude, longitude, accuracy
ROWS = [
    ["SE", "760 45", "Grisslehamn", "Stockholm", "01", "Norrtälje", "0188", "", "", "60.1007", "18.8124", "4"],
    ["FR", "01400", "Abergement-Clémenciat", "Auvergne-Rhône-Alpes", "84", "Ain", "01", "", "", "46.15", "4.9167", "5"],
    ["FR", "01400", "Châtillon-sur-Chalaronne", "Auvergne-Rhône-Alpes", "84", "Ain", "01", "", "", "46.1167", "4.95", "5"],
    ["LV", "LV-3401", "Liepāja", "", "", "", "", "", "", "56.5047", "21.0108", "4"],
]  # fmt: skip


def geonames_file(path: Path, rows: list[list[str]] = ROWS, *, zipped: bool = False) -> Path:
    out = io.StringIO()
    csv.writer(out, delimiter="\t", lineterminator="\n").writerows(rows)
    if zipped:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("readme.txt", "GeoNames postal codes, CC BY 4.0")
            archive.writestr("allCountries.txt", out.getvalue())
    else:
        path.write_text(out.getvalue(), encoding="utf-8")
    return path


def organisation(iso: str, postal: str, locality: str | None) -> Organisation:
    where = country(iso)
    address = Address(f"{postal} {locality}", postal_code=postal, locality=locality, country=where)
    return Organisation([Text("Example", "en")], country=where, address=address)


def placed(codes: PostalCodes, org: Organisation) -> tuple[list[tuple[str, str]], Emitter]:
    identity = Identity("http://127.0.0.1:5000/", {})
    emitter = Emitter(
        identity, NamedNode("http://127.0.0.1:5000/id/source/t"), SuppliedPlaces(postcodes=codes)
    )
    emitter.organisation(org)
    return points_of(emitter), emitter


@pytest.mark.parametrize("zipped", [False, True])
def test_a_village_the_gazetteer_lacks_is_placed_at_its_postal_code(tmp_path, zipped):
    codes = PostalCodes.read(geonames_file(tmp_path / "geonames.zip", zipped=zipped))
    points, emitter = placed(codes, organisation("SE", "SE-760 45", "Grisslehamn"))
    assert points == [("POINT(18.8124 60.1007)", "PostalCodeCentre")]
    labels = {
        lexical(q.object)
        for q in emitter.quads
        if q.predicate.value.endswith("#label") and "/geometry/" in lexical(q.subject)
    }
    assert labels == {"760 45 Grisslehamn"}


def test_the_town_still_comes_first_and_nothing_is_guessed(tmp_path):
    codes = PostalCodes.read(geonames_file(tmp_path / "codes.txt"))
    # Liepāja is in the gazetteer: its centre, not its postal code's point
    points, _ = placed(codes, organisation("LV", "LV-3401", "Liepāja"))
    assert [method for _, method in points] == ["TownCentre"]
    # a code the file does not hold, a code of another country: no point
    assert placed(codes, organisation("SE", "999 99", "Nowhere"))[0] == []
    assert placed(codes, organisation("FI", "760 45", "Nowhere"))[0] == []


def test_a_code_serving_several_places_is_the_one_the_source_names(tmp_path):
    codes = PostalCodes.read(geonames_file(tmp_path / "codes.txt"))
    chosen = codes.place("FR", "01400", "Chatillon sur Chalaronne")
    assert chosen and chosen.place == "Châtillon-sur-Chalaronne"
    first = codes.place("FR", "01400", "Somewhere else")
    assert first and first.place == "Abergement-Clémenciat"  # GeoNames' first
    assert normal_code("LV-3401", "LV") == normal_code("3401", "LV") == "3401"


def test_a_postal_code_point_outside_the_country_is_refused(tmp_path):
    swapped = [["SE", "760 45", "Grisslehamn", "", "", "", "", "", "", "18.8124", "60.1007", "4"]]
    codes = PostalCodes.read(geonames_file(tmp_path / "codes.txt", swapped))
    points, emitter = placed(codes, organisation("SE", "760 45", "Grisslehamn"))
    assert points == [] and any("outside Sweden" in w for w in emitter.warnings)


def test_an_export_s_partners_are_placed_by_postal_code_end_to_end(tmp_path):
    """keep.eu's partner export with one partner moved to a village, its coordinates gone."""
    rows = list(
        csv.reader(io.StringIO((BULK / "keep-eu-partners-synthetic.csv").read_text("utf-8")))
    )
    header = rows[0]
    row = next(r for r in rows[1:] if r[header.index("Country code")] == "SE")
    for column, value in (("Town", "Grisslehamn"), ("Postal code", "760 45"),
                          ("Latitude", ""), ("Longitude", ""), ("Department", "")):  # fmt: skip
        row[header.index(column)] = value
    partners = tmp_path / "partners.csv"
    with partners.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows(rows)
    sources = [BULK / "keep-eu-projects-synthetic.csv", partners]
    store = CblodStore(tmp_path / "store")
    ingest(sources, store=store)
    query = (
        "SELECT ?wkt ?method WHERE { ?o schema:address/schema:addressLocality 'Grisslehamn' ; "
        "geo:hasGeometry ?g . ?g geo:asWKT ?wkt ; cbo:placedBy ?method }"
    )
    assert select(store, query) == []  # no town found, no coordinates: not placed
    codes = geonames_file(tmp_path / "SE.zip", zipped=True)
    done = subprocess.run(
        [sys.executable, "-m", "cblod", "ingest", "-q", "--store", str(store.path),
         "--postal-codes", str(codes), *map(str, sources)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "2 ingested" in done.stdout  # new postal codes: both files read again
    (found,) = select(CblodStore(store.path, must_exist=True), query)
    assert found["method"] == CBO.PostalCodeCentre.value
    assert lon_lat(found["wkt"]) == (18.8124, 60.1007)


@pytest.mark.parametrize(
    ("content", "where"),
    [
        ("SE\t760 45\tGrisslehamn\n", "record 'line 1', field 'columns'"),
        ("SE\t760 45\tGrisslehamn\t\t\t\t\t\t\tnorth\t18.8\t4\n", "field 'latitude'"),
        ("SE\t760 45\tGrisslehamn\t\t\t\t\t\t\t60.1\t218.8\t4\n", "field 'longitude'"),
        ("Sweden\t760 45\tGrisslehamn\t\t\t\t\t\t\t60.1\t18.8\t4\n", "field 'country code'"),
        ("", "holds no postal code"),
    ],
)
def test_a_file_that_is_not_geonames_is_a_clear_error(tmp_path, content, where):
    bad = tmp_path / "codes.txt"
    bad.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        PostalCodes.read(bad)
    assert str(bad) in str(caught.value) and where in str(caught.value)


def test_the_codes_are_kept_in_the_store_as_read(tmp_path):
    codes = PostalCodes.read(geonames_file(tmp_path / "codes.txt"))
    codes.save(tmp_path)
    kept = PostalCodes.load(tmp_path)
    assert kept is not None and kept.digest == codes.digest and len(kept) == len(codes) == 3
    assert kept.place("SE", "76045", None) == codes.place("SE", "760 45", None)
    assert Decimal(str(kept.place("LV", "3401", None).latitude)) == Decimal("56.5047")
