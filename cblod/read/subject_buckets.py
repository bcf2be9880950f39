"""The published graph's dumps written in subject buckets, so that an update rewrites only
the buckets holding what it changed (issue #24: an update costs what changed).

``dataset.nt.gz`` and ``dataset.ttl.gz`` hold the published graph in the order Oxigraph
stores it (by subject, as its index sorts them: a hash of each IRI, the same in any store with
the same statements). That order is cut into buckets of about ``BUCKET_EVERY`` subjects: a
bucket begins at the first subject and at every subject whose own hash says so
(``starts_bucket``), so where the cuts fall depends on the subjects alone, never on what a
release changed (content-defined chunks). Each bucket is one gzip member in each file (a gzip
file may be several members; a reader sees one stream), the Turtle one after one member of
``@prefix`` lines. ``buckets.json`` says where each bucket lies.

An update finds the buckets its changed subjects fall in (ordering them among the buckets'
first subjects in a scratch store: the same index, so the same order), and makes those
buckets again from their previous lines, less the changed subjects', plus what the changed
subjects say now, in a scratch store again for the order; every other bucket's compressed
bytes are copied. The result is what a whole build writes, byte for byte (tested).

Each file is kept as segment files (``parts/``), read and served as one
(``cblod.read.composed``): a segment begins at the first bucket and at every bucket whose
first subject's own hash says so (``starts_segment``, about every ``SEGMENT_EVERY`` buckets),
so segments, like buckets, are cut by content. A segment of the release before whose buckets
all stay, and whose next bucket stays too (so that it ends where a whole build would end it),
is that release's file, hard-linked: a fix adds the few segments holding a changed subject,
not two whole files (421 MB at 300 000 projects).
"""

from __future__ import annotations

import bisect
import gzip
import hashlib
import io
import json
import re
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, cast

from pyoxigraph import DefaultGraph, NamedNode, Quad, RdfFormat, Store, parse, serialize

from ..backends.published import Dataset
from ..backends.releases import link_or_copy
from ..core.vocab import PREFIXES
from .composed import Composed
from .members import LineSink, compressed, copy_span

#: subjects per bucket, on average: a one-page fix touches a few buckets, each small
BUCKET_EVERY = 64
#: buckets per segment file, on average: a segment about 2 MB of N-Triples at 300 000 projects
SEGMENT_EVERY = 256
NT, TTL = "dataset.nt.gz", "dataset.ttl.gz"
FILES = (TTL, NT)
BUCKETS = "buckets.json"
#: the folder of the files' segments
PARTS = "parts"
PUBLISHED = DefaultGraph()
#: a property no data uses, to place subjects in a scratch store's order
_ORDER = NamedNode("urn:cblod:order")


def starts_bucket(subject: bytes) -> bool:
    """Whether a bucket begins at ``subject`` (its N-Triples term, ``<iri>``)."""
    digest = hashlib.blake2b(subject, digest_size=4).digest()
    return int.from_bytes(digest, "big") % BUCKET_EVERY == 0


def starts_segment(first: str) -> bool:
    """Whether a segment begins at a bucket whose first subject is ``first`` (but the first
    bucket, where one always begins): a hash of its own, apart from ``starts_bucket``'s."""
    digest = hashlib.blake2b(first.encode("utf-8"), digest_size=4, person=b"segment").digest()
    return int.from_bytes(digest, "big") % SEGMENT_EVERY == 0


def _subject(line: bytes) -> bytes:
    return line[: line.index(b" ")]


def turtle_header() -> bytes:
    """The ``@prefix`` lines every Turtle bucket would begin with: written once, first."""
    return _turtle_parts(b"<urn:x> <urn:x> <urn:x> .\n")[0]


def _turtle_parts(lines: bytes) -> tuple[bytes, bytes]:
    """N-Triples ``lines`` as Turtle: (its ``@prefix`` lines, the statements)."""
    found = serialize(parse(lines, format=RdfFormat.N_TRIPLES), format=RdfFormat.TURTLE,
                      prefixes=PREFIXES)  # fmt: skip
    assert found is not None
    head = b"".join(line for line in found.splitlines(keepends=True) if line.startswith(b"@"))
    assert found.startswith(head)
    return head, found[len(head) :]


@dataclass
class Bucket:
    """Where one bucket lies: its first subject (N-Triples term), and its member's offset and
    length in each file."""

    first: str
    nt: tuple[int, int]
    ttl: tuple[int, int]

    def as_json(self) -> list[Any]:
        return [self.first, *self.nt, *self.ttl]

    @classmethod
    def from_json(cls, row: list[Any]) -> Bucket:
        return cls(row[0], (row[1], row[2]), (row[3], row[4]))


