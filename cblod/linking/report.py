"""``cblod link --report``: the organisation merges cblod made, and the ones it did not.

For a person to review: every organisation known under more than one name or identifier,
with the evidence of each merge (rule, matched value, score); near misses (names in the same
country similar enough to look alike, not enough to merge); conflicts (one organisation with
two identifiers of one scheme: perhaps two organisations merged); the curated decisions in
force; and how many organisations carry a registry identifier.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from ..backends.published import Dataset
from ..core.graphs import IDENTIFIER_KEY, IDENTITY, IDENTITY_EVIDENCE, IDENTITY_KEY
from ..core.merges import Evidence, follow, merged_iri
from ..core.merges import merges as curated_merges
from ..core.rdfterms import lexical
from ..core.vocab import CBO, SKOS
from ..ingest.identity import NAME_ELSEWHERE, ORGANISATION_MATCH
from ..records.names import fold, similarity

NEAR_MISS = 0.6
COMMON_WORD = 50


@dataclass
class Merge:
    iri: str
    label: str
    evidence: list[Evidence] = field(default_factory=list)
    keys: int = 0


@dataclass
class LinkReport:
    merges: list[Merge]
    #: organisations matched again only under the name they are shown with (not listed)
    found_again: int
    #: a registry identifier says one organisation, a name another: (iri, label, other, its
    #: label, the name) for a person to decide with a curation table
    shared_names: list[tuple[str, str, str, str, str]]
    near_misses: list[tuple[float, str, str, str, str]]  # score, iri a, label a, iri b, label b
    #: one organisation holding two values of one scheme: perhaps two organisations merged
    conflicts: list[tuple[str, str, str, list[str]]]  # iri, label, scheme, values
    curated: int  # decisions from curation tables in force
    organisations: int
    with_identifier: int
    identifiers: int


def _label(store: Dataset, iri: str) -> str:
    from pyoxigraph import DefaultGraph, NamedNode

    for quad in store.quads(NamedNode(iri), SKOS.prefLabel, None, DefaultGraph()):
        return lexical(quad.object)
    return iri


def _sharing_a_rare_word(
    entries: list[tuple[str, tuple[str, ...]]],
) -> list[tuple[tuple[str, tuple[str, ...]], tuple[str, tuple[str, ...]]]]:
    """Pairs of names sharing a word that few names have (comparing all pairs is quadratic).

    A word in more than ``COMMON_WORD`` names ("science", "university") says little about
    two names being one organisation, so it brings no pair to compare by itself.
    """
    by_word: dict[str, list[int]] = defaultdict(list)
    for n, (_, tokens) in enumerate(entries):
        for token in set(tokens):
            by_word[token].append(n)
    pairs: set[tuple[int, int]] = set()
    for members in by_word.values():
        if len(members) <= COMMON_WORD:
            pairs.update((a, b) for i, a in enumerate(members) for b in members[i + 1 :])
    return [(entries[a], entries[b]) for a, b in sorted(pairs)]


def link_report(store: Dataset) -> LinkReport:
    registered = [
        (lexical(q.subject), lexical(q.object))
        for predicate in (IDENTITY_KEY, IDENTIFIER_KEY)
        for q in store.quads(None, predicate, None, IDENTITY)
    ]
    aliases = curated_merges((key, iri) for iri, key in registered)

    def survivor(iri: str) -> str:
        return follow(iri, aliases.get)

    keys: dict[str, list[str]] = defaultdict(list)
    for iri, key in registered:
        if key.startswith("organisation"):
            keys[survivor(iri)].append(key)
    evidence: dict[str, list[Evidence]] = defaultdict(list)
    for quad in store.quads(None, IDENTITY_EVIDENCE, None, IDENTITY):
        evidence[lexical(quad.subject)].append(Evidence.parse(lexical(quad.object)))
    shared_names = sorted(
        {
            (survivor(iri), value, name)
            for iri, found in evidence.items()
            for rule, value, _, name in found
            if rule == NAME_ELSEWHERE and survivor(value) != survivor(iri)
        }
    )
    merges, found_again = [], 0
    for iri, found in sorted(keys.items()):
        if not evidence.get(iri):
            continue
        label = _label(store, iri)
        seen = set(evidence[iri])
        # only ever found again under the name it is shown with: nothing for a person to check
        if all(fold(e.name) == fold(label) and not e.rule.startswith("curated") for e in seen):
            found_again += 1
        else:
            merges.append(Merge(iri, label, sorted(seen), len(found)))
    names: dict[str, list[tuple[str, tuple[str, ...]]]] = defaultdict(list)
    for iri, found in keys.items():
        for key in found:
            kind, country, name = key.split("|", 2)
            if kind == "organisation" and country:
                names[country].append((iri, tuple(name.split())))
    near: dict[tuple[str, str], float] = {}
    for entries in names.values():
        for (a, tokens_a), (b, tokens_b) in _sharing_a_rare_word(entries):
            if a != b and tokens_a[:1] and tokens_b[:1]:
                closeness = similarity(tokens_a, tokens_b)
                if NEAR_MISS <= closeness < ORGANISATION_MATCH:
                    pair = (a, b) if a < b else (b, a)
                    near[pair] = max(closeness, near.get(pair, 0.0))
    conflicts = []
    for iri, found in sorted(keys.items()):
        by_scheme: dict[str, set[str]] = defaultdict(set)
        for key in found:
            kind, _, rest = key.partition("|")
            if kind == "organisation-id":
                scheme, _, value = rest.partition("|")
                by_scheme[scheme].add(value)
        for scheme, values in sorted(by_scheme.items()):
            if len(values) > 1:
                conflicts.append((iri, _label(store, iri), scheme, sorted(values)))
    curated = sum(
        1
        for _, key in registered
        if key.startswith("distinct|") or merged_iri(key) is not None and "/id/organisation/" in key
    )
    misses = sorted(
        ((score, a, _label(store, a), b, _label(store, b)) for (a, b), score in near.items()),
        reverse=True,
    )
    (counts,) = store.select(
        f"""SELECT (COUNT(DISTINCT ?o) AS ?orgs) (COUNT(DISTINCT ?linked) AS ?with) (COUNT(DISTINCT ?i) AS ?ids)
            WHERE {{ ?o a <{CBO.Organisation.value}> .
                     OPTIONAL {{ ?o <{CBO.identifier.value}> ?i . BIND(?o AS ?linked) }} }}"""
    )
    return LinkReport(
        merges,
        found_again,
        [(a, _label(store, a), b, _label(store, b), name) for a, b, name in shared_names],
        misses,
        conflicts,
        curated,
        int(counts["orgs"].value),
        int(counts["with"].value),
        int(counts["ids"].value),
    )


def format_report(report: LinkReport) -> str:
    lines = [
        f"Merged: {len(report.merges)} organisations known under more than one name or identifier"
        + (
            f" ({report.found_again} more found again under the same name)"
            if report.found_again
            else ""
        )
    ]
    for merge in report.merges:
        lines.append(f"  {merge.label}  <{merge.iri}>")
        for rule, value, score, name in merge.evidence:
            lines.append(
                f"      {rule} ({score:.2f}): {name!r}" + (f" [{value}]" if value != name else "")
            )
    lines.append("")
    lines.append(f"Near misses: {len(report.near_misses)} pairs to review (same organisation?)")
    for score, _, label_a, _, label_b in report.near_misses:
        lines.append(f"  {score:.2f}  {label_a}  ~  {label_b}")
    lines.append("")
    lines.append(
        f"Conflicts: {len({c[0] for c in report.conflicts})} organisations with two "
        "identifiers of one scheme "
        "(two organisations merged? decide with a curation table)"
    )
    for iri, label, scheme, values in report.conflicts:
        lines.append(f"  {label}  <{iri}>  {scheme}: {', '.join(values)}")
    lines.append("")
    lines.append(
        f"Same name, other identifier: {len(report.shared_names)} pairs (one organisation under "
        "two IRIs? decide with a curation table: same-as or not-same-as)"
    )
    for iri, label, other, other_label, name in report.shared_names:
        lines.append(f"  {label}  <{iri}>  ~  {other_label}  <{other}>  (both named {name!r})")
    lines.append("")
    lines.append(f"Curated decisions in force: {report.curated}")
    lines.append("")
    share = report.with_identifier / report.organisations if report.organisations else 0
    lines.append(
        f"Identifiers: {report.identifiers} on {report.with_identifier} of "
        f"{report.organisations} organisations ({share:.0%})"
    )
    return "\n".join(lines)
