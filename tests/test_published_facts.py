"""What the published default graph says, checked with SPARQL against the seed pages, on every
backend: the embedded store, and the same data pushed to Oxigraph server and Virtuoso and read
back through cblod."""

from decimal import Decimal

from tests.helpers.samples import select

PROJECT = "?project cbo:acronym ?acronym . FILTER(LCASE(?acronym) = LCASE({!r}))"


def partners(store, acronym: str) -> dict[str, dict[str, str]]:
    rows = select(
        store,
        f"""
        SELECT ?name ?role ?total ?eu ?country WHERE {{
          {PROJECT.format(acronym).replace("'", '"')}
          ?p cbo:project ?project ; cbo:partner ?org ; cbo:role ?role .
          OPTIONAL {{ ?p cbo:totalBudget ?total }} OPTIONAL {{ ?p cbo:euContribution ?eu }}
          ?org skos:prefLabel ?name .
          OPTIONAL {{ ?org cbo:country ?country }}
        }}""",
    )
    return {row["name"]: row for row in rows}


def test_4smart_growth_partner_erdf_adds_up_to_the_exact_project_total(published_samples):
    (row,) = select(
        published_samples,
        """SELECT (SUM(?eu) AS ?sum) (COUNT(?p) AS ?n) WHERE {
             ?project cbo:acronym "4Smart Growth" .
             ?p cbo:project ?project ; cbo:euContribution ?eu . }""",
    )
    assert Decimal(row["sum"]) == Decimal("817789.75")
    assert row["n"] == "5"


def test_4smart_growth_project_facts(published_samples):
    (row,) = select(
        published_samples,
        """SELECT * WHERE {
             ?project cbo:acronym "4Smart Growth" ; rdfs:label ?title ; cbo:startDate ?start ;
               cbo:endDate ?end ; cbo:status ?status ; cbo:totalBudget ?total ;
               cbo:euContribution ?eu ; cbo:programme ?programme ;
               cbo:priority/skos:notation ?priority ;
               cbo:specificObjective ?so ; cbo:thematicObjective/skos:notation ?to ;
               cbo:investmentPriority/skos:notation ?ip ; cbo:fund cbo:ERDF .
             ?so skos:notation ?soCode ; rdfs:label ?soLabel .
             FILTER(LANG(?title) = "en") }""",
    )
    assert row["title"] == "Smart Clusters for Smart Growth through Joint Business Intelligence"
    assert (row["start"], row["end"], row["status"]) == ("2019-04-01", "2021-12-31", "closed")
    assert Decimal(row["total"]) == Decimal("1063833")
    assert Decimal(row["eu"]) == Decimal("817789.75")
    assert row["programme"].endswith("/id/programme/central-baltic-2014-2020")
    assert (row["priority"], row["soCode"], row["to"], row["ip"]) == ("1", "1.3", "03", "03d")
    assert row["soLabel"] == "More exports by the Central Baltic companies to new markets"


def test_4smart_growth_partners_roles_and_budgets(published_samples):
    found = partners(published_samples, "4Smart Growth")
    assert len(found) == 5
    by_total = {
        row["name"]: (row["role"].rsplit("#")[1], row["total"], row["eu"]) for row in found.values()
    }
    sisp = by_total["SISP Swedish Incubators & Science Parks"]
    assert sisp == ("LeadPartner", "265583", "199187.25")
    roles = [role for role, _, _ in by_total.values()]
    assert roles.count("LeadPartner") == 1
    amounts = sorted((Decimal(t), Decimal(e)) for _, t, e in by_total.values())
    assert amounts == sorted(
        [
            (Decimal("265583"), Decimal("199187.25")),
            (Decimal("199100"), Decimal("149325")),
            (Decimal("200000"), Decimal("150000")),
            (Decimal("200000"), Decimal("150000")),
            (Decimal("199150"), Decimal("169277.5")),
        ]
    )
    countries = sorted(row["country"].rsplit("/", 1)[1] for row in found.values())
    assert countries == ["EST", "FIN", "FIN", "SWE", "SWE"]


def test_sme2go_from_the_print_view(published_samples):
    (row,) = select(
        published_samples,
        """SELECT * WHERE {
             ?project cbo:acronym "SME2GO" ; cbo:startDate ?start ; cbo:endDate ?end ;
               cbo:totalBudget ?total ; cbo:euContribution ?eu ; foaf:page ?page ;
               cbo:priority/skos:notation "1" ; cbo:specificObjective/skos:notation "1.3" . }""",
    )
    assert (row["start"], row["end"]) == ("2015-10-01", "2018-09-30")
    assert (Decimal(row["total"]), Decimal(row["eu"])) == (Decimal(1839996), Decimal(1419997))
    assert row["page"] == "https://database.centralbaltic.eu/project/23"
    found = partners(published_samples, "SME2GO")
    assert len(found) == 5
    assert sum(Decimal(r["eu"]) for r in found.values()) == Decimal(1419997)
    assert sum(Decimal(r["total"]) for r in found.values()) == Decimal(1839996)
    (lead,) = [r for r in found.values() if r["role"].endswith("LeadPartner")]
    assert lead["name"].startswith("SISP")


