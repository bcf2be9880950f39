"""A reader's filters on a list, as plain query parameters, and what they select.

``?programme=<IRI>&programme=<IRI>&country=<IRI>&eu_min=100000&eu_below=500000&q=smart``: several values of
one facet combine with OR, facets and ranges with AND. Each facet's counts are given every
*other* filter (the usual faceted-search rule), so choosing a second value of a facet shows
what it would add. A range is ``{measure}_min`` (at least) and ``{measure}_below`` (less
than), so the bands a page offers never overlap. Free text matches whole words from their start ("sea" finds "seaside",
never "research"), every word required, through the search index built at ingest.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import numpy as np
import numpy.typing as npt

from ...core.errors import CblodError
from .index import ListIndex
from .spec import BANDS, FacetedList

Mask = npt.NDArray[np.bool_]
#: values of one facet a reader may choose at once, and words of free text
MAX_VALUES = 200
MAX_WORDS = 12
_IRI = re.compile(r"[^\s<>\"{}|^`\\]+:[^\s<>\"{}|^`\\]*")
_YEAR = re.compile(r"[0-9]{4}")


class BadFilter(CblodError):
    """A parameter that names a filter but cannot be one: the reader hears which and why."""


@dataclass(frozen=True)
class Selection:
    values: dict[str, tuple[str, ...]] = field(default_factory=dict)  # facet key -> chosen
    ranges: dict[str, tuple[Decimal | None, Decimal | None]] = field(default_factory=dict)
    text: str = ""

    @property
    def words(self) -> list[str]:
        return re.findall(r"\w+", self.text)[:MAX_WORDS]

    def params(self) -> list[tuple[str, str]]:
        """The selection as query parameters, in a stable order (URLs compare equal)."""
        out = [(key, v) for key in sorted(self.values) for v in self.values[key]]
        for key in sorted(self.ranges):
            low, high = self.ranges[key]
            out += [(f"{key}_min", str(low))] if low is not None else []
            out += [(f"{key}_below", str(high))] if high is not None else []
        return out + ([("q", self.text)] if self.text else [])

    def toggled(self, key: str, value: str) -> Selection:
        """This selection with ``value`` of facet ``key`` added, or removed if chosen."""
        chosen = self.values.get(key, ())
        changed = tuple(v for v in chosen if v != value) if value in chosen else (*chosen, value)
        values = {k: v for k, v in self.values.items() if k != key}
        if changed:
            values[key] = changed
        return Selection(values, self.ranges, self.text)

    def with_range(self, key: str, low: Decimal | None, high: Decimal | None) -> Selection:
        ranges = {k: v for k, v in self.ranges.items() if k != key}
        if low is not None or high is not None:
            ranges[key] = (low, high)
        return Selection(self.values, ranges, self.text)

    @property
    def empty(self) -> bool:
        return not (self.values or self.ranges or self.text)


def parse(spec: FacetedList, args: Mapping[str, list[str]]) -> Selection:
    """The filters among ``args`` (a multi-dict's lists); others (page, sort, lang) are left."""
    values: dict[str, tuple[str, ...]] = {}
    for facet in spec.facets:
        chosen = tuple(dict.fromkeys(v.strip() for v in args.get(facet.key, []) if v.strip()))
        if len(chosen) > MAX_VALUES:
            raise BadFilter(f"{facet.key}: at most {MAX_VALUES} values at once")
        for value in chosen:
            if facet.kind in ("term", "nuts") and not _IRI.fullmatch(value):
                raise BadFilter(f"{facet.key}: {value!r} is not an IRI")
            if facet.kind == "year" and not _YEAR.fullmatch(value):
                raise BadFilter(f"{facet.key}: {value!r} is not a year (four digits)")
        if chosen:
            values[facet.key] = chosen
    ranges: dict[str, tuple[Decimal | None, Decimal | None]] = {}
    for measure in spec.measures:
        low = _amount(args, f"{measure.key}_min")
        high = _amount(args, f"{measure.key}_below")
        if low is not None or high is not None:
            ranges[measure.key] = (low, high)
    text = " ".join(args.get("q", [])).strip()[:200]
    return Selection(values, ranges, text)


def _amount(args: Mapping[str, list[str]], key: str) -> Decimal | None:
    given = [v for v in args.get(key, []) if v.strip()]
    if not given:
        return None
    try:
        amount = Decimal(given[-1].strip())
    except InvalidOperation:
        raise BadFilter(f"{key}: {given[-1]!r} is not a number") from None
    if not amount.is_finite():
        raise BadFilter(f"{key}: {given[-1]!r} is not a number")
    return amount


@dataclass(frozen=True)
class Count:
    value: str
    count: int
    chosen: bool


@dataclass(frozen=True)
class Band:
    low: int
    high: int | None
    count: int
    chosen: bool


@dataclass
class Outcome:
    """What a selection selects: the items, and every facet's counts given the others."""

    matches: Mask
    counts: dict[str, list[Count]]  # per facet, largest count first
    bands: dict[str, list[Band]]  # per measure

    @property
    def total(self) -> int:
        return int(self.matches.sum())


def evaluate(
    index: ListIndex, selection: Selection, text_hits: Callable[[str], set[str]]
) -> Outcome:
    """Apply ``selection`` to ``index``; ``text_hits`` finds the resources one word matches
    (an item matches a word when it, or what it links for text, does; it must match all)."""
    n = len(index)
    masks: dict[str, Mask] = {}
    for key, chosen in selection.values.items():
        masks[key] = _facet_mask(index, key, chosen)
    for key, (low, high) in selection.ranges.items():
        amounts = index.amounts[key]
        mask = ~np.isnan(amounts)
        if low is not None:
            mask &= amounts >= float(low)
        if high is not None:
            mask &= amounts < float(high)
        masks[f"range:{key}"] = mask
    if selection.words:
        relation = index.relations["text"]
        text = np.ones(n, dtype=bool)
        for word in selection.words:
            hits = text_hits(word)
            codes = [c for c in (relation.code_of(h) for h in hits) if c is not None]
            mask = np.zeros(n, dtype=bool)
            mask[relation.items[np.isin(relation.codes, codes)]] = True
            text &= mask
        masks["text"] = text

    def all_but(excluded: str) -> Mask:
        mask = np.ones(n, dtype=bool)
        for key, each in masks.items():
            if key != excluded:
                mask &= each
        return mask

    counts: dict[str, list[Count]] = {}
    for facet in index.spec.facets:
        relation = index.relations[facet.key]
        given = all_but(facet.key)
        tally = np.bincount(relation.codes[given[relation.items]], minlength=len(relation.values))
        wanted = set(selection.values.get(facet.key, ()))
        found = [
            Count(value, int(tally[code]), value in wanted)
            for code, value in enumerate(relation.values)
            if tally[code] or value in wanted
        ]
        found += [Count(v, 0, True) for v in sorted(wanted) if relation.code_of(v) is None]
        found.sort(key=lambda c: (-c.count, c.value))
        counts[facet.key] = found
    bands: dict[str, list[Band]] = {}
    for measure in index.spec.measures:
        amounts = index.amounts[measure.key][all_but(f"range:{measure.key}")]
        amounts = amounts[~np.isnan(amounts)]
        current = selection.ranges.get(measure.key)
        bands[measure.key] = [
            Band(low, high, int(np.count_nonzero((amounts >= low) & _below(amounts, high))),
                 current == (Decimal(low), Decimal(high) if high is not None else None))
            for low, high in _band_edges()
        ]  # fmt: skip
    return Outcome(all_but(""), counts, bands)


def _band_edges() -> Iterable[tuple[int, int | None]]:
    edges: list[int | None] = [*BANDS[1:], None]
    return zip(BANDS, edges, strict=True)


def _below(amounts: npt.NDArray[np.float64], high: int | None) -> Mask:
    return amounts < high if high is not None else np.ones(len(amounts), dtype=bool)


def _facet_mask(index: ListIndex, key: str, chosen: Iterable[str]) -> Mask:
    relation = index.relations[key]
    codes = [c for c in (relation.code_of(v) for v in chosen) if c is not None]
    mask = np.zeros(len(index), dtype=bool)
    mask[relation.items[np.isin(relation.codes, codes)]] = True
    return mask
