"""Matching a query to cblod's entities, with scores a person can read.

A query has a name and conditions (country, town, NUTS region, homepage, and registry
identifiers: VAT, PIC, LEI, national numbers). Names are compared as ingest compares them
(``cblod.records.names``: legal forms dropped, diacritics folded, organisation words translated from
the glossary, inflected forms matched), as the Dice coefficient of their words: 0-100. An
identifier is read and checked as ingest reads it (``cblod.records.identifiers``): one that an
entity holds decides (100, ``match: true``) whatever the name says; one that fails its check
digit matches nothing and is reported (the feature ``identifier_invalid``). Without an
identifier, ``match`` is true only for a name equal after normalisation, held by one entity,
whose country (if the query gives one) agrees. Each candidate's ``features`` say why.
"""

from __future__ import annotations

import bisect
import heapq
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ...core.errors import ValueParseError
from ...records.identifiers import InvalidIdentifier, read_identifiers, read_pic
from ...records.names import fold, name_tokens, similarity
from ...records.places import country as find_country
from .index import Entity, _host, tokens_of
from .properties import IDENTIFIER_PROPERTIES, Value, as_texts, entity_id, values_of

#: conditions with rules of their own (``_score``); any other property of the vocabulary
#: (``cblod.derived.matching.properties``) agrees when a value data extension gives is the query's
RULED = frozenset({"country", "town", "region", "homepage", "programme", "acronym", "code"})

#: candidates scored exactly per query, chosen by the words they share with it
SHORTLIST = 300
#: a word in more entities' names than this helps choose candidates only when nothing rarer does
COMMON = 2000


@dataclass(frozen=True)
class Condition:
    pid: str
    values: tuple[str, ...]
    required: bool = False


@dataclass(frozen=True)
class Query:
    text: str
    type: str | None = None
    limit: int = 5
    conditions: tuple[Condition, ...] = ()


@dataclass
class Candidate:
    entity: Entity
    score: float
    match: bool
    features: list[dict[str, Any]] = field(default_factory=list)


def _key(tokens: tuple[str, ...]) -> str:
    """A name's words in any order ("Kustkompetens Norr Stiftelsen" is the foundation's name)."""
    return " ".join(sorted(tokens))


def _prefix(token: str) -> str:
    """The key a word is indexed under: its first four letters match inflected forms."""
    return token[:4] if len(token) >= 4 else token


