"""A curation table: decisions a person made, which win over every heuristic.

A CSV file with the columns ``subject, relation, object, source`` (and an optional ``note``),
ingested like any source (``cblod ingest curation.csv``), so its decisions live in the store
and apply to every later ingest:

* ``same-as``: the object is the same organisation as the subject. The subject's IRI survives;
  the object's keeps resolving (``owl:sameAs`` and a redirect to the survivor).
* ``not-same-as``: never merge these two, whatever names or identifiers say.
* ``exact-match``: the subject (one of our IRIs) is the external resource in the object
  (a Wikidata item, a registry page): published as ``owl:sameAs``.

A subject or object is one of our IRIs or ``CC:name`` (ISO country code, a name as a source
writes it: ``SE:Västerås Science Park AB``). Every row cites its ``source`` (a registry page,
"checked by A. Person 2026-11-20"): a decision nobody can trace is refused.
"""

from __future__ import annotations

import re

from cblod.core.errors import InputError
from cblod.records.model import CurationRule, SourceDocument
from cblod.records.sourcefile import SourceFile
from cblod.records.tables import csv_rows, normalise

NAME = "cblod-curation"
TITLE = "cblod curation table (CSV: subject, relation, object, source)"
#: a person's decision outranks every source
RANK = 100
RELATIONS = ("same-as", "not-same-as", "exact-match")
_COLUMNS = {"subject", "relation", "object", "source"}
_REFERENCE = re.compile(r"https?://\S+|[A-Za-z]{2}:\S.*")


def detect(source: SourceFile) -> bool:
    text = source.text
    if not text:
        return False
    header = text.lstrip("\ufeff").split("\n", 1)[0]
    return {normalise(h) for h in re.split(r"[,;]", header)} >= _COLUMNS


def read(source: SourceFile, *, strict: bool = False) -> SourceDocument:
    doc = SourceDocument(path=source.name, format=NAME, title="Curation table", language=None)
    for row in csv_rows(source.require_text(), source.name, sheet="curation"):
        values = {}
        for column in ("subject", "relation", "object", "source"):
            value = row.text(column)
            if not value:
                raise row.error(column, "field is missing")
            values[column] = value
        relation = values["relation"].casefold()
        if relation.startswith("proposed"):
            raise row.error(
                "relation", f"{relation!r} is a proposal: change it to exact-match to accept it"
            )
        if relation not in RELATIONS:
            raise row.error("relation", f"unknown relation {relation!r} ({', '.join(RELATIONS)})")
        for column in ("subject", "object"):
            if not _REFERENCE.fullmatch(values[column]):
                raise row.error(
                    column, f"{values[column]!r} is neither an IRI nor 'CC:organisation name'"
                )
        if relation == "exact-match" and not values["object"].startswith(("http://", "https://")):
            raise row.error("object", "an exact match is an external IRI")
        doc.curation.append(
            CurationRule(
                values["subject"], relation, values["object"], values["source"], row.number
            )
        )
    if not doc.curation:
        raise InputError("the curation table has no rows", file=source.name)
    return doc
