"""The facet and reconciliation indexes patched from the release before's (only the items a
change reaches made again: ``cblod.derived.reach``, ``cblod.derived.facets.patch``,
``cblod.derived.matching.index.patch``) equal the indexes built whole, file for file, after chains of
fixes in random orders: amounts, names, legal statuses, a project's title and objective, a
partner's town and country, a partner that leaves a project and comes back. Each test also
checks the patch was what made them, and that it made few entries again."""

from __future__ import annotations

import random

import pytest

from cblod.backends.store import CblodStore
from cblod.derived.facets import index as facet_index
from cblod.derived.facets import keep as facet_keep
from cblod.derived.facets import patch as facet_patch
from cblod.derived.facets.index import FOLDER, build, save
from cblod.derived.facets.spec import LISTS
from cblod.derived.matching import index as reconcile_index
from cblod.derived.paths import PathReader
from cblod.publish import ingest
from tests.helpers.compare import assert_same_files, assert_same_index
from tests.helpers.edits import FIXES, fix
from tests.helpers.samples import CB_PAGE, INTERREG_EUROPE, KEEP_EU_PAGE


@pytest.fixture
def patched(monkeypatch) -> list[tuple[str, int, int]]:
    """Each patch that made an index: (what, entries made again, entries)."""
    made: list[tuple[str, int, int]] = []
    facets, entities = facet_patch.patch, reconcile_index.patch

    def facet_spy(*args, **kwargs):
        index = facets(*args, **kwargs)
        if index is not None:
            made.append((args[1].name, index.inputs.made, len(index.iris)))
        return index

    def entities_spy(store, before, reach, folder):
        patched = entities(store, before, reach, folder)
        if patched:
            made.append(("reconcile", -1, 0))
        return patched

    monkeypatch.setattr(facet_keep, "patch", facet_spy)  # where the keeping looks it up
    monkeypatch.setattr(reconcile_index, "patch", entities_spy)
    return made


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_patched_indexes_equal_indexes_built_whole(tmp_path, pages, seed, monkeypatch, patched):
    monkeypatch.setattr(facet_index, "ROWS_PER_FILE", 2)  # many row files: linked and not
    rng = random.Random(seed)
    page = pages / KEEP_EU_PAGE.name
    ingest([page, pages / INTERREG_EUROPE.name], store=(store := CblodStore(tmp_path / "s")))
    for n in range(6):
        fix(page, rng)
        extra = [pages / CB_PAGE.name] if n == 3 else []  # a second source joins once
        patched.clear()
        assert all(r.status != "failed" for r in ingest([page, *extra], store=store))
        assert {what for what, _, _ in patched} == {*LISTS, "reconcile"}, n
        assert all(again < total for _, again, total in patched if again >= 0), patched
        sealed = CblodStore(store.path, must_exist=True)
        reader = PathReader(sealed)
        whole = tmp_path / f"whole-{n}"
        for spec in LISTS.values():
            save(build(sealed, spec, reader), whole)
            assert_same_files(sealed.snapshot / FOLDER, whole, spec.name)
        reconcile_index.save(reconcile_index.build(sealed, reader), whole)
        assert_same_index(sealed.snapshot, whole)


def test_a_fix_makes_again_only_what_it_reaches(tmp_path, pages, patched):
    """One partner's amount: one participation's row and one organisation's (its sums),
    no project's; the untouched rows' files are the release before's."""
    page = pages / KEEP_EU_PAGE.name
    store = CblodStore(tmp_path / "s")
    ingest([page, pages / INTERREG_EUROPE.name], store=store)
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace(*FIXES[0][0]), encoding="utf-8")
    ingest([page], store=store)
    made = {what: again for what, again, _ in patched}
    assert made == {"projects": 0, "participations": 1, "organisations": 1, "reconcile": -1}
