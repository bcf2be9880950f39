"""Minting and keeping URIs: the same thing from two sources gets one URI, for good.

Things are named ``{base}id/{kind}/{key}``. Keys are derived from what identifies a thing
(a programme's short name and period, a project's acronym within its programme, a code within
a programme) so most URIs are the same whichever source names them first. Organisations have
no such key in page sources, so they are matched through a registry of every name key already
seen, stored in the store beside the data: an exact normalised-name match (legal forms off,
glossary translations on) in a compatible country, else a fuzzy match of at least
``ORGANISATION_MATCH`` in the same country. The first source to name an organisation mints its
URI; later spellings are registered to it, so URIs survive re-ingests.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Protocol, TypeVar

from pyoxigraph import NamedNode

from ..core.merges import Evidence, alias_key, follow, merges
from ..records.model import Organisation, Programme, Project
from ..records.names import fold, name_key, name_tokens, plain_key, similarity
from ..records.values import Coded, slugify

T = TypeVar("T")

#: Least fuzzy name similarity (0..1) for two spellings in one country to be one organisation.
#: "Tallinn University" / "Tallinn University of Technology" (0.8) must stay apart.
ORGANISATION_MATCH = 0.85


#: evidence rule: an organisation found by identifier carries a name another one is known by
NAME_ELSEWHERE = "name of another organisation"


#: key kinds looked up one at a time (``KeyLookup``), never loaded whole: one key per registry
#: identifier a source gives (155 000 at 300 000 generated projects), each only ever asked by
#: its exact value. Every other kind is loaded: names are matched fuzzily, curated rules
#: apply to whatever comes.
LOOKED_UP = ("organisation-id",)


def looked_up(key: str) -> bool:
    """Whether ``key`` is of a kind the registry looks up rather than loads."""
    return key.partition("|")[0] in LOOKED_UP


class KeyLookup(Protocol):
    """The keys of the ``LOOKED_UP`` kinds an earlier ingest stored (``cblod.ingest.writer``)."""

    def iri_of(self, key: str) -> str | None: ...

    def minted(self, iri: str) -> bool:
        """Whether a stored key of a looked-up kind names ``iri``."""
        ...


@dataclass
class OrganisationEntry:
    iri: str
    country: str  # ISO 3166 alpha-3, or "" when unknown
    tokens: tuple[str, ...]


@dataclass
class Identity:
    """URI minting for one base URI, with the registry of keys already in the store.

    ``registered`` holds every key -> IRI pair loaded or registered since; keys of the
    ``LOOKED_UP`` kinds an earlier ingest stored are asked of ``lookup`` when needed (and
    kept). ``new_keys`` (and ``new_evidence``) what the source being read added since the last
    ``commit``: pending until the writer writes them with its graph (``cblod.ingest.writer``),
    or dropped with it (``discard_pending``), which undoes exactly what they changed, so the
    registry is never rebuilt.
    """

    base: str
    registered: dict[str, str] = field(default_factory=dict)
    new_keys: dict[str, str] = field(default_factory=dict)
    #: (IRI, "rule|value|score|name") for merges this ingest made, stored with the keys
    new_evidence: list[tuple[str, str]] = field(default_factory=list)
    _orgs_by_key: dict[str, list[OrganisationEntry]] = field(
        default_factory=lambda: defaultdict(list)
    )
    _orgs_by_token: dict[str, list[OrganisationEntry]] = field(
        default_factory=lambda: defaultdict(list)
    )
    #: IRIs minted for something (not only named by a curated rule)
    _taken: set[str] = field(default_factory=set)
    #: curated: merged IRI -> surviving IRI ("alias|{iri}" keys)
    _aliases: dict[str, str] = field(default_factory=dict)
    #: curated: IRI -> references it must never absorb ("distinct|{iri}|{reference}" keys)
    _distinct: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    #: how to undo what the pending keys changed, in the order they changed it
    _undo: list[Callable[[], object]] = field(default_factory=list)
    #: the stored keys of the ``LOOKED_UP`` kinds (None: every key is in ``registered``)
    lookup: KeyLookup | None = None
    #: keys of those kinds ``lookup`` said it has not
    _absent: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        for key, iri in list(self.registered.items()):
            self._index(key, iri)

    # -- registry ---------------------------------------------------------------------------

    def _index(self, key: str, iri: str, undo: list[Callable[[], object]] | None = None) -> None:
        """File ``key`` in the lookup tables; with ``undo``, note how to take it out again."""
        kind, _, rest = key.partition("|")
        if kind not in ("alias", "distinct") and iri not in self._taken:
            # a curated rule may name an IRI before any source does: that does not take it
            self._taken.add(iri)
            if undo is not None:
                undo.append(partial(self._taken.discard, iri))
        if kind == "alias":
            if undo is not None:
                before = self._aliases.get(rest)
                undo.append(
                    partial(self._aliases.pop, rest)
                    if before is None
                    else partial(self._aliases.__setitem__, rest, before)
                )
            self._aliases[rest] = iri
            return
        if kind == "distinct":
            _append(self._distinct[iri], rest.split("|", 1)[1], undo)
            return
        if kind != "organisation":
            return
        country, _, name = rest.partition("|")
        entry = OrganisationEntry(iri, country, tuple(name.split()))
        _append(self._orgs_by_key[name], entry, undo)
        for stem in {token[:4] for token in entry.tokens}:
            _append(self._orgs_by_token[stem], entry, undo)

    def known(self, key: str) -> str | None:
        """The IRI ``key`` is registered to, loaded, registered since or stored."""
        found = self.registered.get(key)
        if found is not None or self.lookup is None or key in self._absent or not looked_up(key):
            return found
        found = self.lookup.iri_of(key)
        if found is None:
            self._absent.add(key)
        else:  # the store's: nothing to undo if a source is dropped
            self.registered[key] = found
            self._taken.add(found)
        return found

    def _register(self, key: str, iri: str) -> None:
        if self.known(key) is None:
            self._absent.discard(key)
            self.registered[key] = iri
            self.new_keys[key] = iri
            self._undo.append(partial(self.registered.pop, key))
            self._index(key, iri, self._undo)

    def commit(self) -> None:
        """The pending keys and evidence were written: they are the store's now."""
        self.new_keys.clear()
        self.new_evidence.clear()
        self._undo.clear()

    def discard_pending(self) -> None:
        """Forget every key and piece of evidence registered since the last ``commit`` (a
        source was rejected): the registry is as the store holds it again."""
        for undo in reversed(self._undo):
            undo()
        self.commit()

    def iri(self, kind: str, key: str) -> NamedNode:
        return NamedNode(f"{self.base}id/{kind}/{key}")

    def key_of(self, iri: NamedNode | str) -> str:
        """The ``{key}`` part of one of our IRIs (``…/id/project/a/b`` -> ``a/b``)."""
        value = iri.value if isinstance(iri, NamedNode) else iri
        return value[len(self.base) :].split("/", 2)[2]

    # -- kinds with derivable keys --------------------------------------------------------

    def programme(self, programme: Programme) -> NamedNode:
        key = slugify(programme.short_name)
        if programme.period:
            key += f"-{programme.period[0]}-{programme.period[1]}"
        return self.iri("programme", key)

    def project(self, programme_iri: NamedNode, project: Project) -> NamedNode:
        name = project.acronym or project.titles[0].value
        return self.iri("project", f"{self.key_of(programme_iri)}/{slugify(name)}")

    def priority(self, programme_iri: NamedNode, coded: Coded) -> NamedNode:
        return self.iri("priority", f"{self.key_of(programme_iri)}/{slugify(coded.code)}")

    def call(self, programme_iri: NamedNode, number: str) -> NamedNode:
        return self.iri("call", f"{self.key_of(programme_iri)}/{slugify(number)}")

    def indicator(self, programme_iri: NamedNode, coded: Coded) -> NamedNode:
        return self.iri("indicator", f"{self.key_of(programme_iri)}/{slugify(coded.code)}")

    def thematic_objective(self, coded: Coded) -> NamedNode:
        return self.iri("thematic-objective", slugify(coded.code))

    def investment_priority(self, coded: Coded) -> NamedNode:
        return self.iri("investment-priority", slugify(coded.code))

    def participation(self, project_iri: NamedNode, organisation_iri: NamedNode) -> NamedNode:
        org_key = self.key_of(organisation_iri).replace("/", "-")
        return self.iri("participation", f"{self.key_of(project_iri)}/{org_key}")

    def result(self, project_iri: NamedNode, text: str) -> NamedNode:
        digest = hashlib.sha1(" ".join(fold(text).split()).encode()).hexdigest()[:10]
        return self.iri("result", f"{self.key_of(project_iri)}/{digest}")

    def address(self, full: str) -> NamedNode:
        return self.iri("address", hashlib.sha1(fold(full).encode()).hexdigest()[:12])

    def geometry(self, key: str) -> NamedNode:
        """A point: a gazetteer's place (``geonames-633679``), a NUTS region's (``nuts-SE110``),
        a postal code's (``postcode-fi-20520-turku``), or a source's coordinates (a digest of
        the WKT)."""
        if not key.startswith(("geonames-", "nuts-", "postcode-")):
            key = hashlib.sha1(key.encode()).hexdigest()[:12]
        return self.iri("geometry", key)

    def theme(self, label: str) -> NamedNode:
        return self.iri("theme", slugify(label))

    def source(self, file_name: str) -> NamedNode:
        return self.iri("source", slugify(file_name.rsplit("/", 1)[-1]))

    # -- kinds resolved through the registry --------------------------------------------

    def specific_objective(
        self, programme_iri: NamedNode, code: str | None, label: str | None
    ) -> NamedNode:
        """Objective by code or by label within the programme, whichever a source gives.

        keep.eu gives "More exports by …" without the "1.3" the programme database shows:
        both keys are registered to one URI, minted from the label.
        """
        scope = self.key_of(programme_iri)
        if code and re.match(r"^(RSO|ISO)\d", code):
            # the 2021-2027 regulations' specific objectives: one concept for every programme
            return self.iri("specific-objective", f"eu/{slugify(code)}")
        keys = []
        if code:
            keys.append(f"specific-objective|{scope}|code:{code}")
        if label:
            keys.append(f"specific-objective|{scope}|label:{name_key(label)}")
        found = next((iri for k in keys if (iri := self.known(k)) is not None), None)
        # the label is what every source gives (keep.eu omits the code): minting from it makes
        # the URI the same whichever source comes first
        key = slugify(label or code or "")
        iri = found or self.iri("specific-objective", f"{scope}/{key}").value
        for key in keys:
            self._register(key, iri)
        return NamedNode(iri)

    def organisation(self, organisation: Organisation) -> NamedNode:
        """The organisation's URI: a shared registry identifier first, then its names.

        A match onto an organisation already known records its evidence (rule, the value that
        matched, a score) for ``cblod link --report``.
        """
        country = organisation.country.iso3 if organisation.country else ""
        keys = [k for k in dict.fromkeys(name_key(n.value) for n in organisation.names) if k]
        id_keys = [f"organisation-id|{i.scheme}|{i.value}" for i in organisation.identifiers]
        shown = organisation.names[0].value if organisation.names else ""
        found, iri = next(
            ((k, named) for k in id_keys if (named := self.known(k)) is not None), (None, None)
        )
        if found and iri:
            self._evidence(
                iri, "same identifier", found.split("|", 1)[1].replace("|", ":"), 1.0, shown
            )
        else:
            iri, rule, score = self._match_organisation(keys, country, organisation)
            if iri:
                self._evidence(iri, rule, shown, score, shown)
        if iri is not None:
            iri = self.survivor(iri)
            apart, other = self._kept_apart(iri, country, keys, id_keys)
            if apart:
                iri = other or self._split(iri, country, keys, organisation)
        if iri is None:
            stem = next((plain_key(n.value) for n in organisation.names if plain_key(n.value)), "")
            iri = self._mint_organisation(stem or "organisation", organisation)
        for key in keys:
            named = self.known(f"organisation|{country}|{key}")
            if named is not None and self.survivor(named) != iri:
                # the identifier says one organisation, this name another: a person decides
                # (a curated same-as, or not-same-as); the report lists it
                self._evidence(iri, NAME_ELSEWHERE, named, 1.0, shown)
            self._register(f"organisation|{country}|{key}", iri)
        for key in id_keys:
            self._register(key, iri)
        return NamedNode(iri)

    # -- curation: decisions a person made win over every rule above ----------------------

    def survivor(self, iri: str) -> str:
        """The IRI ``iri`` was merged into by a curated same-as (itself when none)."""
        return follow(iri, self._aliases.get)

    def new_merges(self) -> dict[str, str]:
        """Merged IRI -> survivor, for the curated merges this ingest registered."""
        return merges(self.new_keys.items())

    def organisation_reference(self, reference: str) -> tuple[str | None, str]:
        """(IRI, normalised reference) for one of our IRIs or a ``CC:name`` reference.

        The normalised reference of a name is ``name|{ISO3}|{name key}``, what the registry
        files the name under; its IRI is the organisation the name resolves to, if any yet.
        """
        if reference.startswith(("http://", "https://")):
            return self.survivor(reference), f"iri|{reference}"
        from ..records.places import country as find_country

        code, _, name = reference.partition(":")
        iso3 = find_country(code).iso3
        key = name_key(name)
        found = self.known(f"organisation|{iso3}|{key}")
        return (self.survivor(found) if found else None), f"name|{iso3}|{key}"

    def merge(self, survivor: str, merged: str, evidence: str) -> None:
        """Curated same-as: ``merged`` (an IRI) is ``survivor`` from now on."""
        if survivor != merged:
            self._register(alias_key(merged), survivor)
            self._evidence(survivor, "curated same-as", merged, 1.0, evidence)

    def merge_name(self, survivor: str, reference: str) -> None:
        """Curated same-as for a name not seen yet: it resolves to ``survivor`` when it is."""
        self._register(f"organisation|{reference.split('|', 1)[1]}", survivor)

    def keep_apart(self, iri: str, reference: str) -> None:
        """Curated not-same-as: ``iri`` never absorbs what ``reference`` names."""
        self._register(f"distinct|{iri}|{reference}", iri)

    def _kept_apart(
        self, iri: str, country: str, keys: list[str], id_keys: list[str]
    ) -> tuple[bool, str | None]:
        """Whether a curated not-same-as forbids this match, and the other side if it is ours."""
        named = [f"organisation|{country}|{k}" for k in keys]
        for reference in self._distinct.get(iri, ()):
            kind, _, rest = reference.partition("|")
            if kind == "name" and rest in {f"{country}|{k}" for k in keys}:
                return True, None
            if kind == "iri":
                other = self.survivor(rest)
                if any(self.known(k) == other for k in [*named, *id_keys]):
                    return True, other
        return False, None

    def _split(self, iri: str, country: str, keys: list[str], organisation: Organisation) -> str:
        """The organisation a not-same-as keeps apart from ``iri``: minted once, then kept."""
        split_key = f"organisation-split|{iri}|{country}|{keys[0] if keys else ''}"
        if split_key not in self.registered:
            stem = next((plain_key(n.value) for n in organisation.names if plain_key(n.value)), "")
            self._register(split_key, self._mint_organisation(stem or "organisation", organisation))
        return self.registered[split_key]

    def _evidence(self, iri: str, rule: str, value: str, score: float, name: str) -> None:
        """Remember why a spelling was merged into ``iri`` (only when it adds a new key)."""
        self.new_evidence.append((iri, Evidence(rule, value, score, name).text()))

    def identifier(self, scheme: str, value: str) -> NamedNode:
        return self.iri("identifier", f"{scheme}/{slugify(value)}")

    def _match_organisation(
        self, keys: list[str], country: str, organisation: Organisation
    ) -> tuple[str | None, str, float]:
        """(IRI, rule, score) of the known organisation these names belong to, if any."""
        for key in keys:
            for entry in self._orgs_by_key.get(key, ()):
                if entry.country == country or not entry.country or not country:
                    return entry.iri, "same normalised name", 1.0
        if not country:
            return None, "", 0.0
        best: tuple[float, str] | None = None
        for name in organisation.names:
            tokens = name_tokens(name.value)
            for candidate in _candidates(self._orgs_by_token, tokens):
                if candidate.country != country:
                    continue
                score = similarity(tokens, candidate.tokens)
                if score >= ORGANISATION_MATCH and (best is None or score > best[0]):
                    best = (score, candidate.iri)
        return (best[1], "similar name, same country", best[0]) if best else (None, "", 0.0)

    def _mint_organisation(self, key: str, organisation: Organisation) -> str:
        prefix = f"{organisation.country.iso2.lower()}/" if organisation.country else ""
        stem = f"{prefix}{slugify(key)}"
        candidate, n = self.iri("organisation", stem).value, 1
        while candidate in self._taken or (self.lookup and self.lookup.minted(candidate)):
            n += 1
            candidate = self.iri("organisation", f"{stem}-{n}").value
        return candidate


