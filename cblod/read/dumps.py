"""Dumps of the whole dataset, written as gzip streams with flat memory.

* ``dataset.ttl.gz`` and ``dataset.nt.gz``: the published (consolidated) default graph;
* ``dataset.nq.gz``: every source graph with its name (what each source said), plus the
  published graph as the default graph; kept as its parts, ``dataset.nt.gz`` and
  ``quads/<name>.nq.gz`` (one per source graph), read and served as one file
  (``cblod.read.composed``: a release adds only the parts it changed);
* ``sources/<name>.nt.gz``: one file per source graph.

pyoxigraph writes each graph straight into the gzip stream, so memory does not grow with the
dataset; the published graph's two files are cut in subject buckets on the way, one gzip member
each, so that an update rewrites only the buckets it changed (``cblod.read.subject_buckets``). Files are built in a temporary folder and moved into place, so a reader never sees
half a dump; a set of dumps belongs to one dataset version. A release's dumps are built into
its snapshot (``release_dumps``) with a manifest of their sizes and SHA-256 checksums, which
the DCAT-AP catalogue states (``dcat:byteSize``, ``spdx:checksum``).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO, cast

from pyoxigraph import NamedNode, RdfFormat

from ..backends.published import Dataset
from ..backends.releases import link_or_copy
from ..records.values import slugify
from . import subject_buckets
from .composed import Composed
from .members import LineSink, member

#: the folder of a snapshot its release's dumps are built into, their manifest, and the
#: parts of ``dataset.nq.gz`` (what it is read from, and what an update reuses)
RELEASE_DUMPS = "dumps"
MANIFEST = "manifest.json"
SEGMENTS = "segments.json"
QUADS = "dataset.nq.gz"
NT, TTL = subject_buckets.NT, subject_buckets.TTL


@dataclass(frozen=True)
class DumpFile:
    name: str  # relative path, e.g. "dataset.nt.gz" or "sources/keep-eu.nt.gz"
    media_type: str
    description: str


def _source_name(graph_iri: str) -> str:
    return f"sources/{_slug(graph_iri)}.nt.gz"


def _quads_name(graph_iri: str) -> str:
    """The part of ``dataset.nq.gz`` that is one source graph's quads."""
    return f"quads/{_slug(graph_iri)}.nq.gz"


def _slug(graph_iri: str) -> str:
    return slugify(graph_iri.rstrip("/").rsplit("/", 1)[-1])


