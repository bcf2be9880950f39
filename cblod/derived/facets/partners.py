"""An organisation's participations, read from the participations list's facet index.

An organisation's page shows its latest participations and the count and sums of all of them.
Asked of the store, that is a scan of every participation (the busiest beneficiaries of the
EU's data take part in tens of thousands: benchmarks/README.md, issue 26's section); the
facet index every release keeps already holds, per participation, its organisation, its
project's start year and its amounts, as arrays. So the page asks the index which
participations to show and what they add up to, and the store only for the names of those it
shows (``cblod.read.page_sections.participation_rows``).
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from .index import ListIndex


@dataclass(frozen=True)
class Participations:
    """At most ``shown`` participations, latest project start first (ties by IRI), and the
    count and sums of all of them (None when none states an amount)."""

    latest: list[str]
    count: int
    budget: Decimal | None
    funding: Decimal | None


def participations_of(index: ListIndex, organisation: str, shown: int) -> Participations:
    """``organisation``'s participations in the participations list's ``index``."""
    relation = index.relations["organisation"]
    code = relation.code_of(organisation)
    if code is None:
        return Participations([], 0, None, None)
    items = np.unique(relation.items[relation.codes == code])
    years = _start_years(index, items)
    latest = heapq.nsmallest(
        shown, items.tolist(), key=lambda i: (-years.get(i, -1), index.iris[i])
    )
    return Participations(
        [index.iris[i] for i in latest],
        len(items),
        _sum(index.amounts["budget"][items]),
        _sum(index.amounts["eu"][items]),
    )


def _start_years(index: ListIndex, items: np.ndarray) -> dict[int, int]:
    """The project start year of each of ``items`` that has one (the latest, if several)."""
    relation = index.relations["start"]
    mine = np.isin(relation.items, items)
    years: dict[int, int] = {}
    for item, code in zip(
        relation.items[mine].tolist(), relation.codes[mine].tolist(), strict=True
    ):
        years[item] = max(years.get(item, -1), int(relation.values[code]))
    return years


def _sum(amounts: np.ndarray) -> Decimal | None:
    """The sum in cents (the amounts are stated to the cent), None when none is stated."""
    stated = amounts[~np.isnan(amounts)]
    if not len(stated):
        return None
    return Decimal(f"{float(stated.sum()):.2f}")