def _append(items: list[T], item: T, undo: list[Callable[[], object]] | None) -> None:
    items.append(item)
    if undo is not None:
        undo.append(items.pop)  # undone in reverse order: the last item is this one


def _candidates(
    index: dict[str, list[OrganisationEntry]], tokens: tuple[str, ...]
) -> list[OrganisationEntry]:
    """Registered organisations that could reach ``ORGANISATION_MATCH`` with ``tokens``.

    Inflected forms that ``tokens_match`` accepts share their first four letters, so a
    stem index finds every candidate. Not every stem need be looked up (prefix filtering,
    as in set-similarity joins), nor every entry of a stem kept (length filtering): a Dice
    score of at least ``t = ORGANISATION_MATCH`` with ``m`` tokens matched, ``m`` at most
    the shorter name's length, needs the candidate's length between ``t la / (2 - t)`` and
    ``la (2 - t) / t`` (``la`` tokens asked), and ``m >= t (la + lb) / 2``, fewest for the
    shortest candidate. Any ``la - needed + 1`` of the asked tokens then include a matched
    one, so only the rarest are looked up. A word most names share ("university",
    "organisation", "comune") costs nothing unless a name has nothing rarer: a three-word
    name is found by its rarest word alone. Before the length bound, the loosest case (a
    one-word candidate) set how many stems were looked up, and names made of two common words
    and a rare one were scored against every organisation (quadratic: benchmarks/README.md,
    issue 26's section).
    """
    if not tokens:
        return []
    asked, t = len(tokens), ORGANISATION_MATCH
    shortest = max(1, math.ceil(t * asked / (2 - t) - 1e-9))
    longest = math.floor(asked * (2 - t) / t + 1e-9)
    needed = max(1, math.ceil(t * (asked + shortest) / 2 - 1e-9))
    rarest = sorted(tokens, key=lambda token: len(index.get(token[:4], ())))
    seen: dict[int, OrganisationEntry] = {}
    for token in rarest[: max(1, asked - needed + 1)]:
        for entry in index.get(token[:4], ()):
            if shortest <= len(entry.tokens) <= longest:
                seen[id(entry)] = entry
    return list(seen.values())
