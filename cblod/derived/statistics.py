"""The dataset's statistics, updated from the release before's by the diff of what changed.

The statistics behind VoID, DCAT-AP and the home page (``cblod.read.stats``) are mostly counts over
every statement of the published graph: statements per property, subjects per class, links
per property into each external dataset, subjects, statements. Those four full scans were most
of their cost (10.6 s of 12.4 at 30 000 projects). Each is a sum over subjects, and a release
changes the statements of the subjects its record lists (``changes.json``: every IRI whose
published statements it added, changed or removed), so the release's counts are the release
before's, less what those subjects said then, plus what they say now: exact, with the
subjects' statements read from both releases' databases by subject (a lookup each). The rest
(a period's first and last dates, example resources, countries, name languages, sums of money)
are queries: each answer is the release before's when the query reads none of the properties
the release changed (``cblod.derived.reads.Remembering``), else asked again.

The counts are made whole instead when there is no release before on disk with its kept
statistics, or when a release changed more than ``WHOLE_ABOVE`` of the subjects (a re-ingest
of everything: reading every subject twice would cost more than the scans).
"""

from __future__ import annotations

import json
from typing import Any

from pyoxigraph import DefaultGraph, NamedNode

from ..backends.published import Dataset
from ..core.rdfterms import lexical
from ..core.vocab import RDF
from ..read.stats import LINK_TARGETS, Scans, dataset_statistics, stats
from .diff import UNKNOWN, Diff, MaybeDiff, given_or_own
from .kept import FOLDER as ANSWERS

#: above this share of the subjects changed, the counts are made whole
WHOLE_ABOVE = 0.2


def statistics(
    release: Dataset, asking: Dataset | None = None, diff: MaybeDiff = UNKNOWN
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(``stats``, ``dataset_statistics``) of the release ``release`` reads, its scans updated
    from the release before's where it can be (see the module's docstring); the other parts
    asked of ``asking`` (a ``cblod.derived.reads.Remembering`` of it: answers kept where
    nothing they read changed), else of ``release``."""
    scans = _updated_scans(release, given_or_own(release, diff))
    asked = asking if asking is not None else release
    return stats(asked, scans), dataset_statistics(asked, scans)


def _updated_scans(release: Dataset, diff: Diff | None) -> Scans | None:
    if diff is None:
        return None
    try:
        kept = json.loads(
            (diff.before_folder / ANSWERS / "dataset-statistics.json").read_text(encoding="utf-8")
        )
    except (OSError, ValueError):
        return None
    before = Scans.from_kept(kept)
    if before is None or len(diff.subjects) > WHOLE_ABOVE * max(before.entities, 1):
        return None
    base = release.base_uri or ""
    after = Scans.empty()
    for iri in sorted(diff.subjects):
        node = NamedNode(iri)
        _count(after, diff.before, node, base, -1)
        _count(after, release, node, base, +1)
    return before.plus(after)


def _count(into: Scans, store: Dataset, subject: NamedNode, base: str, sign: int) -> None:
    """Add (``sign`` 1) or take away (-1) what ``subject`` says in ``store``'s published
    graph, counted as the scans of ``cblod.read.stats`` count it."""
    said = 0
    for quad in store.quads(subject, None, None, DefaultGraph()):
        said += 1
        p, o = quad.predicate.value, quad.object
        into.properties[p] += sign
        if quad.predicate == RDF.type:
            into.classes[lexical(o)] += sign
        elif isinstance(o, NamedNode) and not (base and o.value.startswith(base)):
            for name, namespace, _ in LINK_TARGETS:
                if o.value.startswith(namespace):
                    into.links[name][p] += sign
                    break
    into.triples += sign * said
    if said:
        into.entities += sign
