"""The first pages a person sees: every list shows each resource once, under one name in the
reader's language, and every count a page shows is the number of distinct resources SPARQL
finds. Run on the demo store, whose bulk samples name projects in several languages."""

import html
import re
from decimal import Decimal
from urllib.parse import unquote

import pytest
import rdflib
import requests
from hypothesis import given, settings
from hypothesis import strategies as st
from pyoxigraph import Literal, Store

from cblod.read.chosen_names import chosen_name, name_key
from cblod.web.labels import choose_name, ordered_languages
from tests.helpers.samples import select

ROW = re.compile(r'<tr><td><a href="([^"]+)">([^<]*)</a>')
LISTS = {
    "projects": "cbo:Project",
    "organisations": "cbo:Organisation",
    "programmes": "cbo:Programme",
    "clusters": "cbo:Cluster",
}


def page(server: str, path: str, **headers) -> str:
    response = requests.get(f"{server}{path}", headers=headers, timeout=60)
    assert response.status_code == 200, response.text
    return response.text


def rows(text: str) -> list[tuple[str, str]]:
    """(resource path, name shown) per row of a list page."""
    return [
        (unquote(href).partition("?")[0].replace("/doc/", "/id/"), html.unescape(name))
        for href, name in ROW.findall(text)
    ]


def path_of(iri: str) -> str:
    return "/id/" + iri.split("/id/", 1)[1]


def count(store, cls: str) -> int:
    (row,) = select(store, f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s a {cls} }}")
    return int(row["n"])


@pytest.mark.parametrize("name", LISTS)
def test_a_list_shows_each_resource_once_and_counts_them(demo_server, demo_store, name):
    text = page(demo_server, f"/{name}")
    expected = count(demo_store, LISTS[name])
    assert expected > 0
    assert f"({expected})" in text  # the heading's count
    shown = rows(text)
    assert len(shown) == min(expected, 50)
    assert len({path for path, _ in shown}) == len(shown)  # no resource twice
    members = {
        path_of(r["s"]) for r in select(demo_store, f"SELECT ?s WHERE {{ ?s a {LISTS[name]} }}")
    }
    assert {path for path, _ in shown} <= members


def names_by_language(store, cls: str, prop: str) -> dict[str, dict[str, list[str]]]:
    found: dict[str, dict[str, list[str]]] = {}
    for r in select(store, f"SELECT ?s ?l (LANG(?l) AS ?lang) WHERE {{ ?s a {cls} ; {prop} ?l }}"):
        found.setdefault(path_of(r["s"]), {}).setdefault(r.get("lang", ""), []).append(r["l"])
    return found


def expected_name(names: dict[str, list[str]], languages: list[str]) -> str:
    """The stated rule: the reader's languages, then English, then untagged, then any."""
    for language in [*languages, "en", ""]:
        if names.get(language):
            return min(names[language])
    return min(min(values) for values in names.values())


@pytest.mark.parametrize(
    ("query", "headers", "languages"),
    [
        ("", {}, []),
        ("", {"Accept-Language": "fi-FI, sv;q=0.8"}, ["fi", "sv"]),
        ("?lang=sv", {"Accept-Language": "fi"}, ["sv"]),
        ("?lang=et", {}, ["et"]),
    ],
    ids=["default-english", "accept-language", "lang-parameter-wins", "estonian"],
)
def test_project_names_follow_the_readers_language(
    demo_server, demo_store, query, headers, languages
):
    names = names_by_language(demo_store, "cbo:Project", "rdfs:label")
    multilingual = [p for p, by_language in names.items() if len(by_language) > 1]
    assert multilingual  # the rule is only tested where there is a choice
    shown = dict(rows(page(demo_server, f"/projects{query}", **headers)))
    assert shown == {path: expected_name(names[path], languages) for path in names}
    if languages:
        assert any(
            shown[path] in names[path].get(languages[0], []) for path in multilingual
        )  # some title really is in the reader's first language


def test_list_pages_tell_caches_they_vary_by_language(demo_server):
    response = requests.get(f"{demo_server}/projects", timeout=60)
    assert "Accept-Language" in response.headers["Vary"]


