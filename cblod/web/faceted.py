"""``/projects``, ``/participations``, ``/organisations``: faceted lists, and their exports.

Each page counts every facet value given the reader's other filters, lists the first page of
matches, shows the SPARQL that selects them, and offers the whole list in every format
(``?format=csv|xlsx|json|geojson|ttl|nt|jsonld``, or by ``Accept``). Everything is answered from the
snapshot's facet index (``cblod.derived.facets``), loaded once per snapshot (built by the first
request where an ingest did not keep one: a SPARQL-server backend).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any
from urllib.parse import urlencode

import numpy as np
import numpy.typing as npt
from flask import (
    Blueprint,
    Response,
    abort,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from ..core.vocab import sparql_prefixes
from ..derived.facets import export, sparql
from ..derived.facets.index import ListIndex
from ..derived.facets.selection import BadFilter, Count, Outcome, Selection, evaluate, parse
from ..derived.facets.spec import LISTS, NUTS, Facet
from ..derived.search import matching
from ..read.chosen_names import choose
from .indexes import list_index
from .labels import reader_languages, vary_on_language
from .language import carried, with_language
from .links import href
from .lists import past_the_end, requested_page
from .store_access import current_store, memos

blueprint = Blueprint("faceted", __name__)
PAGE_SIZE = 50
#: values a facet shows before "all values", and at most with it
SHOWN_VALUES, ALL_VALUES = 10, 500
#: columns of the kept rows (``cblod.derived.facets.table``) a page shows, per list
PAGE_COLUMNS = {
    "projects": ("Project acronym", "Programme", "Project start", "Project's EU funding"),
    "participations": (
        "Project acronym",
        "Country",
        "Lead partner",
        "Partner's total eligible budget / expenditure",
        "Partner's programme co-financing (EUR) (2021-2027 only)",
    ),
    "organisations": ("Country", "Number of projects", "EU contribution received"),
}
MONEY_COLUMNS = frozenset(
    h for h in (c for cs in PAGE_COLUMNS.values() for c in cs) if "EUR" in h or "budget" in h
) | {"Project's EU funding", "EU contribution received"}


def _order(index: ListIndex, sort: str, languages: tuple[str, ...]) -> npt.NDArray[np.int64]:
    """Every item's ordinal in the page's order: by the chosen name, or by an amount (largest
    first, items without one last); ties by IRI. Kept per snapshot, sort and languages."""
    key = (index.spec.name, sort, languages if sort == "name" else ())

    def make() -> npt.NDArray[np.int64]:
        if sort == "name":
            return index.order_by_name(languages)
        amounts = index.amounts[sort]
        return np.lexsort((np.arange(len(index)), np.where(np.isnan(amounts), np.inf, -amounts)))

    # readers' language lists are many: a few orders are kept (``MAX_ORDERS``)
    return memos().orders.get(current_store().version, key, make)


def _chosen(names: Sequence[Sequence[str]], languages: tuple[str, ...]) -> str | None:
    """The name a reader of ``languages`` sees (``chosen_names``: the rule pages use)."""
    found = choose(names, languages)
    return found[0] if found is not None else None


def _sorts(name: str) -> list[str]:
    return ["name", *(m.key for m in LISTS[name].orderings)]


def _format() -> str:
    """The format asked for: ``?format=``, else the best of ``Accept`` (HTML when any)."""
    asked = request.args.get("format")
    if asked:
        if asked not in export.MEDIA_TYPES and asked != "html":
            abort(400, description=f"format must be one of: html, {', '.join(export.MEDIA_TYPES)}")
        return asked
    accept = request.headers.get("Accept")
    if not accept:
        return "html"
    offers = ["text/html", *export.MEDIA_TYPES.values()]
    best = parse_accept_header(accept, MIMEAccept).best_match(offers)
    if best is None:
        abort(406, description=f"this list is offered as: {', '.join(offers)}")
    return next((k for k, v in export.MEDIA_TYPES.items() if v == best), "html")


def _url(name: str, selection: Selection, **extra: str | int) -> str:
    """The list's path with ``selection`` (and ``extra``) as parameters, through ``url_for``
    so that a deployment behind a proxy's path prefix links right."""
    return url_for(f"faceted.{name}") + _parameters_of(selection, extra)


def _absolute_url(name: str, selection: Selection, **extra: str | int) -> str:
    """The same as a full URL: the name an exported list gives itself."""
    return url_for(f"faceted.{name}", _external=True) + _parameters_of(selection, extra)


def _parameters_of(selection: Selection, extra: dict[str, str | int]) -> str:
    params = selection.params() + [(k, str(v)) for k, v in extra.items()] + carried()
    return f"?{urlencode(params)}" if params else ""


