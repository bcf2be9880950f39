"""The figures a programme's page shows, apart from names: one query text per programme.

A programme's page lists its priorities, objectives and indicators, how many projects it
has and the first of them by acronym, and its partners' EU funding by country: aggregates
over every project of the programme (30 000 in the benchmarks' export: seconds). None of that
depends on the reader, while the names shown do (their language). So the page asks in two
steps: these figures, by IRI, in a query whose text depends on the programme only (so
``cblod.derived.kept`` computes it once per snapshot, at publish, and the page finds it by its
text), then the names of the few things shown, in the reader's languages.
"""

from __future__ import annotations

from ..query.text import ordered, union_of_sections

#: projects a programme's page lists (the list pages have them all)
PROGRAMME_PROJECTS = 500
#: the tables of ``programme_figures``, told apart by ``?section``
PROGRAMME_SECTIONS = ("structure", "projects", "total", "by_country")


def programme_figures(iri: str) -> str:
    """The SELECT of a programme page's figures; ``?section`` tells its tables apart:
    ``structure`` (?thing ?type ?code ?parent), ``projects`` (?project ?acronym ?projectEU,
    the first ``PROGRAMME_PROJECTS`` by acronym), ``total`` (?projects, and the sums of their
    EU funding and budgets: ?programmeEU over ?withEU projects, ?programmeBudget) and ``by_country``
    (?where ?erdf: each participation's EU contribution once, under its partner's country).
    A row per name (``?name``, every language) of what is shown: the page picks the
    reader's (``web.labels.choose_name``), so one answer serves every reader.
    """
    first_projects = ordered(
        f"""
          SELECT ?project (MIN(?acronym_) AS ?acronym) (MIN(?eu_) AS ?projectEU) WHERE {{
            ?project cbo:programme <{iri}> ; a cbo:Project .
            FILTER EXISTS {{ ?project rdfs:label ?label }}
            OPTIONAL {{ ?project cbo:acronym ?acronym_ }}
            OPTIONAL {{ ?project cbo:euContribution ?eu_ }}
          }} GROUP BY ?project""",
        "?acronym ?project",
        limit=PROGRAMME_PROJECTS,
    )
    return union_of_sections(
        {
            "structure": f"""
        SELECT * WHERE {{ {{
          SELECT ?thing ?type (MIN(?code_) AS ?code) (MIN(?parent_) AS ?parent) WHERE {{
            ?thing cbo:programme <{iri}> ; a ?type .
            FILTER(?type IN (cbo:Priority, cbo:SpecificObjective, cbo:Indicator))
            OPTIONAL {{ ?thing skos:notation ?code_ }} OPTIONAL {{ ?thing cbo:priority ?parent_ }}
          }} GROUP BY ?thing ?type }}
          ?thing rdfs:label ?name }}""",
            "projects": f"""
        SELECT * WHERE {{ {{ {first_projects} }}
          ?project rdfs:label ?name }}""",
            "total": f"""
        SELECT (COUNT(?project) AS ?projects) (SUM(?projectEU_) AS ?programmeEU)
               (COUNT(?projectEU_) AS ?withEU) (SUM(?projectBudget_) AS ?programmeBudget) WHERE {{
          SELECT ?project (MIN(?eu_) AS ?projectEU_) (MIN(?budget_) AS ?projectBudget_) WHERE {{
            ?project cbo:programme <{iri}> ; a cbo:Project .
            FILTER EXISTS {{ ?project rdfs:label ?label }}
            OPTIONAL {{ ?project cbo:euContribution ?eu_ }}
            OPTIONAL {{ ?project cbo:totalBudget ?budget_ }}
          }} GROUP BY ?project
        }}""",
            "by_country": f"""
        SELECT * WHERE {{ {{
          SELECT ?where (SUM(?eu) AS ?erdf) WHERE {{
            ?project cbo:programme <{iri}> .
            ?p cbo:project ?project ; cbo:euContribution ?eu ; cbo:partner/cbo:country ?where .
          }} GROUP BY ?where }}
          ?where skos:prefLabel ?name }}""",
        }
    )
