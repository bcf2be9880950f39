"""cblod's reconciliation service (/reconcile) as clients use it, over HTTP on a real server.

Every answer is validated against the official JSON Schemas of the version asked
(``tests/schemas/reconciliation-api``, unedited). Matching is checked on variants of the
sample organisations a spreadsheet would hold, with the right candidate first and
``match: true`` only where an identifier or an exact name decides.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from tests.helpers.samples import ALL_PAGES, ingest_all, select
from tests.helpers.servers import running

SCHEMAS = Path(__file__).resolve().parent / "schemas" / "reconciliation-api"
MERENRANTA = "organisation/fi/merenrannan-ammattikorkeakoulu"
TEHNOPOL = "organisation/ee/tallinn-science-park-tehnopol"


def validator(version: str, name: str) -> Draft7Validator:
    """The schema ``name`` of ``version``, its relative references resolved among its own
    version's files."""
    folder = SCHEMAS / version
    resources = []
    for path in folder.glob("*.json"):
        contents = json.loads(path.read_text(encoding="utf-8"))
        resource = Resource.from_contents(contents, default_specification=DRAFT7)
        base = contents.get("$id", "").rsplit("/", 1)[0]
        resources.append((f"{base}/{path.name}", resource))
        if contents.get("$id"):
            resources.append((contents["$id"], resource))
    schema = json.loads((folder / name).read_text(encoding="utf-8"))
    return Draft7Validator(schema, registry=Registry().with_resources(resources))


def valid(version: str, name: str, document) -> None:
    errors = sorted(validator(version, name).iter_errors(document), key=str)
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]


@pytest.fixture(scope="module")
def service(demo_store):
    with running(demo_store) as url:
        yield url


def reconcile(service: str, queries: dict, method: str = "post") -> dict:
    valid("0.2", "reconciliation-query-batch.json", queries)
    if method == "post":
        response = requests.post(
            f"{service}/reconcile", data={"queries": json.dumps(queries)}, timeout=60
        )
    else:
        response = requests.get(
            f"{service}/reconcile", params={"queries": json.dumps(queries)}, timeout=60
        )
    assert response.status_code == 200, response.text
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    answer = response.json()
    valid("0.2", "reconciliation-result-batch.json", answer)
    return answer


def match(service: str, queries: list[dict]) -> dict:
    body = {"queries": queries}
    valid("1.0-draft", "reconciliation-query-batch.json", body)
    response = requests.post(f"{service}/reconcile/match", json=body, timeout=60)
    assert response.status_code == 200, response.text
    answer = response.json()
    valid("1.0-draft", "reconciliation-result-batch.json", answer)
    return answer


def test_both_manifests_follow_their_schemas(service):
    manifest = requests.get(f"{service}/reconcile", timeout=60).json()
    valid("0.2", "manifest.json", manifest)
    assert manifest["versions"] == ["0.2", "1.0-draft"] and manifest["batchSize"] >= 10
    assert {t["id"] for t in manifest["defaultTypes"]} == {"Organisation", "Project", "Programme"}
    draft = requests.get(f"{service}/reconcile/1.0-draft", timeout=60).json()
    valid("1.0-draft", "manifest.json", draft)
    assert draft == requests.get(f"{service}/reconcile?version=1.0-draft", timeout=60).json()
    # the identifier space and view turn an id into the entity's URI and page
    first = reconcile(service, {"q": {"query": "Turku Science Park"}})["q"]["result"][0]
    uri = manifest["identifierSpace"] + first["id"]
    assert (
        requests.get(
            uri.replace("http://127.0.0.1:5000", service), allow_redirects=False, timeout=60
        ).status_code
        == 303
    )


