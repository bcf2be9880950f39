"""A release's dumps updated from the release before equal the same dumps built from scratch,
byte for byte, after chains of updates in several orders (issue #24: only what changed is
written; the rest is linked or copied, never recompressed)."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import random
import tempfile
import uuid
from pathlib import Path

import pytest
import rdflib
import rdflib.compare

from cblod.backends.releases import change_of
from cblod.backends.store import CblodStore
from cblod.publish import ingest
from cblod.read.dumps import MANIFEST, QUADS, RELEASE_DUMPS, dump_size, open_dump, release_dumps
from tests.helpers.edits import edited
from tests.helpers.samples import ALL_PAGES, KEEP_EU_PAGE


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
    return files(release_dumps(CblodStore(store.path, must_exist=True), target, from_scratch=True))


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


def test_an_unchanged_source_takes_no_new_space_nor_do_its_quads(tmp_path, pages):
    store = CblodStore(tmp_path / "store")
    ingest([pages / p.name for p in ALL_PAGES], store=store)
    first = store.snapshot / RELEASE_DUMPS
    page = pages / KEEP_EU_PAGE.name
    edited(page, 1)
    ingest([page], store=store)
    second = store.snapshot / RELEASE_DUMPS
    change = change_of(store.snapshot)
    assert change is not None and len(change.sources_written) == 1
    for folder in ("sources", "quads"):  # its own dump, and its part of the N-Quads dump
        linked = [
            p.name
            for p in (second / folder).iterdir()
            if os.stat(p).st_ino == os.stat(first / folder / p.name).st_ino
        ]
        assert len(linked) == len(ALL_PAGES) - 1  # every source but the one changed: a link
    assert not (second / QUADS).exists()  # kept as its parts, read as one
    # the N-Quads dump is whole: every source graph's statements under its name, parsed
    with open_dump(second, QUADS) as whole:
        quads = gzip.decompress(whole.read())
    dataset = rdflib.Dataset()
    dataset.parse(data=quads, format="nquads")
    graphs = {str(g.identifier) for g in dataset.graphs() if len(g)}
    assert len(graphs) >= len(ALL_PAGES)
    assert any("fix 1" in str(o) for o in dataset.objects())
    listed = json.loads((second / MANIFEST).read_text(encoding="utf-8"))[QUADS]
    assert listed == {
        "bytes": len(whole_bytes(second)),
        "sha256": hashlib.sha256(whole_bytes(second)).hexdigest(),
    }
    assert dump_size(second, QUADS) == len(whole_bytes(second))


def whole_bytes(folder: Path, name: str = QUADS) -> bytes:
    with open_dump(folder, name) as whole:
        return whole.read()


def test_a_dump_kept_as_parts_reads_as_their_concatenation_from_anywhere(tmp_path):
    """``Composed``: any seek and read across the parts (some empty) gives the bytes of the
    concatenation."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from cblod.read.composed import Composed

    @settings(max_examples=60, deadline=None)
    @given(
        sizes=st.lists(st.integers(0, 300), min_size=1, max_size=6),
        reads=st.lists(st.tuples(st.integers(0, 1300), st.integers(0, 400)), max_size=8),
    )
    def check(sizes, reads):
        folder = Path(tempfile.mkdtemp(dir=tmp_path))
        parts, whole = [], b""
        for n, size in enumerate(sizes):
            data = bytes((n * 31 + i) % 251 for i in range(size))
            (folder / f"{n}.part").write_bytes(data)
            parts.append(folder / f"{n}.part")
            whole += data
        with Composed(parts) as composed:
            assert composed.size == len(whole)
            assert composed.read() == whole
            for at, count in reads:
                composed.seek(at)
                assert composed.read(count) == whole[at : at + count]
            if whole:
                composed.seek(-1, os.SEEK_END)
                assert composed.read() == whole[-1:]

    check()


def test_dumps_without_the_release_before_are_built_whole(tmp_path, pages):
    store = CblodStore(tmp_path / "store")
    ingest([pages / p.name for p in ALL_PAGES], store=store)
    assert change_of(store.snapshot) is None  # the first release
    page = pages / KEEP_EU_PAGE.name
    edited(page, 1)
    ingest([page], store=store, keep=False)
    folder = release_dumps(
        CblodStore(store.path, must_exist=True), store.snapshot, from_scratch=True
    )
    assert files(folder) == rebuilt(store, tmp_path)


