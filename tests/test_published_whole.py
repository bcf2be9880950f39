"""A release is published whole (issue #24): what it derives (kept answers, facet and
reconciliation indexes, dumps) is made before the published pointer moves, so no reader sees
it without them, and a failure or ``kill -9`` while they are made leaves the previous release
served, complete."""

from __future__ import annotations

import gc
import signal
import subprocess
import sys
import time

import pytest

from cblod.backends.snapshots import published_snapshot
from cblod.backends.store import CblodStore
from cblod.derived.kept import FOLDER
from cblod.ingest.identity import Identity
from cblod.ingest.writer import SnapshotWriter
from cblod.publish import derive_release, ingest
from cblod.read.dumps import MANIFEST, RELEASE_DUMPS
from tests.helpers.edits import STATUS, changed
from tests.helpers.samples import ALL_PAGES, KEEP_EU_PAGE, select


def test_a_release_is_published_only_once_its_derived_artefacts_are_made(tmp_path, pages):
    """The ingest's own path: inside ``publish(derive=…)`` the pointer still names the release
    before, the sealed snapshot already reads the new data, and after it every artefact is
    there in the release being served."""
    store = CblodStore(tmp_path / "store")
    ingest([pages / p.name for p in ALL_PAGES], store=store)
    before = published_snapshot(store.path)
    seen: dict[str, object] = {}

    def derive(sealed: CblodStore) -> None:
        seen["published while deriving"] = published_snapshot(store.path)
        seen["status read while deriving"] = [r["s"] for r in select(sealed, STATUS)]
        derive_release(sealed)

    (report,) = ingest([changed(pages, "open")], store=store, derive=derive)
    assert report.status == "ingested"
    assert seen["published while deriving"] == before
    assert seen["status read while deriving"] == ["open"]
    served = published_snapshot(store.path)
    assert served != before
    assert (served / FOLDER / "stats.json").exists()
    assert (served / RELEASE_DUMPS / MANIFEST).exists()
    assert any((served / "facets").iterdir())


def test_what_only_writing_needed_is_let_go_before_the_release_derives(tmp_path, pages):
    """The derivation is the ingest's peak: the key registry and the writer's sets of subjects
    (a few hundred bytes a subject) are no longer held while it runs."""
    store = CblodStore(tmp_path / "store")
    held: dict[str, int] = {}

    def derive(sealed: CblodStore) -> None:
        gc.collect()
        live = gc.get_objects()
        held["registries"] = sum(isinstance(o, Identity) and bool(o.registered) for o in live)
        held["writers holding subjects"] = sum(
            isinstance(o, SnapshotWriter) and bool(o.release_changes or o.changed_subjects)
            for o in live
        )
        derive_release(sealed)

    (report, *_) = ingest([pages / p.name for p in ALL_PAGES], store=store, derive=derive)
    assert report.status == "ingested"
    assert held == {"registries": 0, "writers holding subjects": 0}
    # and what was let go was not needed: the next ingest matches the same keys
    assert published_snapshot(store.path) is not None
    (again, *_) = ingest([changed(pages, "open")], store=store)
    assert again.status == "ingested"
    assert [r["s"] for r in select(CblodStore(tmp_path / "store", must_exist=True), STATUS)] == [
        "open"
    ]


def test_a_failure_while_deriving_leaves_the_previous_release_served(tmp_path, pages):
    store = CblodStore(tmp_path / "store")
    ingest([pages / p.name for p in ALL_PAGES], store=store)
    before = published_snapshot(store.path)

    def broken(sealed: CblodStore) -> None:
        raise RuntimeError("the derived work failed")

    with pytest.raises(RuntimeError):
        ingest([changed(pages, "open")], store=store, derive=broken)
    assert published_snapshot(store.path) == before
    reopened = CblodStore(tmp_path / "store", must_exist=True)
    assert [r["s"] for r in select(reopened, STATUS)] == ["closed"]
    # and the next ingest publishes as usual
    ingest([changed(pages, "reopened")], store=store)
    assert [r["s"] for r in select(CblodStore(tmp_path / "store", must_exist=True), STATUS)] == [
        "reopened"
    ]


@pytest.mark.slow
def test_kill_9_while_deriving_leaves_the_previous_release_served(tmp_path):
    """A real ``cblod ingest`` of a generated export, killed once its new snapshot's derived
    work has begun (its answers folder appears) and before it returns."""
    from benchmarks.generate import keep_eu_export

    export = tmp_path / "export"
    export.mkdir()
    files = keep_eu_export(400, export)
    store_dir = tmp_path / "store"
    ingest([KEEP_EU_PAGE], store=CblodStore(store_dir))
    before = published_snapshot(store_dir)
    command = [sys.executable, "-m", "cblod", "ingest", "--store", str(store_dir), *map(str, files)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(6000):  # until a new snapshot is deriving (bounded: 10 min)
            deriving = [f for f in store_dir.glob("v*") if f != before and (f / FOLDER).exists()]
            if deriving or process.poll() is not None:
                break
            time.sleep(0.1)
        assert process.poll() is None, "the ingest ended before its derived work was seen"
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert published_snapshot(store_dir) == before
    store = CblodStore(store_dir, must_exist=True)
    assert [r["s"] for r in select(store, STATUS)] == ["closed"]
    assert (before / RELEASE_DUMPS / MANIFEST).exists()
    # the next run completes and publishes the export whole
    ingest(files, store=CblodStore(store_dir))
    assert published_snapshot(store_dir) != before
