"""Faceted lists as a reader uses them: every count a facet shows is the number SPARQL counts,
combinations of facets narrow as stated, the state lives in the URL, and the whole filtered
list comes out in every format with as many rows as the count says.

Truth is SPARQL over the same store (the queries built by ``cblod.derived.facets.sparql``, which the
page itself shows); exports are read back with independent readers (csv, openpyxl, rdflib).
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import openpyxl
import pytest
import rdflib
import requests

from cblod.core.vocab import sparql_prefixes
from cblod.derived.facets import sparql as facet_sparql
from cblod.derived.facets.selection import Selection, parse
from cblod.derived.facets.spec import LISTS
from cblod.derived.facets.table import columns
from tests.helpers.samples import ingest_all, select
from tests.helpers.servers import running

CBO_NS = rdflib.Namespace("https://w3id.org/cblod/ontology#")
HYDRA = rdflib.Namespace("http://www.w3.org/ns/hydra/core#")
FINLAND = "http://publications.europa.eu/resource/authority/country/FIN"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def get(server: str, path: str, **headers) -> requests.Response:
    response = requests.get(f"{server}{path}", headers=headers, timeout=120)
    assert response.status_code == 200, response.text[:500]
    return response


def listing(server: str, name: str, params: list[tuple[str, str]]) -> dict:
    return get(server, f"/{name}?{urlencode([*params, ('format', 'json')])}").json()


def sparql_count(store, query: str) -> int:
    (row,) = select(store, query)
    return int(row["n"])


def selection_of(name: str, params: list[tuple[str, str]]) -> Selection:
    grouped: dict[str, list[str]] = {}
    for key, value in params:
        grouped.setdefault(key, []).append(value)
    return parse(LISTS[name], grouped)


def check_counts(server: str, store, name: str, params: list[tuple[str, str]]) -> dict:
    """Every facet value's count on the list equals SPARQL's count for it, and the total
    equals the number of items the list's own query selects."""
    answer = listing(server, name, params)
    spec, selection = LISTS[name], selection_of(name, params)
    assert answer["total"] == sparql_count(store, facet_sparql.count_query(spec, selection))
    assert answer["total"] == len(answer["items"])
    listed = {r["item"] for r in select(store, facet_sparql.list_query(spec, selection))}
    assert {item["uri"] for item in answer["items"]} == listed
    checked = 0
    for key, counts in answer["facets"].items():
        for entry in counts:
            query = facet_sparql.facet_count_query(spec, selection, key, entry["value"])
            assert entry["count"] == sparql_count(store, query), (key, entry)
            checked += 1
    assert checked or not answer["total"]
    return answer


def first_value(answer: dict, key: str) -> str:
    return answer["facets"][key][0]["value"]


@pytest.mark.parametrize("name", LISTS)
def test_every_facet_count_is_the_sparql_count(demo_server, demo_store, name):
    answer = check_counts(demo_server, demo_store, name, [])
    assert answer["total"] > 0
    assert sum(1 for counts in answer["facets"].values() if counts) >= 5  # facets have values


@pytest.mark.parametrize(
    ("name", "build"),
    [
        ("projects", lambda a: [("country", FINLAND)]),
        ("projects", lambda a: [("country", FINLAND), ("legal", first_value(a, "legal"))]),
        ("projects", lambda a: [("programme", c["value"]) for c in a["facets"]["programme"][:2]]),
        ("projects", lambda a: [("eu_min", "500000"), ("eu_below", "5000000")]),
        ("participations", lambda a: [("role", first_value(a, "role")), ("country", FINLAND)]),
        ("participations", lambda a: [("region", "http://data.europa.eu/nuts/code/FI1")]),
        ("participations", lambda a: [("start", first_value(a, "start")), ("budget_min", "100000")]),
        ("organisations", lambda a: [("programme", first_value(a, "programme")), ("role", first_value(a, "role"))]),
        ("organisations", lambda a: [("q", "science park")]),
        ("participations", lambda a: [("q", "smart"), ("country", FINLAND)]),
    ],
    ids=[
        "one-facet", "two-facets-and", "one-facet-or", "range", "role-and-country",
        "nuts-level-1-includes-level-3", "year-and-range", "through-participations", "text",
        "text-on-project-or-partner",
    ],
)  # fmt: skip
def test_combined_filters_count_as_sparql_does(demo_server, demo_store, name, build):
    params = build(listing(demo_server, name, []))
    answer = check_counts(demo_server, demo_store, name, params)
    assert 0 < answer["total"] < len(listing(demo_server, name, [])["items"])


