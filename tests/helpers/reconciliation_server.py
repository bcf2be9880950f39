"""A small reconciliation service on 127.0.0.1, speaking the Reconciliation API 0.2 shapes.

What the tests run cblod's client against (the real services are not reachable from CI):
``GET /reconcile`` is the service manifest; ``GET`` or ``POST /reconcile`` with ``queries``
(a JSON object of keyed queries) answers ``{key: {"result": [candidates]}}``. Candidates are
scored by name similarity (0-100); a property condition that does not hold halves the score.
Every query received is kept in ``received`` for the tests to inspect.
"""

from __future__ import annotations

import difflib
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, jsonify, request
from werkzeug.serving import make_server

ENTITIES = [
    {"id": "Q9000001", "name": "Turku Science Park", "type": "Q43229", "P17": "Q33"},
    {"id": "Q9000002", "name": "Turku Science Park Foundation", "type": "Q157031", "P17": "Q33"},
    {"id": "Q9000003", "name": "Västerås Science Park", "type": "Q43229", "P17": "Q34"},
    {"id": "Q9000004", "name": "Tallinn Science Park Tehnopol", "type": "Q43229", "P17": "Q191"},
    {"id": "Q9000005", "name": "Science Park", "type": "Q43229", "P17": "Q183"},
]


def score(query: dict, entity: dict) -> float:
    text = query.get("query", "").casefold()
    value = difflib.SequenceMatcher(None, text, entity["name"].casefold()).ratio() * 100
    for condition in query.get("properties", []):
        if entity.get(condition["pid"]) != condition["v"]:
            value /= 2
    return round(value, 1)


def create_service(*, broken: str | None = None) -> Flask:
    """The service; ``broken`` makes it answer outside the protocol ("html", "no-result", "500")."""
    app = Flask(__name__)
    app.config["received"] = []

    @app.route("/reconcile", methods=["GET", "POST"])
    def reconcile():
        raw = request.values.get("queries")
        if raw is None:
            return jsonify(
                {
                    "versions": ["0.2"],
                    "name": "Test reconciliation service",
                    "identifierSpace": "http://www.wikidata.org/entity/",
                    "schemaSpace": "http://www.wikidata.org/prop/direct/",
                    "defaultTypes": [{"id": "Q43229", "name": "organization"}],
                    "view": {"url": "https://www.wikidata.org/wiki/{{id}}"},
                }
            )
        if broken == "500":
            return "failure", 500
        if broken == "html":
            return "<html>maintenance</html>", 200, {"Content-Type": "text/html"}
        queries = json.loads(raw)
        app.config["received"].append(queries)
        answers = {}
        for key, query in queries.items():
            wanted = query.get("type")
            candidates: list[dict[str, Any]] = [
                {
                    "id": e["id"],
                    "name": e["name"],
                    "score": score(query, e),
                    "match": False,
                    "type": [{"id": e["type"], "name": e["type"]}],
                }
                for e in ENTITIES
                if not wanted or e["type"] == wanted
            ]
            candidates.sort(key=lambda c: -int(c["score"]))
            candidates = candidates[: int(query.get("limit", 3))]
            if candidates and int(candidates[0]["score"]) >= 90:
                candidates[0]["match"] = True
            answers[key] = (
                {"candidates": candidates} if broken == "no-result" else {"result": candidates}
            )
        return jsonify(answers)

    return app


@contextmanager
def serving(**options) -> Iterator[tuple[str, Flask]]:
    """(endpoint URL, app) of a running service on a free 127.0.0.1 port."""
    app = create_service(**options)
    http = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{http.server_port}/reconcile", app
    finally:
        http.shutdown()