@pytest.mark.parametrize(
    ("query", "expected", "matched"),
    [
        ({"query": "Turku Science Park", "type": "Organisation"}, "organisation/fi/turku-science-park", True),
        ({"query": "Merenrannan ammattikorkeakoulu"}, MERENRANTA, True),  # another language
        ({"query": "Tallinn Science Park Tehnopol"}, TEHNOPOL, True),  # inflected + translated
        ({"query": "Kustkompetens Norr Stiftelsen"}, "organisation/se/stiftelsen-kustkompetens-norr", True),
        ({"query": "anything", "properties": [{"pid": "vat", "v": "FI28765435"}]}, MERENRANTA, True),
        ({"query": "", "properties": [{"pid": "pic", "v": "892517634"}]}, MERENRANTA, True),
        ({"query": "Merenranta", "properties": [{"pid": "registry", "v": "2876543-5"}]}, MERENRANTA, True),
        ({"query": "Turku Science Park", "properties": [{"pid": "country", "v": "Finland"}]}, "organisation/fi/turku-science-park", True),
    ],
    ids=["legal-form-dropped", "other-language", "inflected", "words-reordered", "vat-only",
         "pic-only", "national-number", "country-condition"],
)  # fmt: skip
def test_known_variants_find_the_right_organisation_first(service, query, expected, matched):
    (result,) = reconcile(service, {"q0": query}).values()
    best = result["result"][0]
    assert best["id"].startswith(
        expected.rsplit("-", 1)[0] if "stiftelsen" in expected else expected
    ), result
    assert best["match"] is matched
    assert 0 <= best["score"] <= 100
    assert {f["id"] for f in best["features"]} >= {"name_similarity", "identifier_hit"}


def test_sharing_words_is_never_a_match(service):
    (result,) = reconcile(
        service, {"q": {"query": "Tallinn University", "type": "Organisation"}}
    ).values()
    assert result["result"]  # candidates, for a person to look at
    assert not any(c["match"] for c in result["result"])
    tehnopol = [c for c in result["result"] if c["id"] == TEHNOPOL]
    assert all(c["score"] < 50 for c in tehnopol)


def test_a_wrong_country_lowers_the_score_and_blocks_the_match(service):
    right = reconcile(
        service,
        {"q": {"query": "Turku Science Park", "properties": [{"pid": "country", "v": "FI"}]}},
    )
    wrong = reconcile(
        service,
        {"q": {"query": "Turku Science Park", "properties": [{"pid": "country", "v": "SE"}]}},
    )
    r, w = (
        right["q"]["result"][0],
        next(c for c in wrong["q"]["result"] if c["id"] == right["q"]["result"][0]["id"]),
    )
    assert r["match"] and not w["match"] and w["score"] < r["score"]
    assert {"id": "country_agrees", "name": "The country agrees", "value": False} in w["features"]


def test_an_invalid_check_digit_is_reported_not_matched(service):
    (result,) = reconcile(
        service, {"q": {"query": "Merenranta", "properties": [{"pid": "vat", "v": "FI28765436"}]}}
    ).values()
    assert not any(c["match"] for c in result["result"])
    assert result["warnings"] and "FI28765436" in result["warnings"][0]
    assert all(
        any(f["id"] == "identifier_invalid" for f in c["features"]) for c in result["result"]
    )


def test_get_and_post_answer_alike(service):
    queries = {
        "a": {"query": "Västerås Science Park", "limit": 2},
        "b": {"query": "SME2GO", "type": "Project"},
    }
    assert reconcile(service, queries, "get") == reconcile(service, queries, "post")
    assert len(reconcile(service, queries)["a"]["result"]) <= 2


def test_the_draft_version_matches_by_conditions(service):
    answer = match(
        service,
        [
            {"type": "Organisation", "conditions": [
                {"matchType": "name", "propertyValue": "Turku Science Park"},
                {"matchType": "property", "propertyId": "country", "propertyValue": "FI", "required": True},
            ]},
            {"conditions": [{"matchType": "property", "propertyId": "pic", "propertyValue": "892517634"}]},
            {"conditions": [{"matchType": "id", "propertyValue": MERENRANTA}]},
            {"type": "Project", "conditions": [{"matchType": "name", "propertyValue": "4Smart Growth"}]},
        ],
    )  # fmt: skip
    firsts = [r["candidates"][0] for r in answer["results"]]
    assert firsts[0]["id"] == "organisation/fi/turku-science-park" and firsts[0]["match"]
    assert all(
        c["id"] != "organisation/se/vasteras-science-park"
        for c in answer["results"][0]["candidates"]
    )
    assert firsts[1]["id"] == MERENRANTA and firsts[1]["match"]
    assert firsts[2]["id"] == MERENRANTA and firsts[2]["match"]
    assert firsts[3]["id"] == "project/central-baltic-2014-2020/4smart-growth"