def test_or_within_a_facet_and_and_across_facets(demo_server):
    everything = listing(demo_server, "projects", [])
    programmes = [c["value"] for c in everything["facets"]["programme"][:2]]
    each = [listing(demo_server, "projects", [("programme", p)])["total"] for p in programmes]
    both = listing(demo_server, "projects", [("programme", p) for p in programmes])
    assert both["total"] == sum(each)  # a project has one programme: OR adds up
    # a facet's own counts do not shrink when one of its values is chosen
    assert [c["count"] for c in both["facets"]["programme"]] == [
        c["count"] for c in everything["facets"]["programme"]
    ]


def test_a_nuts_region_includes_the_regions_within_it(demo_server, demo_store):
    rows = select(
        demo_store,
        "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a cbo:Participation ; cbo:partner/cbo:region ?r "
        'FILTER(STRSTARTS(STR(?r), "http://data.europa.eu/nuts/code/FI1")) }',
    )
    level1 = listing(
        demo_server, "participations", [("region", "http://data.europa.eu/nuts/code/FI1")]
    )
    assert level1["total"] == int(rows[0]["n"]) > 0
    level3 = {c["value"] for c in level1["facets"]["region"]}
    assert any(
        len(v.rsplit("/", 1)[1]) == 5 and v.rsplit("/", 1)[1].startswith("FI1") for v in level3
    )


def test_free_text_matches_words_from_their_start_only(demo_server, demo_store):
    """ "sea" must not find "research" (keep.eu's search does)."""
    for word in ("sea", "smar", "science"):
        found = listing(demo_server, "projects", [("q", word)])
        for item in found["items"]:
            said = " ".join(
                r["t"] for r in select(
                    demo_store,
                    f"SELECT ?t WHERE {{ <{item['uri']}> rdfs:label|skos:prefLabel|skos:altLabel|cbo:acronym|dcterms:description ?t }}",
                )
            )  # fmt: skip
            assert re.search(rf"(^|[^\w]){word}", said, re.IGNORECASE), (word, item["uri"])
    texts: dict[str, str] = {}
    for r in select(
        demo_store,
        "SELECT ?p ?t WHERE { ?p a cbo:Project ; rdfs:label|skos:prefLabel|skos:altLabel|cbo:acronym|dcterms:description ?t }",
    ):
        texts[r["p"]] = texts.get(r["p"], "") + " " + r["t"]
    inside_only = [
        p for p, t in texts.items()
        if "research" in t.lower() and not re.search(r"(^|\W)sea", t, re.IGNORECASE)
    ]  # fmt: skip
    assert inside_only  # the samples have "research" in a description, and no word "sea…"
    hits = {i["uri"] for i in listing(demo_server, "projects", [("q", "sea")])["items"]}
    assert not set(inside_only) & hits


def facet_links(page: str) -> list[tuple[str, str, bool]]:
    """(href, text, chosen) of each facet value link of a page."""
    found = re.findall(
        r'<li><a href="([^"]+)" rel="nofollow"( aria-current="true" class="chosen")?>(?:<span aria-hidden="true">✓ </span>)?([^<]*)</a>',
        page,
    )
    return [(html.unescape(h), html.unescape(t), bool(c)) for h, c, t in found]


