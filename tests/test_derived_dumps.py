"""A release's dumps updated from the release before equal the same dumps built from scratch,
byte for byte, after chains of updates in several orders (issue #24: only what changed is
written; the rest is linked or copied, never recompressed)."""

from __future__ import annotations

import gzip
import os
import random
import uuid
from pathlib import Path

import pytest
import rdflib
from conftest import ALL_PAGES, KEEP_EU_PAGE

from cblod.derived import change_of
from cblod.dumps import QUADS, RELEASE_DUMPS, release_dumps
from cblod.ingest import ingest
from cblod.store import CblodStore


def files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def rebuilt(store: CblodStore, tmp_path: Path) -> dict[str, bytes]:
    """The current release's dumps built from scratch, beside the store."""
    target = tmp_path / f"scratch-{uuid.uuid4().hex}"
    target.mkdir()
    return files(release_dumps(CblodStore(store.path, read_only=True), target, from_scratch=True))


def edited(page: Path, n: int) -> None:
    """One amount of a page changed, as a secretariat's fix would (a new value each time)."""
    text = page.read_text(encoding="utf-8")
    marker = "Project status: "
    page.write_text(text.replace(marker, f"{marker}fix {n} ", 1) if n else text, encoding="utf-8")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_updated_dumps_equal_rebuilt_ones_after_a_chain_of_updates(tmp_path, pages, seed):
    order = [pages / p.name for p in ALL_PAGES]
    random.Random(seed).shuffle(order)
    store = CblodStore(tmp_path / "store")
    ingest(order[:3], store=store)  # the first release: built whole
    steps = [order[3:]] + [[random.Random(seed + n).choice(order)] for n in range(4)]
    for n, step in enumerate(steps, start=1):
        for page in step[1:] if n == 1 else step:
            edited(page, n)
        ingest(step, store=store)
        change = change_of(store.snapshot)
        assert change is not None  # updated from the release before, not built whole
        updated = files(store.snapshot / RELEASE_DUMPS)
        scratch = rebuilt(store, tmp_path)
        assert updated.keys() == scratch.keys()
        for name in updated:
            assert updated[name] == scratch[name], (n, name)


def test_an_unchanged_source_takes_no_new_space_and_its_quads_are_copied(tmp_path, pages):
    store = CblodStore(tmp_path / "store")
    ingest([pages / p.name for p in ALL_PAGES], store=store)
    first = store.snapshot / RELEASE_DUMPS
    page = pages / KEEP_EU_PAGE.name
    edited(page, 1)
    ingest([page], store=store)
    second = store.snapshot / RELEASE_DUMPS
    change = change_of(store.snapshot)
    assert change is not None and len(change.sources_written) == 1
    linked = [
        p.name
        for p in (second / "sources").iterdir()
        if os.stat(p).st_ino == os.stat(first / "sources" / p.name).st_ino
    ]
    assert len(linked) == len(ALL_PAGES) - 1  # every source but the one changed: a hard link
    # the N-Quads dump is whole: every source graph's statements under its name, parsed
    dataset = rdflib.Dataset()
    dataset.parse(data=gzip.decompress((second / QUADS).read_bytes()), format="nquads")
    graphs = {str(g.identifier) for g in dataset.graphs() if len(g)}
    assert len(graphs) >= len(ALL_PAGES)
    assert any("fix 1" in str(o) for o in dataset.objects())


def test_dumps_without_the_release_before_are_built_whole(tmp_path, pages):
    store = CblodStore(tmp_path / "store")
    ingest([pages / p.name for p in ALL_PAGES], store=store)
    assert change_of(store.snapshot) is None  # the first release
    page = pages / KEEP_EU_PAGE.name
    edited(page, 1)
    ingest([page], store=store, keep=False)
    folder = release_dumps(
        CblodStore(store.path, read_only=True), store.snapshot, from_scratch=True
    )
    assert files(folder) == rebuilt(store, tmp_path)
