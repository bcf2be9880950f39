"""What the reconciliation service matches against: one index per snapshot, built at publish.

Every organisation, project and programme with what a query may name it by: its names in
every language (as ``cblod.records.names`` compares them: legal forms off, glossary applied,
inflections matched), registry identifiers by scheme, country, town, NUTS region and
homepage; and what data extension returns. Built right after a snapshot's publish with the
other kept answers (``cblod.derived.kept``), from the published graph, by following properties the
way the facet index does (``cblod.derived.facets.index``: one query per property); kept as
``reconcile.json`` in the snapshot, loaded once per snapshot by the web tier.

What comparing names needs (each name's words, ``cblod.records.names.name_tokens``, and its folded
form for prefix search) is computed here, at publish, not by the first query after it: at
3 000 projects that was 0.5 s of the first request's wait (issue #24). An update takes the
words of the names it had before from the previous release's index, as long as that index was
made by the same naming rules (``naming_rules``: the rules' code and tables, fingerprinted).
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np

from ...backends.published import Dataset, current_release
from ...backends.releases import link_or_copy
from ...records import names as naming
from ...records.names import fold, name_tokens
from ...records.places import country_code
from ..building import building
from ..paths import PathReader, english_and_others, select_csv
from ..reach import Reach, reached, too_many

FILE = "reconcile.json"  # the list of chunks, written last
FOLDER = "reconcile"  # the chunks
FORMAT = 3
#: files the entities are kept in, by a hash of their IRI (``chunk_of``)
CHUNKS = 256
#: the kinds of entity the service reconciles, with their classes and name properties
TYPES = {
    "Organisation": ("cbo:Organisation", "Organisation (a project partner)"),
    "Project": ("cbo:Project", "Project"),
    "Programme": ("cbo:Programme", "Programme"),
}
KINDS = list(TYPES)
NAME_STEPS = ("skos:prefLabel", "skos:altLabel", "rdfs:label", "cbo:formerName", "cbo:acronym")


@dataclass
class Entity:
    """One thing a query may find, with what matching and data extension read."""

    iri: str
    type: str
    names: list[tuple[str, str]]  # (text, language or "")
    facts: dict[str, Any] = field(default_factory=dict)
    #: each name's comparable words and the name folded, in ``names`` order
    words: list[tuple[str, ...]] = field(default_factory=list)
    folded: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The name shown: the preferred name in English, else untagged, else any; without a
        preferred name, any name by the same rule."""
        if self.facts.get("name"):
            return str(self.facts["name"])
        for wanted in ("en", ""):
            found = sorted(t for t, lang in self.names if lang.split("-")[0] == wanted)
            if found:
                return found[0]
        return min((t for t, _ in self.names), default=self.iri.rsplit("/", 1)[-1])


def _local(iri: str) -> str:
    return iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def _host(url: str) -> str:
    """A homepage as compared: host without "www.", lower case."""
    host = urlsplit(url if "//" in url else "//" + url).netloc.lower()
    return host.removeprefix("www.")


#: what an entity's entry reads, per kind, as paths from it (``cblod.derived.reach``): its
#: names and facts (``_organisation_facts``, ``_project_facts``), the lookups included
READS: dict[str, tuple[tuple[str, ...], ...]] = {
    "Organisation": (
        ("cbo:country", "skos:prefLabel"),
        ("cbo:region", "skos:prefLabel"),
        ("schema:address", "schema:addressLocality"),
        ("cbo:identifier", "cbo:scheme"),
        ("cbo:identifier", "skos:notation"),
        ("foaf:homepage",),
        ("^cbo:partner", "cbo:project"),
        ("^cbo:partner", "cbo:euContribution"),
    ),
    "Project": (
        ("cbo:programme", "skos:prefLabel"),
        ("dcterms:identifier",),
        ("cbo:acronym",),
        ("cbo:startDate",),
        ("cbo:endDate",),
        ("cbo:totalBudget",),
        ("cbo:euContribution",),
        ("^cbo:project", "cbo:role"),
        ("^cbo:project", "cbo:partner", "skos:prefLabel"),
    ),
    "Programme": (),
}


