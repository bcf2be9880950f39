"""Jems "keep.eu programme data export json": a whole programme's projects from its monitoring system.

The plugin writes one JSON object ``{"programme": {"programme_name", "period", "call": [...],
"project": [...]}}``. Amounts are Java BigDecimals written with their scale, so they are read
as ``Decimal`` (never floats). Names and descriptions come in several languages; the
original-language organisation name has no language key. Partner countries are Jems strings
("Suomi/Finland (FI)"); "VAT or other id" holds anything from a VAT number to "N/A".

Quirks of the plugin that are read as what they are: ``*_delivered`` indicator values are
targets (published as expected results), ``legal_status`` is the co-financing status
(Public/Private/AutomaticPublic), and ``result_indicator_code`` repeats the output indicator.
"""

from __future__ import annotations

from decimal import Decimal

from cblod.core.errors import InputError, ValueParseError
from cblod.records.identifiers import InvalidIdentifier, read_identifiers, read_pic
from cblod.records.jsonrecords import JsonRecord
from cblod.records.model import (
    Address,
    Call,
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
from cblod.records.places import country
from cblod.records.sourcefile import SourceFile
from cblod.records.values import Coded, clean_text, parse_programme_title

NAME = "jems-keep-export"
TITLE = "Jems keep.eu programme data export (JSON)"
#: the programme's own monitoring system: the most authoritative source there is
RANK = 50
LEGAL_STATUS = {"public": "public", "automaticpublic": "public", "private": "private"}


def detect(source: SourceFile) -> bool:
    text = (source.text or "")[:2000].lstrip()
    return text.startswith("{") and '"programme"' in text and '"programme_name"' in text


def _texts(r: JsonRecord, field: str, key: str) -> list[Text]:
    return [Text(clean_text(text), language) for text, language in r.texts(field, key)]


def read(source: SourceFile, *, strict: bool = False) -> SourceDocument:
    data = source.json()
    top = JsonRecord(data, source.name, "file")
    programme_data = top.child("programme")
    if programme_data is None or not isinstance(programme_data.data.get("project"), list):
        raise InputError("no programme.project list", file=source.name, field="programme")
    name = programme_data.get("programme_name", required=True)
    short, full, period = parse_programme_title(name)
    if period is None and (written := programme_data.get("period")):
        years = written.split("-")
        period = (
            (int(years[0]), int(years[1]))
            if len(years) == 2 and all(y.isdigit() for y in years)
            else None
        )
    programme = Programme(short, full, period)
    doc = SourceDocument(path=source.name, format=NAME, title=f"Jems export: {full}", language=None)
    calls = {}
    for call in programme_data.items("call", each="call"):
        number = call.get("serial_number", required=True)
        calls[number] = Call(number, call.date("call_start_date"), call.date("call_end_date"))
    for n, item in enumerate(programme_data.data["project"], start=1):
        acronym = item.get("acronym") if isinstance(item, dict) else None
        record = JsonRecord(item, source.name, f"project {n} ({acronym})")
        project = _project(record, programme, doc)
        if number := record.get("call_serial_number"):
            project.call = calls.get(number) or Call(number)
        doc.projects.append(project)
    return doc


def _project(r: JsonRecord, programme: Programme, doc: SourceDocument) -> Project:
    acronym = r.get("acronym", required=True)
    project = Project(
        programme=programme,
        acronym=clean_text(acronym),
        titles=_texts(r, "multi_languages_name", "name"),
        descriptions=_texts(r, "multi_languages_description", "description"),
        start=r.date("project_start_date"),
        end=r.date("project_end_date"),
        total_budget=r.money("total_budget"),
        eu_contribution=r.money("eu_funding_amount"),
        cofinancing_rate=r.rate("eu_funding_cofinancing_rate"),
    )
    if project.start and project.end and project.end < project.start:
        raise r.error("project_end_date", "project ends before it starts")
    if code := r.get("project_id"):
        project.code = code
    if priority := r.get("programme_priority_code"):
        label = next(iter(_texts(r, "multi_languages_programme_priority_name", "name")), None)
        project.priority = Coded(priority, label.value if label else f"Priority {priority}")
    if objective := r.get("priority_specific_objective"):
        project.specific_objective = Coded(objective, objective)
    project.funds = [f for item in r.items("funds_cofinancing_amounts") if (f := item.get("fund"))]
    for n, code in enumerate(r.get("intervention_type", list) or []):
        if not isinstance(code, str | int) or isinstance(code, bool):
            raise r.error(f"intervention_type[{n}]", f"expected a code, found {code!r:.60}")
        if str(code).strip():
            project.intervention_fields.append(str(code).strip())
    for n, group in enumerate(r.get("multi_languages_expected_achievements", list) or []):
        if not isinstance(group, list):
            raise r.error(f"multi_languages_expected_achievements[{n}]", "expected a list of texts")
        wrapped = JsonRecord(
            {"texts": group},
            r.file,
            r.record,
            path=r._field(f"multi_languages_expected_achievements[{n}]"),
        )
        texts = _texts(wrapped, "texts", "expected_achievements")
        if texts:
            project.results.append(Result(texts[0], ResultKind.EXPECTED, translations=texts[1:]))
    for indicator in r.items("project_indicators"):
        code = indicator.get("output_indicator_code")
        if not code:
            continue
        names = _texts(indicator, "output_indicator_name", "name")
        titles = _texts(indicator, "output_indicator_title", "name") or names
        project.indicators.append(Coded(code, names[0].value if names else code))
        target = indicator.get("output_indicator_delivered", Decimal)
        if titles:
            project.results.append(
                Result(
                    titles[0],
                    ResultKind.EXPECTED,
                    (target, None) if target is not None else None,
                    translations=titles[1:],
                    indicator=code,
                )
            )
    for partner in r.items("partner", each="partner"):
        project.participations.append(_partner(partner, doc))
    if not project.participations:
        raise r.error("partner", "project has no partners")
    return project


def _partner(r: JsonRecord, doc: SourceDocument) -> Participation:
    names = _texts(r, "multi_languages_organisation_name", "name")
    if not names:
        raise r.error("multi_languages_organisation_name", "partner has no name")
    main = next((a for a in r.items("address") if a.get("main_or_department") == "main"), None)
    found_country = address = None
    if main:
        try:
            found_country = country(written) if (written := main.get("country")) else None
        except ValueParseError as exc:
            raise exc.located(file=r.file, record=r.record, field="address.country") from exc
        town, postcode = main.get("town"), main.get("postal_code")
        street = " ".join(filter(None, [main.get("street"), main.get("house_number")])) or None
        locality = " ".join(filter(None, [postcode, town]))
        full = ", ".join(
            filter(None, [street, locality, found_country.name if found_country else None])
        )
        address = Address(full, street, postcode, town, found_country)
    identifiers = []
    try:
        if pic := read_pic(r.get("participant_identification_code")):
            identifiers.append(pic)
        identifiers += read_identifiers(
            r.get("participant_id_no_pic"), country=found_country.iso2 if found_country else None
        )
    except InvalidIdentifier as exc:
        doc.warnings.append(f"{r.record}: identifier not published: {exc}")
    role = r.get("partner_type", required=True).casefold()
    if role not in ("lead", "project"):
        raise r.error("partner_type", f"unknown partner type {role!r} (lead or project)")
    website = r.get("website")
    status = r.get("legal_status")
    return Participation(
        Organisation(
            names=names,
            country=found_country,
            address=address,
            websites=[website] if website and website.startswith("http") else [],
            legal_status=LEGAL_STATUS.get(status.casefold()) if status else None,
            identifiers=list(dict.fromkeys(identifiers)),
            organisation_type=r.get("organisation_type"),
        ),
        Role.LEAD_PARTNER if role == "lead" else Role.PROJECT_PARTNER,
        total_budget=r.money("total_eligible_budget"),
        eu_contribution=r.money("cofinancing_amount"),
        cofinancing_rate=r.rate("cofinancing_rate"),
    )
