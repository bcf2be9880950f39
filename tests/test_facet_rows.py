"""The parts a facet list's rows are made of, alone: what a build remembers between rows
(``Recorder.once``) and how the patch renumbers row inputs (``in_order_of_first_use``). The
lists as a whole are compared with builds from scratch in ``test_derived_patch``."""

from __future__ import annotations

import numpy as np
import pytest

from cblod.derived.facets.reuse import Recorder, in_order_of_first_use


def facts(name: str, iri: str) -> list[str]:
    return [f"{name} of {iri}"]


def test_a_part_made_once_still_counts_its_lookups_for_every_row_that_asks():
    recorder = Recorder(facts, ["scheme"])
    made: list[str] = []

    def identifiers() -> list[str]:
        made.append("again")
        return recorder("scheme", "urn:id:1") + recorder("scheme", "urn:id:2")

    recorder.asked = {"urn:row:1"}
    first = recorder.once(("identifiers", "urn:id:1", "urn:id:2"), identifiers)
    assert recorder.asked == {"urn:row:1", "urn:id:1", "urn:id:2"}
    recorder.asked = {"urn:row:2"}  # the next row
    second = recorder.once(("identifiers", "urn:id:1", "urn:id:2"), identifiers)
    assert second == first == ["scheme of urn:id:1", "scheme of urn:id:2"]
    assert made == ["again"]
    assert recorder.asked == {"urn:row:2", "urn:id:1", "urn:id:2"}
    recorder.asked = set()
    recorder.once(("identifiers", "urn:id:3"), lambda: recorder("scheme", "urn:id:3"))
    assert recorder.asked == {"urn:id:3"}


@pytest.mark.parametrize("seed", range(20))
def test_first_use_order_is_numpys_unique_by_first_index(seed):
    rng = np.random.default_rng(seed)
    size = int(rng.integers(1, 2_000))
    ids = rng.integers(0, size, int(rng.integers(0, 5_000)))
    values, first = np.unique(ids, return_index=True)
    assert in_order_of_first_use(ids, size).tolist() == values[np.argsort(first)].tolist()