def build(
    store: Dataset,
    steps: PathReader | None = None,
    words: dict[str, tuple[str, ...]] | None = None,
    only: dict[str, list[str]] | None = None,
) -> list[Entity]:
    """Every entity of the snapshot ``store`` reads, with the words of its names (``words``:
    those already known, by name, from the release before); with ``only``, the entities of
    those IRIs (sorted, per kind) alone."""
    steps = steps or PathReader(store)
    known = dict(words or {})
    entities: list[Entity] = []
    for kind, (cls, _) in TYPES.items():
        if only is not None:
            iris = only.get(kind, [])
        else:
            query = f"SELECT ?item WHERE {{ ?item a {cls} }}"
            iris = sorted(r[0] for r in select_csv(store, query))
        entities += _entities(kind, iris, steps, known)
    return entities


def _entities(
    kind: str, iris: list[str], steps: PathReader, known: dict[str, tuple[str, ...]]
) -> list[Entity]:
    start = (np.arange(len(iris), dtype=np.int64), steps.ids(iris))

    def gather(path: tuple[str, ...], mode: str = "literal") -> list[list[str]]:
        return steps.gather(start, path, mode, len(iris))  # type: ignore[arg-type]

    def lookup(step: str, mode: str = "literal") -> dict[str, list[str]]:
        return steps.lookup(step, mode)  # type: ignore[arg-type]

    names = [[] for _ in iris]  # type: list[list[tuple[str, str]]]
    for step in NAME_STEPS:
        for i, values in enumerate(gather((step,), "tagged")):
            for tagged in values:
                language, _, text = tagged.partition("\t")
                names[i].append((text, language))
    batch = [Entity(iri, kind, sorted(set(n))) for iri, n in zip(iris, names, strict=True)]
    if kind == "Organisation":
        _organisation_facts(batch, gather, lookup)
    elif kind == "Project":
        _project_facts(batch, gather, lookup)
    for entity, preferred in zip(batch, gather(("skos:prefLabel",), "tagged"), strict=True):
        entity.facts["name"] = _english(preferred)
        _compare_by(entity, known)
    return batch


def patch(store: Dataset, before: Kept, reach: Reach, folder: Path) -> bool:
    """Save into ``folder`` the index of ``store`` from the release before's (``before``),
    making again only the entities the release reaches (``cblod.derived.reach``: along
    ``READS`` and names) or that joined, and writing only their chunks; the others are linked.
    False (nothing written) when so many are reached that a whole build costs less."""
    made: dict[str, list[str]] = {}
    changed: set[str] = set()  # IRIs whose entity is made again, joined or left
    for kind, (cls, _) in TYPES.items():
        candidates = sorted(reach.reads.subjects)
        members: set[str] = set()
        for start in range(0, len(candidates), 500):
            batch = " ".join(f"<{iri}>" for iri in candidates[start : start + 500])
            query = f"SELECT ?item WHERE {{ VALUES ?item {{ {batch} }} ?item a {cls} }}"
            members.update(r[0] for r in select_csv(store, query))
        paths = [("rdf:type",), *((step,) for step in NAME_STEPS), *READS[kind]]
        touched = reached(paths, reach.reads, (reach.before, store))
        had = {iri for iri in touched | reach.reads.subjects if before.has(kind, iri)}
        left = (reach.reads.subjects - members) & had
        made[kind] = sorted(((touched & had) - left) | members)
        changed |= set(made[kind]) | left
        if too_many(len(made[kind]), before.count(kind)):
            return False
    olds = [e for c in sorted({chunk_of(iri) for iri in changed}) for e in before.chunk(c)]
    fresh = build(store, reach.near, known_words(olds), made)
    save(_patched(before, changed, fresh), folder, before, {chunk_of(iri) for iri in changed})
    return True


def _patched(before: Kept, changed: set[str], fresh: list[Entity]) -> dict[int, list[Entity]]:
    """The chunks ``changed`` falls in: the release before's entities of them less the changed
    ones, and the fresh ones."""
    chunks: dict[int, list[Entity]] = {chunk_of(iri): [] for iri in changed}
    for number, entities in chunks.items():
        entities += [e for e in before.chunk(number) if e.iri not in changed]
    for entity in fresh:
        chunks[chunk_of(entity.iri)].append(entity)
    return chunks


def tokens_of(entity: Entity) -> list[tuple[str, ...]]:
    """The distinct comparable words of an entity's names."""
    return [t for t in dict.fromkeys(entity.words) if t]


def _compare_by(entity: Entity, known: dict[str, tuple[str, ...]]) -> None:
    """Fill in what comparing ``entity``'s names needs, reusing the words of names seen."""
    for text, _ in entity.names:
        if text not in known:
            known[text] = name_tokens(text)
    entity.words = [known[text] for text, _ in entity.names]
    entity.folded = [fold(text) for text, _ in entity.names]