def test_organisation_names_prefer_english_over_an_untagged_legal_name(demo_server, demo_store):
    names = names_by_language(demo_store, "cbo:Organisation", "skos:prefLabel")
    both = [p for p, by_language in names.items() if {"en", ""} <= set(by_language)]
    assert both
    shown = dict(rows(page(demo_server, "/organisations")))
    for path in both:
        assert shown[path] == min(names[path]["en"])


def test_home_page_counts_are_distinct_resources(demo_server, demo_store):
    text = page(demo_server, "/")
    lead = re.search(r"(\d+) projects, (\d+) organisations and (\d+) partnerships", text)
    assert lead is not None
    assert [int(n) for n in lead.groups()] == [
        count(demo_store, "cbo:Project"),
        count(demo_store, "cbo:Organisation"),
        count(demo_store, "cbo:Participation"),
    ]
    listed = re.findall(
        r'<li><a href="([^"]+)">[^<]*</a> <small class="muted">(\d+) projects', text
    )
    expected = {
        path_of(r["p"]): int(r["n"])
        for r in select(
            demo_store,
            """SELECT ?p (COUNT(DISTINCT ?project) AS ?n) WHERE {
                 ?p a cbo:Programme . OPTIONAL { ?project a cbo:Project ; cbo:programme ?p } }
               GROUP BY ?p""",
        )
    }
    assert len(listed) == len(expected) > 1
    assert {unquote(href).replace("/doc/", "/id/"): int(n) for href, n in listed} == expected
    assert sum(expected.values()) == count(demo_store, "cbo:Project")


def amount(text: str) -> Decimal:
    return Decimal(text.replace("EUR", "").replace(" ", "").replace("\u202f", "").strip())


def subjects(store, cls: str) -> list[str]:
    return [r["s"] for r in select(store, f"SELECT ?s WHERE {{ ?s a {cls} }} ORDER BY ?s")]


def test_project_pages_show_each_partner_once_and_sum_them_right(demo_server, demo_store):
    """Partners named in several languages were a row per name, and the totals doubled."""
    checked = 0
    for project in subjects(demo_store, "cbo:Project"):
        participations = select(
            demo_store,
            f"""SELECT ?p ?total ?eu WHERE {{ ?p cbo:project <{project}> .
                  OPTIONAL {{ ?p cbo:totalBudget ?total }} OPTIONAL {{ ?p cbo:euContribution ?eu }}
                }}""",
        )
        if not participations:
            continue
        assert len({r["p"] for r in participations}) == len(participations)  # one amount each
        text = page(demo_server, path_of(project).replace("/id/", "/doc/"))
        assert f"<h2>Partners ({len(participations)})</h2>" in text, project
        body = text.split('<table class="partners">', 1)[1].split("</tbody>", 1)[0]
        assert body.count("<tr><td>") == len(participations), project
        for cell, column in (("partner-total", "total"), ("partner-eu", "eu")):
            expected = sum((Decimal(r[column]) for r in participations if column in r), Decimal(0))
            shown = re.search(rf'id="{cell}">([^<]+)<', text)
            if expected:
                assert shown is not None and amount(shown.group(1)) == expected, project
        checked += 1
    assert checked >= 5


def test_organisation_and_programme_pages_count_distinct_projects(demo_server, demo_store):
    checked = 0
    for cls, pattern in (
        ("cbo:Organisation", "?p cbo:partner <{s}> ; cbo:project ?project"),
        ("cbo:Programme", "?project a cbo:Project ; cbo:programme <{s}>"),
    ):
        for subject in subjects(demo_store, cls):
            (row,) = select(
                demo_store,
                "SELECT (COUNT(DISTINCT ?project) AS ?n) WHERE { "
                + pattern.format(s=subject)
                + " }",
            )
            if row["n"] == "0":
                continue
            text = page(demo_server, path_of(subject).replace("/id/", "/doc/"))
            assert f"Projects ({row['n']})</h2>" in text, subject
            checked += 1
    assert checked > 10