def _render(name: str) -> Response:
    spec = LISTS[name]
    try:
        selection = parse(spec, request.args.to_dict(flat=False))
    except BadFilter as exc:
        abort(400, description=str(exc))
    sort = request.args.get("sort", "name")
    if sort not in _sorts(name):
        abort(400, description=f"sort by one of: {', '.join(_sorts(name))}")
    fmt = _format()
    page = requested_page() if fmt == "html" else 1
    index = list_index(name)
    store = current_store()
    outcome = evaluate(index, selection, lambda word: matching(store, word))
    languages = reader_languages()
    order = _order(index, sort, languages)
    ordinals = order[outcome.matches[order]]
    if fmt != "html":
        return _export(name, index, selection, outcome, ordinals, fmt, languages, sort)
    return _page(name, index, selection, outcome, ordinals, page, sort, languages)


def _export(
    name: str,
    index: ListIndex,
    selection: Selection,
    outcome: Outcome,
    ordinals: npt.NDArray[np.int64],
    fmt: str,
    languages: tuple[str, ...],
    sort: str,
) -> Response:
    chosen = [int(i) for i in ordinals]
    url = _absolute_url(name, selection, **({"sort": sort} if sort != "name" else {}))
    body: Iterator[bytes]
    if fmt == "csv":
        body = export.csv_stream(index, chosen)
    elif fmt == "xlsx":
        body = export.xlsx_stream(index, chosen)
    elif fmt == "json":
        facets = {
            f.key: [
                {"value": c.value, "label": _label(index, f, c.value, languages), "count": c.count}
                for c in outcome.counts[f.key]
            ]
            for f in index.spec.facets
        }
        body = export.json_stream(
            index, chosen, url=url, selection=selection, total=len(chosen), facets=facets
        )
    elif fmt == "geojson":
        body = export.geojson_stream(
            index, chosen, (_chosen(index.names[i], languages) for i in chosen)
        )
    else:
        names = (_chosen(index.names[i], languages) for i in chosen)
        template = (
            url_for(f"faceted.{name}", _external=True) + f"{{?{','.join(_parameters(name))}}}"
        )
        triples = export.rdf_triples(
            index,
            chosen,
            names,
            url=url,
            selection=selection,
            total=len(chosen),
            template=template,
            statements=export.published_statements(current_store()),
        )
        body = export.rdf_stream(triples, fmt)
    response = Response(stream_with_context(body), content_type=_content_type(fmt))
    if fmt in ("csv", "xlsx"):
        response.headers["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    response.headers["X-Total-Count"] = str(len(chosen))
    response.vary.add("Accept")
    return vary_on_language(response)


def _content_type(fmt: str) -> str:
    media = export.MEDIA_TYPES[fmt]
    return media if fmt == "xlsx" else f"{media}; charset=utf-8"


def _parameters(name: str) -> list[str]:
    spec = LISTS[name]
    ranges = [f"{m.key}_{end}" for m in spec.measures for end in ("min", "below")]
    return [f.key for f in spec.facets] + ranges + ["q", "sort"]


def _page(
    name: str,
    index: ListIndex,
    selection: Selection,
    outcome: Outcome,
    ordinals: npt.NDArray[np.int64],
    page: int,
    sort: str,
    languages: tuple[str, ...],
) -> Response:
    spec = index.spec
    total = len(ordinals)
    pages = max(1, -(-total // PAGE_SIZE))
    if page > pages:
        abort(404, description=past_the_end(page, pages))
    shown = [int(i) for i in ordinals[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]]
    headings = PAGE_COLUMNS[name]
    from ..derived.facets.table import columns

    positions = [columns(name).index(h) for h in headings]
    items = []
    for i, row in zip(shown, index.rows.read(shown), strict=True):
        cells = [row[p] if p < len(row) else None for p in positions]
        items.append(
            {
                "href": href(index.iris[i]),
                "name": _chosen(index.names[i], languages) or index.iris[i],
                "cells": cells,
            }
        )
    expanded = request.args.get("more", "")
    facets = [
        _facet_view(
            name,
            index,
            facet,
            outcome.counts[facet.key],
            selection,
            languages,
            expanded == facet.key,
        )
        for facet in spec.facets
    ]
    ranges = [
        {
            "heading": m.heading,
            "key": m.key,
            "low": _plain(selection.ranges.get(m.key, (None, None))[0]),
            "high": _plain(selection.ranges.get(m.key, (None, None))[1]),
            # the other filters ride along when a reader types a range of their own
            "hidden": [(k, v) for k, v in selection.with_range(m.key, None, None).params()]
            + carried()
            + ([("sort", sort)] if sort != "name" else []),
            "bands": [
                {
                    "label": _band_label(b.low, b.high),
                    "count": b.count,
                    "chosen": b.chosen,
                    "href": _url(
                        name,
                        selection.with_range(
                            m.key, *((None, None) if b.chosen else (b.low, b.high))
                        ),
                    ),
                }
                for b in outcome.bands[m.key]
                if b.count or b.chosen
            ],
        }
        for m in spec.measures
    ]
    query = sparql_prefixes() + sparql.list_query(spec, selection)
    keep = {"sort": sort} if sort != "name" else {}
    html = render_template(
        "faceted.html",
        spec=spec,
        name=name,
        items=items,
        headings=headings,
        money=MONEY_COLUMNS,
        facets=facets,
        ranges=ranges,
        chips=_chips(name, index, selection, languages),
        selection=selection,
        total=total,
        page=page,
        pages=pages,
        sort=sort,
        sorts=[
            (s, _url(name, selection, **({"sort": s} if s != "name" else {}))) for s in _sorts(name)
        ],
        page_url=lambda n: _url(name, selection, **keep, **({"page": n} if n > 1 else {})),
        exports=[(fmt, _url(name, selection, **keep, format=fmt)) for fmt in export.MEDIA_TYPES],
        map_link=url_for("map.map_page")
        + "?"
        + urlencode([("list", name), *selection.params(), *carried()]),
        query=query,
        query_url=url_for("sparql.query") + "?" + urlencode({"query": query}),
        clear_url=with_language(url_for(f"faceted.{name}")),
        hidden=[(k, v) for k, v in selection.params() if k != "q"] + list(keep.items()) + carried(),
    )
    response = Response(html, content_type="text/html; charset=utf-8")
    response.headers["Link"] = ", ".join(
        f'<{url}>; rel="alternate"; type="{export.MEDIA_TYPES[fmt]}"'
        for fmt, url in [(f, _url(name, selection, format=f)) for f in ("ttl", "jsonld", "csv")]
    )
    response.vary.add("Accept")
    return vary_on_language(response)


def _label(index: ListIndex, facet: Facet, value: str, languages: tuple[str, ...]) -> str:
    if facet.kind in ("literal", "year"):
        return value
    names = index.labels.get(value)
    text = _chosen(names, languages) if names else None
    if facet.kind == "nuts" and value.startswith(NUTS):
        code = value[len(NUTS) :]
        return f"{code} {text}" if text else code
    return text or value.rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def _facet_view(
    name: str,
    index: ListIndex,
    facet: Facet,
    counts: list[Count],
    selection: Selection,
    languages: tuple[str, ...],
    expanded: bool,
) -> dict[str, Any]:
    visible = counts
    if facet.kind == "nuts":  # the top level, and the regions within a chosen one
        chosen = [c.value for c in counts if c.chosen]
        visible = [
            c for c in counts
            if c.chosen or not c.value.startswith(NUTS) or len(c.value) - len(NUTS) <= 3
            or any(c.value.startswith(v) and len(c.value) == len(v) + 1 for v in chosen)
        ]  # fmt: skip
    limit = ALL_VALUES if expanded else SHOWN_VALUES
    top = visible[:limit]
    top += [c for c in visible[limit:] if c.chosen]
    return {
        "key": facet.key,
        "heading": facet.heading,
        "values": [
            {
                "label": _label(index, facet, c.value, languages),
                "count": c.count,
                "chosen": c.chosen,
                "href": _url(name, selection.toggled(facet.key, c.value)),
            }
            for c in top
        ],
        "more": _url(name, selection, more=facet.key) if len(visible) > limit else None,
        "hidden": max(0, len(visible) - limit),
    }


def _chips(
    name: str, index: ListIndex, selection: Selection, languages: tuple[str, ...]
) -> list[dict[str, str]]:
    """Each active filter, with a link that removes it."""
    chips = []
    for key, values in selection.values.items():
        facet = index.spec.facet(key)
        assert facet is not None
        for value in values:
            chips.append(
                {
                    "label": f"{facet.heading}: {_label(index, facet, value, languages)}",
                    "href": _url(name, selection.toggled(key, value)),
                }
            )
    for key, (low, high) in selection.ranges.items():
        heading = next(m.heading for m in index.spec.measures if m.key == key)
        chips.append(
            {
                "label": f"{heading}: {_band_label(low, high)}",
                "href": _url(name, selection.with_range(key, None, None)),
            }
        )
    if selection.text:
        chips.append(
            {
                "label": f"Text: {selection.text}",
                "href": _url(name, Selection(selection.values, selection.ranges, "")),
            }
        )
    return chips


def _plain(amount: Any) -> str:
    return "" if amount is None else str(amount)


def _band_label(low: Any, high: Any) -> str:
    def amount(value: Any) -> str:
        return f"{float(value):,.0f}".replace(",", " ")

    if low is not None and high is not None:
        return f"{amount(low)} – {amount(high)} EUR"
    return f"from {amount(low)} EUR" if low is not None else f"below {amount(high)} EUR"


def _view(name: str) -> Callable[[], Response]:
    def view() -> Response:
        return _render(name)

    view.__name__ = name
    return view


for _name in LISTS:
    blueprint.add_url_rule(f"/{_name}", endpoint=_name, view_func=_view(_name))