def _organisation_facts(batch: list[Entity], gather: Any, lookup: Any) -> None:
    countries, regions = gather(("cbo:country",), "node"), gather(("cbo:region",), "node")
    towns = gather(("schema:address", "schema:addressLocality"))
    identifiers = gather(("cbo:identifier",), "node")
    homepages = gather(("foaf:homepage",), "node")
    projects = gather(("^cbo:partner", "cbo:project"), "node")
    contributions = gather(("^cbo:partner", "cbo:euContribution"))
    schemes, notations = lookup("cbo:scheme"), lookup("skos:notation")
    names = lookup("skos:prefLabel", "tagged")
    for n, entity in enumerate(batch):
        ids: dict[str, list[str]] = {}
        for iri in identifiers[n]:
            for scheme in schemes.get(iri, []):
                ids.setdefault(scheme, []).extend(notations.get(iri, []))
        country = min(countries[n], default=None)
        entity.facts = {
            "country": country,
            "country_code": country_code(country),
            "country_name": _english(names.get(country, [])) if country else None,
            "region": _local(min(regions[n])) if regions[n] else None,
            "region_name": _english(names.get(min(regions[n]), [])) if regions[n] else None,
            "towns": sorted({fold(t) for t in towns[n]}),
            "town": min(towns[n], default=None),
            "identifiers": {k: sorted(set(v)) for k, v in ids.items()},
            "homepages": sorted(homepages[n]),
            "projects": len(set(projects[n])),
            "eu": round(sum(float(v) for v in contributions[n]), 2) if contributions[n] else None,
        }


def _project_facts(batch: list[Entity], gather: Any, lookup: Any) -> None:
    programmes = gather(("cbo:programme",), "node")
    codes, acronyms = gather(("dcterms:identifier",)), gather(("cbo:acronym",))
    starts, ends = gather(("cbo:startDate",)), gather(("cbo:endDate",))
    budgets, contributions = gather(("cbo:totalBudget",)), gather(("cbo:euContribution",))
    participations = gather(("^cbo:project",), "node")
    roles, partners = lookup("cbo:role", "node"), lookup("cbo:partner", "node")
    names = lookup("skos:prefLabel", "tagged")
    for n, entity in enumerate(batch):
        programme = min(programmes[n], default=None)
        leads = [
            partner
            for p in participations[n]
            if any(r.endswith("LeadPartner") for r in roles.get(p, []))
            for partner in partners.get(p, [])
        ]
        lead = min(leads, default=None)
        entity.facts = {
            "programme": programme,
            "programme_name": _english(names.get(programme, [])) if programme else None,
            "codes": sorted(set(codes[n])),
            "acronym": min(acronyms[n], default=None),
            "start": min(starts[n], default=None),
            "end": min(ends[n], default=None),
            "budget": min(budgets[n], default=None),
            "eu": min(contributions[n], default=None),
            "lead_partner": lead,
            "lead_partner_name": _english(names.get(lead, [])) if lead else None,
        }


def _english(tagged: list[str]) -> str | None:
    return english_and_others(tagged)[0]


def chunk_of(iri: str) -> int:
    """The chunk an entity is kept in: a hash of its IRI, so that where it goes depends on it
    alone (an update writes the chunks of what it changed, and a whole build the same)."""
    return int.from_bytes(hashlib.blake2b(iri.encode("utf-8"), digest_size=4).digest()) % CHUNKS


def _order(entity: Entity) -> tuple[int, str]:
    return KINDS.index(entity.type), entity.iri


def save(
    entities: list[Entity] | dict[int, list[Entity]],
    folder: Path,
    before: Kept | None = None,
    changed: set[int] | None = None,
) -> None:
    """Write the index into ``folder`` (the snapshot's): its chunks (``CHUNKS`` files by a hash
    of the IRI), then the list of them (``FILE``: its presence means whole). Given the chunks
    that ``changed`` (by number, with their entities), every other is ``before``'s file,
    linked."""
    chunks: dict[int, list[Entity]] = {}
    if isinstance(entities, dict):
        chunks = entities
    else:
        for entity in entities:
            chunks.setdefault(chunk_of(entity.iri), []).append(entity)
    (folder / FOLDER).mkdir(exist_ok=True)
    listed: dict[str, list[Any]] = {}
    for number, members in sorted(chunks.items()):
        if members:
            name = _chunk_file(number)
            body = [[e.iri, e.type, e.names, e.facts, e.words, e.folded]
                    for e in sorted(members, key=_order)]  # fmt: skip
            (folder / FOLDER / name).write_text(json.dumps(body, ensure_ascii=False), "utf-8")
            listed[name] = [number, len(members), *_counts(members)]
    if before is not None and changed is not None:
        for name, row in before.listed.items():
            if row[0] not in changed:
                link_or_copy(before.folder / FOLDER / name, folder / FOLDER / name)
                listed[name] = row
    partial = folder / f"{FILE}.{uuid.uuid4().hex}.partial"
    index = {"format": FORMAT, "rules": naming_rules(), "chunks": dict(sorted(listed.items()))}
    partial.write_text(json.dumps(index), encoding="utf-8")
    os.replace(partial, folder / FILE)


