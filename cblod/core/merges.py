"""Curated merges as the identity registry records them, in one place.

A curated same-as moves one IRI (the merged) into another (its survivor); the registry keeps
it as the key ``alias|{merged}`` filed under the survivor, and every merge (curated or found
by a rule) with its ``Evidence``. Minting (``Identity``), reading
(``Dataset.survivor``, a description's redirect), ingest (rewriting older sources) and the
link report all ask the same two questions: what is the key of a merge, and where does an IRI
end up after every merge, chains included.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import NamedTuple

ALIAS = "alias|"


def alias_key(merged: str) -> str:
    """The registry key recording that ``merged`` was merged into another IRI."""
    return ALIAS + merged


def merged_iri(key: str) -> str | None:
    """The merged IRI a registry key records, or None for a key of another kind."""
    return key[len(ALIAS) :] if key.startswith(ALIAS) else None


def merges(keys: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Merged IRI -> survivor, from (key, IRI it is filed under) pairs of a registry."""
    return {merged: iri for key, iri in keys if (merged := merged_iri(key)) is not None}


def follow(iri: str, merged_into: Callable[[str], str | None]) -> str:
    """Where ``iri`` ends up after every merge, following chains; a cycle (two curators
    merging each way) stops where it would repeat."""
    seen = {iri}
    while (survivor := merged_into(iri)) is not None and survivor not in seen:
        iri = survivor
        seen.add(iri)
    return iri


class Evidence(NamedTuple):
    """Why a spelling was merged into an organisation: the rule, the value it matched (a
    name key, an identifier, a merged IRI), the score, and the name as the source wrote it.
    Stored as one literal (``text``) beside the registry's keys."""

    rule: str
    value: str
    score: float
    name: str

    def text(self) -> str:
        value, name = self.value.replace("|", "/"), self.name.replace("|", "/")
        return f"{self.rule}|{value}|{self.score:.2f}|{name}"

    @classmethod
    def parse(cls, text: str) -> Evidence:
        rule, value, score, name = text.split("|", 3)
        return cls(rule, value, float(score), name)