@pytest.mark.parametrize("seed", [31, 32, 33])
def test_bucketed_published_dumps_equal_whole_ones_after_fixes(tmp_path, pages, seed, monkeypatch):
    """The published graph's dumps are cut in subject buckets (``cblod.read.subject_buckets``),
    here of about 4 subjects so that fixes move cuts: amounts, names, places, a partner that
    leaves and comes back, a source that joins. Each release's files are what a whole build
    writes, and they still parse as one graph, the one the store publishes."""
    from cblod.read import subject_buckets
    from tests.helpers.edits import fix
    from tests.helpers.samples import CB_PAGE, INTERREG_EUROPE

    monkeypatch.setattr(subject_buckets, "BUCKET_EVERY", 4)
    rng = random.Random(seed)
    page = pages / KEEP_EU_PAGE.name
    store = CblodStore(tmp_path / "store")
    ingest([page, pages / INTERREG_EUROPE.name], store=store)
    for n in range(5):
        fix(page, rng)
        ingest([page, *([pages / CB_PAGE.name] if n == 2 else [])], store=store)
        assert change_of(store.snapshot) is not None
        updated = files(store.snapshot / RELEASE_DUMPS)
        assert updated == rebuilt(store, tmp_path), n
    buckets = subject_buckets.load(store.snapshot / RELEASE_DUMPS)
    assert buckets is not None and len(buckets) > 10
    folder = store.snapshot / RELEASE_DUMPS
    published = rdflib.Graph()
    published.parse(data=gzip.decompress(whole_bytes(folder, "dataset.ttl.gz")), format="turtle")
    as_triples = rdflib.Graph()
    as_triples.parse(data=gzip.decompress(whole_bytes(folder, "dataset.nt.gz")), format="nt")
    sealed = CblodStore(store.path, must_exist=True)
    assert len(published) == len(as_triples) == len(list(sealed.default_graph_quads()))
    assert rdflib.compare.isomorphic(published, as_triples)


def test_a_fix_rewrites_only_the_buckets_of_what_it_changed(tmp_path, pages, monkeypatch):
    """One amount: of the published graph's buckets, only those holding a changed subject
    (the participation, the source's record) are compressed again; the others' bytes are
    the release before's."""
    from cblod.read import subject_buckets

    monkeypatch.setattr(subject_buckets, "BUCKET_EVERY", 4)
    page = pages / KEEP_EU_PAGE.name
    store = CblodStore(tmp_path / "store")
    ingest([pages / p.name for p in ALL_PAGES], store=store)
    first = subject_buckets.load(store.snapshot / RELEASE_DUMPS)
    before = whole_bytes(store.snapshot / RELEASE_DUMPS, "dataset.nt.gz")
    page.write_text(
        page.read_text(encoding="utf-8").replace("EUR 149 325.00", "EUR 149 400.50"),
        encoding="utf-8",
    )
    ingest([page], store=store)
    after = whole_bytes(store.snapshot / RELEASE_DUMPS, "dataset.nt.gz")
    second = subject_buckets.load(store.snapshot / RELEASE_DUMPS)
    assert first is not None and second is not None and len(first) > 20
    old = {b.first: before[b.nt[0] : b.nt[0] + b.nt[1]] for b in first}
    same = sum(old.get(b.first) == after[b.nt[0] : b.nt[0] + b.nt[1]] for b in second)
    assert len(second) - 4 <= same < len(second)


def test_a_dump_being_read_outlives_its_release(tmp_path):
    """A download opens every part of a dump at once: when its release is removed meanwhile
    (an older one pruned while a client still reads it), the download still gets every byte."""
    from cblod.read.composed import Composed

    parts = []
    for n in range(5):
        (tmp_path / f"{n}.part").write_bytes(bytes([n]) * 1000)
        parts.append(tmp_path / f"{n}.part")
    with Composed(parts) as reading:
        first = reading.read(10)
        for part in parts:
            part.unlink()  # the release removed
        assert first + reading.read() == b"".join(bytes([n]) * 1000 for n in range(5))