def test_the_state_is_in_the_url_and_round_trips(demo_server):
    start = get(demo_server, "/projects").text
    links = facet_links(start)
    assert links  # (facet_links reads only links marked rel="nofollow")
    facet_nav = start.split('<nav class="facets"', 1)[1].split("</nav>", 1)[0]
    assert facet_nav.count("<a ") == facet_nav.count('rel="nofollow"')
    href, label, chosen = links[0]
    assert not chosen
    page = get(demo_server, href).text
    assert any(c for h, t, c in facet_links(page) if t == label)  # shown as chosen
    assert f"({listing(demo_server, 'projects', parse_qsl(urlsplit(href).query))['total']})" in page
    # the chosen value's own link removes it again: back to the unfiltered list
    (back,) = [h for h, t, c in facet_links(page) if c and t == label]
    assert urlsplit(back).query == ""
    # the page's filter chip removes it too, and bookmarks keep a stable parameter order
    assert 'aria-label="Remove filter' in page
    two = [
        ("country", FINLAND),
        ("programme", first_value(listing(demo_server, "projects", []), "programme")),
    ]
    one_order = get(demo_server, "/projects?" + urlencode(two)).text
    other_order = get(demo_server, "/projects?" + urlencode(two[::-1])).text
    assert facet_links(one_order) == facet_links(other_order)


def test_the_page_shows_a_runnable_query_that_selects_its_items(demo_server):
    page = get(demo_server, f"/projects?country={FINLAND}&sort=eu").text
    runnable = re.search(r'<a href="(/sparql\?query=[^"]+)"', page).group(1)
    answer = requests.get(
        demo_server + html.unescape(runnable),
        headers={"Accept": "application/sparql-results+json"},
        timeout=60,
    ).json()
    listed = {b["item"]["value"] for b in answer["results"]["bindings"]}
    expected = {i["uri"] for i in listing(demo_server, "projects", [("country", FINLAND)])["items"]}
    assert listed == expected and listed
    assert re.search(r"\((\d+)\)", page).group(1) == str(len(expected))


@pytest.mark.parametrize("name", ["projects", "participations", "organisations"])
def test_csv_and_xlsx_have_the_keep_eu_layout_and_every_row(demo_server, name):
    params = [("country", FINLAND)]
    total = listing(demo_server, name, params)["total"]
    assert total > 0
    text = get(demo_server, f"/{name}?{urlencode([*params, ('format', 'csv')])}").content.decode(
        "utf-8"
    )
    rows = list(csv.reader(io.StringIO(text)))
    assert tuple(rows[0]) == columns(name) and len(rows) - 1 == total
    assert all(len(r) == len(rows[0]) for r in rows)
    response = get(demo_server, f"/{name}?{urlencode(params)}", Accept=XLSX)
    assert response.headers["Content-Type"] == XLSX
    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    (sheet,) = book.worksheets
    values = list(sheet.iter_rows(values_only=True))
    assert tuple(values[0]) == columns(name) and len(values) - 1 == total
    by_heading = [dict(zip(values[0], row, strict=False)) for row in values[1:]]
    if name == "projects":
        assert sheet.title == "Search results, projects"
        assert all(
            isinstance(r["Project's EU funding"], int | float)
            for r in by_heading
            if r["Project's EU funding"] is not None
        )
        assert any(isinstance(r["Project start"], datetime) for r in by_heading)
    if name == "participations":
        assert sheet.title == "Search results, partners"
        assert all(r["Country code"] == "FI" for r in by_heading)
        amounts = [r["Partner's total eligible budget / expenditure"] for r in by_heading]
        assert any(isinstance(a, int | float) for a in amounts)


#: where keep.eu's partners sheet puts a partner's EU amount, by period
EU_AMOUNT_HEADINGS = (
    "Partner's programme co-financing (EUR) (2021-2027 only)",
    "ERDF contribution (2014-2020 only)",
    "ENPI/ENI contribution (2014-2020 only)",
    "IPA II contribution (2014-2020 only)",
)


