"""Central Baltic programme project database: the project page and its print view.

``database.centralbaltic.eu/project/<n>`` shows acronym, title, priority ("P1 Competitive
economy"), specific objective ("1.3. More exports…"), duration "01.04.2019 - 31.12.2021" and
amounts written "265.583 EUR" (point = thousands separator, rounded to the euro). The print view
(``/printview/<n>``, usually met as a Markdown conversion) labels the same fields ("Programme
Priority:", "Duration:") and adds partner websites, results "at a glance", tags and its URL.
The database holds only this programme's projects, and is in English.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

from cblod.core.errors import InputError, ValueParseError
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
from cblod.records.names import split_name
from cblod.records.pagetext import PageText
from cblod.records.places import country
from cblod.records.sourcefile import SourceFile
from cblod.records.values import (
    Money,
    leading_quantity,
    parse_date_range,
    parse_dotted_code,
    parse_money,
    parse_priority,
    period_of,
)

T = TypeVar("T")

NAME = "centralbaltic-db"
TITLE = "Central Baltic project database page or print view"
RANK = 40
PROGRAMME = "Central Baltic"

_PRIORITY_LINE = re.compile(r"^P\d+\s+\S")
_SO_LINE = re.compile(r"^\d+\.\d+\.?\s+\S")
_RANGE_LINE = re.compile(r"^\d{1,2}\.\d{1,2}\.\d{4}\s*[-–]\s*\d{1,2}\.\d{1,2}\.\d{4}$")
_HEADINGS = (
    "lead partner",
    "project partners",
    "partners",
    "map of partners",
    "results",
    "expected results",
    "achieved results",
    "internet presence",
    "at a glance",
    "tags",
    "project visibility",
    "project page in database",
)


def detect(source: SourceFile) -> bool:
    text = source.text or ""
    return "Partner budget:" in text and "Amount of ERDF funding:" in text


def read(source: SourceFile, *, strict: bool = False) -> SourceDocument:
    page = PageText(source.require_text())
    money = lambda text: parse_money(text, decimal_mark=",")  # noqa: E731
    acronym, title = _title(page)
    record = acronym or title

    def parse(label: str, parser: Callable[[str], T], text: str) -> T:
        try:
            return parser(text)
        except ValueParseError as exc:
            raise exc.located(file=source.name, record=record, field=label) from exc

    duration = page.field("Duration") or _first(page, _RANGE_LINE.match)
    if duration is None:
        raise InputError("no project duration", file=source.name, record=record, field="Duration")
    start, end = parse("Duration", parse_date_range, duration)
    project = Project(
        programme=Programme(PROGRAMME, period=period_of(start)),
        acronym=acronym,
        titles=[Text(title, "en")],
        start=start,
        end=end,
    )
    priority = page.field("Programme Priority") or _first(page, _PRIORITY_LINE.match)
    if priority:
        project.priority = parse("Programme Priority", parse_priority, priority)
    objective = page.field("Programme Specific Objective") or _first(page, _SO_LINE.match)
    if objective:
        project.specific_objective = parse(
            "Programme Specific Objective", parse_dotted_code, objective
        )
    project.sub_programme = page.field("Sub-programme") or _sub_programme(page)
    totals = [line.text for line in page.lines if line.text.startswith("€")]
    total = page.field("Total funding") or (totals[0] if totals else None)
    erdf = page.field("ERDF funding") or (totals[1] if len(totals) > 1 else None)
    if total:
        project.total_budget = parse("Total funding", money, total)
    if erdf:
        project.eu_contribution = parse("ERDF funding", money, erdf)
        project.funds = ["ERDF"]
    if summary := _section(page, "Project Summary:"):
        project.descriptions = [Text("\n\n".join(summary), "en")]
    project.participations = _partners(page, source.name, record, money)
    if not project.participations:
        raise InputError("no partners found", file=source.name, record=record, field="Partners")
    project.results = _results(page)
    project.themes = _section(page, "Tags")
    for _label, url in (link for line in page.lines for link in line.links):
        if "/project/" in url and url.startswith("http"):
            project.pages.append(url)

    origin = page.field("Source URL")
    return SourceDocument(
        path=source.name,
        format=NAME,
        title=f"Central Baltic database: {acronym or title}",
        origin_url=origin.strip("<>") if origin else None,
        language="en",
        projects=[project],
    )


def _first(page: PageText, predicate: Callable[[str], object]) -> str | None:
    i = page.index(predicate)
    return page.lines[i].text if i is not None else None


def _title(page: PageText) -> tuple[str | None, str]:
    """Page: acronym line, then title line. Print view: "Title (ACRONYM)" on one line."""
    first = page.lines[0].text if page.lines else ""
    if m := re.match(r"^(.+?)\s*\(([^()]+)\)$", first):
        return m.group(2).strip(), m.group(1).strip()
    second = page.lines[1].text if len(page.lines) > 1 else ""
    if second and not _PRIORITY_LINE.match(second) and ":" not in second:
        return first, second
    return None, first


def _sub_programme(page: PageText) -> str | None:
    i = page.index(_SO_LINE.match)
    if i is not None and i + 1 < len(page.lines):
        text = page.lines[i + 1].text
        if not _RANGE_LINE.match(text) and not text.startswith("€") and ":" not in text:
            return text
    return None


def _ends_section(text: str) -> bool:
    """A known heading, or a short "Label:" line, closes the section before it."""
    return text.casefold().rstrip(":") in _HEADINGS or (text.endswith(":") and len(text) < 40)


def _section(page: PageText, heading: str) -> list[str]:
    """The lines after ``heading`` up to the next known heading."""
    i = page.index_of(heading)
    if i is None:
        return []
    out = []
    for line in page.lines[i + 1 :]:
        if _ends_section(line.text):
            break
        out.append(line.text)
    return out


def _partners(
    page: PageText, file: str, record: str | None, money: Callable[[str], Money]
) -> list[Participation]:
    """Each "Country:" line closes a partner's name; budgets follow it."""
    lead_at = page.index_of("Lead Partner")
    partners_at = page.index_of("Project Partners")
    participations: list[Participation] = []
    country_lines = [i for i, line in enumerate(page.lines) if line.text.startswith("Country:")]
    for n, i in enumerate(country_lines):
        j = i - 1
        websites: list[str] = []
        while j >= 0 and page.lines[j].links and not page.lines[j].text.startswith("Country:"):
            websites.extend(url for _, url in page.lines[j].links)
            j -= 1
        name = page.lines[j].text
        stop = country_lines[n + 1] - 1 if n + 1 < len(country_lines) else len(page.lines)
        where = f"{record} / partner {name!r}"
        k = i + 1
        while k < stop and page.lines[k].links:
            websites.extend(url for _, url in page.lines[k].links)
            k += 1
        try:
            found_country = country(page.lines[i].text.split(":", 1)[1])
            total = page.field("Partner budget", i, stop)
            erdf = page.field("Amount of ERDF funding", i, stop)
            total_money = money(total) if total else None
            erdf_money = money(erdf) if erdf else None
        except ValueParseError as exc:
            raise exc.located(
                file=file, record=where, field="Partner budget / ERDF / Country"
            ) from exc
        is_lead = lead_at is not None and lead_at < j and (partners_at is None or j < partners_at)
        split = split_name(name)
        participations.append(
            Participation(
                Organisation(
                    names=[Text(split.name)],
                    acronym=split.acronym,
                    country=found_country,
                    websites=websites,
                ),
                Role.LEAD_PARTNER if is_lead else Role.PROJECT_PARTNER,
                total_budget=total_money,
                eu_contribution=erdf_money,
            )
        )
    return participations


def _results(page: PageText) -> list[Result]:
    results = []
    for text in _section(page, "Expected results"):
        if text.startswith(("-", "•", "*")):
            item = text.lstrip("-•* ").rstrip(" ;.")
            results.append(Result(Text(item, "en"), ResultKind.EXPECTED, leading_quantity(item)))
    for text in _section(page, "At a glance"):
        results.append(Result(Text(text, "en"), ResultKind.ACHIEVED, leading_quantity(text)))
    return results