def test_a_fix_adds_only_the_segments_of_what_it_changed(tmp_path, pages, monkeypatch):
    """The published graph's files are kept as segment files (a few buckets each here): a fix
    of one amount writes the segments holding a changed subject, and every other segment is
    the release before's file (a hard link); the files read as one are what a whole build
    writes (the test above)."""
    from cblod.read import subject_buckets

    monkeypatch.setattr(subject_buckets, "BUCKET_EVERY", 2)
    monkeypatch.setattr(subject_buckets, "SEGMENT_EVERY", 3)
    page = pages / KEEP_EU_PAGE.name
    store = CblodStore(tmp_path / "store")
    ingest([pages / p.name for p in ALL_PAGES], store=store)
    first = store.snapshot / RELEASE_DUMPS
    page.write_text(
        page.read_text(encoding="utf-8").replace("EUR 149 325.00", "EUR 149 400.50"),
        encoding="utf-8",
    )
    ingest([page], store=store)
    second = store.snapshot / RELEASE_DUMPS
    segments = sorted((second / subject_buckets.PARTS).iterdir())
    linked = [p for p in segments if p.stat().st_nlink > 1 and (first / "parts" / p.name).exists()
              and (first / "parts" / p.name).stat().st_ino == p.stat().st_ino]  # fmt: skip
    assert len(segments) > 20
    assert len(segments) - 8 <= len(linked) < len(segments)  # a few segments written again
    assert whole_bytes(second, "dataset.nt.gz") == b"".join(
        p.read_bytes() for p in segments if p.name.startswith("dataset.nt.")
    )
    assert files(second) == rebuilt(store, tmp_path)


def test_segments_cut_by_another_rule_before_are_copied_not_linked(tmp_path, pages, monkeypatch):
    """A release before cut into segments by another rule (another ``SEGMENT_EVERY``): no
    segment of it is taken for a piece it does not hold; the files still equal a whole build."""
    from cblod.read import subject_buckets

    monkeypatch.setattr(subject_buckets, "BUCKET_EVERY", 2)
    monkeypatch.setattr(subject_buckets, "SEGMENT_EVERY", 3)
    page = pages / KEEP_EU_PAGE.name
    store = CblodStore(tmp_path / "store")
    ingest([pages / p.name for p in ALL_PAGES], store=store)
    monkeypatch.setattr(subject_buckets, "SEGMENT_EVERY", 5)
    edited(page, 1)
    ingest([page], store=store)
    assert files(store.snapshot / RELEASE_DUMPS) == rebuilt(store, tmp_path)


def test_a_dump_is_cut_alike_however_the_engine_chunks_its_stream(sample_store):
    """The sinks take blocks of whole lines: a subject's run of lines split across writes, a
    line split mid-way, or one write of everything give the same buckets and the same quads."""
    from pyoxigraph import DefaultGraph, RdfFormat

    from cblod.read.dumps import _InGraph
    from cblod.read.subject_buckets import _Cutter, _Files

    store = sample_store
    published = io.BytesIO()
    store.dump(published, format=RdfFormat.N_TRIPLES, from_graph=DefaultGraph())
    text = published.getvalue()
    graph = store.source_graphs()[0]

    def cut(sizes: random.Random | None) -> tuple[list[tuple[str, bytes]], bytes, bytes]:
        nt, ttl, quads, triples = io.BytesIO(), io.BytesIO(), io.BytesIO(), io.BytesIO()
        files = _Files(nt, ttl)
        cutter, named = _Cutter(files), _InGraph(quads, graph, triples)
        at = 0
        while at < len(text):
            step = len(text) if sizes is None else sizes.randint(1, 300)
            cutter.write(text[at : at + step])
            named.write(text[at : at + step])
            at += step
        cutter.close()
        named.close()
        bodies = [
            (b.first, gzip.decompress(nt.getvalue()[b.nt[0] : b.nt[0] + b.nt[1]]))
            for b in files.buckets
        ]
        return bodies, quads.getvalue(), triples.getvalue()

    whole = cut(None)
    assert len(whole[0]) > 1 and b"".join(body for _, body in whole[0]) == text
    for seed in range(5):
        assert cut(random.Random(seed)) == whole
    lines = text.splitlines()
    assert whole[1].splitlines() == [line[:-2] + f" {graph} .".encode() for line in lines]
    assert whole[2] == text
