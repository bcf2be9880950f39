"""A client of the Reconciliation Service API (W3C Entity Reconciliation Community Group, 0.2).

The protocol OpenRefine and the Wikidata reconciliation service speak: ``GET endpoint`` gives
the service manifest (its ``identifierSpace`` turns a candidate id into an IRI), and ``POST
endpoint`` with a form field ``queries`` (a JSON object of keyed queries: name, type, limit,
property conditions) answers, for each key, ``{"result": [{"id", "name", "score", "match",
"type"}]}`` (https://reconciliation-api.github.io/specs/0.2/).

``propose`` asks about every organisation in a store that has no external link yet and writes
the candidates as rows of a curation table with the relation ``proposed-exact-match``: a person
reviews them and accepts one by changing the relation to ``exact-match``. A proposal never
reaches the data by itself (the curation mapping refuses the ``proposed`` relation).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from ..backends.published import Dataset
from ..core.errors import CblodError
from ..core.vocab import sparql_prefixes

PROPOSED = "proposed-exact-match"


class ReconciliationError(CblodError):
    """The service could not be reached, or answered outside the protocol."""


@dataclass(frozen=True)
class Query:
    text: str
    type: str | None = None
    limit: int = 3
    #: property conditions, e.g. [("P17", "Q34")] for "country: Sweden" on Wikidata
    properties: tuple[tuple[str, str], ...] = ()

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {"query": self.text, "limit": self.limit}
        if self.type:
            body["type"] = self.type
        if self.properties:
            body["properties"] = [{"pid": p, "v": v} for p, v in self.properties]
        return body


@dataclass(frozen=True)
class Candidate:
    id: str
    name: str
    score: float
    match: bool
    iri: str
    types: tuple[str, ...] = ()


@dataclass
class ReconciliationClient:
    endpoint: str
    timeout: float = 30.0
    batch: int = 10
    session: requests.Session = field(default_factory=requests.Session)
    _manifest: dict[str, Any] | None = None

    def manifest(self) -> dict[str, Any]:
        if self._manifest is None:
            manifest = self._call("get")
            if not isinstance(manifest, dict) or not isinstance(manifest.get("name"), str):
                raise ReconciliationError(f"{self.endpoint} sent no service manifest")
            if not isinstance(manifest.get("identifierSpace"), str):
                raise ReconciliationError(f"{self.endpoint}: the manifest has no identifierSpace")
            self._manifest = manifest
        return self._manifest

    def _call(self, method: str, **form: str) -> Any:
        try:
            if method == "get":
                response = self.session.get(self.endpoint, timeout=self.timeout)
            else:
                response = self.session.post(self.endpoint, data=form, timeout=self.timeout)
        except requests.RequestException as exc:
            raise ReconciliationError(f"cannot reach {self.endpoint}: {exc}") from exc
        if response.status_code != 200:
            raise ReconciliationError(f"{self.endpoint} answered {response.status_code}")
        try:
            return response.json()
        except ValueError:
            raise ReconciliationError(f"{self.endpoint} did not answer JSON") from None

    def reconcile(self, queries: list[Query]) -> list[list[Candidate]]:
        """Candidates for each query, best first, in the order of ``queries``."""
        space = self.manifest()["identifierSpace"]
        found: list[list[Candidate]] = []
        for start in range(0, len(queries), self.batch):
            chunk = queries[start : start + self.batch]
            keyed = {f"q{n}": q.payload() for n, q in enumerate(chunk)}
            answer = self._call("post", queries=json.dumps(keyed))
            if not isinstance(answer, dict):
                raise ReconciliationError(f"{self.endpoint}: the answer is not a result batch")
            for key in keyed:
                found.append(self._candidates(answer.get(key), key, space))
        return found

    def _candidates(self, entry: object, key: str, space: str) -> list[Candidate]:
        if not isinstance(entry, dict) or not isinstance(entry.get("result"), list):
            raise ReconciliationError(f"{self.endpoint}: no result list for query {key}")
        candidates = []
        for item in entry["result"]:
            try:
                identifier, name, score = str(item["id"]), str(item["name"]), float(item["score"])
            except (KeyError, TypeError, ValueError):
                raise ReconciliationError(
                    f"{self.endpoint}: a candidate for {key} lacks id, name or score: {item!r:.120}"
                ) from None
            types = tuple(
                t["id"] if isinstance(t, dict) else str(t) for t in item.get("type") or []
            )
            candidates.append(
                Candidate(
                    identifier, name, score, bool(item.get("match")), space + identifier, types
                )
            )
        return sorted(candidates, key=lambda c: (-c.score, c.id))


@dataclass(frozen=True)
class Proposal:
    subject: str
    label: str
    candidate: Candidate


def unlinked_organisations(store: Dataset) -> list[tuple[str, str, str | None]]:
    """(IRI, name, country's Wikidata IRI or None) of organisations with no external link."""
    query = (
        sparql_prefixes()
        + """
        SELECT ?o (SAMPLE(?name) AS ?label) (SAMPLE(?item) AS ?country) WHERE {
          ?o a cbo:Organisation ; skos:prefLabel ?name .
          OPTIONAL { ?o cbo:country/owl:sameAs ?item
                     FILTER(STRSTARTS(STR(?item), "http://www.wikidata.org/entity/")) }
          FILTER NOT EXISTS { ?o owl:sameAs ?external
                              FILTER(!STRSTARTS(STR(?external), STR(?o))) }
        } GROUP BY ?o ORDER BY ?o"""
    )
    return [
        (row["o"].value, row["label"].value, row["country"].value if row["country"] else None)
        for row in store.select(query)
    ]


def propose(
    store: Dataset,
    client: ReconciliationClient,
    *,
    type_id: str | None = None,
    country_property: str | None = None,
    minimum_score: float = 0.0,
) -> Iterator[Proposal]:
    """Candidates for every unlinked organisation (the country as a condition when known)."""
    organisations = unlinked_organisations(store)
    queries = [
        Query(
            label,
            type_id,
            properties=((country_property, country.rsplit("/", 1)[-1]),)
            if country_property and country
            else (),
        )
        for _, label, country in organisations
    ]
    for (iri, label, _), candidates in zip(organisations, client.reconcile(queries), strict=True):
        for candidate in candidates:
            if candidate.score >= minimum_score:
                yield Proposal(iri, label, candidate)


def write_proposals(proposals: Iterable[Proposal], path: Path, endpoint: str) -> int:
    """Proposals as curation-table rows, for a person to accept (or delete)."""
    count = 0
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(
            ["subject", "relation", "object", "source", "name", "candidate", "score", "match"]
        )
        for p in proposals:
            writer.writerow(
                [p.subject, PROPOSED, p.candidate.iri,
                 f"reconciliation service {endpoint}, candidate {p.candidate.id}",
                 p.label, p.candidate.name, f"{p.candidate.score:g}",
                 "yes" if p.candidate.match else "no"]
            )  # fmt: skip
            count += 1
    return count
