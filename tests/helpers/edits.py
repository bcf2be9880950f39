"""Edits a user makes to a source between two ingests (a fix, a new status, a project gone)."""

from __future__ import annotations

import csv
import random
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from benchmarks.generate import keep_eu_export
from cblod.backends.draft import now
from cblod.backends.store import CblodStore
from cblod.publish import ingest
from tests.helpers.samples import KEEP_EU_PAGE

LEAVING = (
    "Västerås Science Park AB\n\nName: Västerås Science Park AB\n\n"
    "Address: Expectrum, Kopparbergsvägen 10, 722 13 Västerås, Sweden\n\n"
    "Legal status: public\n\n\nTotal budget: EUR 200 000.00\n\nERDF budget: EUR 150 000.00\n\n"
)
NEXT = "Turku Science Park Oy Ab\n"  # the partner after the one leaving
#: fixes a secretariat makes to the keep.eu page, each undone as often as done
FIXES = [
    [("Total budget: EUR 199 100.00", "Total budget: EUR 199 200.00")],
    [("ERDF budget: EUR 149 325.00", "ERDF budget: EUR 149 400.50")],
    [("Park AB\n\nName: Västerås Science Park AB", "Park Ab\n\nName: Västerås Science Park Ab")],
    [("Legal status: public", "Legal status: private")],
    [("33100 Tampere, Finland", "33100 Tammerfors, Finland")],
    [("Stockholm, Sweden", "Stockholm, Finland")],
    [("Smart Clusters for Smart Growth", "Smart Clusters for Smarter Growth")],
    [("Specific Objective: More exports", "Specific Objective: Many more exports")],
    [(LEAVING + NEXT, NEXT), ("Partners (5)", "Partners (4)")],
]

#: partner names as a page may state them over a few fixes: new, changed, the old one again
RENAMES = [
    ("Västerås Science Park AB", "Västerås Science Park Aktiebolag"),
    ("Västerås Science Park AB", "Vasteras Science Park AB"),
    ("Total budget: EUR 199 100.00", "Total budget: EUR 199 150.50"),
    ("Legal status: public", "Legal status: private"),
]


def edited(page: Path, n: int) -> None:
    """One amount of a page changed, as a secretariat's fix would (a new value each time)."""
    text = page.read_text(encoding="utf-8")
    marker = "Project status: "
    page.write_text(text.replace(marker, f"{marker}fix {n} ", 1) if n else text, encoding="utf-8")


def fix(page: Path, rng: random.Random) -> None:
    text = page.read_text(encoding="utf-8")
    for pairs in rng.sample(FIXES, 3):  # each made, or undone, when the page allows it
        if all(old in text for old, _ in pairs):
            for old, new in pairs:
                text = text.replace(old, new, 1)
        elif all(new in text for _, new in pairs):
            for old, new in pairs:
                text = text.replace(new, old, 1)
    page.write_text(text, encoding="utf-8")


def fixed(page: Path, rng: random.Random) -> None:
    text = page.read_text(encoding="utf-8")
    for old, new in rng.sample(RENAMES, 2):
        text = text.replace(old, new) if rng.random() < 0.7 else text.replace(new, old)
    page.write_text(text, encoding="utf-8")


def without_project(folder: Path, acronym: str) -> None:
    """The export in ``folder`` with one project and its partner rows taken out."""
    for name in ("projects.csv", "partners.csv"):
        path = folder / name
        rows = list(csv.reader(path.open(encoding="utf-8")))
        path.write_text("", encoding="utf-8")
        with path.open("w", newline="", encoding="utf-8") as out:
            csv.writer(out).writerows(row for row in rows if row[1] != acronym)


def exported_store(
    tmp_path: Path, clock: Callable[[], datetime] = now
) -> tuple[Path, list[Path], CblodStore]:
    """A generated 12-project export (its folder and files), ingested into a new store."""
    folder = tmp_path / "export"
    folder.mkdir()
    paths = keep_eu_export(12, folder)
    store = CblodStore(tmp_path / "store")
    ingest(paths, store=store, clock=clock)
    return folder, paths, store


STATUS = 'SELECT ?s WHERE { ?p cbo:acronym "4Smart Growth" ; cbo:status ?s }'


def changed(pages: Path, status: str) -> Path:
    page = pages / KEEP_EU_PAGE.name
    text = page.read_text(encoding="utf-8")
    page.write_text(
        re.sub(r"Project status: \w+", f"Project status: {status}", text), encoding="utf-8"
    )

    return page
