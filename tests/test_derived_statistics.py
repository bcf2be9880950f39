"""The dataset's statistics of a release, their counts over every statement updated from the
release before's by the diff of the subjects it changed (``cblod.derived.statistics``), equal
the statistics counted whole: after chains of updates in several orders, renames, amounts
changed, and a project removed."""

from __future__ import annotations

import json
import random

import pytest

from cblod.backends.store import CblodStore
from cblod.derived import statistics as derived_statistics
from cblod.derived.diff import diff_of
from cblod.derived.statistics import _updated_scans, statistics
from cblod.publish import ingest
from cblod.read.stats import Scans, dataset_statistics, stats
from tests.helpers.edits import exported_store, fixed, without_project
from tests.helpers.samples import ALL_PAGES


def same_json(a: object, b: object) -> bool:
    return json.loads(json.dumps(a)) == json.loads(json.dumps(b))


def assert_updated_equals_whole(store: CblodStore) -> None:
    release = CblodStore(store.path, must_exist=True)
    updated = _updated_scans(release, diff_of(release))
    assert updated is not None  # the update path was taken: a release before to start from
    assert updated == Scans.of(release)
    home, described = statistics(release)
    assert same_json(home, stats(release)) and same_json(described, dataset_statistics(release))


@pytest.fixture(autouse=True)
def always_updated(monkeypatch):
    """The sample data is small: most releases change more than ``WHOLE_ABOVE`` of it."""
    monkeypatch.setattr(derived_statistics, "WHOLE_ABOVE", 100.0)


@pytest.mark.parametrize("seed", [21, 22, 23])
def test_updated_statistics_equal_ones_counted_whole(tmp_path, pages, seed):
    rng = random.Random(seed)
    order = [pages / p.name for p in ALL_PAGES]
    rng.shuffle(order)
    store = CblodStore(tmp_path / "store")
    ingest(order[:2], store=store)
    for step in [order[2:3], order[3:], *([rng.choice(order)] for _ in range(4))]:
        for page in step:
            fixed(page, rng)
        ingest(step, store=store)
        assert_updated_equals_whole(store)


def test_statistics_after_a_project_is_removed_equal_ones_counted_whole(tmp_path):
    folder, paths, store = exported_store(tmp_path)
    without_project(folder, "P000003")
    ingest(paths, store=store)
    assert_updated_equals_whole(store)
