"""The reconciliation index of a release, its names' words taken from the release before
(``cblod.derived.matching.index.keep``), equals the index built whole, byte for byte: after chains of
updates in several orders that rename partners, give them back their old names and change
amounts. And the first query after a release computes no name's words: they are in the file."""

from __future__ import annotations

import random

import pytest

from cblod.backends.releases import change_of
from cblod.backends.store import CblodStore
from cblod.derived.matching import index, match
from cblod.derived.matching.index import build, load, save
from cblod.derived.matching.match import Matcher, Query
from cblod.derived.paths import PathReader
from cblod.publish import ingest
from tests.helpers.compare import assert_same_index
from tests.helpers.edits import fixed
from tests.helpers.samples import ALL_PAGES, KEEP_EU_PAGE


@pytest.mark.parametrize("seed", [7, 8, 9])
def test_an_updated_reconciliation_index_equals_one_built_whole(tmp_path, pages, seed):
    rng = random.Random(seed)
    order = [pages / p.name for p in ALL_PAGES]
    rng.shuffle(order)
    store = CblodStore(tmp_path / "store")
    ingest(order[:2], store=store)
    keep_eu = pages / KEEP_EU_PAGE.name
    steps = [order[2:]] + [[keep_eu, rng.choice(order)] for _ in range(4)]
    for n, step in enumerate(steps, start=1):
        for page in step:
            fixed(page, rng)
        ingest(list(dict.fromkeys(step)), store=store)
        change = change_of(store.snapshot)
        assert change is not None and load(change.previous) is not None  # the update path
        whole = tmp_path / f"whole-{seed}-{n}"
        whole.mkdir()
        sealed = CblodStore(store.path, must_exist=True)
        save(build(sealed, PathReader(sealed)), whole)
        assert_same_index(store.snapshot, whole)


def test_the_first_query_after_a_release_computes_no_names_words(tmp_path, monkeypatch):
    store = CblodStore(tmp_path / "store")
    ingest([KEEP_EU_PAGE], store=store)
    entities = load(store.snapshot)
    assert entities is not None

    def not_again(name: str) -> tuple[str, ...]:
        raise AssertionError(f"the words of {name!r} were computed on query")

    with monkeypatch.context() as patched:
        for module in (index, match):
            patched.setattr(module, "name_tokens", not_again)
        matcher = Matcher(entities)
    found = matcher.match(Query(text="Tredea Oy", type="Organisation"))
    assert found and "Tredea" in found[0].entity.name
