"""keep.eu API project JSON (``GET https://keep.eu/api/project/<id>/``): one project per file.

Money comes as decimal strings ("927642.71"), read as Decimal; each partnership carries the
partner's name (original language, English translation), PIC, and ``beneficiary_id`` as
"VAT | other id | description (LANG)".
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from cblod.errors import InputError, ValueParseError
from cblod.linking.identifiers import keep_eu_partner_ids
from cblod.places import country
from cblod.records import (
    Address,
    Organisation,
    Participation,
    Programme,
    Project,
    Role,
    SourceDocument,
    Text,
)
from cblod.sourcefile import SourceFile
from cblod.values import Money, clean_text, is_placeholder, parse_date, parse_programme_title

NAME = "keep-eu-api"
TITLE = "keep.eu API project JSON"
RANK = 30


def detect(source: SourceFile) -> bool:
    text = (source.text or "")[:20000].lstrip()
    return text.startswith("{") and '"partnerships"' in text and '"acronym"' in text


def _money(value, file: str, record: str, field: str) -> Money | None:
    if value is None or (isinstance(value, str) and is_placeholder(value)):
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise InputError(
            f"amount {value!r} is not a number", file=file, record=record, field=field
        ) from None
    if amount < 0:
        raise InputError(f"amount {value!r} is negative", file=file, record=record, field=field)
    return Money(amount)


def read(source: SourceFile) -> SourceDocument:
    data = source.json()
    if not isinstance(data, dict):
        raise InputError("expected a project object", file=source.name)
    file, record = source.name, f"project {data.get('id')} ({data.get('acronym')})"

    def date(field: str):
        value = data.get(field)
        try:
            return (
                parse_date(value) if isinstance(value, str) and not is_placeholder(value) else None
            )
        except ValueParseError as exc:
            raise exc.located(file=file, record=record, field=field) from exc

    acronym = data.get("acronym")
    if not isinstance(acronym, str) or not acronym.strip():
        raise InputError("field is missing", file=file, record=record, field="acronym")
    title = (data.get("programme") or {}).get("title")
    if not isinstance(title, str):
        raise InputError("field is missing", file=file, record=record, field="programme.title")
    short, full, period = parse_programme_title(title)
    translations = data.get("translations") or {}
    project = Project(
        programme=Programme(short, full, period),
        acronym=clean_text(acronym),
        titles=[
            Text(clean_text(t["name"]), lang)
            for lang, t in translations.items()
            if isinstance(t, dict) and t.get("name")
        ],
        descriptions=[
            Text(clean_text(t["description"]), lang)
            for lang, t in translations.items()
            if isinstance(t, dict) and t.get("description")
        ],
        start=date("start_date"),
        end=date("end_date"),
        status=data.get("status") if isinstance(data.get("status"), str) else None,
        total_budget=_money(data.get("total_budget"), file, record, "total_budget"),
        eu_contribution=_money(data.get("eu_funding"), file, record, "eu_funding"),
        code=data.get("project_id") if isinstance(data.get("project_id"), str) else None,
        themes=[
            t["title"] for t in data.get("themes") or [] if isinstance(t, dict) and t.get("title")
        ],
    )
    doc = SourceDocument(
        path=file, format=NAME, title=f"keep.eu API: {project.acronym}", language="en"
    )
    for n, p in enumerate(data.get("partnerships") or [], start=1):
        where = f"{record} / partnership {n}"
        partner = p.get("partner") or {} if isinstance(p, dict) else {}
        if not partner.get("name"):
            raise InputError("partner has no name", file=file, record=where, field="partner.name")
        try:
            found_country = country((partner.get("country") or {}).get("title") or "")
        except ValueParseError as exc:
            raise exc.located(file=file, record=where, field="partner.country") from exc
        names = [Text(clean_text(partner["name"]))]
        names += [
            Text(clean_text(t["name_translated"]), lang)
            for lang, t in (partner.get("translations") or {}).items()
            if isinstance(t, dict) and t.get("name_translated")
        ]
        identifiers = keep_eu_partner_ids(
            p.get("pic"),
            p.get("beneficiary_id"),
            country=found_country.iso2,
            where=where,
            warnings=doc.warnings,
        )
        full = p.get("location_address")
        project.participations.append(
            Participation(
                Organisation(
                    names=names,
                    country=found_country,
                    address=Address(full, None, p.get("postcode"), p.get("town"), found_country)
                    if full
                    else None,
                    legal_status=(p.get("legal_status") or "").casefold() or None,
                    identifiers=identifiers,
                    organisation_type=p.get("organisation_type"),
                ),
                Role.LEAD_PARTNER if p.get("type") == "lead" else Role.PROJECT_PARTNER,
                total_budget=_money(p.get("total_budget"), file, where, "total_budget"),
                eu_contribution=_money(p.get("co_financing_eur"), file, where, "co_financing_eur"),
            )
        )
    doc.projects = [project]
    return doc
