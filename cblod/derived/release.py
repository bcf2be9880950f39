"""Everything a release derives, made by one mechanism before the release is published.

Each artefact is an ``Artefact``: a name, one ``make`` that builds it into the sealed
release's folder (from scratch, or updated from the release before when that one is on disk
with its own: ``cblod.backends.releases.change_of``), and a sentence saying how it is
updated, or why it is recomputed whole. ``derive`` makes them in lanes, one thread each: the dumps (pyoxigraph
serialising and zlib, the GIL released), the aggregates (SPARQL evaluated by pyoxigraph, the GIL
released), and the indexes (Python and numpy). What they share is made once (``Shared``): the
release before opened and the change read from the release's record (``cblod.derived.diff``),
what that change reaches (``cblod.derived.reach``, with one reader of the properties near the
items made again), and, when an index is built whole, one ``PathReader``. A lane's artefacts are made in order: the reconciliation index first and the
facet index after it, its smallest list last, since a running server loads each index as soon
as it is written (``cblod.web.prepare``) and the last is what is left to load when the pointer
moves.

The search index is the one derived artefact not made here: it is updated by the writer before
the release is sealed, from the subjects whose published statements changed, which only the
writer holds (``cblod.derived.search.build_index``). The change stream's members and the release
record come from the same change set, written with the release (``cblod.backends.releases``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Literal

from ..backends.published import Dataset
from ..read.dumps import release_dumps
from .diff import UNKNOWN, Diff, MaybeDiff, Unknown, diff_of
from .facets.keep import build_all as build_facet_index
from .figures import untouched_programmes
from .kept import FOLDER as ANSWERS
from .kept import answer_file, keep_aggregates
from .matching.index import keep as keep_reconciliation_index
from .parts import Parts
from .paths import PathReader
from .reach import Reach, reach_of
from .reads import KnownReads, Remembering
from .statistics import statistics


class Shared:
    """What the artefacts of one release read alike, each made once, by whichever asks first:
    the properties the indexes follow whole, and what the release changed, which they patch
    from (``cblod.derived.reach``)."""

    def __init__(self, release: Dataset) -> None:
        self.release = release
        self._lock = threading.Lock()
        self._reach: Reach | None | Literal[Unknown.UNKNOWN] = UNKNOWN
        self._diff: MaybeDiff = UNKNOWN

    @cached_property
    def properties(self) -> PathReader:
        return PathReader(self.release)

    @property
    def diff(self) -> Diff | None:
        """What the release changed, with the release before opened (once: an open is
        tens of milliseconds)."""
        with self._lock:
            if self._diff is UNKNOWN:
                self._diff = diff_of(self.release)
            return self._diff

    @property
    def reach(self) -> Reach | None:
        diff = self.diff
        with self._lock:
            if self._reach is UNKNOWN:
                self._reach = reach_of(self.release, diff)
            return self._reach


@dataclass(frozen=True)
class Artefact:
    """One thing a release derives (see the module's docstring)."""

    name: str
    make: Callable[[Dataset, Shared], int]
    #: how it is updated from the release before, or why it is recomputed whole
    updated: str


def _dumps(release: Dataset, shared: Shared) -> int:
    assert release.data_dir is not None
    release_dumps(release, release.data_dir)
    return 1


def _aggregates(release: Dataset, shared: Shared) -> int:
    assert release.data_dir is not None
    folder = release.data_dir / ANSWERS
    folder.mkdir(exist_ok=True)
    reach = shared.reach
    before = reach.before.data_dir / ANSWERS if reach and reach.before.data_dir else None
    known = KnownReads(before)

    def unchanged(query: str) -> Path | None:
        """The release before's answer to ``query`` when nothing it reads changed."""
        if reach is None or before is None:
            return None
        name = answer_file(query)
        if not (before / name).exists():
            return None
        return before / name if known.unchanged(query, name, reach.reads.properties) else None

    changed = reach.reads.properties if reach is not None else None
    # a SPARQL server's version (no releases of its own) is asked whole: its engine is not
    # ours to send a part's rows to, and it keeps no release before to update them from
    local = release.releases is not None
    parts = Parts(release, folder, before, shared.diff, changed) if local else None
    remembering = Remembering(release, folder, before, changed, known, parts)
    made = keep_aggregates(
        release,
        folder,
        lambda r: statistics(r, remembering, shared.diff),
        lambda r: untouched_programmes(r, shared.diff),
        unchanged,
        parts,
    )
    if reach is not None:  # what the queries read, for the next release (none parsed at first)
        known.save(folder)
    if parts is not None:
        parts.save()
    return made


def _reconciliation_index(release: Dataset, shared: Shared) -> int:
    return keep_reconciliation_index(release, shared.properties, shared.reach)


def _facet_index(release: Dataset, shared: Shared) -> int:
    return build_facet_index(release, shared.properties, reach=shared.reach)


DUMPS = Artefact(
    "dumps",
    _dumps,
    "an unchanged source's dump is the release before's file (a hard link); the N-Quads dump "
    "copies unchanged sources' compressed members; the published graph's dumps are cut in "
    "subject buckets, and only the buckets holding a changed subject are written again "
    "(cblod.read.subject_buckets)",
)
AGGREGATES = Artefact(
    "aggregates",
    _aggregates,
    "the statistics' counts over every statement are the release before's plus the diff of "
    "the subjects it changed (cblod.derived.statistics); an answer whose query reads none of "
    "the properties the release changed (cblod.derived.reads), and a programme's figures when "
    "it touched none of the programme's things (cblod.derived.figures), are the release "
    "before's files; the others are asked again in parts (cblod.derived.parts): each "
    "aggregate sub-select's rows are kept, the release before's when it read nothing that "
    "changed, updated from the diff when they are sums and counts over one pattern or groups "
    "keyed by the subject of every pattern, asked again otherwise",
)
RECONCILIATION_INDEX = Artefact(
    "reconciliation index",
    _reconciliation_index,
    "only the entities the change reaches are made again (cblod.derived.reach: along the "
    "paths their facts read), the others are the release before's; a change reaching more "
    "than a quarter of them builds it whole, with the words of names it had taken",
)
FACET_INDEX = Artefact(
    "facet index",
    _facet_index,
    "only the items the change reaches are made again (cblod.derived.facets.patch), read near them "
    "alone; every other item's pairs, amounts, names and row are the release before's, and "
    "files of rows that did not change are linked; a change reaching more than a quarter of "
    "the items builds it whole, taking the rows whose inputs did not change",
)
#: the lanes ``derive`` runs side by side, each an ordered tuple of artefacts
LANES: tuple[tuple[Artefact, ...], ...] = (
    (DUMPS,),
    (AGGREGATES,),
    (RECONCILIATION_INDEX, FACET_INDEX),
)


def derive(release: Dataset, *, lanes: tuple[tuple[Artefact, ...], ...] = LANES) -> int:
    """Make every artefact of ``lanes`` into the release ``release`` reads (a sealed snapshot,
    or a SPARQL server's version); returns how many files were kept. An error in any lane is
    raised once every lane has stopped (the release is then not published)."""
    if release.data_dir is None:
        return 0
    shared = Shared(release)

    def run(lane: tuple[Artefact, ...]) -> int:
        return sum(artefact.make(release, shared) for artefact in lane)

    with ThreadPoolExecutor(max_workers=max(1, len(lanes) - 1)) as beside:
        others = [beside.submit(run, lane) for lane in lanes[:-1]]
        made = run(lanes[-1])  # the last lane in this thread
        return made + sum(other.result() for other in others)


def keep_answers(release: Dataset) -> int:
    """What a web host derives from a version it serves without a release of its own (a
    SPARQL server's: ``cblod.web.prepare``): everything but the dumps, which it makes when
    they are asked for. 0 when its folder cannot be written (or went: a newer version)."""
    try:
        return derive(release, lanes=tuple(lane for lane in LANES if DUMPS not in lane))
    except OSError:
        return 0
