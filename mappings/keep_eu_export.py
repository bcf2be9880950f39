"""keep.eu search export: the XLSX workbook, or its two result sheets saved as CSV.

Sheet "Search results, projects" has a row per project (about 200 columns), "Search results,
partners" a row per partnership (about 140), joined on programme and project acronym. Each CSV
file is a source of its own: a project row and a partner row name the same project URI
(programme and acronym), so they meet in the store whichever arrives first. Dates are Excel
dates in XLSX and ISO text in CSV; rates are text ("80%"). Column names are matched
forgivingly (``cblod.records.tables``).

A bad row (missing acronym, unparseable amount, unknown country) is rejected with its sheet,
row and column and the rest of the file goes in, or, with ``strict``, fails the whole source.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal

from cblod.core.errors import InputError, ValueParseError
from cblod.records.identifiers import keep_eu_partner_ids
from cblod.records.model import (
    Address,
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
from cblod.records.places import Region, country, region_by_code
from cblod.records.sourcefile import SourceFile
from cblod.records.tables import (
    Row,
    csv_rows,
    find_sheet,
    normalise,
    xlsx_row_count,
    xlsx_rows,
    xlsx_sheets,
)
from cblod.records.values import Coded, Money, parse_programme_title, parse_rate, period_of

NAME = "keep-eu-export"
TITLE = "keep.eu search export (XLSX, or its result sheets as CSV)"
RANK = 30
PROJECTS_SHEET = "Search results, projects"
PARTNERS_SHEET = "Search results, partners"
_PROJECT_COLUMNS = {normalise("Project acronym"), normalise("Project's EU funding")}
_PARTNER_COLUMNS = {normalise("Project acronym"), normalise("Lead partner")}


def _csv_kind(text: str) -> str | None:
    header = {normalise(h) for h in re.split(r"[,;]", text.split("\n", 1)[0])}
    if header >= _PROJECT_COLUMNS:
        return "projects"
    if header >= _PARTNER_COLUMNS:
        return "partners"
    return None


def detect(source: SourceFile) -> bool:
    if source.data[:2] == b"PK":
        try:
            names = xlsx_sheets(source.data)
        except Exception:  # not a workbook at all: another mapping's business
            return False
        return bool(find_sheet(names, PROJECTS_SHEET) or find_sheet(names, PARTNERS_SHEET))
    return source.text is not None and _csv_kind(source.text) is not None


#: records per chunk when streaming (``read_chunks``): memory stays flat as files grow
CHUNK_ROWS = 5000


def read(source: SourceFile, *, strict: bool = False) -> SourceDocument:
    """The whole file as one document (``read_chunks`` merged)."""
    doc = _document(source)
    merged: dict[tuple[str | None, str], Project] = {}
    for chunk in read_chunks(source, strict=strict):
        doc.warnings += chunk.warnings
        for project in chunk.projects:
            key = (project.programme.full_name, (project.acronym or "").casefold())
            if key in merged:
                merged[key].participations += project.participations
            else:
                merged[key] = project
    doc.projects = list(merged.values())
    return doc


def read_chunks(
    source: SourceFile, *, strict: bool = False, size: int | None = None
) -> Iterator[SourceDocument]:
    """The file as documents of about ``size`` rows each, read as they stream.

    Partner rows refer to their project by programme and acronym; a workbook's project sheet
    is read whole first (one record per project, needed for the join), partner rows then go
    out in chunks, each with the projects they belong to. A project whose partner rows are
    spread over chunks is described in each (the same statements: one graph holds them once).
    """
    size = size or CHUNK_ROWS  # read when called, so a test can make chunks small
    project_rows, partner_rows, total = _rows(source)
    projects: dict[tuple[str | None, str], Project] = {}
    doc = _document(source)
    for row in project_rows:
        _guarded(row, doc, strict, lambda r: _project_row(r, projects))
    if not partner_rows:
        described = list(projects.values())
        for start in range(0, len(described), size):
            chunk = _document(source)
            chunk.projects = described[start : start + size]
            if start == 0:
                chunk.warnings = doc.warnings
            yield chunk
        if not projects:
            raise InputError("no project or partner rows could be read", file=source.name)
        return
    touched: dict[tuple[str | None, str], Project] = {}
    sent: set[tuple[str | None, str]] = set()
    for rows, row in enumerate(partner_rows, start=1):
        _guarded(row, doc, strict, lambda r: _partner_row(r, projects, touched, doc))
        if touched and rows % size == 0:
            sent.update(touched)
            chunk = _flush(source, doc, touched)
            chunk.progress = min(1.0, row.number / total) if total else None
            yield chunk
    sent.update(touched)
    # described projects no partner row named go out too
    touched.update((k, p) for k, p in projects.items() if k not in sent)
    if not projects:
        raise InputError("no project or partner rows could be read", file=source.name)
    yield _flush(source, doc, touched)


def _document(source: SourceFile) -> SourceDocument:
    return SourceDocument(
        path=source.name, format=NAME, title=f"keep.eu export: {source.path.name}", language="en"
    )


def _flush(
    source: SourceFile, doc: SourceDocument, touched: dict[tuple[str | None, str], Project]
) -> SourceDocument:
    """The projects partner rows touched since the last chunk, with those partners only."""
    chunk = _document(source)
    chunk.projects = [
        dataclasses.replace(project, participations=list(project.participations))
        for project in touched.values()
    ]
    for project in touched.values():
        project.participations.clear()
    chunk.warnings, doc.warnings = doc.warnings, []
    touched.clear()
    return chunk


def _rows(source: SourceFile) -> tuple[Iterable[Row], Iterable[Row] | None, int | None]:
    """(project rows, partner rows or None, partner rows in all if known) of a file."""
    if source.data[:2] == b"PK":
        names = xlsx_sheets(source.data)
        projects_sheet, partners_sheet = (
            find_sheet(names, PROJECTS_SHEET),
            find_sheet(names, PARTNERS_SHEET),
        )
        if not projects_sheet and not partners_sheet:
            raise InputError(
                f"workbook has neither the sheet {PROJECTS_SHEET!r} nor {PARTNERS_SHEET!r}",
                file=source.name,
            )
        # either sheet alone is a workbook too (as cblod's own exports of one list are)
        return (
            xlsx_rows(source.data, source.name, projects_sheet) if projects_sheet else (),
            xlsx_rows(source.data, source.name, partners_sheet) if partners_sheet else None,
            xlsx_row_count(source.data, partners_sheet) if partners_sheet else None,
        )
    text = source.require_text()
    if _csv_kind(text) == "projects":
        return csv_rows(text, source.name, PROJECTS_SHEET), None, None
    return (), csv_rows(text, source.name, PARTNERS_SHEET), text.count("\n")


def _guarded(row: Row, doc: SourceDocument, strict: bool, read_row: Callable[[Row], None]) -> None:
    """Read one row; a bad one fails the source (strict) or is rejected with a warning."""
    try:
        read_row(row)
    except InputError as exc:  # ValueParseError included: it lacks the file and row
        error = exc.located(file=row.file, record=row.where)
        if strict:
            raise error from exc
        doc.warnings.append(f"rejected {row.where}: {error.field or ''}: {error.message}")


def _programme(row: Row) -> Programme:
    title = row.text("Programme")
    if not title:
        raise row.error("Programme", "field is missing")
    short, full, period = parse_programme_title(title)
    return Programme(short, full, period)


def _key(row: Row) -> tuple[Programme, str]:
    acronym = row.text("Project acronym")
    if not acronym:
        raise row.error("Project acronym", "field is missing")
    return _programme(row), acronym


def _money(row: Row, *columns: str) -> Money | None:
    amount = row.decimal(*columns)
    return None if amount is None else Money(amount)


def _rate(row: Row, column: str) -> Decimal | None:
    try:
        return parse_rate(row.raw(column))
    except ValueParseError as exc:
        raise row.error(column, exc.message) from exc


def _coded(text: str | None, pattern: str) -> Coded | None:
    if not text:
        return None
    m = re.match(pattern, text)
    return Coded(m.group(1), m.group(2).strip()) if m else None


def _numbered(row: Row, template: str, limit: int = 20) -> list[str]:
    values = []
    for n in range(1, limit + 1):
        value = row.text(template.format(n=n))
        if value:
            values.append(value)
    return values


def _project_row(row: Row, projects: dict[tuple[str | None, str], Project]) -> None:
    programme, acronym = _key(row)
    start, end = row.date("Project start"), row.date("Project end")
    if start and end and end < start:
        raise row.error("Project end", "project ends before it starts")
    if programme.period is None and start:
        programme.period = period_of(start)
    titles = [Text(t, "en") for t in [row.text("Project name in English")] if t]
    titles += [Text(t) for t in _numbered(row, "Project name in language {n}") if t]
    project = Project(
        programme=programme,
        acronym=acronym,
        titles=titles,
        descriptions=[Text(t, "en") for t in [row.text("Description in English")] if t],
        start=start,
        end=end,
        total_budget=_money(row, "Project's total budget / expenditure", "Total budget"),
        eu_contribution=_money(row, "Project's EU funding", "EU funding"),
        cofinancing_rate=_rate(row, "Union co-financing rate"),
        code=row.text("Project ID (2021-2027 only)", "Project ID"),
        status=row.text("Project status"),
    )
    project.priority = _coded(
        row.text("Programme Priority (2021-2027 only)", "Programme priority"), r"^(\d+)\.?\s+(.+)$"
    )
    project.specific_objective = _coded(
        row.text(
            "Programme specific objective (2021-2027 only)",
            "Specific objective (2014-2020 Interreg and Interreg IPA CBC only)",
            "Specific objective",
        ),
        r"^((?:RSO|ISO)?\d+(?:\.\d+)+)\.?\s+(.+)$",
    )
    # 2014-2020: "03. Enhancing the competitiveness of SMEs", "03d. Supporting the capacity …"
    project.thematic_objective = _coded(
        row.text("Thematic objective (2014-2020 Interreg only)"), r"^(\d{1,2})\.?\s+(.+)$"
    )
    project.investment_priority = _coded(
        row.text("Investment priority (2014-2020 Interreg only)"), r"^(\d{1,2}[a-z]?)\.?\s+(.+)$"
    )
    intervention = row.text("Type of intervention (2021-2027 only)", "Type of intervention")
    if intervention and (m := re.match(r"^(\d{2,3})\b", intervention)):
        project.intervention_fields = [m.group(1)]
    project.funds = [
        f.strip() for f in (row.text("Contributing EU funds") or "").split(",") if f.strip()
    ]
    project.themes = _numbered(row, "Theme {n}")
    if website := row.text("Website"):
        project.websites = [website] if website.startswith("http") else []
    for column, kind in [("Expected Achievements in English", ResultKind.EXPECTED),
                         ("Actual Achievements in English", ResultKind.ACHIEVED)]:  # fmt: skip
        if achievements := row.text(column):
            sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", achievements) if s.strip()]
            project.results += [Result(Text(s, "en"), kind) for s in sentences]
    for output in (row.text("Project Outputs (2021-2027 only)", "Project outputs") or "").split(
        ";"
    ):
        if output.strip():
            project.results.append(Result(Text(output.strip(), "en"), ResultKind.EXPECTED))
    for indicator in ("output", "result"):
        for n in range(1, 21):
            text = row.text(f"Programme {indicator} indicator {n} code and name (2021-2027 only)")
            if text and (coded := _coded(text, r"^([A-Z]+\d+)\s*[-–]\s*(.+)$")):
                unit = row.text(
                    f"Programme {indicator} indicator {n} measurement unit (2021-2027 only)"
                )
                project.indicators.append(dataclasses.replace(coded, unit=unit))
    key = (programme.full_name, acronym.casefold())
    if key in projects:
        raise row.error("Project acronym", f"project {acronym!r} appears twice")
    projects[key] = project


def _partner_row(
    row: Row,
    projects: dict[tuple[str | None, str], Project],
    touched: dict[tuple[str | None, str], Project],
    doc: SourceDocument,
) -> None:
    programme, acronym = _key(row)
    key = (programme.full_name, acronym.casefold())
    project = projects.get(key)
    if project is None:  # a partners-only file: refer to the project, do not describe it
        project = Project(programme=programme, acronym=acronym, reference_only=True)
        projects[key] = project
    names = [Text(t, "en") for t in [row.text("Organisation in English")] if t]
    names += [Text(t) for t in _numbered(row, "Organisation in language {n}")]
    if not names:
        raise row.error("Organisation in English", "partner has no name")
    code = row.text("Country code")
    try:
        found_country = country(code or row.text("Country") or "")
    except ValueParseError:
        raise row.error(
            "Country code", f"unknown country {code or row.text('Country')!r}"
        ) from None
    region = None
    if nuts := row.text("NUTS3 code (or equivalent)", "NUTS3 code"):
        try:
            region = region_by_code(nuts)
        except ValueParseError:
            region = Region(nuts, row.text("NUTS3 (or equivalent)", "NUTS3") or nuts)
    street, postcode, town = row.text("Street"), row.text("Postal code"), row.text("Town")
    full = ", ".join(
        filter(None, [street, " ".join(filter(None, [postcode, town])), found_country.name])
    )
    identifiers = keep_eu_partner_ids(
        row.text("Participant Identification Code", "PIC"),
        row.text("Partner's ID if not PIC"),
        country=found_country.iso2,
        where=row.where,
        warnings=doc.warnings,
    )
    lead = row.flag("Lead partner")
    project.participations.append(
        Participation(
            Organisation(
                names=names,
                country=found_country,
                region=region,
                address=Address(full, street, postcode, town, found_country)
                if street or town
                else None,
                websites=[w for w in [row.text("Website")] if w and w.startswith("http")],
                legal_status=(row.text("Legal status") or "").casefold() or None,
                identifiers=identifiers,
                organisation_type=row.text("Type of Organisation"),
            ),
            Role.LEAD_PARTNER if lead else Role.PROJECT_PARTNER,
            total_budget=_money(
                row, "Partner's total eligible budget / expenditure", "Partner's total budget"
            ),
            eu_contribution=_money(
                row,
                "Partner's programme co-financing (EUR) (2021-2027 only)",
                # 2014-2020: the partner's EU amount under its fund's own heading
                "ERDF contribution (2014-2020 only)",
                "ENPI/ENI contribution (2014-2020 only)",
                "IPA II contribution (2014-2020 only)",
                "Partner's ERDF contribution",
                "Partner's EU co-financing",
            ),
            cofinancing_rate=_rate(row, "Partner's programme co-financing (%) (2021-2027 only)"),
        )
    )
    touched[key] = project