def _chunk_file(number: int) -> str:
    return f"{number:04d}.json"


def _counts(members: list[Entity]) -> list[int]:
    """Of a chunk's entities, how many of each kind (``KINDS`` order)."""
    return [sum(e.type == kind for e in members) for kind in KINDS]


class Kept:
    """A release's index as kept on disk: the list of its chunks, each read when asked."""

    def __init__(self, folder: Path, listed: dict[str, list[Any]]) -> None:
        self.folder, self.listed = folder, listed
        self._chunks: dict[int, list[Entity]] = {}
        self._iris: dict[int, set[str]] = {}
        self._numbers = {row[0]: name for name, row in listed.items()}

    def chunk(self, number: int) -> list[Entity]:
        if number not in self._chunks:
            name = self._numbers.get(number)
            rows = json.loads((self.folder / FOLDER / name).read_text("utf-8")) if name else []
            self._chunks[number] = [
                Entity(iri, kind, [(t, lang) for t, lang in names], facts,
                       [tuple(w) for w in words], folded)
                for iri, kind, names, facts, words, folded in rows
            ]  # fmt: skip
        return self._chunks[number]

    def has(self, kind: str, iri: str) -> bool:
        number = chunk_of(iri)
        if number not in self._iris:
            self._iris[number] = {f"{e.type} {e.iri}" for e in self.chunk(number)}
        return f"{kind} {iri}" in self._iris[number]

    def count(self, kind: str) -> int:
        return sum(row[2 + KINDS.index(kind)] for row in self.listed.values())

    def entities(self) -> list[Entity]:
        """Every entity, in the order a build gives them (by kind, then IRI)."""
        return sorted((e for row in self.listed.values() for e in self.chunk(row[0])), key=_order)


def kept(folder: Path) -> Kept | None:
    """The index kept in the snapshot folder ``folder``, or None (none, or another cblod's)."""
    try:
        index = json.loads((folder / FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(index, dict) or index.get("format") != FORMAT:
        return None
    if index.get("rules") != naming_rules():
        return None  # words made by other rules: the caller builds this one's
    return Kept(folder, index["chunks"])


def load(folder: Path) -> list[Entity] | None:
    """Every entity of the index kept in ``folder``, or None."""
    found = kept(folder)
    return found.entities() if found is not None else None


def known_words(entities: Iterable[Entity]) -> dict[str, tuple[str, ...]]:
    """Each name's words, by name, as ``entities`` hold them (one word list per name)."""
    return {
        text: words
        for entity in entities
        for (text, _), words in zip(entity.names, entity.words, strict=True)
    }


@cache
def naming_rules() -> str:
    """A fingerprint of the naming rules (``cblod.records.names``, its legal-form and glossary tables):
    words computed under other rules are not reused."""
    digest = hashlib.sha256(Path(naming.__file__).read_bytes())
    for table in ("legal_forms.csv", "glossary.csv"):
        digest.update(files("cblod").joinpath(f"data/{table}").read_bytes())
    return digest.hexdigest()[:16]


def keep(store: Dataset, steps: PathReader | None = None, reach: Reach | None = None) -> int:
    """Build and save the index of the snapshot ``store`` reads (at publish): patched from
    the release before's where ``reach`` says what changed, else built with the words of the
    names the release before already had."""
    if store.data_dir is None:
        return 0
    before = _previous_index(store)
    with building(store.data_dir, "reconcile"):
        if before is None or reach is None or not patch(store, before, reach, store.data_dir):
            words = known_words(before.entities()) if before is not None else {}
            save(build(store, steps, words), store.data_dir)
    return 1


def _previous_index(store: Dataset) -> Kept | None:
    from ...backends.releases import change_of

    release = current_release(store)
    change = change_of(release) if release is not None else None
    return kept(change.previous) if change is not None else None
