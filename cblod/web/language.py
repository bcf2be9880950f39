"""The reader's language through a visit: ``?lang`` carried from page to page, and a switcher.

``labels`` says which of a resource's names a page shows (``?lang=``, else ``Accept-Language``,
then English). A reader who chose a language with ``?lang=sv`` keeps it on the next click: the
links a page draws to other pages (the header, lists, resources, paging, filters) carry the same
``?lang``. Links that name things (IRIs in data, ``_external`` URLs) never do: the language is
the reader's, not the resource's.

The interface text is English, so ``<html lang="en">`` stays true; a name shown in another
language is marked with its own ``lang`` (WCAG 3.1.2, language of parts).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Flask, request

from ..derived.kept import kept_summary
from ..read import stats
from ..read.chosen_names import effective
from ..read.stats import name_languages
from .labels import reader_languages, valid_ranges
from .store_access import current_store, memoized

#: Each language under its own name (the EU's 24 official languages and their neighbours'):
#: a reader looks for "svenska", not "Swedish". A tag not listed shows as itself.
LANGUAGE_NAMES = {
    "bg": "български", "cs": "čeština", "da": "dansk", "de": "Deutsch", "el": "ελληνικά",
    "en": "English", "es": "español", "et": "eesti", "fi": "suomi", "fr": "français",
    "ga": "Gaeilge", "hr": "hrvatski", "hu": "magyar", "it": "italiano", "lt": "lietuvių",
    "lv": "latviešu", "mt": "Malti", "nl": "Nederlands", "pl": "polski", "pt": "português",
    "ro": "română", "sk": "slovenčina", "sl": "slovenščina", "sv": "svenska",
    "no": "norsk", "nb": "norsk bokmål", "nn": "nynorsk", "is": "íslenska", "sq": "shqip",
    "sr": "српски", "mk": "македонски", "bs": "bosanski", "uk": "українська", "ru": "русский",
    "tr": "Türkçe", "se": "davvisámegiella", "lb": "Lëtzebuergesch", "ca": "català",
}  # fmt: skip

#: at most this many languages are offered in the switcher (the dataset's most used first)
SWITCHER_LANGUAGES = 24


def asked_language() -> str | None:
    """The valid part of ``?lang`` (``sv``, ``fi,sv``), or None when the reader gave none."""
    asked = request.args.get("lang")
    if asked is None:
        return None
    valid = valid_ranges(part.strip() for part in asked.split(","))
    return ",".join(valid) or None


def carried() -> list[tuple[str, str]]:
    """The parameters a link to another page keeps: ``[("lang", …)]`` or nothing."""
    asked = asked_language()
    return [("lang", asked)] if asked else []


def with_language(url: str) -> str:
    """``url`` with the reader's ``?lang`` added (when it has none of its own)."""
    extra = carried()
    if not extra or "lang=" in url.partition("?")[2]:
        return url
    return url + ("&" if "?" in url else "?") + urlencode(extra)


def switcher(languages: list[str]) -> dict[str, Any]:
    """What the header's language form shows: the dataset's languages, the one chosen, and the
    current page's other parameters (kept as hidden fields)."""
    chosen = (asked_language() or "").split(",")[0]
    offered = [
        {"code": code, "name": LANGUAGE_NAMES.get(code, code)}
        for code in languages[:SWITCHER_LANGUAGES]
    ]
    if chosen and chosen not in {o["code"] for o in offered}:
        offered.append({"code": chosen, "name": LANGUAGE_NAMES.get(chosen, chosen)})
    return {
        "offered": sorted(offered, key=lambda o: o["name"].casefold()),
        "chosen": chosen,
        "keep": [(k, v) for k, v in request.args.items(multi=True) if k not in ("lang", "page")],
    }


def dataset_languages() -> list[str]:
    """The languages the dataset names things in, most used first (kept with the snapshot's
    statistics; asked once per version of a SPARQL server)."""
    store = current_store()

    def compute() -> list[str]:
        kept = kept_summary(store, "dataset-statistics")
        if isinstance(kept, dict) and "languages" in kept:
            return list(kept["languages"])
        return name_languages(store)

    return memoized(("name-languages",), compute)


def name_tags() -> list[str]:
    """The language tags the dataset's names have (kept with the snapshot's statistics)."""
    store = current_store()

    def compute() -> list[str]:
        kept = kept_summary(store, "dataset-statistics")
        if isinstance(kept, dict) and "name_tags" in kept:
            return list(kept["name_tags"])
        return sorted(stats.name_tags(store))

    return memoized(("name-tags",), compute)


def reader_name_languages() -> tuple[str, ...]:
    """The reader's languages that decide which names they see (``chosen_names.effective``):
    the same queries for readers who see the same names, so those kept at publish for the
    default reader serve every reader whose languages decide alike."""
    return effective(reader_languages(), name_tags())


def register(app: Flask) -> None:
    app.add_template_filter(with_language, "with_language")
    app.add_template_global(lambda: switcher(dataset_languages()), "language_switcher")
    app.add_template_global(carried, "carried_parameters")
