"""Full-text search over names, acronyms and descriptions: an SQLite FTS5 index.

Built from the default graph at the end of every ingest, into the new snapshot of the store
(``cblod.backends.store``), so a reader's index always matches the data it queries: the previous
snapshot's index updated for the subjects whose published statements changed, or (a first
ingest, a large one) built whole.
The ``unicode61 remove_diacritics 2`` tokenizer makes "vasteras" find "Västerås".
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from ..backends.published import Dataset
from ..core.vocab import sparql_prefixes

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


#: one index built at a time in this process (requests in threads ask for it together)
_BUILDING = threading.Lock()


def ensure_index(store: Dataset) -> Path:
    """The index of ``store``'s version, built first if it is missing. A release's is built
    before it is published; a SPARQL server's versions keep theirs in a local cache, made
    when first needed (by ``cblod.web.prepare`` as soon as a version appears, else by the
    first search)."""
    path = index_path(store)
    if not path.exists() and store.data_dir is not None:
        with _BUILDING:
            if not path.exists():
                build_index(store)
    return path


#: above this many changed subjects, the index is built anew rather than updated
UPDATE_LIMIT = 5000
#: subjects updated by one query
BATCH = 500


def build_index(
    store: Dataset, *, since: Path | None = None, changed: set[str] | None = None
) -> int:
    """(Re)build the index for ``store``; returns the number of entries written.

    With ``since`` (the folder of the snapshot ``store`` started from) and ``changed`` (the
    subjects whose published statements changed since), the index is that snapshot's,
    updated for those subjects only: re-ingesting one page must not cost an index of the
    whole dataset.
    """
    target = index_path(store)
    partial = target.with_suffix(".building")
    partial.unlink(missing_ok=True)
    previous = since / INDEX_FILE if since is not None else None
    update = (
        previous is not None
        and previous.exists()
        and changed is not None
        and len(changed) <= UPDATE_LIMIT
    )
    if update:
        assert previous is not None and changed is not None
        shutil.copyfile(previous, partial)
    with sqlite3.connect(partial) as db:
        if not update:
            db.execute(
                "CREATE VIRTUAL TABLE entries USING fts5(iri UNINDEXED, kind UNINDEXED, title, "
                "names, description, tokenize = 'unicode61 remove_diacritics 2')"
            )
            rows = _entries(store, "")
        else:
            assert changed is not None
            rows = []
            items = sorted(changed)
            for start in range(0, len(items), BATCH):
                batch = items[start : start + BATCH]
                db.execute(
                    f"DELETE FROM entries WHERE iri IN ({', '.join('?' * len(batch))})", batch
                )
                rows += _entries(store, " ".join(f"<{iri}>" for iri in batch))
        db.executemany("INSERT INTO entries VALUES (?, ?, ?, ?, ?)", rows)
    db.close()
    os.replace(partial, target)
    return len(rows)


def _entries(store: Dataset, items: str) -> list[tuple[str, str, str, str, str]]:
    """Index rows for every indexed item, or for ``items`` only (IRIs in SPARQL syntax)."""
    classes = " ".join(f"cbo:{c}" for c in INDEXED_CLASSES)
    if items:
        # the items first, then their classes: one VALUES block, never two (Oxigraph joins
        # two by scanning every statement)
        where = f"VALUES ?item {{ {items} }} ?item a ?class FILTER(?class IN ({', '.join(classes.split())}))"
    else:
        where = f"VALUES ?class {{ {classes} }} ?item a ?class"
    query = (
        sparql_prefixes()
        + f"""
        SELECT ?item ?class (SAMPLE(?pref) AS ?title)
               (GROUP_CONCAT(DISTINCT ?name; separator=" | ") AS ?names)
               (GROUP_CONCAT(DISTINCT ?text; separator=" ") AS ?description) WHERE {{
          {where} . ?item rdfs:label ?pref .
          OPTIONAL {{ ?item skos:prefLabel|skos:altLabel|cbo:acronym|cbo:formerName|skos:notation
                          |cbo:identifier/skos:notation ?name }}
          OPTIONAL {{ ?item dcterms:description ?text }}
        }} GROUP BY ?item ?class"""
    )
    return [
        (
            r["item"].value,
            r["class"].value.rsplit("#", 1)[-1],
            r["title"].value,
            _with_compact_codes(r["names"].value) if r["names"] else "",
            r["description"].value if r["description"] else "",
        )
        for r in store.select(query)
    ]


#: a registry number as people write it: letters and digits, with spaces, dots, dashes or
#: slashes between groups ("2876543-5", "SE 7696 4123 8101", "FI28765435")
_CODE = re.compile(r"[A-Za-z]{0,3} ?[0-9][0-9 .\-/]{3,}[0-9A-Za-z]")
_SEPARATORS = re.compile(r"[\s.\-/]")


def _compact(code: str) -> str:
    return _SEPARATORS.sub("", code)


def _with_compact_codes(names: str) -> str:
    """Names, then each code among them written without separators and without its country
    prefix, so "2876543-5", "28765435" and "FI28765435" all find the same organisation."""
    extra = []
    for code in _CODE.findall(names):
        compact = _compact(code)
        extra += [compact, compact.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")]
    return " | ".join([names, *dict.fromkeys(extra)]) if extra else names


def _match_expression(text: str) -> str | None:
    """Every word of the user's text, as a prefix, all required: "vaster sci" -> "vaster"* AND …"""
    words = re.findall(r"\w+", text)
    every = " AND ".join(f'"{w}"*' for w in words[:12])
    if not every:
        return None
    # a registry number however it is written: also as one code without separators
    compact = _compact(text.strip())
    if len(words) > 1 and _CODE.fullmatch(text.strip()) and compact.isalnum():
        return f'({every}) OR "{compact}"*'
    return every


def search(store: Dataset, text: str, *, limit: int = 50) -> list[Hit]:
    """Best matches first (titles weigh most, then other names, then descriptions)."""
    expression = _match_expression(text)
    path = ensure_index(store)
    if expression is None or not path.exists():
        return []
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        found = db.execute(
            "SELECT iri, kind, title, snippet(entries, 4, '', '', ' … ', 12) FROM entries "
            "WHERE entries MATCH ? ORDER BY bm25(entries, 0, 0, 10.0, 5.0, 1.0) LIMIT ?",
            (expression, limit),
        ).fetchall()
    return [Hit(*row) for row in found]


def matching(store: Dataset, word: str) -> set[str]:
    """Every indexed resource with a word starting with ``word`` (a faceted list's free text:
    each word of the reader's text is matched on its own, so a participation matches when its
    project has one word and its partner another, as in the query the list shows)."""
    expression = _match_expression(word)
    path = ensure_index(store)
    if expression is None or not path.exists():
        return set()
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        return {
            iri
            for (iri,) in db.execute("SELECT iri FROM entries WHERE entries MATCH ?", (expression,))
        }
