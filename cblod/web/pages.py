"""HTML pages for people: one view per kind of thing, built from its description.

Each view asks the few bounded SPARQL queries the read layer writes for its kind (partners of
a project, projects of an organisation: ``cblod.read.page_sections``; a programme's figures:
``cblod.read.figures``), in one query, from the answers kept with the release when they are,
and hands plain values to a Jinja template; every page also carries schema.org JSON-LD and
links to its data formats.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from flask import current_app, g, render_template, url_for
from pyoxigraph import Literal, NamedNode

from ..core.ontology_terms import published_parents, term_labels
from ..core.rdfterms import Term, lexical, wkt_point
from ..core.vocab import CBO, DCTERMS, FOAF, PROV, RDFS, SKOS, sparql_prefixes
from ..derived.facets.partners import participations_of
from ..derived.kept import kept_solutions
from ..query.text import union_of_sections
from ..read.describe import Description, kind_of
from ..read.figures import PROGRAMME_SECTIONS, programme_figures
from ..read.page_sections import organisation_sections, participation_rows, project_sections
from .charts import bar_chart
from .indexes import list_index
from .labels import choose_name, own_name, reader_languages
from .language import with_language
from .links import document_path, href
from .memento import newest_release
from .store_access import current_store

#: not in the generic property table: names have their own section, and a standard term
#: published beside ours (adms:identifier beside cbo:identifier) says the same thing again

HIDDEN = {RDFS.label.value, SKOS.prefLabel.value} | {
    parent.value for parents in published_parents().values() for parent in parents
}


def rows(query: str) -> list[dict[str, Term | None]]:
    """A SELECT's rows, from the answers kept with the snapshot when it is one of them."""
    store, text = current_store(), sparql_prefixes() + query
    results = kept_solutions(store, text) or store.select(text)
    names = [v.value for v in results.variables]
    return [{n: row[n] for n in names} for row in results]


def sections(**queries: str) -> dict[str, list[dict[str, Term | None]]]:
    """The rows of several SELECTs a page needs: asked one by one of a store in this process
    (Oxigraph plans each better alone than their UNION: benchmarks/README.md, issue 26's
    section), in one query of a SPARQL server (``union_of_sections``: one request, not four)."""
    if current_store().layout().lookups_are_local:
        return {name: rows(query) for name, query in queries.items()}
    return sections_of(union_of_sections(queries), *queries)


def sections_of(union: str, *names: str) -> dict[str, list[dict[str, Term | None]]]:
    """The rows of a ``union_of_sections`` query, by section."""
    found: dict[str, list[dict[str, Term | None]]] = {name: [] for name in names}
    for row in rows(union):
        section = row.pop("section")
        if section is not None:
            found.setdefault(lexical(section), []).append(row)
    return found


def value(term: Term | None) -> str | None:
    return None if term is None else lexical(term)


def bound(term: Term | None) -> str:
    """The text of a term the query always binds (a ValueError means the query is wrong)."""
    if term is None:
        raise ValueError("a variable the page needs is unbound")
    return lexical(term)


def decimal(term: Term | None) -> Decimal | None:
    return None if term is None else Decimal(lexical(term))


def link(d: Description, term: Term) -> dict[str, Any]:
    """A value as the templates show it: text, optional href, language or datatype note."""
    if isinstance(term, NamedNode):
        return {"text": d.label(term), "href": href(term.value), "iri": term.value}
    if isinstance(term, Literal):
        note = term.language or ""
        return {"text": term.value, "note": note}
    return {"text": str(term)}


def names(d: Description) -> list[dict[str, Any]]:
    """Every name with its language: preferred first, then alternatives."""
    seen, out = set(), []
    for predicate, kind in (
        (SKOS.prefLabel, "preferred"),
        (SKOS.altLabel, "also known as"),
        (CBO.formerName, "former name"),
    ):
        for term in d.values(predicate):
            if isinstance(term, Literal) and term.value not in seen:
                seen.add(term.value)
                out.append({"text": term.value, "lang": term.language, "kind": kind})
    return out


