"""A curation table's decisions applied: the identity registry changes, and what it states.

A row of a curation table (``mappings/curation.py`` reads them) says two organisations are
the same (``same-as``), are not (``not-same-as``), or that one is an external resource
(``exact-match``). Applying it changes the identity registry (a merge, a name mapped to an
organisation, a pair kept apart) and gives the statements the curation source publishes
(``owl:sameAs``, ``owl:differentFrom``); the emitter writes them like any other.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pyoxigraph import NamedNode

from ..core.errors import InputError, ValueParseError
from ..core.ntriples import Triple
from ..core.vocab import OWL
from ..records.model import CurationRule
from .identity import Identity


@dataclass
class Decision:
    """What applying one row states, and what it could not do (warnings)."""

    statements: list[Triple] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def apply_rule(rule: CurationRule, identity: Identity, file: str) -> Decision:
    """Apply one curated decision to ``identity``; a row that cannot apply is an error
    naming the file, the row and the column, or (an organisation not ingested yet) a warning."""
    decision, where = Decision(), f"row {rule.row}"
    try:
        subject, _ = identity.organisation_reference(rule.subject)
        target, reference = (
            (None, "")
            if rule.relation == "exact-match"
            else identity.organisation_reference(rule.object)
        )
    except ValueParseError as exc:
        raise exc.located(file=file, record=where, field="subject/object") from exc
    if subject is None:
        decision.warnings.append(
            f"{where}: no organisation {rule.subject!r} yet; ingest its sources first"
        )
        return decision
    if rule.subject.startswith("http") and not rule.subject.startswith(identity.base):
        raise InputError(
            f"{rule.subject} is not one of this dataset's IRIs ({identity.base}id/…)",
            file=file, record=where, field="subject",
        )  # fmt: skip
    s = NamedNode(subject)
    if rule.relation == "exact-match":
        try:
            decision.statements.append((s, OWL.sameAs, NamedNode(rule.object.strip())))
        except ValueError:
            decision.warnings.append(
                f"{where}: object {rule.object!r:.80} not published: not a web address"
            )
    elif rule.relation == "same-as":
        if target is None:
            identity.merge_name(subject, reference)
        elif target != subject:
            identity.merge(subject, target, f"{where}: {rule.source}")
            decision.statements.append((NamedNode(target), OWL.sameAs, s))
    else:
        identity.keep_apart(subject, reference)
        if target is not None:
            identity.keep_apart(target, f"iri|{subject}")
            decision.statements.append((s, OWL.differentFrom, NamedNode(target)))
    return decision
