"""The search index follows every ingest: updated for what changed, equal to one built whole."""

from __future__ import annotations

import sqlite3

from cblod.backends import releases
from cblod.backends.store import CblodStore
from cblod.derived.search import build_index, index_path, search
from cblod.publish import ingest
from tests.helpers.samples import ALL_PAGES, KEEP_EU_PAGE, ingest_all


def entries(path) -> set[tuple[str, ...]]:
    with sqlite3.connect(path) as db:
        found = set(db.execute("SELECT iri, kind, title, names, description FROM entries"))
    db.close()
    return found


def rebuilt(store: CblodStore, tmp_path) -> set[tuple[str, ...]]:
    """The entries of an index built whole from the same snapshot."""
    whole = CblodStore(store.path, must_exist=True)
    whole_index = index_path(whole)
    copy = tmp_path / "whole.sqlite3"
    original = whole_index.read_bytes()
    try:
        build_index(whole)
        copy.write_bytes(whole_index.read_bytes())
    finally:
        whole_index.write_bytes(original)
    return entries(copy)


def test_an_updated_index_is_the_index_built_whole(tmp_path, pages):
    store = ingest_all(tmp_path / "store", [pages / p.name for p in ALL_PAGES])
    before = entries(index_path(store))
    assert len(before) > 40
    page = pages / KEEP_EU_PAGE.name
    text = page.read_text(encoding="utf-8")
    assert "4Smart Growth" in text
    page.write_text(text.replace("4Smart Growth", "Quadsmart Growth"), encoding="utf-8")
    ingest([page], store=store)
    changed = releases.read(store.snapshot).changes
    assert 0 < sum(map(len, changed.values())) < 100  # the page's subjects, not the dataset
    after = entries(index_path(store))
    assert after != before
    assert after == rebuilt(store, tmp_path)
    assert [h.title for h in search(store, "quadsmart")]  # the new name is found


def test_a_first_ingest_builds_the_index_whole(tmp_path):
    store = ingest_all(tmp_path / "store")
    assert entries(index_path(store)) == rebuilt(store, tmp_path)
