"""What the reconciliation service matches against: one index per snapshot, built at publish.

Every organisation, project and programme with what a query may name it by: its names in
every language (as ``cblod.names`` compares them: legal forms off, glossary applied,
inflections matched), registry identifiers by scheme, country, town, NUTS region and
homepage; and what data extension returns. Built right after a snapshot's publish with the
other kept answers (``cblod.kept``), from the published graph, by following properties the
way the facet index does (``cblod.facets.index``: one query per property); kept as
``reconcile.json`` in the snapshot, loaded once per snapshot by the web tier, which derives its
lookups (name words, identifiers, name prefixes) on load.
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np

from ..building import building
from ..names import fold, name_tokens
from ..paths import PathReader, english_and_others, select_csv
from ..places import country_code
from ..published import Dataset

FILE = "reconcile.json"
FORMAT = 1
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


def build(store: Dataset, steps: PathReader | None = None) -> list[Entity]:
    steps = steps or PathReader(store)
    entities: list[Entity] = []
    for kind, (cls, _) in TYPES.items():
        iris = sorted(r[0] for r in select_csv(store, f"SELECT ?item WHERE {{ ?item a {cls} }}"))
        start = (np.arange(len(iris), dtype=np.int64), steps.ids(iris))

        def gather(path: tuple[str, ...], mode: str = "literal") -> list[list[str]]:
            return steps.gather(start, path, mode, len(iris))  # type: ignore[arg-type]  # noqa: B023

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
        entities += batch
    return entities


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
        "entities": [[e.iri, e.type, e.names, e.facts] for e in entities],
    }
    partial.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    os.replace(partial, folder / FILE)


def load(folder: Path) -> list[Entity] | None:
    try:
        body = json.loads((folder / FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if body.get("format") != FORMAT:
        return None
    return [
        Entity(iri, kind, [(t, lang) for t, lang in names], facts)
        for iri, kind, names, facts in body["entities"]
    ]


def keep(store: Dataset, steps: PathReader | None = None) -> int:
    """Build and save the index of the snapshot ``store`` reads (at publish)."""
    if store.data_dir is None:
        return 0
    with building(store.data_dir, "reconcile"):
        save(build(store, steps), store.data_dir)
    return 1


def tokens_of(entity: Entity) -> list[tuple[str, ...]]:
    """The comparable words of each of an entity's names."""
    return [t for t in {name_tokens(text) for text, _ in entity.names} if t]