def properties(d: Description) -> list[dict[str, Any]]:
    """All published statements, grouped by property, for the generic table."""
    labels = term_labels()
    grouped: dict[str, dict[str, Any]] = {}
    for predicate, obj in d.statements:
        if predicate.value in HIDDEN:
            continue
        entry = grouped.setdefault(
            predicate.value,
            {
                # a term of another vocabulary: its local name in words ("sameAs" -> "same as")
                "label": labels.get(predicate.value)
                or re.sub(r"(?<=[a-z])(?=[A-Z])", " ", d.label(predicate)).lower(),
                "href": href(predicate.value),
                "values": [],
            },
        )
        entry["values"].append(link(d, obj))
    return sorted(grouped.values(), key=lambda e: e["label"].casefold())


def sources(d: Description) -> list[dict[str, Any]]:
    """Which source said what: one entry per source graph, with a link to the original page."""
    out = []
    for graph, said in d.by_source.items():
        out.append(
            {
                "title": d.label(NamedNode(graph)),  # its dcterms:title
                "href": href(graph),
                "origin": d.origins.get(graph),
                "statements": [
                    {"property": term_labels().get(p.value) or d.label(p), "value": link(d, o)}
                    for p, o in sorted(said, key=lambda po: po[0].value)
                    if p.value not in HIDDEN and p != PROV.wasDerivedFrom
                ],
            }
        )
    return out


def inbound(d: Description) -> list[dict[str, Any]]:
    """One entry per resource linking here, with the properties it links by: a participation
    says cbo:project and the standard term beside it (org:organization), one link, not two."""
    labels = term_labels()
    by_subject: dict[str, dict[str, Any]] = {}
    for s, p in d.inbound:
        entry = by_subject.setdefault(s.value, {"subject": link(d, s), "properties": []})
        if p.value not in HIDDEN:
            entry["properties"].append(labels.get(p.value) or d.label(p))
    for s, p in d.inbound:  # linked only by a standard term: say that one
        entry = by_subject[s.value]
        if not entry["properties"]:
            entry["properties"].append(labels.get(p.value) or d.label(p))
    return [
        {**entry, "property": ", ".join(dict.fromkeys(entry["properties"]))}
        for entry in by_subject.values()
    ]


def json_ld(d: Description, schema_type: str, **extra: Any) -> str:
    doc = {
        "@context": "https://schema.org",
        "@type": schema_type,
        "@id": d.iri.value,
        "name": d.label(),
        "url": d.iri.value,
        **{k: v for k, v in extra.items() if v},
    }
    return json.dumps(doc, ensure_ascii=False).replace("</", "<\\/")


# -- kinds ----------------------------------------------------------------------------------


