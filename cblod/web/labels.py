"""Which one of a resource's names a page shows: the reader's language first.

A resource has a name per language (a project's title in English, Finnish and Swedish; an
organisation's legal name, untagged, and its English translation). A list shows each resource
once, under one name chosen by a stated rule:

1. the reader's languages: ``?lang=fi,sv`` if given (and not empty), else ``Accept-Language`` in q order
   (``fi-FI`` also matches names tagged ``fi``);
2. then English;
3. then a name with no language tag (usually the original, legal name);
4. then any other name.

Ties within a rank go to the alphabetically first name, so the choice never depends on the
order the store returns names in. The rule is applied inside SPARQL (``name_key``), so a list
can sort and page by the chosen name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from flask import Response, request
from pyoxigraph import Literal
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from ..read.chosen_names import rank
from ..read.describe import LABELS, Description

FALLBACK = "en"
#: BCP 47 language ranges as a client may send them; anything else is ignored (never quoted
#: into a query).
_RANGE = re.compile(r"[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*")
#: a reader's languages taken into account; more would only lengthen every list query
MAX_LANGUAGES = 8


def reader_languages() -> tuple[str, ...]:
    """The languages to show names in, best first, ending with English."""
    asked = valid_ranges(part.strip() for part in request.args.get("lang", "").split(","))
    if asked:
        return ordered_languages(asked)
    # no ?lang, or an empty one (the switcher's "your browser's languages")
    accepted = parse_accept_header(request.headers.get("Accept-Language"), LanguageAccept)
    return ordered_languages([value for value, quality in accepted if quality > 0])


def valid_ranges(ranges: Iterable[str]) -> list[str]:
    """The ranges that are BCP 47 language ranges (anything else is dropped, never quoted)."""
    return [value for value in ranges if _RANGE.fullmatch(value)]


def ordered_languages(ranges: list[str]) -> tuple[str, ...]:
    """Valid ranges, each followed by its primary subtag, then English; no repeats."""
    found: list[str] = []
    for value in valid_ranges(ranges):
        for candidate in (value.lower(), value.split("-")[0].lower()):
            if candidate not in found:
                found.append(candidate)
    found = found[:MAX_LANGUAGES]
    if FALLBACK not in found:
        found.append(FALLBACK)
    return tuple(found)


def choose_name(names: Iterable[Literal], languages: tuple[str, ...]) -> str | None:
    """The name ``name_key`` chooses among ``names``, by the same rule, in Python: for names
    that come with figures computed for every reader at once (``cblod.read.figures``)."""
    best = choose_literal(names, languages)
    return best.value if best is not None else None


def choose_literal(names: Iterable[Literal], languages: tuple[str, ...]) -> Literal | None:
    """``choose_name``'s choice with its language tag (for the page to mark it)."""

    return min(
        names, key=lambda name: rank(name.language or "", languages) + name.value, default=None
    )


def vary_on_language(response: Response) -> Response:
    """Pages whose names follow the reader's language say so to caches."""
    response.vary.add("Accept-Language")
    return response


def own_name(d: Description, languages: tuple[str, ...]) -> Literal | None:
    """The resource's own name for the reader: of its first kind of name (``LABELS``: preferred
    label, label, title, notation), the one in the reader's languages (this module's rule)."""
    for predicate in LABELS:
        found = [o for o in d.values(predicate) if isinstance(o, Literal)]
        if found:
            return choose_literal(found, languages)
    return None