class Segmented:
    """One dump written as segment files in ``folder`` (``parts/{name}.{n}.gz``), at
    offsets in the whole they make (what ``Bucket`` records)."""

    def __init__(self, folder: Path, name: str) -> None:
        self.folder, self.name = folder, name
        (folder / PARTS).mkdir(exist_ok=True)
        self.files: list[str] = []  # relative to ``folder``
        self.firsts: list[int] = []  # the bucket each segment begins at
        self._out: IO[bytes] | None = None
        self._size = 0

    def _next_name(self, bucket: int) -> Path:
        self._close_segment()
        self.files.append(f"{PARTS}/{self.name.removesuffix('.gz')}.{len(self.files):05d}.gz")
        self.firsts.append(bucket)
        return self.folder / self.files[-1]

    def begin(self, bucket: int) -> None:
        """A new segment from here, its first bucket ``bucket``."""
        self._out = self._next_name(bucket).open("wb")

    def write(self, data: bytes) -> None:
        assert self._out is not None
        self._out.write(data)
        self._size += len(data)

    def tell(self) -> int:
        return self._size

    def link(self, previous: Path, bucket: int) -> None:
        """The release before's segment file ``previous`` as the next segment, whole."""
        link_or_copy(previous, self._next_name(bucket))
        self._size += previous.stat().st_size

    def copy(self, before: Before, offset: int, length: int) -> None:
        """``length`` bytes of the release before's file from ``offset`` (a run of its
        buckets), into this segment: per segment file of the release before, by the kernel."""
        assert self._out is not None
        for path, start, size in before.pieces(offset, length):
            with path.open("rb") as source:
                copy_span(source, start, size, self._out)
        self._size += length

    def _close_segment(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None

    def close(self) -> None:
        self._close_segment()


@dataclass(frozen=True)
class Before:
    """One file of the release before as its segments: where each lies in the whole, and the
    bucket each begins at (a release built before segments: one segment, the whole file,
    never linked)."""

    paths: list[Path]
    starts: list[int]  # offset of each in the whole, and the whole's length last
    firsts: list[int]  # the bucket each begins at

    @classmethod
    def of(cls, folder: Path, files: list[str], firsts: list[int]) -> Before:
        paths = [folder / name for name in files]
        starts = [0]
        for path in paths:
            starts.append(starts[-1] + path.stat().st_size)
        return cls(paths, starts, firsts)

    def pieces(self, offset: int, length: int) -> Iterator[tuple[Path, int, int]]:
        """(file, offset in it, length) of the whole's bytes ``[offset, offset + length)``."""
        end = offset + length
        k = bisect.bisect_right(self.starts, offset) - 1
        while offset < end:
            take = min(end, self.starts[k + 1]) - offset
            if take > 0:
                yield self.paths[k], offset - self.starts[k], take
            offset += take
            k += 1

    def span_of(self, segment: int | None, buckets: int) -> tuple[int, int] | None:
        """The buckets ``[first, end)`` segment ``segment`` holds (of ``buckets`` in all)."""
        if segment is None or segment >= len(self.firsts):
            return None
        end = self.firsts[segment + 1] if segment + 1 < len(self.firsts) else buckets
        return self.firsts[segment], end

    def segment_at(self, bucket: int) -> int | None:
        """The segment that begins at ``bucket``, if one does."""
        k = bisect.bisect_left(self.firsts, bucket)
        return k if k < len(self.firsts) and self.firsts[k] == bucket else None

    def whole(self) -> IO[bytes]:
        return cast(IO[bytes], io.BufferedReader(Composed(self.paths)))


class _Single:
    """A file written whole, no segments (what a test's in-memory cut writes into)."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out

    def begin(self, bucket: int) -> None:
        pass

    def write(self, data: bytes) -> None:
        self.out.write(data)

    def tell(self) -> int:
        return self.out.tell()


class _Files:
    """The two files being written, appending members and noting where each bucket lies."""

    def __init__(self, nt: Segmented | IO[bytes], ttl: Segmented | IO[bytes]) -> None:
        self.nt = nt if isinstance(nt, Segmented) else _Single(nt)
        self.ttl = ttl if isinstance(ttl, Segmented) else _Single(ttl)
        self.buckets: list[Bucket] = []
        self.nt.begin(0)
        self.ttl.begin(0)
        self.ttl.write(compressed(turtle_header()))

    def _next_segment(self, first: str) -> None:
        """A segment begins at the next bucket when its first subject says so."""
        if self.buckets and starts_segment(first):
            self.nt.begin(len(self.buckets))
            self.ttl.begin(len(self.buckets))

    def add(self, first: bytes, lines: bytes) -> None:
        self._next_segment(first.decode("utf-8"))
        where = []
        for out, body in ((self.nt, lines), (self.ttl, _turtle_parts(lines)[1])):
            member = compressed(body)
            where.append((out.tell(), len(member)))
            out.write(member)
        self.buckets.append(Bucket(first.decode("utf-8"), where[0], where[1]))

    def finish(self) -> None:
        """An empty graph's N-Triples is still a gzip file (one empty member)."""
        if not self.buckets:
            self.nt.write(compressed(b""))
        for out in (self.nt, self.ttl):
            if isinstance(out, Segmented):
                out.close()

    def copy(
        self,
        buckets: list[Bucket],
        cuts: list[int],
        span: tuple[int, int],
        before: tuple[Before, Before],
    ) -> None:
        """The release before's buckets ``span`` (a run between changed ones: tens of
        thousands at 300 000 projects), a piece per segment a whole build cuts (``cuts``: the
        buckets beginning one, but the first). A piece that is a whole segment of the release
        before is its file, linked, when the bucket after it stays too (it ends where a whole
        build ends it) and it does not begin the file; other pieces' members are copied as one
        span per file, their places shifted by where the span lands."""
        at, end = span
        while at < end:
            k = bisect.bisect_right(cuts, at)
            following = cuts[k] if k < len(cuts) else len(buckets)
            upto = min(following, end)
            segment = before[0].segment_at(at)
            ends_alike = following < end or following == end == len(buckets)
            linked = (
                bool(segment)
                and bool(self.buckets)
                and ends_alike
                and all(old.span_of(segment, len(buckets)) == (at, following) for old in before)
            )  # the segment there is this piece, in both files (cut by the same rule then)
            if not linked:  # a linked segment begins itself
                self._next_segment(buckets[at].first)
            shifts = []
            for out, old, part in ((self.nt, before[0], "nt"), (self.ttl, before[1], "ttl")):
                first = getattr(buckets[at], part)[0]
                length = sum(getattr(buckets[upto - 1], part)) - first
                shifts.append(out.tell() - first)
                assert isinstance(out, Segmented)  # an update writes segment files
                if linked:
                    assert segment is not None
                    out.link(old.paths[segment], len(self.buckets))
                else:
                    out.copy(old, first, length)
            into_nt, into_ttl = shifts
            self.buckets += [
                Bucket(b.first, (b.nt[0] + into_nt, b.nt[1]), (b.ttl[0] + into_ttl, b.ttl[1]))
                for b in buckets[at:upto]
            ]
            at = upto


def segment_cuts(buckets: list[Bucket]) -> list[int]:
    """The buckets (but the first) a segment begins at, as a whole build cuts them."""
    return [i for i in range(1, len(buckets)) if starts_segment(buckets[i].first)]


#: a run of lines with the same subject (the dump writes a subject's statements together):
#: the subject, then every line beginning with it
_RUN = re.compile(rb"^(\S+) [^\n]*\n(?:\1 [^\n]*\n)*", re.MULTILINE)


class _Cutter(LineSink):
    """Takes N-Triples as a dump streams it and cuts it into buckets (``_Files.add``): at its
    first subject and where ``starts_bucket`` says. A block is read a subject at a time
    (``_RUN``), not a line at a time: the published graph has several lines a subject."""

    def __init__(self, files: _Files) -> None:
        super().__init__()
        self.files = files
        self.parts: list[bytes] = []
        self.first, self.subject = b"", b""

    def lines(self, block: bytes) -> None:
        taken = 0
        for run in _RUN.finditer(block):
            subject = run.group(1)
            if subject == self.subject:
                continue  # the run the block before ended with goes on
            if not self.first or starts_bucket(subject):
                self.parts.append(block[taken : run.start()])
                self._flush()
                taken, self.first = run.start(), subject
            self.subject = subject
        self.parts.append(block[taken:])

    def _flush(self) -> None:
        body = b"".join(self.parts)
        if body:
            self.files.add(self.first, body)
        self.parts = []

    def close(self) -> None:
        if not self.closed:
            super().close()  # the last lines first
            self._flush()


@dataclass(frozen=True)
class Written:
    """The buckets written, and each file's segments (file names, and the bucket each begins
    at), kept with the dumps (``cblod.read.dumps``'s segments)."""

    buckets: list[Bucket]
    segments: dict[str, tuple[list[str], list[int]]]


def _files_in(folder: Path) -> _Files:
    return _Files(Segmented(folder, NT), Segmented(folder, TTL))


def _written(files: _Files) -> Written:
    segments = {
        name: (out.files, out.firsts)
        for name, out in ((NT, files.nt), (TTL, files.ttl))
        if isinstance(out, Segmented)
    }
    return Written(files.buckets, segments)


def write_whole(store: Dataset, folder: Path) -> Written:
    """Both files from scratch into ``folder``: one pass of the published graph's dump."""
    files = _files_in(folder)
    cutter = _Cutter(files)
    store.dump(cast(IO[bytes], cutter), format=RdfFormat.N_TRIPLES, from_graph=PUBLISHED)
    cutter.close()
    files.finish()
    return _written(files)


def save(buckets: list[Bucket], folder: Path) -> None:
    (folder / BUCKETS).write_text(json.dumps([b.as_json() for b in buckets]), encoding="utf-8")


def load(folder: Path) -> list[Bucket] | None:
    try:
        rows = json.loads((folder / BUCKETS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return [Bucket.from_json(row) for row in rows]


def write_updated(
    store: Dataset,
    folder: Path,
    buckets: list[Bucket],
    before: tuple[Before, Before],
    changed: Iterable[str],
) -> Written:
    """Both files into ``folder`` from the release before's (cut as ``buckets``; ``before``
    its N-Triples and Turtle files' segments) and the subjects (IRIs) whose published
    statements changed."""
    terms = sorted({f"<{iri}>" for iri in changed})
    if not buckets:  # nothing before to keep
        return write_whole(store, folder)
    place = _bucket_of(terms, [b.first for b in buckets])
    again = set(place.values())
    again |= {i - 1 for i, b in enumerate(buckets) if i and b.first in place}  # a cut may go
    cuts = segment_cuts(buckets)
    files = _files_in(folder)
    with before[0].whole() as old_nt:
        i = 0
        for run in _runs(sorted(again)):
            files.copy(buckets, cuts, (i, run[0]), before)
            _remake(store, files, [buckets[j] for j in run], old_nt,
                    [t for t in terms if place[t] in run])  # fmt: skip
            i = run[-1] + 1
        files.copy(buckets, cuts, (i, len(buckets)), before)
    files.finish()
    return _written(files)


def _runs(indices: list[int]) -> Iterator[list[int]]:
    """Consecutive indices, grouped."""
    run: list[int] = []
    for i in indices:
        if run and i != run[-1] + 1:
            yield run
            run = []
        run.append(i)
    if run:
        yield run


def _bucket_of(terms: list[str], firsts: list[str]) -> dict[str, int]:
    """The bucket each subject (N-Triples term) falls in: the last whose first subject comes
    before it in the store's order (the first bucket when none does).

    The store's order is the engine's (by its encoding of each IRI), which only a store can
    tell: a scratch store holding some subjects dumps them in it. Every term is placed by a
    binary search among the buckets' first subjects (already in that order), all terms a level
    at a time: a dump per level of the few subjects asked so far (tens of thousands of
    buckets at 300 000 projects: placing every first subject in the scratch store each time
    was a fifth of a fix's dumps)."""
    low = dict.fromkeys(terms, 0)
    high = dict.fromkeys(terms, len(firsts))
    with tempfile.TemporaryDirectory(prefix="cblod-order-") as scratch:
        order = Store(scratch)
        order.extend(Quad(NamedNode(term[1:-1]), _ORDER, _ORDER, PUBLISHED) for term in terms)
        while asked := [t for t in terms if low[t] < high[t]]:
            middle = {t: (low[t] + high[t]) // 2 for t in asked}
            order.extend(
                Quad(NamedNode(firsts[m][1:-1]), _ORDER, _ORDER, PUBLISHED)
                for m in set(middle.values())
            )
            out = io.BytesIO()
            order.dump(out, format=RdfFormat.N_TRIPLES, from_graph=PUBLISHED)
            rank = {
                _subject(line).decode("utf-8"): n
                for n, line in enumerate(out.getvalue().splitlines())
            }
            for t in asked:
                if rank[firsts[middle[t]]] <= rank[t]:
                    low[t] = middle[t] + 1
                else:
                    high[t] = middle[t]
        del order
    return {term: max(low[term] - 1, 0) for term in terms}


def _remake(
    store: Dataset, files: _Files, run: list[Bucket], old_nt: IO[bytes], changed: list[str]
) -> None:
    """The buckets of ``run`` made again: their lines but the changed subjects', and what
    those say now, in the store's order, cut as a whole build cuts them."""
    gone = {term.encode("utf-8") for term in changed}
    lines: list[bytes] = []
    for bucket in run:
        old_nt.seek(bucket.nt[0])
        body = gzip.decompress(old_nt.read(bucket.nt[1]))
        lines += [line for line in body.splitlines(keepends=True) if _subject(line) not in gone]
    with tempfile.TemporaryDirectory(prefix="cblod-bucket-") as scratch:
        made = Store(scratch)
        made.load(b"".join(lines), format=RdfFormat.N_TRIPLES)
        for term in changed:
            made.extend(store.quads(NamedNode(term[1:-1]), None, None, PUBLISHED))
        cutter = _Cutter(files)  # its first subject begins a bucket, as it did before
        made.dump(cast(IO[bytes], cutter), format=RdfFormat.N_TRIPLES, from_graph=PUBLISHED)
        cutter.close()
        del made
