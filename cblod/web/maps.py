"""``/map``: a faceted list's items on a map (issue 27), with the list's own filters and URL.

``/map?list=organisations&country=…`` draws the items the list page with the same parameters
lists, at their points (``format=geojson`` of that list: the facet index's points, so the map
costs what a list page costs), clustered, each with a popup naming it and linking its page.
The page says how many of the list's items are placed and how many are not (a project is
placed by its partners), and links the list itself: the map's text alternative. It works with
no network: the base layer is country outlines shipped with cblod (Natural Earth, public
domain, from npm's ``world-atlas``), and a tile layer is drawn only when the operator sets one
(``MAP_TILES``, ``MAP_ATTRIBUTION``). ``embed=1`` gives the map alone, for any site to frame.
When the store holds the operator's NUTS geometries (``cblod.records.regions``), the map draws
the regions too: those the list's region filters name, else the NUTS 2 regions
(``/map/regions.geojson``).
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for

from ..derived.facets.selection import BadFilter, evaluate, parse
from ..derived.facets.spec import LISTS, NUTS
from ..derived.search import matching
from ..records.regions import PREPARED, RegionShapes
from .indexes import list_index
from .labels import vary_on_language
from .language import carried
from .security import CSP
from .store_access import current_store

blueprint = Blueprint("map", __name__)
#: the list drawn when none is named
DEFAULT_LIST = "organisations"


@blueprint.route("/map")
def map_page() -> Response:
    name = request.args.get("list", DEFAULT_LIST)
    if name not in LISTS:
        abort(400, description=f"list must be one of: {', '.join(LISTS)}")
    embed = request.args.get("embed") == "1"
    filters = {
        k: v for k, v in request.args.to_dict(flat=False).items() if k not in ("list", "embed")
    }
    try:
        selection = parse(LISTS[name], filters)
    except BadFilter as exc:
        abort(400, description=str(exc))
    index = list_index(name)
    store = current_store()
    matches = evaluate(index, selection, lambda word: matching(store, word)).matches
    total, placed = int(matches.sum()), int((matches & index.points().placed).sum())
    params = selection.params() + carried()
    query = f"?{urlencode(params)}" if params else ""
    geojson_params = urlencode([*selection.params(), ("format", "geojson"), *carried()])
    tiles = current_app.config.get("MAP_TILES")
    codes = [
        v.removeprefix(NUTS)
        for facet in LISTS[name].facets
        if facet.kind == "nuts"
        for v in selection.values.get(facet.key, ())
        if v.startswith(NUTS)
    ]
    regions_url = (
        url_for("map.regions", code=codes) if region_shapes(store.path) is not None else None
    )
    html = render_template(
        "map.html",
        spec=LISTS[name],
        name=name,
        lists=list(LISTS),
        embed=embed,
        total=total,
        placed=placed,
        list_url=url_for(f"faceted.{name}") + query,
        geojson_url=url_for(f"faceted.{name}") + f"?{geojson_params}",
        outlines_url=url_for("static", filename="map/countries-50m.json"),
        regions_url=regions_url,
        map_url=lambda other: url_for("map.map_page", list=other),
        tiles=tiles,
        attribution=current_app.config.get("MAP_ATTRIBUTION") or "",
    )
    response = Response(html, content_type="text/html; charset=utf-8")
    policy = CSP
    if tiles:  # the operator's tile server may send images, nothing else
        parts = urlsplit(tiles)
        origin = f"{parts.scheme}://{parts.netloc.replace('{s}', '*')}"
        policy = policy.replace("img-src 'self' data:", f"img-src 'self' data: {origin}")
    if embed:  # the embeddable map: any site may frame it
        policy = policy.replace("frame-ancestors 'none'", "frame-ancestors *")
    response.headers["Content-Security-Policy"] = policy
    return vary_on_language(response)


@blueprint.route("/map/regions.geojson")
def regions() -> Response:
    """The outlines of the NUTS regions ``code`` names (repeated), else of every NUTS 2
    region, as GeoJSON: from the operator's geometries the store keeps; 404 without them."""
    shapes = region_shapes(current_store().path)
    if shapes is None:
        abort(404, description="this store has no NUTS geometries (cblod ingest --nuts-geometries)")
    codes = [c.strip().upper() for c in request.args.getlist("code") if c.strip()]
    body = json.dumps(shapes.outlines(codes or None), ensure_ascii=False, separators=(",", ":"))
    response = Response(body, content_type="application/geo+json")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


def region_shapes(store_folder: Path) -> RegionShapes | None:
    """The store's NUTS geometries (read again when an ingest replaced them), or None."""
    try:
        stamp = (store_folder / PREPARED).stat().st_mtime_ns
    except OSError:
        return None
    return _read_shapes(store_folder, stamp)


@lru_cache(maxsize=4)
def _read_shapes(store_folder: Path, stamp: int) -> RegionShapes | None:
    return RegionShapes.load(store_folder)
