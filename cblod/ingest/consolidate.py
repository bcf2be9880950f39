"""One value per fact: how the default graph is derived from the source graphs.

Every source keeps what it said in its own graph; the default graph shows, per subject:

* for a functional property (``owl:FunctionalProperty`` in the ontology), one value: for
  amounts the most precise one (an exact "199 187.25" beats a rounded "199.187"), otherwise the
  value of the highest-ranked source (a programme's own database outranks an aggregator);
* for names and descriptions (``rdfs:label``, ``skos:prefLabel``, ``dcterms:description``), one
  value per language: the fullest one (a legal name "Sihtasutus Tallinna Teaduspark Tehnopol"
  over a short or translated "Tallinn Science Park Tehnopol", a programme's official title
  over its short name), then the highest-ranked source's; the other names stay as
  ``skos:altLabel``, never repeating a preferred label (SKOS keeps the two disjoint);
* for everything else, the union of what the sources said;
* beside each of our terms, the standard terms it refines that consumers query
  (``adms:identifier`` beside ``cbo:identifier``, ``schema:Organization`` beside
  ``cbo:Organisation``: ``ontology_terms.published_parents``), so no reasoner is needed to
  find them; a hidden label never repeats a preferred or alternative one.

Ties are broken by the value itself, never by ingest order, so the default graph is the same
whatever order sources arrive in. Disagreements that rounding does not explain are returned as
``Conflict`` records for the ingest report.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from pyoxigraph import Literal, NamedNode

from ..core.rdfterms import GraphName, Subject, Term, lexical
from ..core.vocab import DCTERMS, RDF, RDFS, SKOS, XSD

ONE_PER_LANGUAGE = {RDFS.label.value, SKOS.prefLabel.value, DCTERMS.description.value}
#: Losing values of these become alternative labels in the default graph.
DEMOTED_TO_ALT_LABEL = {SKOS.prefLabel.value}


class Statement(NamedTuple):
    """One published statement: a tuple, not a pyoxigraph ``Quad``, because consolidation
    makes one per published triple and a ``Quad`` costs several times as much to build."""

    subject: Subject
    predicate: NamedNode
    object: Term


@dataclass(frozen=True)
class Conflict:
    subject: str
    predicate: str
    chosen: str
    values: tuple[tuple[str, str], ...]  # (value, source graph)

    def __str__(self) -> str:
        said = "; ".join(f"{value} in {graph}" for value, graph in self.values)
        return (
            f"{self.subject} {self.predicate}: sources disagree ({said}); published {self.chosen}"
        )


def _decimals(term: Term) -> int | None:
    """Digits after the point of an xsd:decimal literal, or None for anything else."""
    if not isinstance(term, Literal) or term.datatype != XSD.decimal:
        return None
    try:
        exponent = Decimal(term.value).normalize().as_tuple().exponent
    except InvalidOperation:
        return None
    return max(0, -exponent) if isinstance(exponent, int) else None


def _within_rounding(chosen: Term, other: Term) -> bool:
    """True when ``other`` is ``chosen`` rounded to the precision ``other`` is written in."""
    d_other = _decimals(other)
    if d_other is None or _decimals(chosen) is None:
        return False
    if not isinstance(chosen, Literal) or not isinstance(other, Literal):
        return False
    tolerance = Decimal(5) * Decimal(10) ** -(d_other + 1)
    return abs(Decimal(chosen.value) - Decimal(other.value)) <= tolerance


def _language(term: Term) -> str:
    return (term.language or "") if isinstance(term, Literal) else ""


def _label_order(term: Term) -> tuple[str, str]:
    return (lexical(term), _language(term))


class Consolidator:
    def __init__(
        self,
        functional: Iterable[str],
        ranks: dict[str, int],
        parents: Mapping[str, tuple[NamedNode, ...]] | None = None,
    ) -> None:
        self.functional = set(functional)
        self.ranks = ranks
        self.parents = parents or {}

    def _rank(self, graphs: set[str]) -> int:
        return max((self.ranks.get(g, 0) for g in graphs), default=0)

    def _pick(self, values: Mapping[Term, set[str]], *, fullest: bool = False) -> Term:
        """The winning term among ``values`` ({term: graphs}).

        Amounts: most decimals first; names (``fullest``): longest first; then source rank,
        then the value itself, so the choice never depends on ingest order.
        """

        def score(term: Term) -> tuple[int, int, str]:
            first = len(lexical(term)) if fullest else (_decimals(term) or 0)
            return (first, self._rank(values[term]), lexical(term))

        return max(values, key=score)

    def subject(
        self, subject: Subject, statements: Iterable[tuple[NamedNode, Term, GraphName]]
    ) -> tuple[list[Statement], list[Conflict]]:
        """Consolidate one subject's (predicate, object, graph) statements from every source."""
        by_predicate: dict[NamedNode, dict[Term, set[str]]] = defaultdict(lambda: defaultdict(set))
        for predicate, obj, graph in statements:
            by_predicate[predicate][obj].add(lexical(graph))
        out: list[Statement] = []
        conflicts: list[Conflict] = []
        alt_labels: set[Term] = set()
        for predicate, values in by_predicate.items():
            p = predicate.value
            if p in ONE_PER_LANGUAGE:
                for winner, losers in self._per_language(values):
                    out.append(Statement(subject, predicate, winner))
                    if p in DEMOTED_TO_ALT_LABEL:
                        alt_labels.update(losers)
            elif p in self.functional and len(values) > 1:
                winner = self._pick(values)
                out.append(Statement(subject, predicate, winner))
                disputed = [v for v in values if v != winner and not _within_rounding(winner, v)]
                if disputed:
                    said = tuple(sorted((str(v), g) for v in values for g in sorted(values[v])))
                    conflicts.append(Conflict(lexical(subject), p, str(winner), said))
            else:
                out.extend(Statement(subject, predicate, value) for value in values)
        out = self._with_parents(subject, out)
        preferred = {lexical(q.object) for q in out if q.predicate == SKOS.prefLabel}
        alt_labels.update(q.object for q in out if q.predicate == SKOS.altLabel)
        out = [q for q in out if q.predicate != SKOS.altLabel]
        out.extend(
            Statement(subject, SKOS.altLabel, label)
            for label in sorted(alt_labels, key=_label_order)
            if lexical(label) not in preferred
        )
        shown = preferred | {lexical(label) for label in alt_labels}
        out = [q for q in out if q.predicate != SKOS.hiddenLabel or lexical(q.object) not in shown]
        return out, conflicts

    def _with_parents(self, subject: Subject, out: list[Statement]) -> list[Statement]:
        """``out`` and, for each statement in one of our terms, the same in its parents."""
        if not self.parents:
            return out
        have = set(out)
        for quad in list(out):
            if quad.predicate == RDF.type and isinstance(quad.object, NamedNode):
                added = [
                    Statement(subject, RDF.type, c) for c in self.parents.get(quad.object.value, ())
                ]
            else:
                added = [
                    Statement(subject, p, quad.object)
                    for p in self.parents.get(quad.predicate.value, ())
                ]
            for statement in added:
                if statement not in have:
                    have.add(statement)
                    out.append(statement)
        return out

    def _per_language(self, values: Mapping[Term, set[str]]) -> Iterator[tuple[Term, list[Term]]]:
        """Yield (winner, losers) per language; an untagged copy of a tagged value is dropped."""
        tagged = {lexical(v) for v in values if _language(v)}
        groups: dict[str, dict[Term, set[str]]] = defaultdict(dict)
        for term, graphs in values.items():
            if _language(term) or lexical(term) not in tagged:
                groups[_language(term)][term] = graphs
        for group in groups.values():
            winner = self._pick(group, fullest=True)
            yield winner, [t for t in group if t != winner]
