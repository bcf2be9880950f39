"""keep.eu API project JSON (``GET https://keep.eu/api/project/<id>/``): one project per file.

Money comes as decimal strings ("927642.71"), read as Decimal; each partnership carries the
partner's name (original language, English translation), PIC, and ``beneficiary_id`` as
"VAT | other id | description (LANG)".
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from cblod.core.errors import ValueParseError
from cblod.records.identifiers import keep_eu_partner_ids
from cblod.records.jsonrecords import JsonRecord
from cblod.records.model import (
    Address,
    Organisation,
    Participation,
    Programme,
    Project,
    Role,
    SourceDocument,
    Text,
)
from cblod.records.places import country
from cblod.records.sourcefile import SourceFile
from cblod.records.values import clean_text, parse_programme_title

NAME = "keep-eu-api"
TITLE = "keep.eu API project JSON"
RANK = 30


def detect(source: SourceFile) -> bool:
    text = (source.text or "")[:20000].lstrip()
    return text.startswith("{") and '"partnerships"' in text and '"acronym"' in text


def read(source: SourceFile, *, strict: bool = False) -> SourceDocument:
    data = source.json()
    where = (
        f"project {data.get('id')} ({data.get('acronym')})" if isinstance(data, dict) else "file"
    )
    r = JsonRecord(data, source.name, where)
    acronym = r.get("acronym", required=True)
    programme = r.child("programme")
    if programme is None:
        raise r.error("programme", "field is missing")
    short, full, period = parse_programme_title(programme.get("title", required=True))
    titles, descriptions = [], []
    if translations := r.child("translations"):
        for language in translations.language_keys():
            translated = translations.child(language)
            if translated and (name := translated.get("name")):
                titles.append(Text(clean_text(name), language))
            if translated and (description := translated.get("description")):
                descriptions.append(Text(clean_text(description), language))
    project = Project(
        programme=Programme(short, full, period),
        acronym=clean_text(acronym),
        titles=titles,
        descriptions=descriptions,
        start=r.date("start_date"),
        end=r.date("end_date"),
        status=r.get("status"),
        total_budget=r.money("total_budget", as_text=True),
        eu_contribution=r.money("eu_funding", as_text=True),
        cofinancing_rate=r.rate("union_co_financing_rate"),
        code=r.get("project_id"),
        themes=[title for theme in r.items("themes") if (title := theme.get("title"))],
    )
    doc = SourceDocument(
        path=source.name, format=NAME, title=f"keep.eu API: {project.acronym}", language="en"
    )
    for p in r.items("partnerships", each="partnership"):
        project.participations.append(_participation(p, doc))
    doc.projects = [project]
    return doc


def _participation(p: JsonRecord, doc: SourceDocument) -> Participation:
    partner = p.child("partner")
    if partner is None or not (name := partner.get("name")):
        raise p.error("partner.name", "partner has no name")
    place = partner.child("country")
    try:
        found_country = country(place.get("title") or "" if place else "")
    except ValueParseError as exc:
        raise exc.located(file=p.file, record=p.record, field="partner.country") from exc
    names = [Text(clean_text(name))]
    if translations := partner.child("translations"):
        for language in translations.language_keys():
            translated = translations.child(language)
            if translated and (text := translated.get("name_translated")):
                names.append(Text(clean_text(text), language))
    identifiers = keep_eu_partner_ids(
        p.get("pic"),
        p.get("beneficiary_id"),
        country=found_country.iso2,
        where=p.record,
        warnings=doc.warnings,
    )
    full = p.get("location_address")
    address = Address(full, None, p.get("postcode"), p.get("town"), found_country) if full else None
    if address and (point := p.child("location_json")):
        latitude, longitude = point.get("lat", Decimal), point.get("lng", Decimal)
        if latitude is not None and longitude is not None:
            if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
                raise point.error("lat", f"({latitude}, {longitude}) is not a place on Earth")
            address = dataclasses.replace(address, latitude=latitude, longitude=longitude)
    return Participation(
        Organisation(
            names=names,
            country=found_country,
            address=address,
            legal_status=(p.get("legal_status") or "").casefold() or None,
            identifiers=identifiers,
            organisation_type=p.get("organisation_type"),
        ),
        Role.LEAD_PARTNER if p.get("type") == "lead" else Role.PROJECT_PARTNER,
        total_budget=p.money("total_budget", as_text=True),
        eu_contribution=p.money("co_financing_eur", as_text=True),
    )