def test_each_value_is_under_the_heading_of_its_period(demo_server, demo_store):
    """keep.eu's "(2021-2027 only)" and "(2014-2020 only)" headings mean what they say: a
    2014-2020 partner's ERDF is under "ERDF contribution (2014-2020 only)", a 2014-2020
    project's specific objective under the 2014-2020 heading, and the other period's columns
    stay empty. Each row is found by its URI and checked against SPARQL."""
    periods = {
        r["x"]: (r.get("start"), r.get("eu"))
        for r in select(
            demo_store,
            """SELECT ?x (SAMPLE(?s) AS ?start) (SAMPLE(?e) AS ?eu) WHERE {
                 ?x cbo:project ?p . OPTIONAL { ?x cbo:euContribution ?e }
                 OPTIONAL { ?p cbo:programme/cbo:periodStart ?ps }
                 OPTIONAL { ?p cbo:startDate ?d }
                 BIND(COALESCE(STR(?ps), SUBSTR(STR(?d), 1, 4)) AS ?s) } GROUP BY ?x""",
        )
    }
    rows = list(csv.DictReader(io.StringIO(get(demo_server, "/participations?format=csv").text)))
    assert len(rows) == len(periods)
    seen = set()
    for row in rows:
        start, eu = periods[row["URI"]]
        new = start is not None and int(start) >= 2021
        seen.add(new)
        wanted = EU_AMOUNT_HEADINGS[0] if new else "ERDF contribution (2014-2020 only)"
        assert row[wanted] == (eu or ""), row["URI"]
        others = [h for h in EU_AMOUNT_HEADINGS if h != wanted] + (
            [] if new else [h for h in row if "(2021-2027 only)" in h]
        )
        assert all(row[h] == "" for h in others), (row["URI"], {h: row[h] for h in others})
    assert seen == {True, False}  # both periods are in the demo
    projects = {
        r["Project acronym"]: r
        for r in csv.DictReader(io.StringIO(get(demo_server, "/projects?format=csv").text))
    }
    sme2go = projects["SME2GO"]  # Central Baltic 2014-2020
    assert sme2go["Specific objective (2014-2020 Interreg and Interreg IPA CBC only)"]
    assert all(v == "" for h, v in sme2go.items() if "(2021-2027 only)" in h)
    blue = projects["BlueSkills"]  # a 2021-2027 programme
    assert blue["Programme specific objective (2021-2027 only)"]
    assert all(v == "" for h, v in blue.items() if "(2014-2020" in h)


def test_a_participation_export_sums_as_sparql_does(demo_server, demo_store):
    book = openpyxl.load_workbook(
        io.BytesIO(get(demo_server, "/participations?format=xlsx").content), read_only=True
    )
    values = list(book.worksheets[0].iter_rows(values_only=True))
    exported = 0
    for heading in EU_AMOUNT_HEADINGS:  # each partner's amount under its period's heading
        column = values[0].index(heading)
        exported += sum(
            round(float(r[column]) * 100)
            for r in values[1:]
            if len(r) > column and r[column] is not None
        )
    (row,) = select(
        demo_store,
        "SELECT (SUM(?e) AS ?n) WHERE { ?p a cbo:Participation ; cbo:euContribution ?e }",
    )
    assert exported == round(float(row["n"]) * 100)


@pytest.mark.parametrize(
    ("fmt", "parser"), [("ttl", "turtle"), ("nt", "nt"), ("jsonld", "json-ld")]
)
def test_a_filtered_list_in_rdf_is_a_collection_of_its_members(
    demo_server, demo_store, fmt, parser
):
    params = [("country", FINLAND), ("sort", "eu")]
    expected = listing(demo_server, "projects", params)
    graph = rdflib.Graph().parse(
        data=get(demo_server, f"/projects?{urlencode([*params, ('format', fmt)])}").text,
        format=parser,
    )
    (collection,) = graph.subjects(rdflib.RDF.type, HYDRA.Collection)
    assert "country=" in str(collection)
    assert int(str(graph.value(collection, HYDRA.totalItems))) == expected["total"]
    assert {str(m) for m in graph.objects(collection, HYDRA.member)} == {
        i["uri"] for i in expected["items"]
    }
    assert (collection, rdflib.RDF.type, rdflib.URIRef("https://schema.org/ItemList")) in graph
    filters = {
        (str(graph.value(f, HYDRA.variable)), str(graph.value(f, rdflib.RDF.value)))
        for f in graph.objects(collection, rdflib.URIRef("https://w3id.org/cblod/ontology#filter"))
    }
    assert ("country", FINLAND) in filters
    # each member with what the dataset says of it: programme, dates, amounts, as SPARQL has them
    for member in graph.objects(collection, HYDRA.member):
        for prop in ("programme", "startDate", "endDate", "euContribution", "acronym"):
            said = {
                r["o"]
                for r in select(demo_store, f"SELECT ?o WHERE {{ <{member}> cbo:{prop} ?o }}")
            }
            got = {str(o) for o in graph.objects(member, CBO_NS[prop])}
            assert got == said, (member, prop)
        assert len(list(graph.predicate_objects(member))) >= 8