def test_a_batch_larger_than_declared_is_413(service):
    size = requests.get(f"{service}/reconcile", timeout=60).json()["batchSize"]
    queries = {f"q{n}": {"query": "Turku"} for n in range(size + 1)}
    response = requests.post(
        f"{service}/reconcile", data={"queries": json.dumps(queries)}, timeout=60
    )
    assert response.status_code == 413 and str(size) in response.json()["error"]
    draft = requests.post(
        f"{service}/reconcile/match",
        json={
            "queries": [{"conditions": [{"matchType": "name", "propertyValue": "x"}]}] * (size + 1)
        },
        timeout=60,
    )
    assert draft.status_code == 413


@pytest.mark.parametrize(
    ("form", "named"),
    [
        ({"queries": "{not json"}, "queries"),
        ({"queries": json.dumps({"q7": {"query": 12}})}, "q7.query"),
        ({"queries": json.dumps({"q7": {"query": "x", "limit": "many"}})}, "q7.limit"),
        ({"queries": json.dumps({"q7": {"query": "x", "type": "Person"}})}, "q7.type"),
        ({"queries": json.dumps({"q7": {"query": "x", "properties": [{"v": "FI"}]}})}, "q7.properties[0].pid"),
        ({"queries": json.dumps({"q7": {"query": "x", "properties": [{"pid": "colour", "v": "red"}]}})}, "q7.properties[0].pid"),
        ({"queries": json.dumps({"q7": {"query": "x", "properties": [{"pid": "vat"}]}})}, "q7.properties[0].v"),
        ({"queries": json.dumps({"q7": {"query": " "}})}, "q7.query"),
        ({"extend": json.dumps({"ids": [MERENRANTA], "properties": [{"id": "shoe size"}]})}, "extend.properties[0].id"),
    ],
)  # fmt: skip
def test_a_malformed_query_is_a_400_naming_key_and_field(service, form, named):
    response = requests.post(f"{service}/reconcile", data=form, timeout=60)
    assert response.status_code == 400
    assert named in response.json()["error"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_a_malformed_draft_query_names_its_position(service):
    body = {
        "queries": [
            {"conditions": [{"matchType": "name", "propertyValue": "x"}]},
            {"conditions": [{"matchType": "smell", "propertyValue": "x"}]},
        ]
    }
    response = requests.post(f"{service}/reconcile/match", json=body, timeout=60)
    assert (
        response.status_code == 400
        and "queries[1].conditions[0].matchType" in response.json()["error"]
    )


@pytest.mark.parametrize(
    "path", ["/reconcile", "/reconcile/match", "/reconcile/extend", "/reconcile/1.0-draft"]
)
def test_cors_preflight_is_answered(service, path):
    response = requests.options(
        f"{service}{path}",
        headers={"Origin": "http://refine.example", "Access-Control-Request-Method": "POST"},
        timeout=60,
    )
    assert response.status_code in (200, 204)
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_suggest_entities_properties_and_types(service):
    for version, base in (("0.2", "/reconcile"), ("1.0-draft", "/reconcile/1.0-draft")):
        entities = requests.get(
            f"{service}{base}/suggest/entity", params={"prefix": "turku sc"}, timeout=60
        ).json()
        valid(version, "suggest-entities-response.json", entities)
        assert entities["result"][0]["id"] == "organisation/fi/turku-science-park"
        typed = requests.get(
            f"{service}{base}/suggest/entity",
            params={"prefix": "sme", "type": "Project"},
            timeout=60,
        ).json()
        assert typed["result"] and all(r["notable"][0]["id"] == "Project" for r in typed["result"])
        properties = requests.get(
            f"{service}{base}/suggest/property", params={"prefix": "vat"}, timeout=60
        ).json()
        valid(version, "suggest-properties-response.json", properties)
        assert "vat" in {p["id"] for p in properties["result"]}
        types = requests.get(
            f"{service}{base}/suggest/type", params={"prefix": "org"}, timeout=60
        ).json()
        valid(version, "suggest-types-response.json", types)
        assert [t["id"] for t in types["result"]] == ["Organisation"]


def test_preview_is_a_small_escaped_card(service):
    response = requests.get(f"{service}/reconcile/preview", params={"id": MERENRANTA}, timeout=60)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/html")
    assert "Merenranta University of Applied Sciences Ltd" in response.text
    assert "FI28765435" in response.text and "<script" not in response.text
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors *" in policy  # framed, never scripted
    assert (
        requests.get(
            f"{service}/reconcile/preview", params={"id": "organisation/xx/none"}, timeout=60
        ).status_code
        == 404
    )


def test_data_extension_in_both_versions(service, demo_store):
    wanted = [
        "name",
        "country",
        "vat",
        "pic",
        "registry",
        "projects",
        "eu_contribution",
        "homepage",
    ]
    query = {
        "ids": [MERENRANTA, "project/central-baltic-2014-2020/4smart-growth"],
        "properties": [{"id": p} for p in wanted],
    }
    valid("0.2", "data-extension-query.json", query)
    old = requests.post(
        f"{service}/reconcile", data={"extend": json.dumps(query)}, timeout=60
    ).json()
    valid("0.2", "data-extension-response.json", old)
    row = old["rows"][MERENRANTA]
    assert row["country"] == [{"str": "Finland"}] and row["vat"] == [{"str": "FI28765435"}]
    assert row["pic"] == [{"str": "892517634"}] and {"str": "2876543-5"} in row["registry"]
    (projects,) = select(
        demo_store,
        "SELECT (COUNT(DISTINCT ?p) AS ?n) (SUM(?e) AS ?eu) WHERE { ?x cbo:partner <http://127.0.0.1:5000/id/"
        + MERENRANTA
        + "> ; cbo:project ?p ; cbo:euContribution ?e }",
    )
    assert row["projects"] == [{"int": int(projects["n"])}]
    assert row["eu_contribution"] == [{"float": float(projects["eu"])}]
    new = requests.post(
        f"{service}/reconcile/extend",
        json={
            **query,
            "properties": [
                {"id": p}
                for p in ("programme", "start", "budget", "lead_partner", "eu_contribution")
            ],
        },
        timeout=60,
    ).json()
    valid("1.0-draft", "data-extension-response.json", new)
    project = {p["id"]: p["values"] for p in new["rows"][1]["properties"]}
    assert project["start"] == [{"date": "2019-04-01T00:00:00Z"}]
    assert project["eu_contribution"] == [{"float": 817789.75}]
    assert project["programme"][0]["id"] == "programme/central-baltic-2014-2020"
    assert "SISP" in project["lead_partner"][0]["name"]
    for version, path in (
        ("0.2", "/reconcile/propose_properties"),
        ("1.0-draft", "/reconcile/extend/propose"),
    ):
        proposal = requests.get(f"{service}{path}", params={"type": "Project"}, timeout=60).json()
        valid(version, "data-extension-property-proposal.json", proposal)
        assert "lead_partner" in {p["id"] for p in proposal["properties"]}


@pytest.mark.slow
def test_cblods_own_client_links_one_store_to_another(service, tmp_path):
    """``cblod link --reconcile``: the organisations of a store of the sample pages, proposed
    as links to the demo store's, through the demo store's service."""
    store_dir = tmp_path / "pages"
    ingest_all(store_dir, ALL_PAGES)
    proposals = tmp_path / "proposals.csv"
    done = subprocess.run(
        [sys.executable, "-m", "cblod", "link", "--reconcile", f"{service}/reconcile",
         "--out", str(proposals), "--type", "Organisation", "--country-property", "country",
         "--min-score", "90", "--store", str(store_dir)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(proposals.open(encoding="utf-8")))
    assert rows and all(float(r["score"]) >= 90 for r in rows)
    by_subject = {r["subject"].rsplit("/id/", 1)[1]: r for r in rows if r["match"] == "yes"}
    turku = by_subject["organisation/fi/turku-science-park"]
    assert turku["object"] == "http://127.0.0.1:5000/id/organisation/fi/turku-science-park"


def test_a_homepage_and_a_region_narrow_and_boost(service):
    """A homepage written any way (scheme, "www.") and a NUTS 1 code containing the
    organisation's NUTS 3 region agree; a region elsewhere lowers the score."""
    base = {"query": "Merenranta University of Applied Sciences", "type": "Organisation"}
    plain = reconcile(service, {"q": {**base, "query": "Merenranta Sciences"}})["q"]["result"][0]
    boosted = reconcile(service, {"q": {**base, "query": "Merenranta Sciences", "properties": [
        {"pid": "homepage", "v": "merenranta.example"}, {"pid": "region", "v": "FI1"}]}})["q"]["result"][0]  # fmt: skip
    assert boosted["id"] == plain["id"] == MERENRANTA
    assert boosted["score"] > plain["score"]
    features = {f["id"]: f["value"] for f in boosted["features"]}
    assert features["homepage_agrees"] is True and features["region_agrees"] is True
    elsewhere = reconcile(service, {"q": {**base, "properties": [{"pid": "region", "v": "SE1"}]}})
    first = elsewhere["q"]["result"][0]
    assert first["match"] is False and first["score"] < 100


def test_every_property_offered_is_accepted_for_matching_and_extension(service):
    """One vocabulary: each property ``suggest/property`` offers or ``extend/propose``
    proposes (for any type) is taken by matching, in both versions, and by data extension,
    in both versions; none is a 400 that would fail a whole batch (``town`` was offered and
    proposed, matching took only ``city``)."""
    suggested = {
        p["id"]: p["name"]
        for p in requests.get(f"{service}/reconcile/suggest/property", timeout=60).json()["result"]
    }
    proposed = {
        p["id"]
        for kind in ("Organisation", "Project", "Programme")
        for p in requests.get(
            f"{service}/reconcile/extend/propose", params={"type": kind}, timeout=60
        ).json()["properties"]
    }
    assert "town" in suggested and "city" not in suggested
    assert proposed <= set(suggested)
    for pid in suggested:
        answer = reconcile(
            service, {"q": {"query": "Merenranta", "properties": [{"pid": pid, "v": "x"}]}}
        )
        assert "result" in answer["q"], pid
        match(service, [{"conditions": [
            {"matchType": "name", "propertyValue": "Merenranta"},
            {"matchType": "property", "propertyId": pid, "propertyValue": "x"},
        ]}])  # fmt: skip
    query = {"ids": [MERENRANTA], "properties": [{"id": p} for p in suggested]}
    old = requests.post(f"{service}/reconcile", data={"extend": json.dumps(query)}, timeout=60)
    assert old.status_code == 200, old.text
    valid("0.2", "data-extension-response.json", old.json())
    assert [m["id"] for m in old.json()["meta"]] == list(suggested)
    new = requests.post(f"{service}/reconcile/extend", json=query, timeout=60)
    assert new.status_code == 200, new.text
    valid("1.0-draft", "data-extension-response.json", new.json())


def test_a_town_narrows_as_matching_and_extension_say(service):
    """The town data extension gives an organisation is the town matching agrees with."""
    row = requests.post(
        f"{service}/reconcile",
        data={"extend": json.dumps({"ids": [MERENRANTA], "properties": [{"id": "town"}]})},
        timeout=60,
    ).json()["rows"][MERENRANTA]
    (town,) = [v["str"] for v in row["town"]]
    for pid in ("town", "city"):  # and the earlier id, still accepted
        for value, agrees in ((town, True), ("Nowhere", False)):
            best = reconcile(
                service,
                {"q": {"query": "Merenranta University of Applied Sciences",
                       "properties": [{"pid": pid, "v": value}]}},
            )["q"]["result"][0]  # fmt: skip
            features = {f["id"]: f["value"] for f in best["features"]}
            assert best["id"] == MERENRANTA and features["town_agrees"] is agrees


def test_any_offered_property_agrees_by_its_extension_value(service):
    """A property without a rule of its own (here a project's lead partner, by name, and its
    start date) agrees when the value data extension gives is the query's."""
    project = "project/central-baltic-2014-2020/4smart-growth"
    ext = requests.post(
        f"{service}/reconcile/extend",
        json={"ids": [project], "properties": [{"id": "lead_partner"}, {"id": "start"}]},
        timeout=60,
    ).json()
    values = {p["id"]: p["values"] for p in ext["rows"][0]["properties"]}
    lead, start = values["lead_partner"][0]["name"], values["start"][0]["date"][:10]
    for pid, value, agrees in (
        ("lead_partner", lead, True), ("lead_partner", "Nobody", False),
        ("start", start, True), ("start", "1999-01-01", False),
    ):  # fmt: skip
        (result,) = match(service, [{"type": "Project", "conditions": [
            {"matchType": "name", "propertyValue": "4Smart Growth"},
            {"matchType": "property", "propertyId": pid, "propertyValue": value},
        ]}])["results"]  # fmt: skip
        best = result["candidates"][0]
        features = {f["id"]: f["value"] for f in best["features"]}
        assert best["id"] == project and features[f"{pid}_agrees"] is agrees, (pid, value)


def test_the_root_manifest_says_its_scores_are_standardized(service):
    manifest = requests.get(f"{service}/reconcile", timeout=60).json()
    assert "1.0-draft" in manifest["versions"] and manifest["standardizedScore"] is True
    valid("0.2", "manifest.json", manifest)
