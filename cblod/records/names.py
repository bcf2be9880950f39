"""Organisation names: normal forms, legal forms, acronyms and fuzzy comparison.

Sources spell one organisation many ways ("Turku Science Park Oy Ab" / "Turku Science Park
Ltd"; "Sihtasutus Tallinna Teaduspark Tehnopol" / "Tallinn Science Park Tehnopol"). These
rules make such spellings compare equal without knowing any organisation: legal-form words are
dropped at either end of a name, common organisation words are translated to English from a
shipped glossary, and inflected forms of the same word (Estonian and Finnish genitives such as
"Tallinna", "Tampereen") match their base form.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib.resources import files

from .values import clean_text

_STOPWORDS = frozenset(
    [
        "and",
        "och",
        "ja",
        "ning",
        "un",
        "ir",
        "og",
        "und",
        "et",
        "the",
        "of",
        "for",
        "i",
        "in",
        "la",
        "le",
        "de",
        "der",
        "die",
        "das",
        "da",
        "del",
    ]
)


def fold(text: str) -> str:
    """Case-fold and strip diacritics: "Västerås" -> "vasteras", "OÜ" -> "ou"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _words(text: str) -> list[str]:
    text = fold(text).replace("&", " and ")
    return [w for w in re.split(r"[^a-z0-9]+", text) if w]


@cache
def _legal_forms() -> tuple[tuple[str, ...], ...]:
    rows = csv.DictReader(files("cblod").joinpath("data/legal_forms.csv").open(encoding="utf-8"))
    forms = {tuple(_words(row["form"])) for row in rows}
    return tuple(sorted(forms, key=len, reverse=True))


@cache
def _glossary() -> tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]:
    rows = csv.DictReader(files("cblod").joinpath("data/glossary.csv").open(encoding="utf-8"))
    pairs = {(tuple(_words(r["term"])), tuple(_words(r["english"]))) for r in rows}
    return tuple(sorted(pairs, key=lambda pair: len(pair[0]), reverse=True))


def strip_legal_forms(words: list[str]) -> list[str]:
    """Drop legal-form words at the start or end of a name ("Oy Ab", "Sihtasutus", "AB").

    Only the ends are touched: "as" inside an English name is a word, not a legal form.
    A name that is nothing but a legal form is kept as it is.
    """
    out = list(words)
    changed = True
    while changed and len(out) > 1:
        changed = False
        for form in _legal_forms():
            n = len(form)
            if len(out) > n and tuple(out[-n:]) == form:
                out, changed = out[:-n], True
                break
            if len(out) > n and tuple(out[:n]) == form:
                out, changed = out[n:], True
                break
    return out


def _translate(words: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(words):
        for term, english in _glossary():
            if tuple(words[i : i + len(term)]) == term:
                out.extend(english)
                i += len(term)
                break
        else:
            out.append(words[i])
            i += 1
    return out


@lru_cache(maxsize=1 << 16)
def name_tokens(name: str) -> tuple[str, ...]:
    """The comparable words of a name: folded, legal forms off, glossary applied, no stopwords.

    Cached (as ``plain_key``): a bulk export names the same organisation on every row of its
    participations, and this was a tenth of ingesting one.
    """
    words = _translate(strip_legal_forms(_words(split_acronym(name)[0])))
    return tuple(w for w in words if w not in _STOPWORDS)


@lru_cache(maxsize=1 << 16)
def plain_key(name: str) -> str:
    """The name as written, folded, without legal forms or stopwords: for minting URI keys."""
    words = strip_legal_forms(_words(split_acronym(name)[0]))
    return " ".join(w for w in words if w not in _STOPWORDS)


def name_key(name: str) -> str:
    """One string per spelling family, used for exact matching and for minting URI keys."""
    return " ".join(name_tokens(name))


def tokens_match(a: str, b: str) -> bool:
    """Same word, or an inflected form of it: "tallinna"~"tallinn", "oulun"~"oulu"."""
    if a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    return len(short) >= 4 and long_.startswith(short) and len(long_) - len(short) <= 2


def similarity(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    """Dice coefficient over fuzzy-matched tokens, 0..1."""
    if not a or not b:
        return 0.0
    unused = list(b)
    matched = 0
    for token in a:
        for i, other in enumerate(unused):
            if tokens_match(token, other):
                matched += 1
                del unused[i]
                break
    return 2 * matched / (len(a) + len(b))


@dataclass(frozen=True)
class SplitName:
    name: str
    acronym: str | None
    former_name: str | None


_PAREN_ACRONYM = re.compile(r"^(.*\S)\s*\(([A-Z][A-Z0-9&\-]{1,11})\)$")
_DASH_ACRONYM = re.compile(r"^([A-Z][A-Z0-9&]{1,11})\s+[-–]\s+(.+)$")
_FORMER = re.compile(r"^(.*\S)\s*\((?:until|formerly|former name:?|previously)\s+(.+)\)$", re.I)


def split_acronym(text: str) -> tuple[str, str | None]:
    """Return (name, acronym) for "Agency … (MITA)", "SPRI - Basque …", "SISP Swedish …".

    A leading all-capital word counts as an acronym only when it is the initials of the words
    that follow ("SISP Swedish Incubators & Science Parks"), so "ABB Robotics" keeps its name.
    """
    name = clean_text(text)
    if m := _PAREN_ACRONYM.match(name):
        return m.group(1), m.group(2)
    if m := _DASH_ACRONYM.match(name):
        return name, m.group(1)
    first, _, rest = name.partition(" ")
    if rest and first.isupper() and first.isalpha() and len(first) >= 2:
        initials = "".join(w[0] for w in re.findall(r"[A-Za-zÀ-ÿ]+", rest) if w[0].isupper())
        if initials.upper() == first:
            return name, first
    return name, None


def split_name(text: str) -> SplitName:
    """Split "SPRI - Basque … (until 12/11/2018, SPRI - Society … S.A’)" into its parts."""
    text = clean_text(text)
    former = None
    if m := _FORMER.match(text):
        text = m.group(1)
        former = re.sub(r"^[\d/.\-]+\s*,\s*", "", m.group(2)).strip(" ’'\"")
    _, acronym = split_acronym(text)
    return SplitName(text, acronym, former)
