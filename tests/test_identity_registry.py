"""The identity registry a writer opens: registry identifiers' keys (one per identifier a
source gives: the bulk of the registry at scale) are looked up one at a time, never loaded
whole, and still find the organisation a later source names by the same identifier; a store
written by an older cblod, which kept them with the other keys, is moved to that layout once."""

from __future__ import annotations

import json
from pathlib import Path

from pyoxigraph import Quad, Store

from cblod.backends.store import DATABASE, CblodStore
from cblod.core.graphs import DATASET, IDENTIFIER_KEY, IDENTITY, IDENTITY_KEY, IDENTITY_LAYOUT, META
from cblod.core.rdfterms import lexical
from cblod.ingest.writer import SnapshotWriter
from cblod.publish import ingest
from tests.helpers.samples import SAMPLES, select

BASE = "http://127.0.0.1:5000/"
FIRST = BASE + "id/organisation/fi/merenrannan-ammattikorkeakoulu"


def one_partner(tmp_path: Path, name: str, partner_name: str) -> Path:
    """keep.eu's API sample with its first partner only, under ``partner_name`` (its PIC and
    VAT number as the sample gives them)."""
    data = json.loads((SAMPLES.parent / "bulk" / "keep-eu-api-990101-synthetic.json").read_text())
    data["partnerships"] = [data["partnerships"][0]]
    data["partnerships"][0]["partner"]["name"] = partner_name
    data["partnerships"][0]["partner"].pop("translations", None)
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def partner_iris(store: CblodStore) -> set[str]:
    rows = select(store, "SELECT DISTINCT ?o WHERE { ?p cbo:partner ?o }")
    return {r["o"] for r in rows}


def identity_keys(store_dir: Path, predicate) -> list[str]:
    store = CblodStore(store_dir, must_exist=True)
    return sorted(lexical(q.object) for q in store.quads(None, predicate, None, IDENTITY))


def test_identifier_keys_are_looked_up_not_loaded_and_still_match(tmp_path):
    store = CblodStore(tmp_path / "store")
    ingest([one_partner(tmp_path, "a.json", "Merenrannan ammattikorkeakoulu Oy")], store=store)
    assert partner_iris(store) == {FIRST}
    stored = identity_keys(store.path, IDENTIFIER_KEY)
    assert stored and all(k.startswith("organisation-id|") for k in stored)
    assert not [
        k for k in identity_keys(store.path, IDENTITY_KEY) if k.startswith("organisation-id|")
    ]

    writer = SnapshotWriter(CblodStore(store.path, must_exist=True), BASE)
    assert not [k for k in writer.identity.registered if k.startswith("organisation-id|")]
    assert {writer.identity.known(k) for k in stored} == {FIRST}
    assert writer.identity.known("organisation-id|eu-pic|000000000") is None

    # another name, the same identifiers, in a later ingest: the organisation the keys name
    ingest([one_partner(tmp_path, "b.json", "Coastline Applied Sciences Oy")], store=store)
    assert partner_iris(CblodStore(store.path, must_exist=True)) == {FIRST}


def test_a_store_with_the_older_key_layout_is_moved_once(tmp_path):
    store = CblodStore(tmp_path / "store")
    ingest([one_partner(tmp_path, "a.json", "Merenrannan ammattikorkeakoulu Oy")], store=store)
    stored = identity_keys(store.path, IDENTIFIER_KEY)
    snapshot = store.snapshot
    assert snapshot is not None
    del store
    # as an older cblod wrote it: every key under cbo:identityKey, no layout noted
    older = Store(str(snapshot / DATABASE))
    for quad in list(older.quads_for_pattern(None, IDENTIFIER_KEY, None, IDENTITY)):
        older.remove(quad)
        older.add(Quad(quad.subject, IDENTITY_KEY, quad.object, IDENTITY))
    for quad in list(older.quads_for_pattern(DATASET, IDENTITY_LAYOUT, None, META)):
        older.remove(quad)
    older.flush()
    del older
    assert identity_keys(tmp_path / "store", IDENTIFIER_KEY) == []

    store = CblodStore(tmp_path / "store", must_exist=True)
    ingest([one_partner(tmp_path, "b.json", "Coastline Applied Sciences Oy")], store=store)
    store = CblodStore(tmp_path / "store", must_exist=True)
    assert partner_iris(store) == {FIRST}
    assert identity_keys(store.path, IDENTIFIER_KEY) == stored
    assert not [
        k for k in identity_keys(store.path, IDENTITY_KEY) if k.startswith("organisation-id|")
    ]
    assert any(True for _ in store.quads(DATASET, IDENTITY_LAYOUT, None, META))
