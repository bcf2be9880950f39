"""Where a SPARQL query's sub-selects are in its text, without parsing the whole grammar.

What ``cblod.derived.parts`` needs is the text of each innermost sub-select (``{ SELECT ... }``
holding no other) and the query's prologue (its ``PREFIX`` and ``BASE`` lines), so that it can
answer a sub-select on its own and put its rows in its place. Braces, strings, IRIs and
comments are told apart here; what the sub-select means is left to a real parser (rdflib's,
in ``cblod.derived.parts``), which reads each text found before anything is done with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: an IRI reference as SPARQL writes it; a comparison ``?a < ?b`` holds spaces, so is not one
_IRI = re.compile(r'<[^<>"{}|^`\\\x00-\x20]*>')
_STRING = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n\r]|\\.)*"'
    r"|'(?:[^'\\\n\r]|\\.)*'",
    re.DOTALL,
)
_WORD = re.compile(r"[A-Za-z_]+")


@dataclass(frozen=True)
class Span:
    """``text[start:end]`` is a group ``{ SELECT ... }``, braces included."""

    start: int
    end: int
    innermost: bool


@dataclass(frozen=True)
class Layout:
    """The query's prologue (up to its first ``SELECT``), its sub-selects, and where its
    ``WHERE`` group opens (the offset of the brace; -1 when not found)."""

    prologue: str
    spans: tuple[Span, ...]
    where: int


def layout(text: str) -> Layout | None:
    """The layout of ``text``, or None when its braces do not balance (not a query we read)."""
    opened: list[tuple[int, bool]] = []  # (offset, is a sub-select)
    holds_select: list[bool] = []  # whether each open group holds a sub-select
    spans: list[Span] = []
    select_at, where, after_where = -1, -1, False
    i = 0
    while i < len(text):
        char = text[i]
        if char == "#":
            newline = text.find("\n", i)
            i = len(text) if newline < 0 else newline + 1
            continue
        if char in "\"'":
            found = _STRING.match(text, i)
            if found is None:
                return None
            i = found.end()
            continue
        if char == "<":
            found = _IRI.match(text, i)
            if found is not None:
                i = found.end()
                continue
        if char == "{":
            is_select = _next_word(text, i + 1).upper() == "SELECT"
            if is_select and holds_select:
                holds_select[-1] = True
            if after_where and not opened:
                where, after_where = i, False
            opened.append((i, is_select))
            holds_select.append(False)
        elif char == "}":
            if not opened:
                return None
            start, is_select = opened.pop()
            held = holds_select.pop()
            if is_select:
                spans.append(Span(start, i + 1, innermost=not held))
            if held and holds_select:
                holds_select[-1] = True
        elif char.isalpha() and (i == 0 or not _in_name(text[i - 1])):
            word = _WORD.match(text, i)
            assert word is not None
            if not opened:
                upper = word.group().upper()
                if upper == "SELECT" and select_at < 0:
                    select_at = i
                elif upper == "WHERE" and where < 0:
                    after_where = True
            i = word.end()
            continue
        i += 1
    if opened or select_at < 0:
        return None
    return Layout(text[:select_at], tuple(sorted(spans, key=lambda s: s.start)), where)


def _in_name(char: str) -> bool:
    """Whether ``char`` may come before a letter inside a name (a variable, a prefixed name)."""
    return char.isalnum() or char in "_?$:-."


def _next_word(text: str, at: int) -> str:
    while at < len(text) and (text[at].isspace() or text[at] == "#"):
        if text[at] == "#":
            newline = text.find("\n", at)
            at = len(text) if newline < 0 else newline
        at += 1
    found = _WORD.match(text, at)
    return found.group() if found else ""
