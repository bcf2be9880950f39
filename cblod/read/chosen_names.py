"""Which of a resource's names a reader sees: one rule, in Python and in SPARQL.

A resource has a name per language. A reader is shown the name in the first of their
languages it has (``fi-FI`` also matches a name tagged ``fi``), then English, then a name with
no tag (usually the original, legal name), then any other; ties go to the alphabetically first
name, so the choice never depends on the order a store returns names in (the rule as readers
read it: ``cblod.web.labels``).

The rule lives outside the web tier because what a release derives at publish uses it too:
the facet index keeps its list's order by name (``cblod.derived.facets.order``) and the kept answers
hold the first views of the plain lists (``cblod.read.listings``), both for the readers most first
views come from, so the first view after a release sorts and asks nothing (issue #24).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

#: one character per rank, so a rank sorts before the name it ranks (``name_key``)
RANKS = "abcdefghijklmnopqrstuvw"
UNTAGGED, OTHER = "x", "y"
#: what a reader who states no language (or only English) is shown first
DEFAULT_LANGUAGES = ("en",)


def matches(tag: str, language: str) -> bool:
    """SPARQL's LANGMATCHES for a name's tag and a reader's language range (both lower case)."""
    return tag == language or tag.startswith(language + "-")


def rank(tag: str, languages: Sequence[str]) -> str:
    """A name's rank for a reader of ``languages``, as one character (lower is better)."""
    tag = tag.lower()
    if not tag:
        return UNTAGGED
    for letter, language in zip(RANKS, languages, strict=False):
        if matches(tag, language):
            return letter
    return OTHER


def choose(names: Iterable[Sequence[str]], languages: Sequence[str]) -> Sequence[str] | None:
    """The (name, tag) pair a reader of ``languages`` sees among ``names``, or None."""
    return min(names, key=lambda n: rank(n[1], languages) + n[0], default=None)


def effective(languages: Sequence[str], tags: Iterable[str]) -> tuple[str, ...]:
    """The reader's languages that match some name's tag, in the reader's order.

    They alone decide: a language no name has ranks nothing, and the ranks of the others keep
    their order. So two readers with the same effective languages see the same names in the
    same order, and the views kept for one serve the other.
    """
    present = {t.lower() for t in tags if t}
    return tuple(lang for lang in languages if any(matches(t, lang) for t in present))


def name_key(variable: str, languages: Sequence[str], *, shortest: bool = False) -> str:
    """A SPARQL expression whose minimum over a resource's names is its chosen name.

    The key is one rank character, with ``shortest`` the name's length in four digits (a
    column that wants a programme's short name), then the name; ``chosen_name`` takes the name
    back out.
    """
    ranked = f'IF(LANG({variable}) = "", "{UNTAGGED}", "{OTHER}")'
    for letter, language in reversed(list(zip(RANKS, languages, strict=False))):
        ranked = f'IF(LANGMATCHES(LANG({variable}), "{language}"), "{letter}", {ranked})'
    length = f"STR(STRLEN({variable}))"
    padded = f'SUBSTR(CONCAT("000", {length}), STRLEN({length}))' if shortest else '""'
    return f"CONCAT({ranked}, {padded}, STR({variable}))"


def chosen_name(aggregate_key: str, *, shortest: bool = False) -> str:
    """The SPARQL expression for the name inside the minimal ``name_key`` (an aggregate)."""
    return f"SUBSTR(MIN({aggregate_key}), {6 if shortest else 2})"