def project_view(d: Description) -> dict[str, Any]:
    iri = d.iri.value
    languages = reader_languages()
    found = sections(**project_sections(iri, languages))
    results = sorted(found["results"], key=lambda r: (value(r["text"]) or "", bound(r["result"])))
    partner_rows: list[dict[str, Any]] = [
        {
            "participation": href(bound(r["participation"])),
            "href": href(bound(r["org"])),
            "name": value(r["name"]),
            "lead": r["role"] == CBO.LeadPartner,
            "country": value(r["countryName"]),
            "total": decimal(r["total"]),
            "eu": decimal(r["eu"]),
        }
        for r in found["partners"]
    ]
    # the lead partner first, then by ERDF (largest first, none last), then by name
    partner_rows.sort(
        key=lambda p: (not p["lead"], p["eu"] is None, -(p["eu"] or 0), p["name"] or "", p["href"])
    )
    names_of = {bound(r["org"]): value(r["name"]) or bound(r["org"]) for r in found["partners"]}
    programme = d.value(CBO.programme)
    breadcrumbs = [
        link(d, t) for t in (programme, d.value(CBO.priority), d.value(CBO.specificObjective)) if t
    ]
    return {
        "acronym": value(d.value(CBO.acronym)),
        "titles": names(d),
        "description": [lexical(t) for t in d.values(DCTERMS.description)],
        "breadcrumbs": breadcrumbs,
        "thematic": [
            link(d, t)
            for t in (d.value(CBO.thematicObjective), d.value(CBO.investmentPriority))
            if t
        ],
        "start": value(d.value(CBO.startDate)),
        "end": value(d.value(CBO.endDate)),
        "status": value(d.value(CBO.status)),
        "total": decimal(d.value(CBO.totalBudget)),
        "eu": decimal(d.value(CBO.euContribution)),
        "partners": partner_rows,
        "partner_total": sum(
            (p["total"] for p in partner_rows if p["total"] is not None), Decimal(0)
        ),
        "partner_eu": sum((p["eu"] for p in partner_rows if p["eu"] is not None), Decimal(0)),
        "expected": [_result(r) for r in results if r["kind"] == CBO.Expected],
        "achieved": [_result(r) for r in results if r["kind"] == CBO.Achieved],
        "themes": [link(d, t) for t in d.values(DCTERMS.subject)],
        "pages": [lexical(t) for t in d.values(FOAF.page) + d.values(FOAF.homepage)],
        "json_ld": json_ld(
            d,
            "Project",
            alternateName=value(d.value(CBO.acronym)),
            description=value(d.value(DCTERMS.description)),
            startDate=value(d.value(CBO.startDate)),
            endDate=value(d.value(CBO.endDate)),
            funder={"@type": "FundingScheme", "name": d.label(programme)} if programme else None,
            member=[{"@type": "Organization", "name": r["name"]} for r in partner_rows],
            location=_partner_places(found["points"], names_of),
        ),
        "small_map": small_map(
            [
                (bound(r["org"]), names_of.get(bound(r["org"]), ""), bound(r["wkt"]))
                for r in found["points"]
            ],
            f"Where the partners of {d.label()} are",
        ),
    }


def _result(row: dict[str, Term | None]) -> dict[str, Any]:
    return {"href": href(bound(row["result"])), "text": value(row["text"])}


def organisation_view(d: Description) -> dict[str, Any]:
    iri = d.iri.value
    # which participations to show, and what all of them add up to: from the facet index
    mine = participations_of(
        list_index("participations"), iri, current_app.config["ORGANISATION_PROJECTS_SHOWN"]
    )
    queries = organisation_sections(iri)
    if mine.latest:
        queries["projects"] = participation_rows(mine.latest, reader_languages())
    found = {"projects": [], **sections(**queries)}
    addresses = sorted(bound(r["full"]) for r in found["address"])
    address_text = addresses[0] if addresses else None
    identifiers = sorted(
        found["identifiers"], key=lambda r: (bound(r["identifier"]), bound(r["id"]))
    )
    project_rows = [
        {
            "href": href(bound(r["project"])),
            "acronym": value(r["acronym"]),
            "title": value(r["title"]),
            "lead": r["role"] == CBO.LeadPartner,
            "total": decimal(r["total"]),
            "eu": decimal(r["eu"]),
            "start": value(r["start"]),
        }
        for r in found["projects"]
    ]
    # the latest first (no start date last), then by acronym
    project_rows.sort(key=lambda p: (p["acronym"] or "", p["href"]))
    project_rows.sort(key=lambda p: p["start"] or "", reverse=True)
    country, region = d.value(CBO.country), d.value(CBO.region)
    return {
        "names": names(d),
        "acronym": value(d.value(CBO.acronym)),
        "is_cluster": CBO.Cluster.value in d.types.get(iri, ()),
        "address": address_text,
        "country": link(d, country) if country else None,
        "region": {
            "text": d.label(region),
            "href": lexical(region),
            "code": lexical(region).rsplit("/", 1)[-1],
        }
        if region
        else None,
        "legal_status": link(d, status) if (status := d.value(CBO.legalStatus)) else None,
        "websites": [lexical(t) for t in d.values(FOAF.homepage)],
        "identifiers": [
            {
                "label": value(r["identifier"]),
                "page": value(r["page"]),
                "href": href(bound(r["id"])),
            }
            for r in identifiers
        ],
        "selected_for": [link(d, t) for t in d.values(CBO.selectedFor)],
        "projects": project_rows,
        "project_count": mine.count,
        # the rest are in the participations list, filtered to this organisation
        "all_projects": url_for("faceted.participations", organisation=iri)
        if mine.count > len(project_rows)
        else None,
        # each participation once, all of them (not only those shown): what its projects gave it
        "projects_total": mine.budget,
        "projects_eu": mine.funding,
        "json_ld": json_ld(
            d,
            "Organization",
            alternateName=[n["text"] for n in names(d)[1:]],
            address=address_text,
            url=lexical((d.values(FOAF.homepage) or [d.iri])[0]),
            geo=_geo(found["points"]),
        ),
        "small_map": small_map(
            [(iri, d.label(), bound(r["wkt"])) for r in found["points"]],
            f"Where {d.label()} is",
            url_for("map.map_page", list="participations", organisation=iri),
        ),
    }


