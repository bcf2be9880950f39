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
    """``organisation``'s participations in the participations list's ``index``: array
    operations over the index alone. An item's number is its IRI's place among the list's
    sorted IRIs, so ties of a year are broken by number, and only the IRIs shown are read."""
    relation = index.relations["organisation"]
    code = relation.code_of(organisation)
    if code is None:
        return Participations([], 0, None, None)
    items = np.unique(relation.items[relation.codes == code])
    years = _start_years(index, items)
    chosen = items
    if len(items) > shown:
        boundary = np.sort(years)[len(years) - shown]  # the year of the last one shown
        later = items[years > boundary]
        ties = items[years == boundary][: shown - len(later)]  # ``items`` is sorted
        chosen = np.concatenate([later, ties])
    chosen_years = years[np.searchsorted(items, chosen)]
    latest = chosen[np.lexsort((chosen, -chosen_years))]  # latest year first, then by IRI
    return Participations(
        [index.iris[i] for i in latest.tolist()],
        len(items),
        _sum(index.amounts["budget"][items]),
        _sum(index.amounts["eu"][items]),
    )


def _start_years(index: ListIndex, items: np.ndarray) -> np.ndarray:
    """The project start year of each of ``items`` (sorted), the latest if several, -1 when
    none is stated."""
    relation = index.relations["start"]
    member = np.zeros(len(index.iris), dtype=bool)
    member[items] = True
    mine = member[relation.items]
    values = np.array([int(v) for v in relation.values] or [0], dtype=np.int64)
    years = np.full(len(items), -1, dtype=np.int64)
    at = np.searchsorted(items, relation.items[mine])
    np.maximum.at(years, at, values[relation.codes[mine]])
    return years


def _sum(amounts: np.ndarray) -> Decimal | None:
    """The sum in cents (the amounts are stated to the cent), None when none is stated."""
    stated = amounts[~np.isnan(amounts)]
    if not len(stated):
        return None
    return Decimal(f"{float(stated.sum()):.2f}")
