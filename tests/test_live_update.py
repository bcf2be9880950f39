"""One fixed amount, live (issue #24): a real ``cblod serve`` process serves a store, the
secretariat fixes one partner's ERDF amount on its page and runs ``cblod ingest`` on it, and
the moment that command returns every place that shows the amount says the new one, with no
waiting and no restart: SPARQL, the participation and organisation pages, the list export,
the dumps (with the catalogue's sizes and checksums true of what is downloaded), the LDES
stream and the reconciliation service's data extension."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import subprocess
import sys
from pathlib import Path

import pytest
import rdflib
import requests

from tests.helpers.samples import INTERREG_EUROPE, KEEP_EU_PAGE, TILLVAXTVERKET
from tests.helpers.servers import free_port, process_serving

#: a real server process and real ingest processes: with the full suite, not the quick one
pytestmark = pytest.mark.slow

CBO = "https://w3id.org/cblod/ontology#"
DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
SPDX = rdflib.Namespace("http://spdx.org/rdf/terms#")
DCT = rdflib.Namespace("http://purl.org/dc/terms/")
OLD, NEW = "149 325.00", "149 400.50"
PARTNER = "Tampereen kaupunkiseudun elinkeino- ja kehitysyhtiö Tredea OY"


def cblod(*args: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "cblod", *args], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-2000:]


def fixed(page: Path, folder: Path) -> Path:
    """The keep.eu page with one partner's ERDF budget changed (the partner stated once)."""
    text = page.read_text(encoding="utf-8")
    assert text.count(f"ERDF budget: EUR {OLD}") == 1
    copy = folder / page.name
    copy.write_text(text.replace(f"ERDF budget: EUR {OLD}", f"ERDF budget: EUR {NEW}"), "utf-8")
    return copy


def sparql(base: str, query: str) -> list[dict[str, str]]:
    answer = requests.get(
        f"{base}/sparql",
        params={"query": f"PREFIX cbo: <{CBO}> {query}"},
        headers={"Accept": "application/sparql-results+json"},
        timeout=60,
    )
    assert answer.status_code == 200, answer.text[:500]
    return [{k: v["value"] for k, v in row.items()} for row in answer.json()["results"]["bindings"]]


def test_every_place_shows_the_fixed_amount_when_the_ingest_returns(tmp_path):
    store, sources = tmp_path / "store", tmp_path / "sources"
    sources.mkdir()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    cblod("ingest", "-q", "--store", str(store), "--base-uri", f"{base}/", str(KEEP_EU_PAGE),
          str(INTERREG_EUROPE), str(TILLVAXTVERKET))  # fmt: skip
    command = [sys.executable, "-m", "cblod", "serve", "--store", str(store), "--port", str(port)]
    with process_serving(command, base + "/"):
        (row,) = sparql(
            base,
            f"SELECT ?x ?org ?eu WHERE {{ ?x cbo:partner ?org ; cbo:euContribution ?eu . "
            f'?org cbo:legalName|<http://www.w3.org/2004/02/skos/core#prefLabel> "{PARTNER}" }}',
        )
        participation, organisation = row["x"], row["org"]
        assert float(row["eu"]) == 149325.0
        # what a visitor has already looked at (the server's caches warm on the old release)
        assert "149 325 EUR" in requests.get(organisation, timeout=60).text
        assert "149325" in requests.get(f"{base}/participations?format=csv", timeout=60).text

        cblod("ingest", "-q", "--store", str(store), str(fixed(KEEP_EU_PAGE, sources)))

        # at once, with no retry: SPARQL
        (now,) = sparql(base, f"SELECT ?eu WHERE {{ <{participation}> cbo:euContribution ?eu }}")
        assert float(now["eu"]) == 149400.5
        # the pages a person reads: the participation's statement, the organisation's total
        for page, new, old in (
            (participation, "149400.5", "149325"),
            (organisation, "149 400.50 EUR", "149 325 EUR"),
        ):
            html = requests.get(page, headers={"Accept": "text/html"}, timeout=60)
            assert html.status_code == 200 and new in html.text and old not in html.text, page
        # the list export
        exported = requests.get(f"{base}/participations?format=csv", timeout=60)
        rows = list(csv.DictReader(io.StringIO(exported.text)))
        mine = [r for r in rows if participation in r.values()]
        assert len(mine) == 1 and "149400.5" in mine[0].values(), mine
        # the dumps, each as the catalogue describes it
        catalogue = rdflib.Graph().parse(
            data=requests.get(f"{base}/catalog", headers={"Accept": "text/turtle"}).text,
            format="turtle",
        )
        literal = '"149400.5"^^<http://www.w3.org/2001/XMLSchema#decimal>'
        checked = 0
        for distribution, download in catalogue.subject_objects(DCAT.downloadURL):
            body = requests.get(str(download), timeout=120).content
            assert int(str(catalogue.value(distribution, DCAT.byteSize))) == len(body), download
            checksum = catalogue.value(distribution, SPDX.checksum)
            assert str(catalogue.value(checksum, SPDX.checksumValue)) == (
                hashlib.sha256(body).hexdigest()
            ), download
            if str(download).endswith(
                ("dataset.nt.gz", "dataset.nq.gz")
            ) and "/releases/" not in str(download):
                text = gzip.decompress(body).decode("utf-8")
                mentions = [
                    line
                    for line in text.splitlines()
                    if line.startswith(f"<{participation}> <{CBO}euContribution>")
                ]
                assert mentions and all(literal in line for line in mentions), mentions
                checked += 1
        assert checked == 2
        # the change stream: the release's page holds the participation's new version
        view = requests.get(f"{base}/ldes/release/2", headers={"Accept": "text/turtle"})
        members = rdflib.Graph().parse(data=view.text, format="turtle")
        versions = [v for v in members.subjects(DCT.isVersionOf, rdflib.URIRef(participation))]
        assert versions, "the participation's new version is not in release 2's members"
        amounts = {
            float(str(o))
            for v in versions
            for o in members.objects(v, rdflib.URIRef(CBO + "euContribution"))
        }
        assert amounts == {149400.5}
        # the reconciliation service's data extension
        key = organisation.split("/id/", 1)[1]
        extended = requests.post(
            f"{base}/reconcile/extend",
            json={"ids": [key], "properties": [{"id": "eu_contribution"}]},
            timeout=60,
        ).json()
        (found,) = extended["rows"]
        values = {p["id"]: p["values"] for p in found["properties"]}
        assert found["id"] == key and values["eu_contribution"] == [{"float": 149400.5}]