def dump_parts(folder: Path, name: str) -> list[Path] | None:
    """The files whose concatenation is the dump ``name`` in ``folder``, when it is kept as
    parts (the published graph's two files as their segments, ``dataset.nq.gz`` as those
    and a part per source); None for a dump kept as one file (a source's, or any dump of a
    release built before)."""
    try:
        segments = json.loads((folder / SEGMENTS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    parts = segments.get(name)
    if not parts or not all("file" in part for part in parts):
        return None
    return [folder / str(part["file"]) for part in parts]


def open_dump(folder: Path, name: str) -> BinaryIO:
    """The dump ``name`` of the set in ``folder``, as one stream (seekable), whether kept as
    one file or as parts."""
    parts = dump_parts(folder, name)
    if parts is None:
        return (folder / name).open("rb")
    return cast(BinaryIO, io.BufferedReader(Composed(parts)))


def as_files(folder: Path, name: str) -> Path:
    """The dump ``name`` of ``folder`` as one file (its parts concatenated into it, for a
    folder handed to a user rather than served); returns its path."""
    path = folder / name
    if not path.exists():
        with open_dump(folder, name) as whole, path.open("wb") as out:
            shutil.copyfileobj(whole, out, 1 << 20)
    return path


def dump_size(folder: Path, name: str) -> int:
    parts = dump_parts(folder, name)
    return sum(p.stat().st_size for p in (parts or [folder / name]))


#: the dumps of the whole dataset, every release has them (named alike in every release)
DATASET_DUMPS = (
    DumpFile("dataset.ttl.gz", "text/turtle", "The published dataset (consolidated), Turtle"),
    DumpFile("dataset.nt.gz", "application/n-triples", "The published dataset, N-Triples"),
    DumpFile("dataset.nq.gz", "application/n-quads",
             "Every source graph with its name, and the published graph, N-Quads"),
)  # fmt: skip


def dump_files(store: Dataset) -> list[DumpFile]:
    """The dataset's dumps and one per source graph of ``store``."""
    files = list(DATASET_DUMPS)
    files += [
        DumpFile(_source_name(g.value), "application/n-triples", f"What source {g.value} said")
        for g in store.source_graphs()
    ]
    return files


class _InGraph(LineSink):
    """Writes the N-Triples it is given to ``out`` as N-Quads in ``graph``, a block of lines
    at a time as they stream: a graph's own dump (whole or an error, on every backend) rather
    than a pattern lookup, which a SPARQL server answers with at most its row cap."""

    def __init__(self, out: IO[bytes], graph: NamedNode, triples: IO[bytes]) -> None:
        super().__init__()
        self.out, self.tail, self.triples = out, f" {graph} .\n".encode(), triples

    def lines(self, block: bytes) -> None:
        self.triples.write(block)  # the graph's own N-Triples file, from the same pass
        # every line of pyoxigraph's N-Triples ends " .\n", and only a line's end has a
        # newline (literals escape theirs): each end becomes the graph's name and " .\n"
        self.out.write(block.replace(b" .\n", self.tail))


def _write_member(path: Path, write: Callable[[IO[bytes]], None]) -> None:
    with path.open("wb") as raw, member(raw) as out:
        write(out)


@dataclass(frozen=True)
class _Previous:
    """The dumps of the release before, and what changed since (``cblod.backends.releases.Change``)."""

    folder: Path
    segments: dict[str, list[dict[str, Any]]]
    sources_written: frozenset[str]
    published_changed: bool
    #: the published graph's buckets (``cblod.read.subject_buckets``), and the subjects whose
    #: published statements changed since
    buckets: list[subject_buckets.Bucket] | None
    subjects: frozenset[str]

    def segments_of(self, name: str) -> tuple[list[str], list[int]]:
        """A file of the published graph as its segments (files, first buckets): a release
        built before segments has one, the whole file."""
        kept = self.segments.get(name)
        if kept and all("file" in part for part in kept):
            return [str(p["file"]) for p in kept], [int(p["first"]) for p in kept]
        return [name], [0]

    def unchanged_source(self, graph: NamedNode, name: str) -> bool:
        return graph.value not in self.sources_written and (self.folder / name).exists()


def write_dumps(store: Dataset, out_dir: Path, *, previous: _Previous | None = None) -> list[str]:
    """Write every dump into ``out_dir`` (replacing what is there); returns their names
    (``open_dump`` reads each, ``dataset.nq.gz`` from its parts).

    Each file is one or more gzip members. ``dataset.nq.gz`` is ``dataset.nt.gz``'s members (the
    published graph: N-Triples lines are N-Quads in the default graph) followed by one part
    per source graph (``quads/``), so its parts are reused, never compressed twice. With
    ``previous`` (the release before and what changed since) a source graph that was not
    written since keeps its bytes: its file and its part of ``dataset.nq.gz`` are linked; the
    published graph's files are linked when it did not change, else only their buckets holding
    a changed subject written again (``cblod.read.subject_buckets``). The result is byte for
    byte what a build from scratch writes (tested), in the time the change takes to write.
    """
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=".building-", dir=out_dir.parent))
    graphs = sorted(store.source_graphs(), key=lambda g: g.value)
    try:
        (building / "sources").mkdir()
        (building / "quads").mkdir()
        published = _published(store, building, previous)
        segments: dict[str, list[dict[str, Any]]] = {
            name: [{"file": f, "first": n} for f, n in zip(*published[name], strict=True)]
            for name in subject_buckets.FILES
        }
        segments.update(_write_quads(store, building, graphs, previous, published[NT][0]))
        for graph in graphs:
            name = _source_name(graph.value)
            if (building / name).exists():
                continue
            if previous is not None and previous.unchanged_source(graph, name):
                link_or_copy(previous.folder / name, building / name)
            else:
                _write_member(building / name, _graph_dump(store, graph))
        (building / SEGMENTS).write_text(json.dumps(segments, indent=1), encoding="utf-8")
        if out_dir.exists():
            old = out_dir.with_name(out_dir.name + ".old")
            shutil.rmtree(old, ignore_errors=True)
            out_dir.rename(old)
            building.rename(out_dir)
            shutil.rmtree(old, ignore_errors=True)
        else:
            building.rename(out_dir)
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return [f.name for f in dump_files(store)]


def _published(
    store: Dataset, building: Path, previous: _Previous | None
) -> dict[str, tuple[list[str], list[int]]]:
    """The published graph's two files into ``building`` as their segments (linked from the
    release before when the graph did not change; else its buckets holding a changed
    subject written again), and their buckets; returns each file's segments."""
    if previous is not None and previous.buckets is not None:
        before = {name: previous.segments_of(name) for name in subject_buckets.FILES}
        if not previous.published_changed:
            (building / subject_buckets.PARTS).mkdir()
            link_or_copy(
                previous.folder / subject_buckets.BUCKETS, building / subject_buckets.BUCKETS
            )
            for files, _ in before.values():
                for part in files:
                    link_or_copy(previous.folder / part, building / part)
            return before
        written = subject_buckets.write_updated(
            store,
            building,
            previous.buckets,
            (
                subject_buckets.Before.of(previous.folder, *before[NT]),
                subject_buckets.Before.of(previous.folder, *before[TTL]),
            ),
            previous.subjects,
        )
    else:
        written = subject_buckets.write_whole(store, building)
    subject_buckets.save(written.buckets, building)
    return written.segments


