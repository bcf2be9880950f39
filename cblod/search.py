"""Full-text search over names, acronyms and descriptions: an SQLite FTS5 index.

Built from the default graph at the end of every ingest, into the new snapshot of the store
(``cblod.store``), so a reader's index always matches the data it queries.
The ``unicode61 remove_diacritics 2`` tokenizer makes "vasteras" find "Västerås".
"""

from __future__ import annotations

import os
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from .published import Dataset
from .vocab import sparql_prefixes

INDEX_FILE = "search.sqlite3"
INDEXED_CLASSES = (
    "Project", "Organisation", "Programme", "Priority", "SpecificObjective",
    "ThematicObjective", "InvestmentPriority", "Indicator",
)  # fmt: skip


@dataclass(frozen=True)
class Hit:
    iri: str
    kind: str
    title: str
    snippet: str


def index_path(store: Dataset) -> Path:
    """The index of the snapshot ``store`` reads (built into a snapshot before it is published)."""
    folder = store.data_dir
    return (folder if folder is not None else store.path) / INDEX_FILE


def build_index(store: Dataset) -> int:
    """(Re)build the index for ``store``; returns the number of entries."""
    classes = " ".join(f"cbo:{c}" for c in INDEXED_CLASSES)
    query = (
        sparql_prefixes()
        + f"""
        SELECT ?item ?class (SAMPLE(?pref) AS ?title)
               (GROUP_CONCAT(DISTINCT ?name; separator=" | ") AS ?names)
               (GROUP_CONCAT(DISTINCT ?text; separator=" ") AS ?description) WHERE {{
          VALUES ?class {{ {classes} }}
          ?item a ?class ; rdfs:label ?pref .
          OPTIONAL {{ ?item skos:prefLabel|skos:altLabel|cbo:acronym|cbo:formerName|skos:notation ?name }}
          OPTIONAL {{ ?item dcterms:description ?text }}
        }} GROUP BY ?item ?class"""
    )
    target = index_path(store)
    partial = target.with_suffix(".building")
    partial.unlink(missing_ok=True)
    with sqlite3.connect(partial) as db:
        db.execute(
            "CREATE VIRTUAL TABLE entries USING fts5(iri UNINDEXED, kind UNINDEXED, title, names, "
            "description, tokenize = 'unicode61 remove_diacritics 2')"
        )
        rows = [
            (
                r["item"].value,
                r["class"].value.rsplit("#", 1)[-1],
                r["title"].value,
                r["names"].value if r["names"] else "",
                r["description"].value if r["description"] else "",
            )
            for r in store.select(query)
        ]
        db.executemany("INSERT INTO entries VALUES (?, ?, ?, ?, ?)", rows)
    db.close()
    os.replace(partial, target)
    return len(rows)


def _match_expression(text: str) -> str | None:
    """Every word of the user's text, as a prefix, all required: "vaster sci" -> "vaster"* AND …"""
    words = re.findall(r"\w+", text)
    return " AND ".join(f'"{w}"*' for w in words[:12]) or None


def search(store: Dataset, text: str, *, limit: int = 50) -> list[Hit]:
    """Best matches first (titles weigh most, then other names, then descriptions)."""
    expression = _match_expression(text)
    path = index_path(store)
    if expression is None or not path.exists():
        return []
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        found = db.execute(
            "SELECT iri, kind, title, snippet(entries, 4, '', '', ' … ', 12) FROM entries "
            "WHERE entries MATCH ? ORDER BY bm25(entries, 0, 0, 10.0, 5.0, 1.0) LIMIT ?",
            (expression, limit),
        ).fetchall()
    return [Hit(*row) for row in found]
