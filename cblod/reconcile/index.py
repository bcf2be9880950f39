"""What the reconciliation service matches against: one index per snapshot, built at publish.

Every organisation, project and programme with what a query may name it by: its names in
every language (as ``cblod.names`` compares them: legal forms off, glossary applied,
inflections matched), registry identifiers by scheme, country, town, NUTS region and
homepage; and what data extension returns. Built right after a snapshot's publish with the
other kept answers (``cblod.kept``), from the published graph, by following properties the
way the facet index does (``cblod.facets.index``: one query per property); kept as
``reconcile.json`` in the snapshot, loaded once per snapshot by the web tier.

What comparing names needs (each name's words, ``cblod.names.name_tokens``, and its folded
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
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np

from .. import names as naming
from ..building import building
from ..derived.reach import Reach, reached, too_many
from ..names import fold, name_tokens
from ..paths import PathReader, english_and_others, select_csv
from ..places import country_code
from ..published import Dataset

FILE = "reconcile.json"
FORMAT = 2
#: the kinds of entity the service reconciles, with their classes and name properties
TYPES = {
    "Organisation": ("cbo:Organisation", "Organisation (a project partner)"),
    "Project": ("cbo:Project", "Project"),
    "Programme": ("cbo:Programme", "Programme"),
}
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


def patch(store: Dataset, previous: list[Entity], reach: Reach) -> list[Entity] | None:
    """The entities of ``store`` from ``previous`` (the release before's), made again only
    for those the release reaches (``cblod.derived.reach``: along ``READS`` and names) or
    that joined; None when so many are reached that a whole build costs less."""
    before = {kind: [e for e in previous if e.type == kind] for kind in TYPES}
    made: dict[str, list[str]] = {}
    present: dict[str, list[str]] = {}
    for kind, (cls, _) in TYPES.items():
        had = {e.iri for e in before[kind]}
        candidates = sorted(reach.reads.subjects)
        members: set[str] = set()
        for start in range(0, len(candidates), 500):
            batch = " ".join(f"<{iri}>" for iri in candidates[start : start + 500])
            query = f"SELECT ?item WHERE {{ VALUES ?item {{ {batch} }} ?item a {cls} }}"
            members.update(r[0] for r in select_csv(store, query))
        now = (had - (reach.reads.subjects - members)) | members
        paths = [("rdf:type",), *((step,) for step in NAME_STEPS), *READS[kind]]
        touched = reached(paths, reach.reads, (reach.before, store))
        made[kind] = sorted((touched & now) | (members - had))
        present[kind] = sorted(now)
        if too_many(len(made[kind]), len(now)):
            return None
    fresh = {e.iri: e for e in build(store, reach.near, known_words(previous), made)}
    kept = {e.iri: e for e in previous}
    return [fresh.get(iri) or kept[iri] for kind in TYPES for iri in present[kind]]


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


def save(entities: list[Entity], folder: Path) -> None:
    partial = folder / f"{FILE}.{uuid.uuid4().hex}.partial"
    body = {
        "format": FORMAT,
        "rules": naming_rules(),
        "entities": [[e.iri, e.type, e.names, e.facts, e.words, e.folded] for e in entities],
    }
    partial.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    os.replace(partial, folder / FILE)


def load(folder: Path) -> list[Entity] | None:
    body = _read(folder)
    if body is None or body.get("rules") != naming_rules():
        return None  # another cblod's index: the caller builds this one's
    return [
        Entity(iri, kind, [(t, lang) for t, lang in names], facts, [tuple(w) for w in words],
               folded)
        for iri, kind, names, facts, words, folded in body["entities"]
    ]  # fmt: skip


def _read(folder: Path) -> dict[str, Any] | None:
    try:
        body = json.loads((folder / FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return body if isinstance(body, dict) and body.get("format") == FORMAT else None


def known_words(entities: Iterable[Entity]) -> dict[str, tuple[str, ...]]:
    """Each name's words, by name, as ``entities`` hold them (one word list per name)."""
    return {
        text: words
        for entity in entities
        for (text, _), words in zip(entity.names, entity.words, strict=True)
    }


@cache
def naming_rules() -> str:
    """A fingerprint of the naming rules (``cblod.names``, its legal-form and glossary tables):
    words computed under other rules are not reused."""
    digest = hashlib.sha256(Path(naming.__file__).read_bytes())
    for table in ("legal_forms.csv", "glossary.csv"):
        digest.update(Path(naming.__file__).with_name("data").joinpath(table).read_bytes())
    return digest.hexdigest()[:16]


def keep(store: Dataset, steps: PathReader | None = None, reach: Reach | None = None) -> int:
    """Build and save the index of the snapshot ``store`` reads (at publish): patched from
    the release before's where ``reach`` says what changed, else built with the words of the
    names the release before already had."""
    if store.data_dir is None:
        return 0
    before = _previous_index(store)
    with building(store.data_dir, "reconcile"):
        entities = patch(store, before, reach) if before is not None and reach else None
        if entities is None:
            entities = build(store, steps, known_words(before or []))
        save(entities, store.data_dir)
    return 1


def _previous_index(store: Dataset) -> list[Entity] | None:
    from ..derived import change_of

    change = change_of(store.snapshot) if store.snapshot is not None else None
    return load(change.previous) if change is not None else None
