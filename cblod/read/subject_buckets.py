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
"""

from __future__ import annotations

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
from ..core.vocab import PREFIXES
from .members import LineSink, compressed, copy_span

#: subjects per bucket, on average: a one-page fix touches a few buckets, each small
BUCKET_EVERY = 64
NT, TTL = "dataset.nt.gz", "dataset.ttl.gz"
FILES = (TTL, NT)
BUCKETS = "buckets.json"
PUBLISHED = DefaultGraph()
#: a property no data uses, to place subjects in a scratch store's order
_ORDER = NamedNode("urn:cblod:order")


def starts_bucket(subject: bytes) -> bool:
    """Whether a bucket begins at ``subject`` (its N-Triples term, ``<iri>``)."""
    digest = hashlib.blake2b(subject, digest_size=4).digest()
    return int.from_bytes(digest, "big") % BUCKET_EVERY == 0


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


class _Files:
    """The two files being written, appending members and noting where each bucket lies."""

    def __init__(self, nt: IO[bytes], ttl: IO[bytes]) -> None:
        self.nt, self.ttl = nt, ttl
        self.buckets: list[Bucket] = []
        ttl.write(compressed(turtle_header()))

    def add(self, first: bytes, lines: bytes) -> None:
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

    def copy(self, kept: list[Bucket], nt: IO[bytes], ttl: IO[bytes]) -> None:
        """Buckets of the release before, one after the other there (a run between changed
        ones: tens of thousands at 300 000 projects), their members' bytes copied as one span
        per file and their places shifted by where the span lands."""
        if not kept:
            return
        shifts = []
        for out, source, part in ((self.nt, nt, "nt"), (self.ttl, ttl, "ttl")):
            start = getattr(kept[0], part)[0]
            end = sum(getattr(kept[-1], part))
            shifts.append(out.tell() - start)
            copy_span(source, start, end - start, out)
        into_nt, into_ttl = shifts
        self.buckets += [
            Bucket(b.first, (b.nt[0] + into_nt, b.nt[1]), (b.ttl[0] + into_ttl, b.ttl[1]))
            for b in kept
        ]


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


def write_whole(store: Dataset, folder: Path) -> list[Bucket]:
    """Both files from scratch into ``folder``: one pass of the published graph's dump."""
    with (folder / NT).open("wb") as nt, (folder / TTL).open("wb") as ttl:
        files = _Files(nt, ttl)
        cutter = _Cutter(files)
        store.dump(cast(IO[bytes], cutter), format=RdfFormat.N_TRIPLES, from_graph=PUBLISHED)
        cutter.close()
        files.finish()
    return files.buckets


def save(buckets: list[Bucket], folder: Path) -> None:
    (folder / BUCKETS).write_text(json.dumps([b.as_json() for b in buckets]), encoding="utf-8")


def load(folder: Path) -> list[Bucket] | None:
    try:
        rows = json.loads((folder / BUCKETS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return [Bucket.from_json(row) for row in rows]


def write_updated(
    store: Dataset, folder: Path, previous: Path, buckets: list[Bucket], changed: Iterable[str]
) -> list[Bucket]:
    """Both files into ``folder`` from the release before's (in ``previous``, cut as
    ``buckets``) and the subjects (IRIs) whose published statements changed."""
    terms = sorted({f"<{iri}>" for iri in changed})
    if not buckets:  # nothing before to keep
        return write_whole(store, folder)
    place = _bucket_of(terms, [b.first for b in buckets])
    again = set(place.values())
    again |= {i - 1 for i, b in enumerate(buckets) if i and b.first in place}  # a cut may go
    with (
        (previous / NT).open("rb") as old_nt,
        (previous / TTL).open("rb") as old_ttl,
        (folder / NT).open("wb") as nt,
        (folder / TTL).open("wb") as ttl,
    ):
        files = _Files(nt, ttl)
        i = 0
        for run in _runs(sorted(again)):
            files.copy(buckets[i : run[0]], old_nt, old_ttl)
            _remake(store, files, [buckets[j] for j in run], old_nt,
                    [t for t in terms if place[t] in run])  # fmt: skip
            i = run[-1] + 1
        files.copy(buckets[i:], old_nt, old_ttl)
        files.finish()
    return files.buckets


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