def small_map(
    points: list[tuple[str, str, str]], label: str, link: str | None = None
) -> dict[str, Any] | None:
    """A page's small map (``cblod-map.js``) of ``points`` (IRI, name, WKT), inline as
    GeoJSON; None when none is known."""
    # in one order whatever the engine's: by organisation, then place
    placed = sorted(
        (iri, at, name) for iri, name, wkt in points if (at := wkt_point(wkt)) is not None
    )
    features = [
        {"type": "Feature", "id": iri, "properties": {"uri": iri, "name": name, "href": href(iri)},
         "geometry": {"type": "Point", "coordinates": list(at)}}
        for iri, at, name in placed
    ]  # fmt: skip
    if not features:
        return None
    collection = {"type": "FeatureCollection", "features": features}
    return {"points": json.dumps(collection, ensure_ascii=False), "label": label, "link": link}


#: how precise each way of placing an organisation is, the most precise first
PLACING_ORDER = (CBO.SourceCoordinates, CBO.TownCentre, CBO.PostalCodeCentre, CBO.RegionPoint)


def _geo(points: list[dict[str, Term | None]]) -> dict[str, Any] | None:
    """schema.org's ``geo`` of the most precise of an organisation's points (``cbo:placedBy``),
    from its WKT (``POINT(longitude latitude)``)."""
    ranked = sorted(
        (PLACING_ORDER.index(r["method"]) if r["method"] in PLACING_ORDER else len(PLACING_ORDER),
         bound(r["wkt"]))
        for r in points
    )  # fmt: skip
    for _, wkt in ranked:
        at = wkt_point(wkt)
        if at is not None:
            return {"@type": "GeoCoordinates", "longitude": at[0], "latitude": at[1]}
    return None


def _partner_places(
    points: list[dict[str, Term | None]], names_of: dict[str, str]
) -> list[dict[str, Any]] | None:
    """A project's places in schema.org: where each placed partner is (its most precise
    point), for search engines as for the small map."""
    by_partner: dict[str, list[dict[str, Term | None]]] = {}
    for row in points:
        by_partner.setdefault(bound(row["org"]), []).append(row)
    places = [
        {"@type": "Place", "name": names_of.get(org, org), "geo": geo}
        for org, rows in sorted(by_partner.items())
        if (geo := _geo(rows)) is not None
    ]
    return places or None


