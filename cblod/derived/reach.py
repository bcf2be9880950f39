"""What a release's change reaches: the items of an index that read a changed statement.

An index's entry for an item (a facet list's row and pairs, a reconciliation entity) is made
by following property paths from the item (``cblod.derived.paths``): ``cbo:partner/cbo:country``
reads the item's ``cbo:partner`` statements, then its partners' ``cbo:country`` ones; ``^p``
reads the statements whose object is the node. An entry can differ between two releases only
if one of the reads along its paths gives another answer: a statement added or removed at a
node the path passes. Every such statement has its subject among the IRIs the release's
record lists (``changes.json``), so the reads that changed are known from those subjects'
statements in both releases (``changed_reads``), and the items that pass through them are found
by walking each path back from them, in both releases (``reached``): in the release before
for the paths that passed there, in this one for those that pass now. The walk looks up a few
statements by pattern, however large the dataset.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pyoxigraph import BlankNode, DefaultGraph, NamedNode

from ..backends.published import Dataset
from ..core.vocab import PREFIXES
from .diff import UNKNOWN, Diff, MaybeDiff, given_or_own
from .paths import NearReader

PUBLISHED = DefaultGraph()


@dataclass(frozen=True)
class ChangedReads:
    """Per read (a property IRI, forwards from a subject; ``^`` and the IRI, backwards from an
    object), the nodes where it answers otherwise than in the release before."""

    at: dict[str, frozenset[str]]
    #: the subjects whose statements changed (the release's record)
    subjects: frozenset[str]

    @property
    def properties(self) -> frozenset[str]:
        """The properties (IRIs) of the statements the release added or removed."""
        return frozenset(read for read in self.at if not read.startswith("^"))

    def nodes(self, step: str) -> frozenset[str]:
        """Where the read of ``step`` (as a path writes it: ``cbo:project``, ``^cbo:partner``)
        changed."""
        return self.at.get(expand(step), frozenset())


def expand(step: str) -> str:
    """``^cbo:partner`` -> ``^https://.../partner``: a step's property as a full IRI."""
    back = "^" if step.startswith("^") else ""
    prefix, _, local = step.lstrip("^").partition(":")
    return back + PREFIXES[prefix] + local


def changed_reads(diff: Diff, release: Dataset) -> ChangedReads | None:
    """The reads ``diff`` changed, from its subjects' statements in both releases; None when a
    changed statement links a blank node, which no query can name (then build whole)."""
    at: dict[str, set[str]] = defaultdict(set)
    for iri in diff.subjects:
        node = NamedNode(iri)
        said = [
            {(q.predicate.value, q.object) for q in store.quads(node, None, None, PUBLISHED)}
            for store in (diff.before, release)
        ]
        for predicate, value in said[0] ^ said[1]:
            at[predicate].add(iri)
            if isinstance(value, NamedNode):
                at["^" + predicate].add(value.value)
            elif isinstance(value, BlankNode):
                return None
    return ChangedReads({k: frozenset(v) for k, v in at.items()}, diff.subjects)


def reached(
    paths: Iterable[tuple[str, ...]], reads: ChangedReads, stores: Sequence[Dataset]
) -> set[str]:
    """The nodes from which some path of ``paths`` passes a changed read, in any of
    ``stores`` (the release before and this one): the items whose entries may differ."""
    starts: dict[tuple[str, ...], set[str]] = defaultdict(set)
    for path in paths:
        for n, step in enumerate(path):
            starts[path[:n]] |= reads.nodes(step)
    found: set[str] = set()
    for before, nodes in starts.items():
        if not nodes:
            continue
        for store in stores:
            found |= _walk_back(store, before, nodes)
    return found


def _walk_back(store: Dataset, path: tuple[str, ...], nodes: set[str]) -> set[str]:
    """The nodes from which ``path`` leads into ``nodes`` in ``store``."""
    frontier = set(nodes)
    for step in reversed(path):
        prop = NamedNode(expand(step).lstrip("^"))
        previous: set[str] = set()
        for iri in frontier:
            node = NamedNode(iri)
            if step.startswith("^"):  # x reaches node when node prop x
                quads = store.quads(node, prop, None, PUBLISHED)
                previous.update(q.object.value for q in quads if isinstance(q.object, NamedNode))
            else:  # x reaches node when x prop node
                quads = store.quads(None, prop, node, PUBLISHED)
                previous.update(q.subject.value for q in quads if isinstance(q.subject, NamedNode))
        frontier = previous
        if not frontier:
            break
    return frontier


#: changed subjects above which the indexes are built whole (reading what every one of them
#: reaches would cost more than reading each property once)
WHOLE_ABOVE = 50_000
#: share of an index's items made again above which a whole build is cheaper (and a number
#: of items below which patching is always cheap)
PATCH_AT_MOST = 0.25
PATCH_ALWAYS = 1000


def too_many(again: int, items: int) -> bool:
    """Whether making ``again`` of ``items`` entries again costs more than a whole build."""
    return again > PATCH_ALWAYS and again > PATCH_AT_MOST * items


@dataclass(frozen=True)
class Reach:
    """What an index patches from: the release before (read-only) and the reads changed,
    with one reader of this release's properties near the items made again, which the
    indexes share (what one read, another need not)."""

    before: Dataset
    reads: ChangedReads
    near: NearReader


def reach_of(release: Dataset, diff: MaybeDiff = UNKNOWN) -> Reach | None:
    """The reach of the local release ``release`` reads; None when there is no release before
    on disk, or the change is too large to patch (see ``WHOLE_ABOVE``)."""
    diff = given_or_own(release, diff)
    if diff is None or len(diff.subjects) > WHOLE_ABOVE:
        return None
    reads = changed_reads(diff, release)
    return Reach(diff.before, reads, NearReader(release)) if reads is not None else None