def _graph_dump(store: Dataset, graph: NamedNode) -> Callable[[IO[bytes]], None]:
    def write(out: IO[bytes]) -> None:
        store.dump(out, format=RdfFormat.N_TRIPLES, from_graph=graph)

    return write


def _write_quads(
    store: Dataset,
    building: Path,
    graphs: list[NamedNode],
    previous: _Previous | None,
    published: list[str],
) -> dict[str, list[dict[str, str]]]:
    """The parts of ``dataset.nq.gz``: the published graph's N-Triples segments
    (``published``), then a part per source graph (the release before's, linked, when the
    source did not change); returns them in order. A source graph dumped here is written to
    its own file (``sources/``) from the same pass."""
    parts = [{"graph": "", "file": name} for name in published]
    for graph in graphs:
        name = _quads_name(graph.value)
        if (
            previous is not None
            and graph.value not in previous.sources_written
            and (previous.folder / name).exists()
        ):
            link_or_copy(previous.folder / name, building / name)
        else:
            own = building / _source_name(graph.value)
            with (
                own.open("wb") as alone,
                (building / name).open("wb") as raw,
                member(alone) as triples,
                member(raw) as out,
            ):
                named = _InGraph(out, graph, triples)
                store.dump(cast(IO[bytes], named), format=RdfFormat.N_TRIPLES, from_graph=graph)
                named.close()
        parts.append({"graph": graph.value, "file": name})
    return {QUADS: parts}


def release_dumps(store: Dataset, snapshot: Path, *, from_scratch: bool = False) -> Path:
    """The dumps of the release in ``snapshot`` (``store`` reading it), built once, with a
    manifest: {file name: {"bytes": size, "sha256": hex}}. Returns their folder.

    Updated from the release before (``cblod.backends.releases.change_of``) when its dumps are on disk, else
    (or with ``from_scratch``) built whole: the same bytes either way."""
    folder = snapshot / RELEASE_DUMPS
    if (folder / MANIFEST).exists():
        return folder
    previous = None if from_scratch else _previous(snapshot)
    names = write_dumps(store, folder, previous=previous)
    had = manifest(previous.folder.parent) if previous is not None else {}
    # a file linked from the release before is its bytes (a dump of parts: each part is):
    # its checksum holds
    linked = {
        name
        for name in names
        if name in had and previous is not None and _same_dump(folder, previous.folder, name)
    }
    fresh = [name for name in names if name not in linked]
    # hashing releases the GIL: the files at once, on every core (a GB at 300 000 projects)
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        sums = dict(zip(fresh, pool.map(lambda n: _sha256(folder, n), fresh), strict=True))
    kept = {
        name: had[name]
        if name in linked
        else {"bytes": dump_size(folder, name), "sha256": sums[name]}
        for name in names
    }
    partial = folder / f"{MANIFEST}.partial"
    partial.write_text(json.dumps(kept, indent=1), encoding="utf-8")
    partial.replace(folder / MANIFEST)
    return folder


def _previous(snapshot: Path) -> _Previous | None:
    from ..backends.releases import CHANGES, change_of, read

    change = change_of(snapshot)
    if change is None:
        return None
    folder = change.previous / RELEASE_DUMPS
    try:
        segments = json.loads((folder / SEGMENTS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # built before dumps kept their segments: nothing to take from
    record = read(snapshot)
    if not (folder / MANIFEST).exists() or record is None:
        return None
    subjects = frozenset(iri for kind in CHANGES for iri in record.changes[kind])
    return _Previous(
        folder, segments, change.sources_written, change.published_changed,
        subject_buckets.load(folder), subjects,
    )  # fmt: skip


def manifest(snapshot: Path) -> dict[str, dict[str, int | str]]:
    """The sizes and checksums of a release's dumps, or {} while they are not built."""
    try:
        found: dict[str, dict[str, int | str]] = json.loads(
            (snapshot / RELEASE_DUMPS / MANIFEST).read_text(encoding="utf-8")
        )
    except (OSError, ValueError):
        return {}
    return found


def _same_dump(folder: Path, before: Path, name: str) -> bool:
    """Whether the dump ``name`` is the release before's, file for file (hard links)."""
    mine, theirs = dump_parts(folder, name), dump_parts(before, name)
    if mine is None or theirs is None:
        return mine is None and theirs is None and _same_file(folder / name, before / name)
    return len(mine) == len(theirs) and all(map(_same_file, mine, theirs))


def _same_file(path: Path, other: Path) -> bool:
    try:
        return path.samefile(other)
    except OSError:
        return False


def _sha256(folder: Path, name: str) -> str:
    digest = hashlib.sha256()
    with open_dump(folder, name) as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
