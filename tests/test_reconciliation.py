"""The reconciliation client against a spec-shaped service on 127.0.0.1, end to end.

Proposals are written for review and never reach the data until a person accepts one.
"""

from __future__ import annotations

import csv
import re
import subprocess
import sys

import pytest

from cblod.linking.proposals import Query, ReconciliationClient, ReconciliationError
from cblod.publish import ingest
from tests.helpers.reconciliation_server import serving
from tests.helpers.samples import ALL_PAGES, ingest_all, select

#: a reconciliation service over HTTP, timeouts included: the full run only
pytestmark = pytest.mark.slow

TURKU = "http://127.0.0.1:5000/id/organisation/fi/turku-science-park"


def test_the_client_speaks_the_protocol_in_batches():
    with serving() as (endpoint, service):
        client = ReconciliationClient(endpoint, batch=2)
        assert client.manifest()["name"] == "Test reconciliation service"
        queries = [
            Query("Turku Science Park Oy Ab", "Q43229", properties=(("P17", "Q33"),)),
            Query("Västerås Science Park AB", "Q43229", properties=(("P17", "Q34"),)),
            Query("Sihtasutus Tallinna Teaduspark Tehnopol", "Q43229"),
        ]
        found = client.reconcile(queries)
        received = service.config["received"]
    assert len(received) == 2  # three queries in batches of two
    assert received[0]["q0"] == {
        "query": "Turku Science Park Oy Ab",
        "limit": 3,
        "type": "Q43229",
        "properties": [{"pid": "P17", "v": "Q33"}],
    }
    assert [len(c) for c in found] == [3, 3, 3]
    best = found[0][0]
    assert (best.id, best.iri) == ("Q9000001", "http://www.wikidata.org/entity/Q9000001")
    assert best.score > found[0][1].score  # best first
    assert found[1][0].name == "Västerås Science Park"


@pytest.mark.parametrize(
    "broken, message", [("500", "answered 500"), ("html", "did not answer JSON"),
                        ("no-result", "no result list")]
)  # fmt: skip
def test_answers_outside_the_protocol_are_clear_errors(broken, message):
    with serving(broken=broken) as (endpoint, _), pytest.raises(ReconciliationError, match=message):
        ReconciliationClient(endpoint).reconcile([Query("Turku Science Park")])


def test_an_unreachable_service_is_a_clear_error():
    with serving() as (endpoint, _):
        pass  # stopped: nothing listens there now
    with pytest.raises(ReconciliationError, match="cannot reach"):
        ReconciliationClient(endpoint, timeout=5).manifest()


def test_proposals_are_reviewed_then_accepted_into_the_data(tmp_path):
    store_dir = tmp_path / "store"
    ingest_all(store_dir, ALL_PAGES)
    proposals = tmp_path / "proposals.csv"
    with serving() as (endpoint, service):
        done = subprocess.run(
            [sys.executable, "-m", "cblod", "link", "--reconcile", endpoint, "--out",
             str(proposals), "--type", "Q43229", "--country-property", "P17", "--min-score", "50",
             "--store", str(store_dir)],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert "written to" in done.stdout
        asked = {q["query"]: q for batch in service.config["received"] for q in batch.values()}
    assert asked["Turku Science Park Oy Ab"]["properties"] == [{"pid": "P17", "v": "Q33"}]
    rows = list(csv.DictReader(proposals.open(encoding="utf-8")))
    turku = [r for r in rows if r["subject"] == TURKU]
    assert turku[0]["object"] == "http://www.wikidata.org/entity/Q9000001"
    assert turku[0]["relation"] == "proposed-exact-match"
    assert all(float(r["score"]) >= 50 for r in rows)

    # a proposal file as it is changes nothing
    from cblod.backends.store import CblodStore

    store = CblodStore(store_dir)
    (refused,) = ingest([proposals], store=store)
    assert refused.status == "failed" and "is a proposal" in str(refused.error)
    assert select(store, f"SELECT ?x WHERE {{ <{TURKU}> owl:sameAs ?x }}") == []

    # a person accepts the Turku candidate (and deletes the rest)
    accepted = tmp_path / "curation.csv"
    with accepted.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerow({**turku[0], "relation": "exact-match"})
    (report,) = ingest([accepted], store=store)
    assert report.status == "ingested", report.error
    linked = select(store, f"SELECT ?x WHERE {{ <{TURKU}> owl:sameAs ?x }}")
    assert [r["x"] for r in linked] == ["http://www.wikidata.org/entity/Q9000001"]
    del store
    stats = subprocess.run(
        [sys.executable, "-m", "cblod", "stats", "--store", str(store_dir)],
        capture_output=True, text=True, timeout=120,
    ).stdout  # fmt: skip
    assert re.search(r"organisations linked to an external resource \(Wikidata, …\) +1 \(", stats)