def test_a_list_in_json_gives_counts_as_integers_and_amounts_as_numbers(demo_server):
    answer = listing(demo_server, "projects", [])
    assert answer["items"] and all(
        type(item["Number of partners"]) is int for item in answer["items"]
    )
    assert any(isinstance(item.get("Project's EU funding"), float) for item in answer["items"])
    assert all(type(c["count"]) is int for f in answer["facets"].values() for c in f)


def test_the_sparql_endpoint_answers_select_as_xlsx(demo_server, demo_store):
    query = (
        sparql_prefixes()
        + "SELECT ?p ?eu ?start WHERE { ?p a cbo:Project ; cbo:euContribution ?eu ; cbo:startDate ?start } ORDER BY ?p"
    )
    response = requests.get(
        f"{demo_server}/sparql", params={"query": query, "format": "xlsx"}, timeout=60
    )
    assert response.status_code == 200 and response.headers["Content-Type"].startswith(XLSX)
    values = list(
        openpyxl.load_workbook(io.BytesIO(response.content))
        .worksheets[0]
        .iter_rows(values_only=True)
    )
    assert values[0] == ("p", "eu", "start")
    expected = select(demo_store, query)
    assert len(values) - 1 == len(expected)
    assert [r[0] for r in values[1:]] == [r["p"] for r in expected]
    assert all(isinstance(r[1], int | float) and isinstance(r[2], datetime) for r in values[1:])
    by_accept = requests.get(
        f"{demo_server}/sparql", params={"query": query}, headers={"Accept": XLSX}, timeout=60
    )
    assert by_accept.status_code == 200 and by_accept.content[:2] == b"PK"


@pytest.mark.parametrize(
    "query",
    [
        "eu_min=lots",
        "programme=not%20an%20iri",
        "format=pdf",
        "sort=colour",
        "page=0",
        "eu_below=NaN",
    ],
)
def test_a_bad_filter_is_a_400_naming_it(demo_server, query):
    response = requests.get(f"{demo_server}/projects?{query}", timeout=60)
    assert response.status_code == 400
    assert query.split("=")[0] in response.text


def test_a_generated_export_counts_right_at_scale(tmp_path):
    """A keep.eu export of 300 projects sharing 100 organisations: counts, totals and the
    participations export row count agree with SPARQL."""
    from benchmarks.generate import keep_eu_export

    store = ingest_all(tmp_path / "store", keep_eu_export(300, tmp_path))
    with running(store) as server:
        answer = check_counts(server, store, "participations", [])
        assert answer["total"] == sparql_count(
            store, "SELECT (COUNT(*) AS ?n) WHERE { ?p a cbo:Participation }"
        )
        lead = [c for c in answer["facets"]["role"] if c["value"].endswith("LeadPartner")][0]
        check_counts(server, store, "participations", [("role", lead["value"])])
        check_counts(server, store, "organisations", [("country", FINLAND)])
        body = get(server, "/participations?format=csv").content.decode("utf-8")
        assert len(list(csv.reader(io.StringIO(body)))) - 1 == answer["total"]
        assert (
            json.loads(get(server, "/participations?format=json").content)["total"]
            == answer["total"]
        )


