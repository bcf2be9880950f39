"""The answers a release keeps (``cblod.derived.kept``: statistics, example answers, programme figures,
the plain lists' first views) are asked again for each release, or taken from the release
before when nothing they read changed; after chains of updates in several orders, what a
release kept is what computing them on its data again gives, file
for file (issue #24: every derived artefact tested against one built whole): the same JSON
for the summaries, the same rows for each answer (compared as sets: an engine may return the
groups of an unordered query in any order)."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from cblod.backends.store import CblodStore
from cblod.derived.kept import FOLDER, keep_aggregates
from cblod.derived.reads import FILE as READS
from cblod.derived.reads import MEMO
from cblod.publish import ingest
from tests.helpers.edits import edited
from tests.helpers.samples import ALL_PAGES


@pytest.mark.parametrize("seed", [11, 12])
def test_kept_answers_after_updates_equal_ones_computed_again(tmp_path, pages, seed):
    order = [pages / p.name for p in ALL_PAGES]
    random.Random(seed).shuffle(order)
    store = CblodStore(tmp_path / "store")
    ingest(order[:2], store=store)
    for n, step in enumerate(
        [order[2:], *([random.Random(seed + n).choice(order)] for n in range(3))]
    ):
        for page in step:
            edited(page, n + 1)
        ingest(step, store=store)
        assert_kept_answers_computed_again(store, tmp_path / f"again-{seed}-{n}")


def assert_kept_answers_computed_again(store: CblodStore, again: Path) -> None:
    """Every answer the release kept is the answer computed again from its data, row for row."""
    kept = store.snapshot / FOLDER
    again.mkdir()
    keep_aggregates(CblodStore(store.path, must_exist=True), again)
    names = sorted(p.name for p in again.iterdir())
    assert names == sorted(p.name for p in kept.iterdir() if p.name not in (READS, MEMO))
    for name in names:
        assert rows_of(kept / name) == rows_of(again / name), name


def rows_of(path: Path) -> object:
    body = json.loads(path.read_bytes())
    if path.suffix != ".srj":
        return body
    bindings = body["results"]["bindings"] if "results" in body else [body["boolean"]]
    return body["head"], sorted(json.dumps(b, sort_keys=True) for b in bindings)


@pytest.mark.parametrize("seed", [21, 22])
def test_answers_kept_from_the_release_before_equal_ones_computed_again(tmp_path, pages, seed):
    """Fixes that change amounts, names, places and partners: an answer whose query reads
    none of the properties a release changed is the release before's file (a hard link,
    ``cblod.derived.reads``), and every answer is what computing it again gives."""
    from tests.helpers.edits import fix
    from tests.helpers.samples import INTERREG_EUROPE, KEEP_EU_PAGE

    rng = random.Random(seed)
    page = pages / KEEP_EU_PAGE.name
    store = CblodStore(tmp_path / "store")
    ingest([page, pages / INTERREG_EUROPE.name], store=store)
    linked = 0
    for n in range(5):
        previous = {p.name: p.stat().st_ino for p in (store.snapshot / FOLDER).iterdir()}
        fix(page, rng)
        ingest([page], store=store)
        kept = store.snapshot / FOLDER
        linked += sum(previous.get(p.name) == p.stat().st_ino for p in kept.iterdir())
        assert_kept_answers_computed_again(store, tmp_path / f"again-{n}")
    assert linked  # some answers were kept, not asked again
    # what each example reads was told, though the answers are asked from threads (rdflib's
    # parser, one query at a time: two at once read as "anything", and were never kept)
    from cblod.derived.kept import answer_file
    from cblod.derived.reads import properties_read
    from cblod.read.examples import EXAMPLES

    told = json.loads((store.snapshot / FOLDER / READS).read_text(encoding="utf-8"))
    for example in EXAMPLES:
        if properties_read(example.query) is not None:
            assert told[answer_file(example.query)] is not None, example.title


def test_a_status_fix_keeps_every_example_answer_on_the_published_graph(tmp_path, pages):
    """No example query reads a project's status: after a fix of one, each example's answer
    is the release before's file, but for those that read the source graphs (``GRAPH``), which
    the fix did change."""
    from cblod.derived.kept import answer_file
    from cblod.derived.reads import properties_read
    from cblod.read.examples import EXAMPLES

    store = CblodStore(tmp_path / "store")
    page = pages / ALL_PAGES[0].name
    ingest([page], store=store)
    before = store.snapshot / FOLDER
    edited(page, 1)
    ingest([page], store=store)
    for example in EXAMPLES:
        name = answer_file(example.query)
        if (before / name).exists() and properties_read(example.query) is not None:
            assert (before / name).stat().st_ino == (store.snapshot / FOLDER / name).stat().st_ino


def test_a_fix_that_reads_no_amount_carries_every_parts_rows_and_an_amount_fixed_updates_them(
    tmp_path, pages
):
    """The aggregates kept in parts (``cblod.derived.parts``) keep their rows with each
    release: a status fix links them all from the release before (so the next fix still
    updates them rather than asking them again), and an amount fixed rewrites the rows of
    the sums that read it, whose answers are what the queries asked whole give."""
    from cblod.derived.part_shapes import kind_of
    from cblod.derived.parts import SUFFIX
    from cblod.derived.reads import properties_read

    store = CblodStore(tmp_path / "store")
    page = pages / ALL_PAGES[0].name
    ingest([page], store=store)

    def rows() -> dict[str, int]:
        memo = store.snapshot / FOLDER / MEMO
        return {p.name: p.stat().st_ino for p in memo.iterdir() if p.name.endswith(SUFFIX)}

    first = rows()
    assert first  # sums by country, by programme; the programme pages' stars
    edited(page, 1)  # a status: no part reads it
    ingest([page], store=store)
    assert rows() == first  # every part's rows the first release's file
    text = page.read_text(encoding="utf-8")
    amount = re.search(r"ERDF budget: EUR ([0-9 ]+)\.00", text)
    assert amount is not None
    page.write_text(text.replace(amount.group(0), "ERDF budget: EUR 1 234.00", 1), encoding="utf-8")
    kind_of.cache_clear()
    properties_read.cache_clear()
    ingest([page], store=store)
    # what each part is and reads was kept with the release before: nothing parsed again
    assert kind_of.cache_info().misses == properties_read.cache_info().misses == 0
    after = rows()
    assert after.keys() == first.keys()
    assert any(after[name] != first[name] for name in first)  # rewritten: updated
    assert_kept_answers_computed_again(store, tmp_path / "again")
