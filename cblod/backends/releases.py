"""Releases: every publication of a store is a release, numbered and dated, with what changed.

A release is a published snapshot (``cblod.backends.snapshots``) with its record, ``release.json`` in
the snapshot's folder (and ``changes.json``, the changed resources themselves, read only when
asked for), written before the snapshot is published and so part of it: its number
(the snapshot's, growing with every publication), when it was published, the release before
it, and what changed since that one: each source graph's statements before and after, how
many were added and removed and how many values changed, and the resources whose published
statements were added, changed or removed, with their kind.
Which releases stay on disk is the retention policy (``Retention``); a snapshot is a
hard-linked copy of the one before, so keeping one costs only what it changed.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from pyoxigraph import NamedNode, QuerySolutions, Store

from ..core.rdfterms import lexical

RECORD = "release.json"
#: the resources a release added, changed and removed, beside its record
CHANGED = "changes.json"
#: the kinds a release counts its changes by, most specific first (a cluster is an
#: organisation); anything else is counted as "other"
KINDS = (
    "Project", "Participation", "Cluster", "Organisation", "Programme", "Priority",
    "SpecificObjective", "ThematicObjective", "InvestmentPriority", "Indicator", "Call",
    "Result", "Identifier", "Country", "Region",
)  # fmt: skip
CHANGES = ("added", "changed", "removed")


@dataclass(frozen=True)
class Release:
    number: int
    issued: datetime
    previous: int | None
    folder: Path
    #: source graph IRI -> (statements before, after, added, removed, values changed: the
    #: subject-property pairs that lost a value and gained another); only sources written
    sources: dict[str, tuple[int, ...]] = field(default_factory=dict)
    #: kind -> {"added" / "changed" / "removed": how many resources of that kind}
    kinds: dict[str, dict[str, int]] = field(default_factory=dict)

    def total(self, change: str) -> int:
        """How many resources this release added, changed or removed (``change``)."""
        return sum(counts.get(change, 0) for counts in self.kinds.values())

    @property
    def changes(self) -> dict[str, dict[str, str]]:
        """ "added" / "changed" / "removed" -> {resource IRI: kind}: read when asked for (a
        bulk release lists hundreds of thousands), from ``changes.json`` beside the record."""
        return _changes(self.folder)


@dataclass(frozen=True)
class Retention:
    """Which releases stay: the last ``last`` (at least two: a reader may still be finishing
    a request on the one before), and with ``monthly`` the last release of every month."""

    last: int = 5
    monthly: bool = True

    def __post_init__(self) -> None:
        if self.last < 2:
            raise ValueError("a store keeps at least its last two releases")

    def keep(self, releases: Iterable[tuple[int, datetime]]) -> set[int]:
        ordered = sorted(releases)
        kept = {number for number, _ in ordered[-self.last :]}
        if self.monthly:
            last_of_month: dict[tuple[int, int], int] = {}
            for number, issued in ordered:
                last_of_month[(issued.year, issued.month)] = number
            kept |= set(last_of_month.values())
        return kept


def record(
    folder: Path,
    *,
    database: Store,
    previous: Store,
    previous_number: int | None,
    changes: dict[str, tuple[str, str]],
    sources: Iterable[str],
    issued: datetime,
) -> Release:
    """Write the record of the snapshot in ``folder`` (about to be published) and return it.

    ``changes``: IRI -> (change, kind) for the resources whose published statements the
    snapshot added, changed or removed (the writer notes them as it goes:
    ``writer.SnapshotWriter.release_changes``); ``sources``: the source graphs it wrote;
    ``previous``: the database of the release before (empty for the first).
    """
    by_change: dict[str, dict[str, str]] = {change: {} for change in CHANGES}
    kinds: dict[str, dict[str, int]] = {}
    for iri, (change, kind) in sorted(changes.items()):
        by_change[change][iri] = kind
        kinds.setdefault(kind, dict.fromkeys(CHANGES, 0))[change] += 1
    release = Release(
        number=int(folder.name[1:]),
        issued=issued.astimezone(UTC).replace(microsecond=0),
        previous=previous_number,
        folder=folder,
        sources={graph: _compared(previous, database, graph) for graph in sorted(sources)},
        kinds=dict(sorted(kinds.items())),
    )
    _write_json(folder / CHANGED, by_change)  # first: a record always has its changes
    _write_json(folder / RECORD, {
        "number": release.number,
        "issued": release.issued.isoformat(),
        "previous": release.previous,
        "sources": {graph: list(counts) for graph, counts in release.sources.items()},
        "kinds": release.kinds,
    })  # fmt: skip
    return release


def _write_json(path: Path, body: object) -> None:
    partial = path.with_name(f"{path.name}.{uuid.uuid4().hex}")
    partial.write_text(json.dumps(body), encoding="utf-8")
    os.replace(partial, path)


def read(folder: Path) -> Release | None:
    """The record of the snapshot in ``folder``; None for a snapshot without one (published
    before releases were recorded) or unreadable."""
    try:
        stamp = (folder / RECORD).stat().st_mtime_ns
    except OSError:
        return None
    return _read(folder, stamp)


@lru_cache(maxsize=256)
def _read(folder: Path, stamp: int) -> Release | None:
    """Cached by file and modification time: a record never changes once published."""
    try:
        body: dict[str, Any] = json.loads((folder / RECORD).read_text(encoding="utf-8"))
        return Release(
            number=int(body["number"]),
            issued=datetime.fromisoformat(body["issued"]),
            previous=body["previous"],
            folder=folder,
            sources={graph: tuple(counts) for graph, counts in body["sources"].items()},
            kinds={kind: dict(counts) for kind, counts in body["kinds"].items()},
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


@lru_cache(maxsize=4)
def _changes(folder: Path) -> dict[str, dict[str, str]]:
    """The resources a release changed, by change (a few releases' kept: they can be large)."""
    try:
        body = json.loads((folder / CHANGED).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {change: {} for change in CHANGES}
    return {change: dict(body.get(change, {})) for change in CHANGES}


def _compared(previous: Store, database: Store, graph: str) -> tuple[int, int, int, int, int]:
    """A source graph's statements before and after; how many were added and removed; and
    how many of its (subject, property) pairs had their value changed (one out, one in).

    Statements are compared by hash (integers, not terms): the old graph's are held, the new
    one's looked up, one pass over each; nothing is compared for a new or gone source.
    """
    before, after = _statements(previous, graph), _statements(database, graph)
    if not before or not after:
        return before, after, after, before, 0
    node = NamedNode(graph)
    old = {
        hash((q.subject, q.predicate, q.object)): hash((q.subject, q.predicate))
        for q in previous.quads_for_pattern(None, None, None, node)
    }
    kept: set[int] = set()
    added_pairs: set[int] = set()
    for q in database.quads_for_pattern(None, None, None, node):
        statement = hash((q.subject, q.predicate, q.object))
        if statement in old:
            kept.add(statement)
        else:
            added_pairs.add(hash((q.subject, q.predicate)))
    removed_pairs = {pair for statement, pair in old.items() if statement not in kept}
    return before, after, after - len(kept), before - len(kept), len(added_pairs & removed_pairs)


def _statements(database: Store, graph: str) -> int:
    found = database.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    assert isinstance(found, QuerySolutions)  # a SELECT
    (row,) = found
    return int(lexical(row["n"]))


# What a release changed against the one before, as the artefacts it derives reuse it
# (``cblod.derived``, the dumps).


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
