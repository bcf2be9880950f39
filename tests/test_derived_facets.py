"""The facet index of a release, its export rows kept from the release before where their
inputs did not change (``cblod.derived.facets.reuse``), equals the index built whole: after chains of
updates in several orders, for every list, file for file."""

from __future__ import annotations

import random

import pytest

from cblod.backends.releases import change_of
from cblod.backends.store import CblodStore
from cblod.derived.facets import index as index_module
from cblod.derived.facets.index import FOLDER, build, load, save
from cblod.derived.facets.spec import LISTS
from cblod.derived.paths import PathReader
from cblod.publish import ingest
from tests.helpers.compare import assert_same_files
from tests.helpers.edits import edited
from tests.helpers.samples import ALL_PAGES


@pytest.mark.parametrize("seed", [4, 5, 6])
def test_an_updated_facet_index_equals_one_built_whole(tmp_path, pages, seed, monkeypatch):
    monkeypatch.setattr(index_module, "ROWS_PER_FILE", 3)  # many row files, some linked
    # rows made 7 at a time and written as made (the ingest's build), held whole (``whole``)
    monkeypatch.setattr(index_module, "BLOCK", 7)
    order = [pages / p.name for p in ALL_PAGES]
    random.Random(seed).shuffle(order)
    store = CblodStore(tmp_path / "store")
    ingest(order[:2], store=store)
    steps = [order[2:]] + [[random.Random(seed * 10 + n).choice(order)] for n in range(4)]
    for n, step in enumerate(steps, start=1):
        for page in step:
            edited(page, n)
        ingest(step, store=store)
        change = change_of(store.snapshot)
        assert change is not None  # the ingest took the update path: a release before to reuse
        for spec in LISTS.values():
            before = load(change.previous / FOLDER, spec, inputs=True)
            assert before is not None and before.inputs is not None
        kept = store.snapshot / FOLDER
        assert not list(kept.glob("*.building"))  # the rows written while built: moved in
        sealed = CblodStore(store.path, must_exist=True)
        reader = PathReader(sealed)
        whole = tmp_path / f"whole-{seed}-{n}"
        for spec in LISTS.values():
            save(build(sealed, spec, reader), whole)
            assert_same_files(kept, whole, spec.name)
            index = load(kept, spec, inputs=True)
            assert index is not None and index.inputs is not None


def test_rows_whose_inputs_did_not_change_are_taken_not_made(tmp_path, pages):
    """After one partner's budget changes on a page, of the participations only rows of what
    changed are made again, and no organisation's or project's whose inputs are the same."""
    store = CblodStore(tmp_path / "store")
    page = pages / ALL_PAGES[0].name  # the only source: what it says is published
    ingest([page, pages / "interregeurope-search-clusters.txt"], store=store)
    before = {
        name: load(store.snapshot / FOLDER, spec, inputs=True) for name, spec in LISTS.items()
    }
    text = page.read_text(encoding="utf-8")
    page.write_text(
        text.replace("Total budget: EUR 199 100.00", "Total budget: EUR 199 200.00"),
        encoding="utf-8",
    )
    ingest([page], store=store)
    sealed = CblodStore(store.path, must_exist=True)
    reader = PathReader(sealed)
    made = {
        name: build(sealed, spec, reader, before[name]).inputs.made for name, spec in LISTS.items()
    }
    assert 1 <= made["participations"] < len(before["participations"].iris)
    assert made["organisations"] < len(before["organisations"].iris)


def test_only_the_row_files_a_fix_changed_take_new_space(tmp_path, pages, monkeypatch):
    """A list's export rows are kept in files of ``ROWS_PER_FILE`` rows; after a fix, the
    files whose rows did not change are the release before's (hard links: no new space)."""
    monkeypatch.setattr(index_module, "ROWS_PER_FILE", 4)
    store = CblodStore(tmp_path / "store")
    page = pages / ALL_PAGES[0].name
    ingest([page, pages / "interregeurope-search-clusters.txt"], store=store)
    before = store.snapshot / FOLDER / "participations.rows"
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace("ERDF budget: EUR 149 325.00", "ERDF budget: EUR 149 400.50"))
    ingest([page], store=store)
    after = store.snapshot / FOLDER / "participations.rows"
    inodes = {p.name: p.stat().st_ino for p in before.iterdir()}
    shared = [p.name for p in after.iterdir() if inodes.get(p.name) == p.stat().st_ino]
    fresh = [p.name for p in after.iterdir() if p.name not in shared]
    assert shared and len(fresh) == 1, (shared, fresh)
    assert b"149400.5" in (after / fresh[0]).read_bytes()


