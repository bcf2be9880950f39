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

from cblod.errors import InputError, ValueParseError
from cblod.linking.identifiers import InvalidIdentifier, read_identifiers, read_pic
from cblod.places import country
from cblod.records import (
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
from cblod.sourcefile import SourceFile
from cblod.values import Coded, Money, clean_text, is_placeholder, parse_date, parse_programme_title

NAME = "jems-keep-export"
TITLE = "Jems keep.eu programme data export (JSON)"
#: the programme's own monitoring system: the most authoritative source there is
RANK = 50
LEGAL_STATUS = {"public": "public", "automaticpublic": "public", "private": "private"}


def detect(source: SourceFile) -> bool:
    text = (source.text or "")[:2000].lstrip()
    return text.startswith("{") and '"programme"' in text and '"programme_name"' in text


class _Record:
    """Field access that names the file, project and field in every error."""

    def __init__(self, data: dict, file: str, record: str) -> None:
        self.data, self.file, self.record = data, file, record

    def error(self, field: str, message: str) -> InputError:
        return InputError(message, file=self.file, record=self.record, field=field)

    def get(self, field: str, kind=str, required: bool = False):
        value = self.data.get(field)
        if value is None or (isinstance(value, str) and is_placeholder(value)):
            if required:
                raise self.error(field, "field is missing")
            return None
        if kind is Decimal and isinstance(value, int | Decimal) and not isinstance(value, bool):
            return Decimal(value)
        if not isinstance(value, kind):
            raise self.error(
                field, f"expected {kind.__name__}, found {type(value).__name__} {value!r}"
            )
        return value

    def money(self, field: str) -> Money | None:
        value = self.get(field, Decimal)
        if value is None:
            return None
        if value < 0:
            raise self.error(field, f"amount {value} is negative")
        return Money(value)

    def date(self, field: str):
        value = self.get(field)
        try:
            return parse_date(value) if value else None
        except ValueParseError as exc:
            raise exc.located(file=self.file, record=self.record, field=field) from exc


def _texts(items, key: str) -> list[Text]:
    return [
        Text(clean_text(item[key]), item.get("language"))
        for item in items or []
        if isinstance(item, dict) and isinstance(item.get(key), str) and item[key].strip()
    ]


def read(source: SourceFile) -> SourceDocument:
    data = source.json()
    programme_data = data.get("programme") if isinstance(data, dict) else None
    if not isinstance(programme_data, dict) or not isinstance(programme_data.get("project"), list):
        raise InputError("no programme.project list", file=source.name, field="programme")
    name = programme_data.get("programme_name")
    if not isinstance(name, str) or not name.strip():
        raise InputError("field is missing", file=source.name, field="programme_name")
    short, full, period = parse_programme_title(name)
    if period is None and isinstance(programme_data.get("period"), str):
        years = programme_data["period"].split("-")
        period = (
            (int(years[0]), int(years[1]))
            if len(years) == 2 and all(y.isdigit() for y in years)
            else None
        )
    programme = Programme(short, full, period)
    doc = SourceDocument(path=source.name, format=NAME, title=f"Jems export: {full}", language=None)
    for n, item in enumerate(programme_data["project"], start=1):
        if not isinstance(item, dict):
            raise InputError("project is not an object", file=source.name, record=f"project {n}")
        doc.projects.append(
            _project(
                _Record(item, source.name, f"project {n} ({item.get('acronym')})"), programme, doc
            )
        )
    return doc


def _project(r: _Record, programme: Programme, doc: SourceDocument) -> Project:
    acronym = r.get("acronym", required=True)
    project = Project(
        programme=programme,
        acronym=clean_text(acronym),
        titles=_texts(r.data.get("multi_languages_name"), "name"),
        descriptions=_texts(r.data.get("multi_languages_description"), "description"),
        start=r.date("project_start_date"),
        end=r.date("project_end_date"),
        total_budget=r.money("total_budget"),
        eu_contribution=r.money("eu_funding_amount"),
    )
    if project.start and project.end and project.end < project.start:
        raise r.error("project_end_date", "project ends before it starts")
    if code := r.get("project_id"):
        project.code = code
    if priority := r.get("programme_priority_code"):
        label = next(
            iter(_texts(r.data.get("multi_languages_programme_priority_name"), "name")), None
        )
        project.priority = Coded(priority, label.value if label else f"Priority {priority}")
    if objective := r.get("priority_specific_objective"):
        project.specific_objective = Coded(objective, objective)
    project.funds = [
        f["fund"]
        for f in r.data.get("funds_cofinancing_amounts") or []
        if isinstance(f, dict) and f.get("fund")
    ]
    project.intervention_fields = [
        str(c) for c in r.data.get("intervention_type") or [] if str(c).strip()
    ]
    for group in r.data.get("multi_languages_expected_achievements") or []:
        texts = _texts(group, "expected_achievements")
        if texts:
            project.results.append(Result(texts[0], ResultKind.EXPECTED, translations=texts[1:]))
    for indicator in r.data.get("project_indicators") or []:
        if isinstance(indicator, dict) and indicator.get("output_indicator_code"):
            titles = _texts(
                indicator.get("output_indicator_title") or indicator.get("output_indicator_name"),
                "name",
            )
            names = _texts(indicator.get("output_indicator_name"), "name")
            code = indicator["output_indicator_code"]
            project.indicators.append(Coded(code, names[0].value if names else code))
            target = indicator.get("output_indicator_delivered")
            if titles:
                target_value = Decimal(target) if isinstance(target, int | Decimal) else None
                project.results.append(
                    Result(
                        titles[0],
                        ResultKind.EXPECTED,
                        (target_value, None) if target_value is not None else None,
                        translations=titles[1:],
                        indicator=code,
                    )
                )
    for m, partner in enumerate(r.data.get("partner") or [], start=1):
        if not isinstance(partner, dict):
            raise r.error("partner", f"partner {m} is not an object")
        project.participations.append(
            _partner(_Record(partner, r.file, f"{r.record} / partner {m}"), doc)
        )
    if not project.participations:
        raise r.error("partner", "project has no partners")
    return project


def _partner(r: _Record, doc: SourceDocument) -> Participation:
    names = _texts(r.data.get("multi_languages_organisation_name"), "name")
    if not names:
        raise r.error("multi_languages_organisation_name", "partner has no name")
    main = next(
        (
            a
            for a in r.data.get("address") or []
            if isinstance(a, dict) and a.get("main_or_department") == "main"
        ),
        None,
    )
    found_country = address = None
    if main:
        try:
            found_country = country(main["country"]) if main.get("country") else None
        except ValueParseError as exc:
            raise exc.located(file=r.file, record=r.record, field="address.country") from exc
        street = " ".join(filter(None, [main.get("street"), main.get("house_number")])) or None
        locality = " ".join(filter(None, [main.get("postal_code"), main.get("town")]))
        full = ", ".join(
            filter(None, [street, locality, found_country.name if found_country else None])
        )
        address = Address(full, street, main.get("postal_code"), main.get("town"), found_country)
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
    )