def test_sme2go_results_have_their_numbers(published_samples):
    rows = select(
        published_samples,
        """SELECT ?text ?n ?kind WHERE {
             ?project cbo:acronym "SME2GO" ; cbo:result ?r .
             ?r rdfs:label ?text ; cbo:resultKind ?kind ; cbo:quantity ?n . }""",
    )
    achieved = {r["text"]: Decimal(r["n"]) for r in rows if r["kind"].endswith("Achieved")}
    assert achieved["163 unique companies was supported"] == 163
    assert achieved["10 consortias was formed"] == 10


def test_expected_results_with_ranges(published_samples):
    rows = select(
        published_samples,
        """SELECT ?text ?low ?high WHERE {
             ?project cbo:acronym "4Smart Growth" ; cbo:result ?r .
             ?r rdfs:label ?text ; cbo:resultKind cbo:Expected ; cbo:quantity ?low .
             OPTIONAL { ?r cbo:quantityMax ?high } }""",
    )
    by_text = {r["text"]: (r["low"], r.get("high")) for r in rows}
    assert by_text["6 export missions of 30 SMEs from CB clusters to 3 new markets"] == ("6", None)
    agreements = next(v for k, v in by_text.items() if k.startswith("3-4 sales agreements"))
    assert agreements == ("3", "4")
    # keep.eu and the programme database state the same expectations: one result each
    assert len(rows) == 2


def test_sisp_is_one_organisation_leading_both_projects(published_samples):
    rows = select(
        published_samples,
        """SELECT DISTINCT ?org ?acronym WHERE {
             ?p cbo:partner ?org ; cbo:role cbo:LeadPartner ; cbo:project/cbo:acronym ?acronym .
             ?org skos:prefLabel "SISP Swedish Incubators & Science Parks" . }""",
    )
    assert {r["acronym"] for r in rows} == {"4Smart Growth", "SME2GO"}
    assert len({r["org"] for r in rows}) == 1


def test_each_organisation_is_one_resource_whatever_name_a_source_uses(published_samples):
    names = {
        "Turku Science Park Oy Ab": "Turku Science Park Ltd",
        "Sihtasutus Tallinna Teaduspark Tehnopol": "Tallinn Science Park Tehnopol",
        "Tampereen kaupunkiseudun elinkeino- ja kehitysyhtiö Tredea OY": (
            "Tampere Region Economic Development Agency Tredea"
        ),
        "Västerås Science Park AB": "Västerås Science Park AB",
    }
    for one, other in names.items():
        rows = select(
            published_samples,
            f"""SELECT DISTINCT ?org WHERE {{
                  ?org a cbo:Organisation ; skos:prefLabel|skos:altLabel ?a, ?b .
                  FILTER(STR(?a) = {one!r} && STR(?b) = {other!r}) }}""".replace("'", '"'),
        )
        assert len(rows) == 1, (one, other, rows)
        (projects,) = select(
            published_samples,
            "SELECT (COUNT(DISTINCT ?project) AS ?n) WHERE "
            f"{{ ?p cbo:partner <{rows[0]['org']}> ; cbo:project ?project }}",
        )
        assert projects["n"] == ("1" if "Tredea" in one else "2"), one


def test_one_name_per_language_in_the_default_graph(demo_store):
    rows = select(
        demo_store,
        """SELECT ?s (COUNT(?label) AS ?n) WHERE { ?s rdfs:label ?label }
           GROUP BY ?s (LANG(?label)) HAVING (COUNT(?label) > 1)""",
    )
    assert rows == []
    # and the rule had something to choose from: names in several languages, several sources
    multilingual = select(
        demo_store,
        """SELECT ?s WHERE { ?s rdfs:label ?label } GROUP BY ?s
           HAVING (COUNT(DISTINCT LANG(?label)) > 2)""",
    )
    assert multilingual


def test_the_22_clusters_with_their_regions(published_samples):
    rows = select(
        published_samples,
        """SELECT ?name ?nuts ?country WHERE {
             ?c a cbo:Cluster ; skos:prefLabel ?name ; cbo:region ?nuts ; cbo:country ?country ;
                cbo:selectedFor/skos:prefLabel "S3-piloten" . }""",
    )
    assert len(rows) == 22
    region = {r["name"]: r["nuts"].rsplit("/", 1)[1] for r in rows}
    assert region["Automation Region"] == "SE125"
    assert region["Järnvägsklustret"] == "SE125"
    assert region["Entreprenörsdrivet Företagsnav"] == "SE322"
    assert region["TechTank"] == "SE221"
    assert region["Mobile Heights"] == "SE224"
    assert region["Datacenter"] == "SE332"
    assert {r["country"] for r in rows} == {
        "http://publications.europa.eu/resource/authority/country/SWE"
    }
    (label,) = select(published_samples, "SELECT ?l WHERE { nuts:SE125 skos:prefLabel ?l }")
    assert label["l"] == "Västmanlands län"