@pytest.mark.parametrize(
    "languages",
    [
        ("en",),
        ("en-us", "en"),
        ("fi", "en"),
        ("sv-se", "sv", "en"),
        ("xx", "en"),
        ("et", "lv", "en"),
    ],
)
def test_the_order_by_name_is_kept_for_the_default_reader_and_the_same_for_any(
    demo_store, languages
):
    """A list's order by name, as a reader of ``languages`` sees names (``web.labels``'s rule,
    on Literals), equals the index's; a reader whose languages decide as English's does is
    given the order kept at publish (nothing sorted on the first view after a release)."""
    from pyoxigraph import Literal

    from cblod.read.chosen_names import DEFAULT_LANGUAGES, effective
    from cblod.web.labels import choose_name

    for spec in LISTS.values():
        index = load(demo_store.snapshot / FOLDER, spec)
        assert index is not None and index.name_order is not None
        keys = [
            (
                choose_name(
                    (Literal(v, language=t) if t else Literal(v) for v, t in each), languages
                )
                or "\uffff"
            ).lower()
            for each in index.names
        ]
        expected = sorted(range(len(index)), key=lambda i: (keys[i], index.iris[i]))
        assert index.order_by_name(languages).tolist() == expected, spec.name
        same = effective(languages, index.languages) == effective(
            DEFAULT_LANGUAGES, index.languages
        )
        assert (index.order_by_name(languages) is index.name_order) == same


def test_a_fix_links_every_part_of_the_index_it_did_not_change(tmp_path, pages):
    """One partner's amount: of the participations list, the IRIs, names, values and every
    array but those holding amounts (and where rows lie) are the release before's files."""
    store = CblodStore(tmp_path / "store")
    page = pages / ALL_PAGES[0].name
    ingest([page, pages / "interregeurope-search-clusters.txt"], store=store)
    before = store.snapshot / FOLDER
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace("ERDF budget: EUR 149 325.00", "ERDF budget: EUR 149 400.50"))
    ingest([page], store=store)
    after = store.snapshot / FOLDER

    def linked(relative: str) -> bool:
        return (before / relative).stat().st_ino == (after / relative).stat().st_ino

    for part in ("iris.lines", "names.lines", "labels.json", "inputs.json"):
        assert linked(f"participations.{part}"), part
    values = sorted(p.name for p in after.glob("participations.values.*.lines"))
    assert "participations.values.text.lines" in values
    assert all(linked(name) for name in values), values
    arrays = sorted(p.name for p in (after / "participations.arrays").iterdir())
    fresh = [name for name in arrays if not linked(f"participations.arrays/{name}")]
    assert "amount.eu.npy" in fresh and "items.country.npy" not in fresh
    # the nodes each row looked up are the same: not renumbered, not written again
    assert "inputs.nodes.npy" not in fresh and "inputs.offsets.npy" not in fresh
    assert len(fresh) <= 4, fresh  # the amount, the inputs' digests, where rows lie


def test_rows_written_as_they_are_made_equal_rows_held_whole(tmp_path, monkeypatch):
    """The ingest's build writes each file of export rows as soon as its rows are made, a
    block at a time (memory: a block, not the list); the index is the same, file for file."""
    monkeypatch.setattr(index_module, "ROWS_PER_FILE", 3)
    monkeypatch.setattr(index_module, "BLOCK", 7)
    store = CblodStore(tmp_path / "store")
    ingest(ALL_PAGES, store=store)
    reader = PathReader(store)
    for spec in LISTS.values():
        streamed = build(store, spec, reader, scratch=tmp_path / "s" / f"{spec.name}.building")
        assert len(list((tmp_path / "s" / f"{spec.name}.building").iterdir())) > 1
        save(streamed, tmp_path / "streamed")
        save(build(store, spec, reader), tmp_path / "held")
        assert_same_files(tmp_path / "streamed", tmp_path / "held", spec.name)
        assert not (tmp_path / "s" / f"{spec.name}.building").exists()  # moved into place
        loaded = load(tmp_path / "streamed", spec)
        assert loaded is not None
        assert list(loaded.rows.read(range(len(loaded)))) == list(
            streamed.rows.read(range(len(streamed)))
        )


def test_a_served_index_holds_every_facets_values_once_loaded(demo_store, tmp_path):
    """A fix reads a kept list's facet values on demand; a server reads them all as it loads
    the index (``hold_values``), so no first visitor of a page pays for that."""
    import shutil

    folder = tmp_path / FOLDER
    shutil.copytree(demo_store.snapshot / FOLDER, folder)
    for spec in LISTS.values():
        expected = load(demo_store.snapshot / FOLDER, spec)
        held = load(folder, spec)
        assert expected is not None and held is not None
        held.hold_values()
        for lines in folder.glob(f"{spec.name}.values.*.lines"):
            lines.write_bytes(b"")  # held: never read again
        for key, relation in expected.relations.items():
            assert list(held.relations[key].values) == list(relation.values), key
            assert [held.relations[key].code_of(v) for v in relation.values] == list(
                range(len(relation.values))
            )
