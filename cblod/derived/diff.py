"""What a release changed, with the release before opened: what the artefacts that update
from a diff of subjects (``statistics``, ``figures``) start from."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ..backends.published import Dataset
from ..backends.releases import CHANGES, change_of, read


@dataclass(frozen=True)
class Diff:
    """The release before (read-only, with its folder) and the IRIs whose published
    statements this release added, changed or removed (its record's ``changes.json``)."""

    before: Dataset
    #: the release before's folder (its kept answers, its derived files)
    before_folder: Path
    subjects: frozenset[str]


class Unknown(enum.Enum):
    """A diff not worked out yet (None is a diff that cannot be had): the typed sentinel of
    PEP 484, so ``diff is UNKNOWN`` narrows what is left to ``Diff | None``."""

    UNKNOWN = "unknown"


UNKNOWN = Unknown.UNKNOWN
#: a diff worked out by a caller (``cblod.derived.release.Shared``), or not yet
MaybeDiff = Diff | None | Literal[Unknown.UNKNOWN]


def given_or_own(release: Dataset, diff: MaybeDiff) -> Diff | None:
    """``diff`` when a caller worked it out, else ``release``'s."""
    return diff_of(release) if diff is UNKNOWN else diff


def diff_of(release: Dataset) -> Diff | None:
    """The diff of the local release ``release`` reads; None without a release before on
    disk (or for a SPARQL server's version, which keeps no releases)."""
    releases = release.releases
    if releases is None or releases.current is None:
        return None
    change, record = change_of(releases.current), read(releases.current)
    if change is None or record is None:
        return None
    changed = record.changes
    subjects = frozenset(iri for kind in CHANGES for iri in changed[kind])
    return Diff(releases.at(change.previous), change.previous, subjects)
