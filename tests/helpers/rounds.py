"""Rounds of generated pages for tests that race readers against a re-ingest: each round
states its number in every project's status, so an answer shows which release it came from."""

from __future__ import annotations

import re
import sys
from pathlib import Path

#: every status the store holds: one round's, never two
STATUSES = (
    "PREFIX cbo: <https://w3id.org/cblod/ontology#> SELECT DISTINCT ?s WHERE { ?p cbo:status ?s }"
)
ROUND = re.compile(r"round (\d)")


def write_round(folder: Path, pages: dict[str, str], round_: int) -> None:
    """Every page with its status naming the round (the only thing a round changes)."""
    for name, text in pages.items():
        changed = re.sub(r"Project status: \w+", f"Project status: round {round_}", text)
        (folder / name).write_text(changed, encoding="utf-8")


def rounds_in(text: str) -> set[str]:
    return set(ROUND.findall(text))


def cblod(*args: str) -> list[str]:
    """The ``cblod`` command line in this interpreter."""
    return [sys.executable, "-m", "cblod", *args]