def test_the_programme_chart_sums_each_participation_once_per_country(demo_server, demo_store):
    programme = next(p for p in subjects(demo_store, "cbo:Programme") if "northern-shores" in p)
    expected = {
        r["c"]: Decimal(r["sum"])
        for r in select(
            demo_store,
            f"""SELECT ?c (SUM(?eu) AS ?sum) WHERE {{
                  ?project cbo:programme <{programme}> . ?p cbo:project ?project ;
                  cbo:euContribution ?eu ; cbo:partner/cbo:country ?c }} GROUP BY ?c""",
        )
    }
    assert len(expected) > 2
    chart = page(demo_server, path_of(programme).replace("/id/", "/doc/")).split("<svg", 1)[1]
    shown = re.findall(r'<text x="\d+" y="\d+">([^<]+)</text>', chart)
    assert sorted(amount(s) for s in shown) == sorted(expected.values())


def test_resource_pages_vary_by_language_and_tag_each_language_apart(demo_server, demo_store):
    (project,) = select(demo_store, 'SELECT ?p WHERE { ?p cbo:acronym "BlueSkills" }')
    url = demo_server + path_of(project["p"]).replace("/id/", "/doc/")
    english = requests.get(url, headers={"Accept": "text/html"}, timeout=60)
    finnish = requests.get(
        url, headers={"Accept": "text/html", "Accept-Language": "fi"}, timeout=60
    )
    assert "Accept-Language" in english.headers["Vary"]
    assert english.headers["ETag"] != finnish.headers["ETag"]
    assert "Sinisen talouden osaamisallianssi" in finnish.text  # a Finnish name on the page
    stale = requests.get(
        url, headers={"Accept-Language": "fi", "If-None-Match": english.headers["ETag"]}, timeout=60
    )
    assert stale.status_code == 200  # the English page's tag does not stand for the Finnish one
    # asked again, each comes from the page cache, still in its own language
    assert stale.text == finnish.text
    assert requests.get(url, headers={"Accept": "text/html"}, timeout=60).text == english.text


@settings(max_examples=150, deadline=None)
@given(
    names=st.lists(
        st.tuples(
            st.text(alphabet="aäbzÅ 1", min_size=1, max_size=4),
            st.sampled_from(["", "en", "en-GB", "fi", "fi-FI", "sv", "de"]),
        ),
        min_size=1,
        max_size=6,
    ),
    asked=st.lists(st.sampled_from(["fi", "sv-FI", "en-US", "de", "et"]), max_size=3),
)
def test_a_name_chosen_in_python_is_the_one_sparql_chooses(names, asked):
    """``choose_name`` (names that come with kept figures) follows ``name_key``'s rule."""
    languages = ordered_languages(asked)
    literals = [Literal(text, language=tag) if tag else Literal(text) for text, tag in names]
    values = " ".join(str(literal) for literal in literals)
    query = f"""SELECT ({chosen_name("?key")} AS ?name) WHERE {{
        VALUES ?label {{ {values} }} BIND({name_key("?label", languages)} AS ?key) }}"""
    (row,) = Store().query(query)  # type: ignore[misc]  # a SELECT: one row
    assert choose_name(literals, languages) == row["name"].value


@pytest.mark.parametrize(
    ("headers", "languages"),
    [
        ({}, []),
        ({"Accept-Language": "fi"}, ["fi"]),
        ({"Accept-Language": "sv, fi;q=0.5"}, ["sv", "fi"]),
    ],
    ids=["default-english", "finnish", "swedish"],
)
def test_search_results_follow_the_readers_language(demo_server, demo_store, headers, languages):
    """A search hit is shown under the name the lists would show it by (the stated rule)."""
    response = requests.get(
        f"{demo_server}/search", params={"q": "circular"}, headers=headers, timeout=60
    )
    assert response.status_code == 200 and "Accept-Language" in response.headers["Vary"]
    hits = [
        (unquote(href).partition("?")[0].replace("/doc/", "/id/"), html.unescape(name))
        for href, name in re.findall(r'<li><a href="([^"]+)">([^<]*)</a>', response.text)
    ]
    names = names_by_language(demo_store, "cbo:Project", "rdfs:label")
    projects = [(path, shown) for path, shown in hits if path in names]
    assert projects  # the samples have a multilingual project about circular solutions
    for path, shown in projects:
        assert shown == expected_name(names[path], languages)
    if languages:
        assert any(shown in names[path].get(languages[0], []) for path, shown in projects)


