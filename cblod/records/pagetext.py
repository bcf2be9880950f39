"""Saved web pages as lines of text, with the few look-ups every page mapping needs.

Pages arrive as text copied from a browser or converted to Markdown; ``PageText`` strips the
Markdown decoration (``**bold**``, ``### headings``, ``[label](url) [n]`` links) so one parser
reads both renderings, and keeps the link targets for websites and origin URLs.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from .values import clean_text

_LINK = re.compile(r"\[([^\]]*)\]\(([^)\s]*)\)(?:\s*\[(\d+)\])?")
_FOOTNOTE = re.compile(r"\[(\d+)\]\s*<([^>]+)>")


@dataclass
class Line:
    text: str
    links: list[tuple[str, str]] = field(default_factory=list)


def _plain(raw: str, footnotes: dict[str, str]) -> Line:
    """One line without Markdown; a link to "#" takes its target from the numbered footnote."""
    links = [
        (label, footnotes.get(number, url) if url in {"", "#"} else url)
        for label, url, number in _LINK.findall(raw)
    ]
    text = _LINK.sub(lambda m: m.group(1), raw)
    text = re.sub(r"^\s*#{1,6}\s*", "", text)
    text = text.replace("**", "").replace("__", "")
    return Line(clean_text(text), links)


class PageText:
    """Non-empty lines of a page, Markdown removed, plus the page's numbered footnote links."""

    def __init__(self, text: str) -> None:
        self.raw = text
        self.footnotes: dict[str, str] = dict(_FOOTNOTE.findall(text))
        lines = (_plain(raw, self.footnotes) for raw in text.splitlines())
        self.lines: list[Line] = [line for line in lines if line.text]

    def texts(self, start: int = 0, end: int | None = None) -> list[str]:
        return [line.text for line in self.lines[start:end]]

    def index(self, predicate: Callable[[str], object], start: int = 0) -> int | None:
        """Index of the first line at or after ``start`` whose text satisfies ``predicate``."""
        for i in range(start, len(self.lines)):
            if predicate(self.lines[i].text):
                return i
        return None

    def index_of(self, text: str, start: int = 0) -> int | None:
        return self.index(lambda t: t.casefold() == text.casefold(), start)

    def field(self, label: str, start: int = 0, end: int | None = None) -> str | None:
        """The value of the first "Label: value" line in the range (None when absent/empty)."""
        prefix = label.casefold() + ":"
        for line in self.lines[start:end]:
            if line.text.casefold().startswith(prefix):
                return line.text[len(prefix) :].strip() or None
        return None