@pytest.mark.parametrize("which", ["northern-shores", "central-baltic-2014-2020"])
def test_exports_read_back_through_the_keep_eu_mapping(demo_server, demo_store, tmp_path, which):
    """A keep.eu user's round trip: the projects and partners spreadsheets of one programme,
    exported by cblod, ingested by cblod's own keep.eu mapping, say the same (for a 2021-2027
    programme and a 2014-2020 one, whose amounts sit under other headings)."""
    programme = next(
        c["value"]
        for c in listing(demo_server, "projects", [])["facets"]["programme"]
        if which in c["value"]
    )
    files = []
    for name in ("projects", "participations"):
        path = tmp_path / f"{name}.xlsx"
        path.write_bytes(get(demo_server, f"/{name}?programme={programme}&format=xlsx").content)
        files.append(path)
    copy = ingest_all(tmp_path / "copy", files)
    acronyms = "SELECT ?a WHERE { ?p a cbo:Project ; cbo:acronym ?a ; cbo:programme <%s> }"
    wanted = {r["a"] for r in select(demo_store, acronyms % programme)}
    query = (
        "SELECT (COUNT(DISTINCT ?p) AS ?n) (SUM(?eu) AS ?eu) WHERE { ?p a cbo:Participation ; "
        "cbo:euContribution ?eu ; cbo:project/cbo:acronym ?a "
        f"VALUES ?a {{ {' '.join(json.dumps(a) for a in sorted(wanted))} }} }}"
    )
    (original,), (again,) = select(demo_store, query), select(copy, query)
    assert again == original and int(original["n"]) > 0
    if which == "northern-shores":
        pic = 'SELECT ?o WHERE { ?o cbo:identifier/skos:notation "892517634" }'
        assert select(copy, pic) and select(demo_store, pic)
    else:  # a 2014-2020 project keeps its thematic objective and investment priority
        coded = "SELECT ?t ?i WHERE { ?p cbo:acronym ?a ; cbo:thematicObjective/skos:notation ?t ; cbo:investmentPriority/skos:notation ?i }"
        assert {(r["t"], r["i"]) for r in select(copy, coded)} >= {
            (r["t"], r["i"])
            for r in select(
                demo_store,
                coded + f" VALUES ?a {{ {' '.join(json.dumps(a) for a in sorted(wanted))} }}",
            )
        }


def test_a_reader_waits_for_an_index_being_built_instead_of_building_it(tmp_path):
    """While an ingest builds a snapshot's index, a list request waits for it; a mark left
    by a builder that died is ignored, and with no mark nobody waits."""
    import os
    import threading

    from cblod.derived.building import STALE, building, wait_for

    built = threading.Event()
    looks: list[int] = []

    def load() -> str | None:
        looks.append(1)
        return "built" if built.is_set() else None

    with building(tmp_path, "facets"):
        threading.Timer(0.6, built.set).start()
        assert wait_for(tmp_path, "facets", load) == "built"  # not None: it waited
        assert len(looks) > 1
    assert not list(tmp_path.glob("*.building"))  # the mark goes with the builder
    looks.clear()
    assert wait_for(tmp_path, "facets", lambda: looks.append(1)) is None  # no mark: one look
    assert len(looks) == 2  # a look, and one more as the mark is not there
    mark = tmp_path / "facets.building"
    mark.write_text("1")
    old = mark.stat().st_mtime - STALE - 60  # written just now: made older than stale
    os.utime(mark, (old, old))
    looks.clear()
    assert wait_for(tmp_path, "facets", lambda: looks.append(1)) is None
    assert len(looks) == 1  # a stale mark: given up at once, not waited on


def test_a_range_typed_in_the_form_filters_like_a_band(demo_server):
    """The range form sends both fields, one of them maybe empty; the other filters ride
    along as hidden fields."""
    page = get(demo_server, f"/projects?country={FINLAND}").text
    form = re.search(
        r'<form class="range"[^>]*aria-label="EU contribution[^"]*">(.*?)</form>', page, re.S
    ).group(1)
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form))
    assert hidden == {"country": FINLAND}
    typed = listing(
        demo_server, "projects", [*hidden.items(), ("eu_min", "500000"), ("eu_below", "")]
    )
    banded = listing(demo_server, "projects", [("country", FINLAND), ("eu_min", "500000")])
    assert typed["total"] == banded["total"] > 0


def test_the_export_headings_are_those_of_keep_eus_own_workbook():
    """The shipped keep.eu-layout sample (its sheets as keep.eu names them): same headings, same
    order, so a keep.eu user's macros find their columns."""
    sample = (
        Path(__file__).resolve().parent.parent
        / "samples"
        / "bulk"
        / "keep-eu-export-synthetic.xlsx"
    )
    book = openpyxl.load_workbook(sample, read_only=True)
    for sheet, name in (
        ("Search results, projects", "projects"),
        ("Search results, partners", "participations"),
    ):
        # keep.eu's own columns, in keep.eu's order, then each row's URI
        assert (*next(book[sheet].iter_rows(values_only=True)), "URI") == columns(name)