TITLE = re.compile(r'<h1(?: lang="([^"]+)")?>([^<]*)</h1>')


@pytest.mark.parametrize(
    ("query", "headers", "expected"),
    [
        ("?lang=sv", {}, ("sv", "Allians för kompetens i den blå ekonomin")),
        ("", {"Accept-Language": "sv"}, ("sv", "Allians för kompetens i den blå ekonomin")),
        ("?lang=fi", {"Accept-Language": "sv"}, ("fi", "Sinisen talouden osaamisallianssi")),
        ("?lang=", {"Accept-Language": "et"}, ("et", "Sinimajanduse oskuste liit")),
        ("", {}, (None, "Blue Economy Skills Alliance")),
    ],
    ids=["lang", "accept-language", "lang-wins", "empty-lang-is-the-browsers", "english"],
)
def test_a_resource_page_is_titled_in_the_readers_language(demo_server, query, headers, expected):
    """The page a list links to names the resource as the list did, and marks a name in
    another language than the interface's with its own ``lang`` (WCAG 3.1.2)."""
    path = "/doc/project/interreg-northern-shores-synthetic-2021-2027/blueskills"
    text = page(demo_server, path + query, **headers)
    (title,) = TITLE.findall(text)
    assert (title[0] or None, html.unescape(title[1])) == expected
    assert f"<title>{html.escape(expected[1], quote=False)} · cblod</title>" in text


def test_the_readers_lang_is_kept_by_every_link_to_another_page(demo_server):
    """A reader who chose ``?lang=sv`` keeps it on the next click, wherever it leads; links
    to data (formats, dumps, the catalogue) and files are not pages and do not carry it."""
    for start in (
        "/projects?lang=sv",
        "/doc/programme/central-baltic-2014-2020?lang=sv",
        "/?lang=sv",
    ):
        text = page(demo_server, start)
        links = [html.unescape(h) for h in re.findall(r'<a [^>]*href="(/[^"]*)"', text)]
        pages = [
            h
            for h in links
            if h.startswith(
                (
                    "/doc/",
                    "/projects",
                    "/organisations",
                    "/participations",
                    "/programmes",
                    "/clusters",
                )
            )
            and not re.search(r"\.(ttl|jsonld|nt|rdf)(\?|$)", h)
            and "format=" not in h
        ]
        assert len(pages) > 5, start
        assert [h for h in pages if "lang=sv" not in h] == [], start
        assert 'name="lang" value="sv"' in text  # the search box keeps it too
        data = [h for h in links if re.search(r"\.(ttl|jsonld)$", h.partition("?")[0])]
        assert all("lang=" not in h for h in data), start


def test_the_language_switcher_offers_the_languages_names_are_given_in(demo_server, demo_store):
    found = {
        r["l"]
        for r in select(
            demo_store,
            'SELECT DISTINCT (LCASE(LANG(?n)) AS ?l) WHERE { ?s skos:prefLabel ?n FILTER(LANG(?n) != "") }',
        )
    }
    text = page(demo_server, "/projects?q=blue&lang=fi")
    form = text.split('<form class="languages"', 1)[1].split("</form>", 1)[0]
    offered = set(re.findall(r'<option value="([a-z-]+)"', form))
    assert offered == {code.split("-")[0] for code in found}
    assert '<option value="fi" lang="fi" selected>suomi</option>' in form
    # the page's other parameters ride along; the chosen language is the select's
    assert '<input type="hidden" name="q" value="blue">' in form
    assert 'type="hidden" name="lang"' not in form


def money_on(text: str, element_id: str) -> Decimal:
    found = re.search(rf'id="{element_id}">([0-9  .]+) EUR', text)
    assert found, element_id
    return Decimal(found.group(1).replace(" ", "").replace("\u2009", ""))


def sparql_sum(store, query: str) -> Decimal:
    (row,) = select(store, query)
    return Decimal(row["n"])