def programme_view(d: Description) -> dict[str, Any]:
    figures = sections_of(programme_figures(d.iri.value), *PROGRAMME_SECTIONS)
    languages = reader_languages()
    structure = _named(figures["structure"], "thing", languages)
    projects = _named(figures["projects"], "project", languages)
    countries = _named(figures["by_country"], "where", languages)
    structure.sort(key=lambda r: (value(r["code"]) or "", r["label"] or "", bound(r["thing"])))
    projects.sort(key=lambda r: (value(r["acronym"]) or "", bound(r["project"])))
    bars = sorted(
        ((r["label"] or bound(r["where"]), Decimal(bound(r["erdf"]))) for r in countries),
        key=lambda bar: (-bar[1], bar[0]),
    )
    (total,) = figures["total"] or [{"projects": None}]

    def item(r: dict[str, Any]) -> dict[str, str | None]:
        return {"href": href(bound(r["thing"])), "code": value(r["code"]), "label": r["label"]}

    return {
        "names": names(d),
        "period": (value(d.value(CBO.periodStart)), value(d.value(CBO.periodEnd))),
        "priorities": [item(r) for r in structure if r["type"] == CBO.Priority],
        "objectives": [item(r) for r in structure if r["type"] == CBO.SpecificObjective],
        "indicators": [item(r) for r in structure if r["type"] == CBO.Indicator],
        "project_count": int(bound(total["projects"]) or 0),
        # a sum over no stated amount is no amount, not "0 EUR"
        "programme_eu": decimal(total.get("programmeEU")) or None,
        "programme_budget": decimal(total.get("programmeBudget")) or None,
        "with_eu": int(value(total.get("withEU")) or 0),
        "projects": [
            {
                "href": href(bound(r["project"])),
                "acronym": value(r["acronym"]),
                "title": r["label"],
                "eu": decimal(r["projectEU"]),
            }
            for r in projects
        ],
        "chart": bar_chart(bars, title="ERDF by partner country (EUR)") if bars else None,
        "json_ld": json_ld(d, "FundingScheme"),
        "small_map": {
            "geojson": url_for("faceted.participations", programme=d.iri.value, format="geojson"),
            "label": f"Where the partners of {d.label()}'s projects are",
            "link": url_for("map.map_page", list="participations", programme=d.iri.value),
        },
    }


def _named(
    found: list[dict[str, Term | None]], key: str, languages: tuple[str, ...]
) -> list[dict[str, Any]]:
    """One row per ``key`` from rows with one ``?name`` each, under the name the reader is
    shown (``label``)."""
    rows_by: dict[str, dict[str, Any]] = {}
    names_by: dict[str, list[Literal]] = {}
    for row in found:
        iri = bound(row[key])
        rows_by.setdefault(iri, row)
        name = row["name"]
        if isinstance(name, Literal):
            names_by.setdefault(iri, []).append(name)
    return [
        {**row, "label": choose_name(names_by.get(iri, []), languages)}
        for iri, row in rows_by.items()
    ]


VIEWS = {
    "Project": ("project.html", project_view),
    "Organisation": ("organisation.html", organisation_view),
    "Cluster": ("organisation.html", organisation_view),
    "Programme": ("programme.html", programme_view),
}


def _generic_view(d: Description) -> dict[str, Any]:
    return {"json_ld": json_ld(d, "Thing")}


def render_page(kind: str, key: str, d: Description) -> str:
    cls = kind_of(d)
    template, view = VIEWS.get(cls or "", ("resource.html", _generic_view))
    formats = [
        (
            ext.upper() if ext != "jsonld" else "JSON-LD",
            document_path(kind, f"{key}.{ext}"),
        )
        for ext in ("ttl", "jsonld", "nt", "rdf")
    ]
    # one entry per name: cbo:Project first, schema:Project (the same word) not again
    named: dict[str, dict[str, str]] = {}
    for t in sorted(d.types.get(d.iri.value, ()), key=lambda t: (not t.startswith(str(CBO)), t)):
        text = term_labels().get(t) or re.split(r"[/#]", t)[-1]
        named.setdefault(text.casefold(), {"text": text, "href": href(t)})
    types = list(named.values())
    title = own_name(d, reader_languages())
    return render_template(
        template,
        d=d,
        # releases (and so a history) are the embedded store's
        history=with_language(url_for("memento.timemap", kind=kind, key=key))
        if current_store().releases is not None
        else None,
        release=g.get("cblod_release"),
        newest=newest_release(),
        current=with_language(document_path(kind, key)),
        title=title.value if title is not None else d.label(),
        # marked when it is not the interface's English (WCAG 3.1.2, language of parts)
        title_lang=title.language
        if title is not None and title.language and title.language.split("-")[0] != "en"
        else None,
        kind=kind,
        types=types,
        formats=formats,
        properties=properties(d),
        sources=sources(d),
        inbound=inbound(d),
        inbound_next=d.inbound_offset + len(d.inbound)
        if d.inbound_offset + len(d.inbound) < d.inbound_total
        else None,
        **view(d),
    )
