"""keep.eu project page, as text copied from the browser (``https://keep.eu/projects/<id>/``).

The page lists the programme, thematic fields with codes in parentheses, partners with
address, legal status and budgets written "EUR 199 187.25" (space thousands, point decimals),
and a project block with acronym, dates and totals. "Partners (5)" states the partner count,
which lets a truncated page be refused instead of published with partners missing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

from cblod.core.errors import InputError, ValueParseError
from cblod.records.addresses import parse_address
from cblod.records.model import (
    Organisation,
    Participation,
    Programme,
    Project,
    Result,
    ResultKind,
    Role,
    SourceDocument,
    Text,
)
from cblod.records.names import name_tokens, similarity, split_name
from cblod.records.pagetext import PageText
from cblod.records.sourcefile import SourceFile
from cblod.records.values import (
    Coded,
    Money,
    leading_quantity,
    parse_date,
    parse_money,
    parse_parenthesised_code,
    parse_programme_title,
    period_of,
)

T = TypeVar("T")

NAME = "keep-eu-page"
TITLE = "keep.eu project page"
#: keep.eu republishes programme data: a programme's own database outranks it on disputes.
RANK = 30

_PARTNERS = re.compile(r"^Partners \((\d+)\)$")
_MAP_BOILERPLATE = {
    "partners map",
    "partners and projects info",
    "lead partner marker",
    "lead partner",
    "project partner marker",
    "project partner",
}
_FIELD_LABELS = {"total budget": "Total budget", "erdf budget": "ERDF budget"}
_PARTNER_FIELDS = ("address:", "legal status:", "total budget:", "erdf budget:", "name:")


def detect(source: SourceFile) -> bool:
    text = source.text or ""
    return all(
        label in text for label in ("Project acronym:", "Total budget/expenditure:", "Partners (")
    )


def read(source: SourceFile, *, strict: bool = False) -> SourceDocument:
    page = PageText(source.require_text())
    record = page.lines[0].text if page.lines else ""  # the title, until the acronym is read

    def required(label: str) -> str:
        value = page.field(label)
        if value is None:
            raise InputError("field is missing", file=source.name, record=record, field=label)
        return value

    def parsed(label: str, parse: Callable[[str], T], value: str | None = None) -> T:
        text = value if value is not None else required(label)
        try:
            return parse(text)
        except ValueParseError as exc:
            raise exc.located(file=source.name, record=record, field=label) from exc

    def money(text: str) -> Money:
        return parse_money(text, decimal_mark=".")

    acronym = required("Project acronym")
    record = acronym
    programme_text = _programme_line(page) or _line_after(page, "Financing programme")
    if not programme_text:
        raise InputError("field is missing", file=source.name, record=record, field="Programme")
    short, full, period = parse_programme_title(programme_text)
    start = parsed("Project start date", parse_date)
    end = parsed("Project end date", parse_date)
    if end < start:
        raise InputError(
            "project ends before it starts",
            file=source.name,
            record=record,
            field="Project end date",
        )
    project = Project(
        programme=Programme(short, full, period or period_of(start)),
        acronym=acronym,
        titles=[Text(required("Project name (EN)"), "en")],
        start=start,
        end=end,
        status=page.field("Project status"),
        total_budget=parsed("Total budget/expenditure", money),
        eu_contribution=parsed("Total EU funding (amount)", money),
    )
    so = page.field("Specific Objective")
    if so:
        project.specific_objective_label = so
    for label, attr in (
        ("Thematic Objective", "thematic_objective"),
        ("Investment Priority", "investment_priority"),
    ):
        if value := page.field(label):
            setattr(project, attr, parsed(label, parse_parenthesised_code, value))
    project.funds = [
        m.group(1) for m in re.finditer(r"^\s*•?\s*([A-Z]{2,6}): Amount", page.raw, re.M)
    ]
    _results(page, project)
    project.participations = _partners(page, source.name, record, money)
    _attach_map_names(page, project)

    doc = SourceDocument(
        path=source.name,
        format=NAME,
        title=f"keep.eu: {acronym}",
        language="en",
        projects=[project],
    )
    if updated := page.field("Date of latest update"):
        doc.modified = parsed("Date of latest update", parse_date, updated)
    return doc


def _programme_line(page: PageText) -> str | None:
    """The header line "Programme 2014 - 2020 INTERREG V-A … (Central Baltic)" (no colon)."""
    i = page.index(lambda t: bool(re.match(r"^Programme:?\s+\S", t)))
    return re.sub(r"^Programme:?\s+", "", page.lines[i].text) if i is not None else None


def _line_after(page: PageText, heading: str) -> str | None:
    i = page.index_of(heading)
    return page.lines[i + 1].text if i is not None and i + 1 < len(page.lines) else None


def _results(page: PageText, project: Project) -> None:
    """The programme indicator the project reports on, then one result per listed item."""
    for label in ("Expected Results (EN)", "Expected Outputs (EN)", "Achievements (EN)"):
        value = page.field(label)
        if not value or value.casefold() == "read more":
            continue
        kind = ResultKind.ACHIEVED if label.startswith("Achievements") else ResultKind.EXPECTED
        if m := re.match(r"^(R\d+(?:\.\d+)*)\.?\s+(.+)$", value):
            project.indicators.append(Coded(m.group(1), m.group(2)))
            continue
        items = [i.strip(" ;.") for i in re.split(r"\s+-\s+|;\s*-\s*", value)]
        listed = items[1:] if len(items) > 1 else items
        project.results.extend(
            Result(Text(item, "en"), kind, leading_quantity(item)) for item in listed if item
        )


def _partners(
    page: PageText, file: str, record: str, money: Callable[[str], Money]
) -> list[Participation]:
    start = page.index(lambda t: bool(_PARTNERS.match(t)))
    if start is None:
        raise InputError("no 'Partners (n)' section", file=file, record=record, field="Partners")
    heading = _PARTNERS.match(page.lines[start].text)
    assert heading is not None  # the line was found by this match
    expected = int(heading.group(1))
    end = page.index_of("Partners map", start) or len(page.lines)
    lines = page.texts(start + 1, end)
    partners: list[Participation] = []
    current: dict[str, str] | None = None
    blocks: list[dict[str, str]] = []
    for i, text in enumerate(lines):
        low = text.casefold()
        if low.startswith("lead partner:"):
            current = {"name": text.split(":", 1)[1].strip(), "role": "lead"}
            blocks.append(current)
        elif (
            not low.startswith(_PARTNER_FIELDS)
            and i + 1 < len(lines)
            and lines[i + 1].casefold() == f"name: {low}"
        ):
            current = {"name": text, "role": "partner"}
            blocks.append(current)
        elif current is not None and ":" in text:
            key, value = text.split(":", 1)
            current.setdefault(key.strip().casefold(), value.strip())
    if len(blocks) != expected:
        raise InputError(
            f"page announces {expected} partners but {len(blocks)} were found (truncated page?)",
            file=file,
            record=record,
            field="Partners",
        )
    for block in blocks:
        where = f"{record} / partner {block['name']!r}"

        def amount(label: str, block: dict[str, str] = block, where: str = where) -> Money | None:
            if label not in block:
                return None
            try:
                return money(block[label])
            except ValueParseError as exc:
                raise exc.located(file=file, record=where, field=_FIELD_LABELS[label]) from exc

        split = split_name(block["name"])
        address = parse_address(block["address"]) if "address" in block else None
        org = Organisation(
            names=[Text(split.name)],
            acronym=split.acronym,
            address=address,
            country=address.country if address else None,
            legal_status=block.get("legal status"),
        )
        partners.append(
            Participation(
                org,
                Role.LEAD_PARTNER if block["role"] == "lead" else Role.PROJECT_PARTNER,
                total_budget=amount("total budget"),
                eu_contribution=amount("erdf budget"),
            )
        )
    return partners


def _attach_map_names(page: PageText, project: Project) -> None:
    """The partners map shows partners under another (often English) name: keep it as theirs.

    Each map name goes to the listed partner whose name shares the most words with it; a
    name that matches no partner, or two equally, is left out rather than guessed.
    """
    start = page.index_of("Partners map")
    end = page.index(lambda t: t.startswith("Project name"), start or 0) if start else None
    if start is None:
        return
    titles = {t.value.casefold() for t in project.titles}
    for text in page.texts(start + 1, end):
        if text.casefold() in _MAP_BOILERPLATE or text.casefold() in titles:
            continue
        scores = [
            (similarity(name_tokens(text), name_tokens(p.organisation.names[0].value)), p)
            for p in project.participations
        ]
        scores.sort(key=lambda s: s[0], reverse=True)
        if scores and scores[0][0] > 0 and (len(scores) == 1 or scores[0][0] > scores[1][0]):
            names = scores[0][1].organisation.names
            if all(n.value.casefold() != text.casefold() for n in names):
                names.append(Text(text))