def test_pages_state_the_money_sparql_sums(demo_server, demo_store):
    """Home, programme and organisation pages say how much EU funding they stand for, each
    amount counted once, as SPARQL sums it; /programmes lists each programme's."""
    home = page(demo_server, "/")
    assert money_on(home, "home-eu") == sparql_sum(
        demo_store,
        "SELECT (SUM(?e) AS ?n) WHERE { ?p a cbo:Participation ; cbo:euContribution ?e }",
    )
    programmes = {
        r["p"]: Decimal(r["n"])
        for r in select(
            demo_store,
            "SELECT ?p (SUM(?e) AS ?n) WHERE { ?x a cbo:Project ; cbo:programme ?p ; cbo:euContribution ?e } GROUP BY ?p",
        )
    }
    assert programmes
    listed = page(demo_server, "/programmes")
    for iri, total in programmes.items():
        text = page(demo_server, path_of(iri).replace("/id/", "/doc/"))
        assert money_on(text, "programme-eu") == total, iri
        row = re.search(rf'<a href="{path_of(iri).replace("/id/", "/doc/")}">.*?</tr>', listed)
        assert row and f"{total:,.2f}".replace(",", " ").removesuffix(".00") in row.group(0)
    organisations = select(
        demo_store,
        "SELECT ?o (SUM(?e) AS ?n) (COUNT(?x) AS ?c) WHERE { ?x cbo:partner ?o ; cbo:euContribution ?e } GROUP BY ?o",
    )
    assert organisations
    for found in organisations:
        text = page(demo_server, path_of(found["o"]).replace("/id/", "/doc/"))
        assert money_on(text, "organisation-eu") == Decimal(found["n"]), found["o"]


def test_every_page_links_releases_the_change_stream_and_states_the_licence(demo_server):
    for path in ("/", "/projects", "/doc/project/central-baltic-2014-2020/4smart-growth"):
        text = page(demo_server, path)
        assert '<a href="/releases">Releases</a>' in text
        assert '<a href="/ldes">' in text
        assert (
            '<a rel="license" href="http://publications.europa.eu/resource/authority/licence/CC_BY_4_0">CC BY 4.0</a>'
            in text
        )


@pytest.mark.parametrize(
    "asked", ["FI28765435", "28765435", "2876543-5", "892517634", "fi 2876543-5"]
)
def test_search_finds_an_organisation_by_its_vat_or_registry_number(demo_server, demo_store, asked):
    (row,) = select(demo_store, 'SELECT ?o WHERE { ?o cbo:identifier/skos:notation "FI28765435" }')
    text = page(demo_server, f"/search?q={asked}")
    hits = re.findall(r'<li><a href="([^"]+)"', text)
    assert path_of(row["o"]).replace("/id/", "/doc/") in [h.partition("?")[0] for h in hits]


def test_a_resource_page_honours_format_as_the_lists_do(demo_server):
    path = "/doc/project/central-baltic-2014-2020/4smart-growth"
    turtle = requests.get(
        f"{demo_server}{path}?format=ttl", headers={"Accept": "text/html"}, timeout=60
    )
    assert turtle.status_code == 200 and turtle.headers["Content-Type"].startswith("text/turtle")
    graph = rdflib.Graph().parse(data=turtle.text, format="turtle")
    assert len(graph) > 10
    for name, media in (
        ("jsonld", "application/ld+json"),
        ("nt", "application/n-triples"),
        ("html", "text/html"),
    ):
        response = requests.get(f"{demo_server}{path}?format={name}", timeout=60)
        assert response.headers["Content-Type"].startswith(media), name
    assert requests.get(f"{demo_server}{path}?format=bogus", timeout=60).status_code == 400


def test_links_here_and_the_type_line_name_each_thing_once(demo_server):
    text = page(demo_server, "/doc/project/central-baltic-2014-2020/4smart-growth")
    inbound = text.split('<section id="inbound">', 1)[1].split("</section>", 1)[0]
    linked = re.findall(r'<li><a href="([^"]+)"', inbound)
    assert linked and len(linked) == len(set(linked))
    assert "Links here (5)" in inbound  # its five partners' participations
    kinds = re.findall(r">([^<]+)</a>", text.split('<p class="kind">', 1)[1].split("</p>", 1)[0])
    assert [k.casefold() for k in kinds] == ["project"]