class Matcher:
    """Lookups over one snapshot's entities (``cblod.derived.matching.index``), built once on load."""

    def __init__(self, entities: list[Entity]) -> None:
        self.entities = entities
        self.by_iri = {e.iri: n for n, e in enumerate(entities)}
        self.tokens = [tokens_of(e) for e in entities]
        self.keys = [{_key(t) for t in each} for each in self.tokens]
        self.words: dict[str, list[int]] = defaultdict(list)
        for n, each in enumerate(self.tokens):
            for prefix in {_prefix(w) for t in each for w in t}:
                self.words[prefix].append(n)
        self.identifiers: dict[tuple[str, str], list[int]] = defaultdict(list)
        self.homepages: dict[str, list[int]] = defaultdict(list)
        for n, e in enumerate(entities):
            for scheme, values in e.facts.get("identifiers", {}).items():
                for value in values:
                    self.identifiers[(scheme, value.upper())].append(n)
            for page in e.facts.get("homepages", []):
                self.homepages[_host(page)].append(n)
        self.prefixes = sorted((text, n) for n, e in enumerate(entities) for text in e.folded)

    # -- matching -------------------------------------------------------------------------

    def match(self, query: Query) -> list[Candidate]:
        return self.answer(query)[0]

    def answer(self, query: Query) -> tuple[list[Candidate], list[str]]:
        """Candidates, best first, and what the query asked that could not be used (an
        identifier failing its check digit): reported back, never matched."""
        wanted = name_tokens(query.text) if query.text else ()
        values = {c.pid: c.values for c in query.conditions}
        country = _country_code(values.get("country", ()))
        hits, invalid = self._identifier_hits(query.conditions, country)
        pages = {n for v in values.get("homepage", ()) for n in self.homepages.get(_host(v), [])}
        pool = set(self._shortlist(wanted)) | hits | pages
        found = []
        for n in pool:
            entity = self.entities[n]
            if query.type and entity.type != query.type:
                continue
            candidate = self._score(n, wanted, values, country, n in hits, n in pages, invalid)
            if candidate is not None and self._required(candidate, query.conditions):
                found.append(candidate)
        found.sort(key=lambda c: (-c.score, c.entity.name, c.entity.iri))
        exact = [c for c in found if c.match and not _feature(c, "identifier_hit")]
        if len(exact) > 1:  # one name, several entities: the name alone decides nothing
            for c in exact:
                c.match = False
        return found[: query.limit], invalid

    def _shortlist(self, wanted: tuple[str, ...]) -> list[int]:
        lists = [self.words.get(_prefix(w), []) for w in wanted]
        rare = [each for each in lists if len(each) <= COMMON] or lists
        weight: defaultdict[int, float] = defaultdict(float)
        for each in rare:
            share = 1 / math.log(2 + len(each))
            for n in each:
                weight[n] += share
        return heapq.nlargest(SHORTLIST, weight, key=weight.__getitem__)

    def _identifier_hits(
        self, conditions: Iterable[Condition], country: str | None
    ) -> tuple[set[int], list[str]]:
        hits: set[int] = set()
        invalid: list[str] = []
        for condition in conditions:
            if condition.pid not in IDENTIFIER_PROPERTIES:
                continue
            for value in condition.values:
                try:
                    read = (
                        [read_pic(value)]
                        if condition.pid == "pic"
                        else read_identifiers(value, country=country)
                    )
                except InvalidIdentifier as exc:
                    invalid.append(str(exc))
                    continue
                for identifier in filter(None, read):
                    hits.update(
                        self.identifiers.get((identifier.scheme, identifier.value.upper()), [])
                    )
        return hits, invalid

    def _score(
        self,
        n: int,
        wanted: tuple[str, ...],
        values: dict[str, tuple[str, ...]],
        country: str | None,
        identifier_hit: bool,
        homepage_hit: bool,
        invalid: list[str],
    ) -> Candidate | None:
        entity = self.entities[n]
        facts = entity.facts
        same_name = bool(wanted) and _key(wanted) in self.keys[n]
        name = (
            1.0 if same_name else max((similarity(wanted, t) for t in self.tokens[n]), default=0.0)
        )
        if not (name or identifier_hit or homepage_hit):
            return None
        features: list[dict[str, Any]] = [
            {"id": "name_similarity", "name": "Name similarity (0-1)", "value": round(name, 3)},
            {"id": "identifier_hit", "name": "A registry identifier of the query is this entity's", "value": identifier_hit},
        ]  # fmt: skip
        score = 100.0 if identifier_hit else 100 * name
        agrees: dict[str, bool] = {}
        if country and entity.type == "Organisation":
            agrees["country"] = facts.get("country_code") == country
        if values.get("town") and entity.type == "Organisation":
            agrees["town"] = bool({fold(v) for v in values["town"]} & set(facts.get("towns", [])))
        if values.get("region") and entity.type == "Organisation":
            region = facts.get("region") or ""
            agrees["region"] = any(
                region.startswith(v.rsplit("/", 1)[-1].upper())
                for v in values["region"]
                if v.strip()
            )
        if values.get("homepage") and entity.type == "Organisation":
            agrees["homepage"] = homepage_hit
        for key, project_field in (
            ("programme", "programme"),
            ("acronym", "acronym"),
            ("code", "codes"),
        ):
            if values.get(key) and entity.type == "Project":
                agrees[key] = _project_agrees(facts, project_field, values[key], self)
        for key, wanted_values in values.items():
            if key in RULED or key in IDENTIFIER_PROPERTIES or not wanted_values:
                continue
            have = values_of(entity, key, self.resolve)
            if have:  # a property the entity's type has
                folded = {fold(t) for t in as_texts(have)}
                agrees[key] = any(fold(v) in folded for v in wanted_values)
        for key, agreed in agrees.items():
            features.append({"id": f"{key}_agrees", "name": f"The {key} agrees", "value": agreed})
            if not identifier_hit:
                score = min(100.0, score + 5) if agreed else score * 0.5
        if homepage_hit and not identifier_hit:
            score = min(100.0, score + 15)
        if invalid:
            features.append({"id": "identifier_invalid", "name": "; ".join(invalid), "value": True})
        match = identifier_hit or (same_name and all(agrees.values()))
        return Candidate(entity, round(score, 1), match, features)

    @staticmethod
    def _required(candidate: Candidate, conditions: Iterable[Condition]) -> bool:
        for condition in conditions:
            if not condition.required:
                continue
            if condition.pid in IDENTIFIER_PROPERTIES:
                if not _feature(candidate, "identifier_hit"):
                    return False
            elif _feature(candidate, f"{condition.pid}_agrees") is not True:
                return False
        return True

    def resolve(self, iri: str) -> Value:
        """The reference a client gets for ``iri``: its id and name when it is an entity."""
        n = self.by_iri.get(iri)
        if n is None:
            return {"id": iri, "name": iri.rsplit("/", 1)[-1]}
        return {"id": entity_id(self.entities[n].iri), "name": self.entities[n].name}

    # -- suggest --------------------------------------------------------------------------

    def suggest(self, prefix: str, type_: str | None = None, limit: int = 10) -> list[Entity]:
        """Entities with a name starting with ``prefix`` (case and accents ignored), or with a
        word of a name starting with it."""
        start = fold(prefix).strip()
        if not start:
            return []
        found: dict[int, None] = {}
        at = bisect.bisect_left(self.prefixes, (start, -1))
        while (
            at < len(self.prefixes)
            and self.prefixes[at][0].startswith(start)
            and len(found) < limit * 4
        ):
            found.setdefault(self.prefixes[at][1])
            at += 1
        if len(found) < limit:
            for n in self.words.get(_prefix(start), [])[: limit * 20]:
                if any(
                    w.startswith(start) or start.startswith(w) for t in self.tokens[n] for w in t
                ):
                    found.setdefault(n)
        out = [self.entities[n] for n in found if not type_ or self.entities[n].type == type_]
        return out[:limit]


def _feature(candidate: Candidate, key: str) -> Any:
    return next((f["value"] for f in candidate.features if f["id"] == key), None)


def _country_code(values: Iterable[str]) -> str | None:
    for value in values:
        text = value.rsplit("/", 1)[-1].strip()
        try:
            return find_country(text).iso2
        except ValueParseError:
            continue
    return None


def _project_agrees(
    facts: dict[str, Any], key: str, wanted: tuple[str, ...], matcher: Matcher
) -> bool:
    have = facts.get(key)
    have_values = have if isinstance(have, list) else [have] if have else []
    for value in wanted:
        folded = fold(value)
        for each in have_values:
            if fold(each) == folded:
                return True
            if key == "programme" and each in matcher.by_iri:  # a programme named, not an IRI
                programme = matcher.entities[matcher.by_iri[each]]
                if any(folded in fold(text) for text, _ in programme.names):
                    return True
    return False
