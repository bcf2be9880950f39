"""Interreg Europe search listing (``interregeurope.eu/search``), as text copied from a browser.

Project hits appear as "Lead Partner: <organisation>" followed by the project's description;
the project name itself is lost in the copied text (it was a heading link), so it is recovered
from the description: the distinctive name the description opens with ("ClusterFY aims…"), or
failing that the distinctive name it repeats most ("… CLUSTERS3 project engages …"). News and
people hits in the same listing are skipped. Listings carry no budgets or dates.
"""

from __future__ import annotations

import re
from collections import Counter

from cblod.core.errors import InputError
from cblod.records.model import (
    Organisation,
    Participation,
    Programme,
    Project,
    Role,
    SourceDocument,
    Text,
)
from cblod.records.names import split_name
from cblod.records.pagetext import PageText
from cblod.records.sourcefile import SourceFile

NAME = "interreg-europe-search"
TITLE = "Interreg Europe search listing"
RANK = 40
PROGRAMME = "Interreg Europe"

_NAME_TOKEN = re.compile(r"(?<![\w'’])([A-Za-z][A-Za-z0-9]{4,})(?:\s+(\d+(?:\.\d+)+))?(?![\w'’])")
_MIN_DESCRIPTION = 80


def detect(source: SourceFile) -> bool:
    text = source.text or ""
    return "Lead Partner: " in text and ("Explore Interreg" in text or "Interreg Europe" in text)


def _is_name(token: str) -> bool:
    """A coined project name: at least two capitals, and not an ordinary capitalised word."""
    return sum(c.isupper() for c in token) >= 2 and not token[1:].islower()


def project_name(description: str) -> str | None:
    """The project name a description is about, or None when it names none."""
    matches = [(m.group(1), m.group(2)) for m in _NAME_TOKEN.finditer(description)]
    names = [(word, version) for word, version in matches if _is_name(word)]
    if not names:
        return None
    first = _NAME_TOKEN.match(description)
    if first and _is_name(first.group(1)):
        word, version = first.group(1), first.group(2)
    else:
        counts = Counter(word.casefold() for word, _ in names)
        top = counts.most_common(1)[0][0]
        spellings = Counter(word for word, _ in names if word.casefold() == top)
        word = spellings.most_common(1)[0][0]
        version = next((v for w, v in names if w == word and v), None)
    return f"{word} {version}" if version else word


def read(source: SourceFile, *, strict: bool = False) -> SourceDocument:
    page = PageText(source.require_text())
    doc = SourceDocument(
        path=source.name, format=NAME, title="Interreg Europe search listing", language="en"
    )
    for i, line in enumerate(page.lines):
        if not line.text.startswith("Lead Partner:"):
            continue
        lead = line.text.split(":", 1)[1].strip()
        description = page.lines[i + 1].text if i + 1 < len(page.lines) else ""
        record = f"hit {len(doc.projects) + 1} (lead partner {lead!r})"
        if len(description) < _MIN_DESCRIPTION or description.startswith("Lead Partner:"):
            raise InputError(
                "project hit has no description (truncated listing?)",
                file=source.name,
                record=record,
                field="description",
            )
        name = project_name(description)
        if name is None:
            doc.warnings.append(f"{record}: no project name found in the description; skipped")
            continue
        doc.warnings.append(f"{record}: project name {name!r} taken from its description")
        split = split_name(lead)
        organisation = Organisation(
            names=[Text(split.name)],
            acronym=split.acronym,
            former_names=[split.former_name] if split.former_name else [],
        )
        doc.projects.append(
            Project(
                programme=Programme(PROGRAMME, PROGRAMME),
                acronym=name,
                descriptions=[Text(description, "en")],
                participations=[Participation(organisation, Role.LEAD_PARTNER)],
            )
        )
    if not doc.projects:
        raise InputError("listing contains no project hits", file=source.name, field="Lead Partner")
    return doc