def test_interreg_europe_projects_with_lead_partners(published_samples):
    rows = select(
        published_samples,
        """SELECT ?acronym ?lead ?acr WHERE {
             ?project cbo:programme/skos:prefLabel "Interreg Europe" ; cbo:acronym ?acronym .
             ?p cbo:project ?project ; cbo:role cbo:LeadPartner ; cbo:partner ?org .
             ?org skos:prefLabel ?lead . OPTIONAL { ?org cbo:acronym ?acr } }""",
    )
    leads = {r["acronym"]: (r["lead"], r.get("acr")) for r in rows}
    assert leads == {
        "ClusterFY": ("Agency for Science, Innovation and Technology (MITA)", "MITA"),
        "ClusteriX 2.0": ("ecoplus. The Business Agency of Lower Austria", None),
        "CLUSTERS3": ("SPRI - Basque Business Development Agency", "SPRI"),
    }
    (former,) = select(published_samples, "SELECT ?f WHERE { ?o cbo:formerName ?f }")
    assert former["f"] == "SPRI - Society for Competitive Transformation S.A"


def test_every_source_is_a_named_graph_with_provenance(published_samples):
    rows = select(
        published_samples,
        """SELECT ?g ?file ?sha ?at ?format WHERE { GRAPH ?g {
             ?g a cbo:SourceRecord ; cbo:fileName ?file ; cbo:sha256 ?sha ;
                prov:generatedAtTime ?at ; cbo:format ?format } }""",
    )
    assert len(rows) == 5
    assert {r["format"] for r in rows} == {
        "keep-eu-page",
        "centralbaltic-db",
        "interreg-europe-search",
        "tillvaxtverket-clusters",
    }
    (origin,) = select(published_samples, "SELECT ?url WHERE { ?g prov:hadPrimarySource ?url }")
    assert origin["url"] == "https://database.centralbaltic.eu/printview/23"


def test_what_each_source_said_stays_in_its_graph(published_samples):
    rows = select(
        published_samples,
        """SELECT ?format ?eu WHERE {
             GRAPH ?g { ?p cbo:partner ?org ; cbo:euContribution ?eu ;
                           cbo:project/cbo:acronym "4Smart Growth" .
                        ?org skos:prefLabel "SISP Swedish Incubators & Science Parks" }
             ?g cbo:format ?format }""",
    )
    assert {r["format"]: r["eu"] for r in rows} == {
        "keep-eu-page": "199187.25",
        "centralbaltic-db": "199187",
    }


def test_no_blank_nodes(published_samples):
    rows = select(
        published_samples,
        "SELECT (COUNT(*) AS ?n) WHERE "
        "{ GRAPH ?g { ?s ?p ?o FILTER(isBlank(?s) || isBlank(?o)) } }",
    )
    assert rows[0]["n"] == "0"


def test_preferred_and_alternative_labels_are_disjoint(published_samples):
    rows = select(
        published_samples,
        "SELECT ?s ?l WHERE { ?s skos:prefLabel ?l ; skos:altLabel ?a FILTER(STR(?a) = STR(?l)) }",
    )
    assert rows == []
    # not vacuous: many resources have both kinds of label
    (both,) = select(
        published_samples,
        "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s skos:prefLabel ?l ; skos:altLabel ?a }",
    )
    assert int(both["n"]) > 5


def test_the_fullest_name_is_preferred_and_the_others_kept(published_samples):
    (programme,) = select(
        published_samples,
        """SELECT ?pref (GROUP_CONCAT(?alt; separator="|") AS ?alts) WHERE {
             ?p a cbo:Programme ; skos:prefLabel ?pref ; skos:altLabel ?alt ;
                cbo:periodStart "2014"^^xsd:gYear } GROUP BY ?pref""",
    )
    assert programme["pref"] == (
        "2014 - 2020 INTERREG V-A Finland - Estonia - Latvia - Sweden (Central Baltic)"
    )
    assert programme["alts"] == "Central Baltic"
    (tehnopol,) = select(
        published_samples,
        """SELECT ?pref ?alt WHERE { ?o cbo:country country:EST ; skos:prefLabel ?pref ;
                                       skos:altLabel ?alt }""",
    )
    assert tehnopol == {
        "pref": "Sihtasutus Tallinna Teaduspark Tehnopol",
        "alt": "Tallinn Science Park Tehnopol",
    }
