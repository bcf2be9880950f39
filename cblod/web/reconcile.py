"""``/reconcile``: the W3C Entity Reconciliation Service API over cblod's published data.

Both versions clients speak. **0.2** (OpenRefine): the manifest on ``GET /reconcile``, query
batches as ``queries=`` (GET or form POST) and data extension as ``extend=`` on that root,
suggest under ``/reconcile/suggest/…``, property proposals at ``/reconcile/propose_properties``.
**1.0-draft**: its manifest at ``/reconcile/1.0-draft`` (or ``/reconcile?version=1.0-draft``),
``POST /reconcile/match`` with ``{"queries": […]}``, ``POST /reconcile/extend``,
``GET /reconcile/extend/propose``, ``GET /reconcile/suggest/{entity,property,type}``
(each also under ``/reconcile/1.0-draft/``, the 1.0 manifest's own root). The two manifests
differ where the versions disagree (0.2 describes suggest services as objects, 1.0 as flags).

An entity's id is its URI's path after ``/id/`` (``organisation/fi/…``): ``identifierSpace``
plus id is the URI, and ``view`` opens its page. Every route answers CORS; a batch above
``batchSize`` is 413; a malformed query is 400 naming the query's key and field, never an
empty result.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, current_app, render_template, request, url_for

from .. import collector
from ..backends.published import Dataset
from ..derived.building import wait_for
from ..derived.matching.index import TYPES, Entity, build, load
from ..derived.matching.match import Candidate, Condition, Matcher, Query
from ..derived.matching.properties import PROPERTIES, canonical, entity_id, values_of
from ..lru import VersionedCache
from .errors import ClientError
from .links import base_uri, href
from .security import CSP
from .store_access import current_store, memos

blueprint = Blueprint("reconcile", __name__)
#: queries in one batch at most (OpenRefine sends 10 by default)
BATCH_SIZE = 50
MAX_LIMIT = 100
#: the frame a client shows an entity's card in (``reconcile_preview.html`` fits it)
PREVIEW_WIDTH, PREVIEW_HEIGHT = 420, 190
#: identifiers a card lists (its page has them all): four more lines would overflow the frame
PREVIEW_IDENTIFIERS = 3
V02, V10 = "0.2", "1.0-draft"


def matcher() -> Matcher:
    """The index of the snapshot this request reads."""
    return matcher_of(current_store(), memos().matchers)


def matcher_of(store: Dataset, matchers: VersionedCache[Matcher]) -> Matcher:
    """The index of the snapshot ``store`` reads, loaded (or built) once per snapshot: by the
    request that first needs it, or ahead of every request by the server's ``Preparer``."""

    def make() -> Matcher:
        folder = store.data_dir
        with collector.long_lived():
            entities = wait_for(folder, "reconcile", lambda: load(folder)) if folder else None
            return Matcher(entities if entities is not None else build(store))

    return matchers.get(store.version, "matcher", make)


def _root() -> str:
    return url_for("reconcile.root", _external=True)


def _home() -> str:
    """This deployment's public address (behind a proxy: the proxy's, prefix included)."""
    return url_for("home.index", _external=True)


def _id(entity: Entity) -> str:
    return entity_id(entity.iri)


def _entity(identifier: str) -> Entity | None:
    m = matcher()
    space = base_uri().rstrip("/") + "/id/"
    n = m.by_iri.get(space + identifier)
    if n is None:
        n = m.by_iri.get(identifier)  # a full URI is accepted too
    return m.entities[n] if n is not None else None


def _types() -> list[dict[str, str]]:
    return [{"id": kind, "name": name} for kind, (_, name) in TYPES.items()]


def _json(body: Any, status: int = 200) -> Response:
    return Response(
        json.dumps(body, ensure_ascii=False), status, content_type="application/json; charset=utf-8"
    )


def _guarded(view: Callable[[], Response]) -> Callable[[], Response]:
    def run() -> Response:
        try:
            return view()
        except ClientError as exc:
            return _json({"error": str(exc)}, exc.status)

    run.__name__ = view.__name__
    return run


