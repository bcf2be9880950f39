"""What a release derives from its data, each built from scratch or updated from the release
before it plus the change the writer already knows.

A derived artefact has two ways to be made, and a test proves they give the same result, byte
for byte where the artefact is a file. Updated from the release before: the dumps
(``cblod.read.dumps``: unchanged sources linked, their N-Quads members copied, the published graph
rewritten only in the subject buckets that changed: ``cblod.read.subject_buckets``), the facet and
reconciliation indexes (only the items a change reaches made again: ``cblod.derived.reach``),
the statistics' counts (``cblod.derived.statistics``), the kept answers whose queries read
nothing that changed (``cblod.derived.reads``) and the figures of untouched programmes
(``cblod.derived.figures``), and the search index (``cblod.derived.search``). Asked again: the other
answers (arbitrary aggregates, which a diff of statements cannot update exactly without
keeping their groups). The update is the default whenever the release before it is on disk
with its own artefact; otherwise, or when the change is not known, the artefact is built from
scratch. What each costs is in benchmarks/README.md (issue #24).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from ..backends.releases import CHANGES, Release, read


@dataclass(frozen=True)
class Change:
    """What a release changed against the one before it (``previous``, its snapshot folder):
    the source graphs it wrote (replaced, added or emptied), and whether its published
    (consolidated) graph changed at all."""

    previous: Path
    sources_written: frozenset[str]
    published_changed: bool


def change_of(snapshot: Path) -> Change | None:
    """The change the release in ``snapshot`` made, from its record; None when there is no
    release before it on disk, or no record to say (an artefact is then built whole)."""
    release: Release | None = read(snapshot)
    if release is None or release.previous is None:
        return None
    previous = snapshot.parent / f"v{release.previous:06d}"
    if read(previous) is None:
        return None
    # a source written also restates its record (cbo:SourceRecord) in the published graph
    published_changed = bool(release.sources) or any(release.total(c) for c in CHANGES)
    return Change(previous, frozenset(release.sources), published_changed)


def link_or_copy(previous: Path, target: Path) -> None:
    """``target`` as the previous release's file: a hard link (no new space), else a copy
    (a file system without links)."""
    try:
        os.link(previous, target)
    except OSError:
        shutil.copyfile(previous, target)
