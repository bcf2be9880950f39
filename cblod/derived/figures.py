"""Programme figures a release keeps from the release before: those of programmes it did not
touch.

A programme's figures (``cblod.read.figures``) read the statements of the things that name it
(``cbo:programme``: its priorities, objectives, indicators, projects), of the participations
in its projects (``cbo:project``), of those participations' partners (``cbo:country``), and
the names of those countries. Every one of those statements is about a subject, and a release
lists every subject whose published statements it changed (``changes.json``). So a programme
is touched when a changed subject, in the release before or in this one, names it, is a
participation in one of its projects, or is a partner in such a participation; a changed
subject that is some partner's country touches them all. An untouched programme's figures are
the same rows, and its kept answer is the release before's file (a hard link). More than
``WHOLE_ABOVE`` changed subjects, or no release before on disk: every programme's figures are
asked again.
"""

from __future__ import annotations

from pathlib import Path

from pyoxigraph import DefaultGraph, NamedNode

from ..backends.published import Dataset
from ..core.rdfterms import lexical
from ..core.vocab import CBO, RDF
from .diff import UNKNOWN, MaybeDiff, given_or_own
from .kept import FOLDER as ANSWERS

#: changed subjects above which every programme's figures are asked again
WHOLE_ABOVE = 20_000
PUBLISHED = DefaultGraph()


def untouched_programmes(
    release: Dataset, diff: MaybeDiff = UNKNOWN
) -> tuple[Path, frozenset[str]] | None:
    """The answers folder of the release before and the programmes (IRIs) ``release`` did not
    touch, or None when it cannot tell (see the module's docstring)."""
    diff = given_or_own(release, diff)
    if diff is None or len(diff.subjects) > WHOLE_ABOVE:
        return None
    touched: set[str] = set()
    for store in (diff.before, release):
        for iri in diff.subjects:
            found = _touched_by(store, NamedNode(iri))
            if found is None:
                return None
            touched |= found
    programmes = {
        lexical(q.subject) for q in release.quads(None, RDF.type, CBO.Programme, PUBLISHED)
    }
    return diff.before_folder / ANSWERS, frozenset(programmes - touched)


def _touched_by(store: Dataset, subject: NamedNode) -> set[str] | None:
    """The programmes whose figures read a statement of ``subject`` in ``store``; None for
    all of them (a partner's country)."""
    if next(store.quads(None, CBO.country, subject, PUBLISHED), None) is not None:
        return None
    found = _programmes_of(store, subject)
    for quad in store.quads(subject, CBO.project, None, PUBLISHED):
        found |= _programmes_of(store, quad.object)
    for quad in store.quads(None, CBO.partner, subject, PUBLISHED):
        for project in store.quads(quad.subject, CBO.project, None, PUBLISHED):
            found |= _programmes_of(store, project.object)
    return found


def _programmes_of(store: Dataset, thing: object) -> set[str]:
    if not isinstance(thing, NamedNode):
        return set()
    return {lexical(q.object) for q in store.quads(thing, CBO.programme, None, PUBLISHED)}