@blueprint.after_request
def cors(response: Response) -> Response:
    """Any site's scripts may call the service (OpenRefine's web client among them)."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
    response.headers["Access-Control-Allow-Headers"] = "Content-Type, Accept"
    return response


# -- manifests ------------------------------------------------------------------------------


def manifest_02() -> dict[str, Any]:
    root = _root()
    space = base_uri().rstrip("/") + "/id/"
    return {
        "versions": [V02, V10],
        "name": f"{current_app.config.get('PUBLISHER_NAME', 'cblod')}: Interreg organisations, projects and programmes",
        "identifierSpace": space,
        "schemaSpace": "https://w3id.org/cblod/ontology#",
        "documentation": _home(),
        "view": {"url": _home() + "id/{{id}}"},
        "defaultTypes": _types(),
        "batchSize": BATCH_SIZE,
        # scores are 0-100, the same for every query: said on every manifest that lists 1.0
        "standardizedScore": True,
        "preview": {
            "url": root + "/preview?id={{id}}",
            "width": PREVIEW_WIDTH,
            "height": PREVIEW_HEIGHT,
        },
        "suggest": {
            "entity": {"service_url": root, "service_path": "/suggest/entity"},
            "property": {"service_url": root, "service_path": "/suggest/property"},
            "type": {"service_url": root, "service_path": "/suggest/type"},
        },
        "extend": {
            "propose_properties": {"service_url": root, "service_path": "/propose_properties"},
            "property_settings": [],
        },
    }


def manifest_10() -> dict[str, Any]:
    return {
        "versions": [V02, V10],
        "name": manifest_02()["name"],
        "documentation": _home(),
        "view": {"url": _home() + "id/{id}"},
        "defaultTypes": _types(),
        "batchSize": BATCH_SIZE,
        "preview": {"width": PREVIEW_WIDTH, "height": PREVIEW_HEIGHT},
        "suggest": {"entity": True, "property": True, "type": True},
        "extend": {"proposeProperties": True, "propertySettings": []},
        "standardizedScore": True,
    }


@blueprint.route("/reconcile", methods=["GET", "POST", "OPTIONS"])
@_guarded
def root() -> Response:
    if request.method == "OPTIONS":
        return Response(status=204)
    params = request.values
    if "queries" in params:
        return _json(batch_02(params["queries"]))
    if "extend" in params:
        return _json(extend_02(params["extend"]))
    if params.get("version") == V10:
        return _json(manifest_10())
    body = manifest_02()
    if callback := params.get("callback"):  # JSONP, as older OpenRefine versions ask
        if not callback.replace("_", "").replace(".", "").isalnum():
            raise ClientError(400, "callback: not a JavaScript name")
        return Response(f"{callback}({json.dumps(body)})", content_type="application/javascript")
    return _json(body)


@blueprint.route("/reconcile/1.0-draft", methods=["GET", "OPTIONS"])
@_guarded
def root_10() -> Response:
    return Response(status=204) if request.method == "OPTIONS" else _json(manifest_10())


# -- matching -------------------------------------------------------------------------------


def _parse_json(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise ClientError(400, f"{what}: not JSON ({exc})") from None


def _check_size(count: int) -> None:
    if count > BATCH_SIZE:
        raise ClientError(
            413, f"queries: {count} in one batch; at most {BATCH_SIZE} (batchSize in the manifest)"
        )


def _limit(value: Any, where: str) -> int:
    if value is None:
        return 5
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ClientError(400, f"{where}.limit: must be a non-negative number")
    return min(int(value), MAX_LIMIT)


def _type(value: Any, where: str) -> str | None:
    if value is None or value == []:
        return None
    if isinstance(value, list):
        value = value[0]
    if not isinstance(value, str):
        raise ClientError(400, f"{where}.type: must be a type id")
    name = value.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
    if name not in TYPES:
        raise ClientError(400, f"{where}.type: {value!r} is not one of {', '.join(TYPES)}")
    return name


def _values(value: Any, where: str) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    out = []
    for item in items:
        if isinstance(item, dict):
            item = item.get("id") if "id" in item else item.get("name")
        if isinstance(item, bool) or not isinstance(item, str | int | float):
            raise ClientError(400, f'{where}: a value must be text, a number or {{"id": …}}')
        out.append(str(item))
    return tuple(out)


def _property(pid: Any, where: str) -> str:
    if not isinstance(pid, str) or not pid:
        raise ClientError(400, f"{where}: the property id is missing")
    found = canonical(pid)
    if found is None:
        raise ClientError(400, f"{where}: unknown property {pid!r}; one of {', '.join(PROPERTIES)}")
    return found


def _query_02(key: str, body: Any) -> Query:
    if not isinstance(body, dict):
        raise ClientError(400, f"{key}: a query must be an object")
    text = body.get("query", "")
    if not isinstance(text, str):
        raise ClientError(400, f"{key}.query: must be text")
    conditions = []
    properties = body.get("properties", [])
    if not isinstance(properties, list):
        raise ClientError(400, f"{key}.properties: must be a list")
    for n, each in enumerate(properties):
        where = f"{key}.properties[{n}]"
        if not isinstance(each, dict):
            raise ClientError(400, f"{where}: must be an object with pid and v")
        pid = _property(each.get("pid"), f"{where}.pid")
        if "v" not in each:
            raise ClientError(400, f"{where}.v: the value is missing")
        conditions.append(Condition(pid, _values(each["v"], f"{where}.v")))
    if not text.strip() and not conditions:
        raise ClientError(400, f"{key}.query: empty, and no property to match by")
    return Query(
        text, _type(body.get("type"), key), _limit(body.get("limit"), key), tuple(conditions)
    )


def _candidate(c: Any, types: bool = True) -> dict[str, Any]:
    entity = c.entity
    out: dict[str, Any] = {
        "id": _id(entity),
        "name": entity.name,
        "score": c.score,
        "match": c.match,
        "features": c.features,
    }
    if description := _description(entity):
        out["description"] = description
    if types:
        out["type"] = [{"id": entity.type, "name": TYPES[entity.type][1]}]
    return out


def _description(entity: Entity) -> str:
    facts = entity.facts
    if entity.type == "Organisation":
        parts = [facts.get("country_name"), facts.get("region") and f"NUTS {facts['region']}"]
        parts.append(f"{facts.get('projects', 0)} project(s)")
    elif entity.type == "Project":
        dates = "–".join(d[:4] for d in (facts.get("start"), facts.get("end")) if d)
        parts = [facts.get("acronym"), facts.get("programme_name"), dates]
    else:
        parts = ["Programme"]
    return " · ".join(p for p in parts if p)


def batch_02(text: str) -> dict[str, Any]:
    queries = _parse_json(text, "queries")
    if not isinstance(queries, dict):
        raise ClientError(400, "queries: must be an object of keyed queries")
    _check_size(len(queries))
    parsed = {key: _query_02(key, body) for key, body in queries.items()}
    m = matcher()
    out: dict[str, Any] = {}
    for key, query in parsed.items():
        found, warnings = m.answer(query)
        out[key] = {"result": [_candidate(c) for c in found]}
        if warnings:
            out[key]["warnings"] = warnings
    return out


def _query_10(n: int, body: Any) -> Query:
    where = f"queries[{n}]"
    if not isinstance(body, dict):
        raise ClientError(400, f"{where}: a query must be an object")
    conditions_in = body.get("conditions")
    if not isinstance(conditions_in, list) or not conditions_in:
        raise ClientError(400, f"{where}.conditions: a non-empty list is required")
    text, conditions = "", []
    for k, each in enumerate(conditions_in):
        at = f"{where}.conditions[{k}]"
        if not isinstance(each, dict):
            raise ClientError(400, f"{at}: must be an object")
        kind = each.get("matchType")
        if "propertyValue" not in each:
            raise ClientError(400, f"{at}.propertyValue: the value is missing")
        values = _values(each["propertyValue"], f"{at}.propertyValue")
        if kind == "name":
            text = " ".join(values)
        elif kind == "property":
            pid = _property(each.get("propertyId"), f"{at}.propertyId")
            conditions.append(Condition(pid, values, bool(each.get("required", False))))
        elif kind == "id":
            conditions.append(Condition("id", values, bool(each.get("required", False))))
        else:
            raise ClientError(400, f"{at}.matchType: must be name, id or property")
    return Query(
        text,
        _type(body.get("type"), where),
        _limit(body.get("limit"), where),
        tuple(c for c in conditions if c.pid != "id"),
    )


@blueprint.route("/reconcile/match", methods=["POST", "OPTIONS"])
@blueprint.route("/reconcile/1.0-draft/match", methods=["POST", "OPTIONS"])
@_guarded
def match_10() -> Response:
    if request.method == "OPTIONS":
        return Response(status=204)
    body = _parse_json(request.get_data(as_text=True), "body")
    if not isinstance(body, dict) or not isinstance(body.get("queries"), list):
        raise ClientError(400, 'queries: the body must be {"queries": [...]}')
    _check_size(len(body["queries"]))
    parsed = [_query_10(n, q) for n, q in enumerate(body["queries"])]
    m = matcher()
    results = []
    for query, raw in zip(parsed, body["queries"], strict=True):
        ids = [
            v
            for c in raw["conditions"]
            if c.get("matchType") == "id"
            for v in _values(c["propertyValue"], "id")
        ]
        found, warnings = m.answer(query) if (query.text or query.conditions) else ([], [])
        for identifier in ids:  # an id condition: that entity, as a certain match
            entity = _entity(identifier)
            if entity is not None and all(c.entity.iri != entity.iri for c in found):
                found.insert(
                    0,
                    Candidate(
                        entity,
                        100.0,
                        True,
                        [{"id": "id_hit", "name": "The entity asked for by id", "value": True}],
                    ),
                )
        entry: dict[str, Any] = {"candidates": [_candidate(c) for c in found[: query.limit]]}
        if warnings:
            entry["warnings"] = warnings
        results.append(entry)
    return _json({"results": results})


# -- suggest, preview -----------------------------------------------------------------------


@blueprint.route("/reconcile/suggest/entity")
@blueprint.route("/reconcile/1.0-draft/suggest/entity")
@_guarded
def suggest_entity() -> Response:
    prefix = request.args.get("prefix", "")
    kind = _type(request.args.get("type"), "type") if request.args.get("type") else None
    limit = _limit(_number(request.args.get("limit", "10"), "limit"), "suggest")
    found = matcher().suggest(prefix, kind, limit)
    return _json(
        {
            "result": [
                {
                    "id": _id(e),
                    "name": e.name,
                    "description": _description(e),
                    "notable": [{"id": e.type, "name": TYPES[e.type][1]}],
                }
                for e in found
            ]
        }
    )


def _number(text: str, where: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ClientError(400, f"{where}: must be a number") from None


@blueprint.route("/reconcile/suggest/property")
@blueprint.route("/reconcile/1.0-draft/suggest/property")
@_guarded
def suggest_property() -> Response:
    prefix = request.args.get("prefix", "").lower()
    return _json(
        {
            "result": [
                {"id": pid, "name": p.name}
                for pid, p in PROPERTIES.items()
                if pid.startswith(prefix) or prefix in p.name.lower()
            ]
        }
    )


@blueprint.route("/reconcile/suggest/type")
@blueprint.route("/reconcile/1.0-draft/suggest/type")
@_guarded
def suggest_type() -> Response:
    prefix = request.args.get("prefix", "").lower()
    return _json(
        {
            "result": [
                t
                for t in _types()
                if prefix in t["name"].lower() or t["id"].lower().startswith(prefix)
            ]
        }
    )


@blueprint.route("/reconcile/preview")
@blueprint.route("/reconcile/1.0-draft/preview")
@_guarded
def preview() -> Response:
    identifier = request.args.get("id", "")
    entity = _entity(identifier)
    if entity is None:
        raise ClientError(404, f"id: no entity {identifier!r}")
    html = render_template(
        "reconcile_preview.html",
        entity=entity,
        facts=entity.facts,
        href=href(entity.iri),
        kind=TYPES[entity.type][1],
        description=_description(entity),
        shown_identifiers=PREVIEW_IDENTIFIERS,
    )
    response = Response(html, content_type="text/html; charset=utf-8")
    # a card clients show in a frame (OpenRefine does): any site may frame it, nothing else
    response.headers["Content-Security-Policy"] = CSP.replace(
        "frame-ancestors 'none'", "frame-ancestors *"
    )
    return response


# -- data extension -------------------------------------------------------------------------


def _extension(text: str, version: str) -> dict[str, Any]:
    body = _parse_json(text, "extend")
    if not isinstance(body, dict):
        raise ClientError(400, "extend: must be an object with ids and properties")
    ids, properties = body.get("ids"), body.get("properties")
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise ClientError(400, "extend.ids: must be a list of entity ids")
    if not isinstance(properties, list):
        raise ClientError(400, 'extend.properties: must be a list of {"id": …}')
    _check_size(len(ids))
    wanted: dict[str, str] = {}  # the id asked for -> the vocabulary's
    for n, each in enumerate(properties):
        pid = each.get("id") if isinstance(each, dict) else None
        wanted[str(pid)] = _property(pid, f"extend.properties[{n}].id")
    meta = [{"id": asked, "name": PROPERTIES[pid].name} for asked, pid in wanted.items()]
    resolve = matcher().resolve
    rows: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for identifier in ids:
        entity = _entity(identifier)
        rows[identifier] = {
            asked: values_of(entity, pid, resolve) if entity else []
            for asked, pid in wanted.items()
        }
    if version == V02:
        return {"meta": meta, "rows": rows}
    return {
        "meta": meta,
        "rows": [
            {"id": i, "properties": [{"id": p, "values": v} for p, v in props.items()]}
            for i, props in rows.items()
        ],
    }


@blueprint.route("/reconcile/extend", methods=["POST", "OPTIONS"])
@blueprint.route("/reconcile/1.0-draft/extend", methods=["POST", "OPTIONS"])
@_guarded
def extend_10() -> Response:
    if request.method == "OPTIONS":
        return Response(status=204)
    return _json(_extension(request.get_data(as_text=True), V10))


def extend_02(text: str) -> dict[str, Any]:
    return _extension(text, V02)


def _proposals() -> dict[str, Any]:
    kind = _type(request.args.get("type"), "type") or "Organisation"
    limit = _limit(_number(request.args.get("limit", "50"), "limit"), "propose")
    properties = [{"id": k, "name": p.name} for k, p in PROPERTIES.items() if kind in p.types]
    return {"type": kind, "limit": limit, "properties": properties[:limit]}


@blueprint.route("/reconcile/propose_properties")
@blueprint.route("/reconcile/extend/propose")
@blueprint.route("/reconcile/1.0-draft/extend/propose")
@_guarded
def propose() -> Response:
    return _json(_proposals())
