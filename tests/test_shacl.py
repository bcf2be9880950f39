"""SHACL over the published data, checked with an independent parser (rdflib) and pyshacl."""

import rdflib

from cblod.read.validate import default_graph, validate, validate_graph

CBO = rdflib.Namespace("https://w3id.org/cblod/ontology#")


def test_sample_data_has_no_violations_and_no_warnings(sample_store):
    report = validate(sample_store)
    assert report.findings == [], [str(f) for f in report.findings]


def test_the_published_graph_parses_independently(sample_store):
    graph = default_graph(sample_store)
    projects = set(graph.subjects(rdflib.RDF.type, CBO.Project))
    assert len(projects) == 5


def _participation(graph, name_fragment):
    for participation in graph.subjects(rdflib.RDF.type, CBO.Participation):
        if name_fragment in str(participation):
            return participation
    raise AssertionError(name_fragment)


def test_shapes_catch_a_contribution_above_the_budget(sample_store):
    graph = default_graph(sample_store)
    participation = _participation(graph, "4smart-growth/fi-turku-science-park")
    graph.set(
        (participation, CBO.euContribution, rdflib.Literal("250000", datatype=rdflib.XSD.decimal))
    )
    report = validate_graph(graph)
    messages = [f.message for f in report.violations]
    assert "a partner's EU contribution cannot exceed its budget" in messages
    # the partner sums no longer match the project: a warning, not a violation
    assert any("add up to" in f.message for f in report.warnings)


def test_shapes_catch_a_second_lead_partner_and_a_bad_code(sample_store):
    graph = default_graph(sample_store)
    graph.set((_participation(graph, "4smart-growth/fi-turku"), CBO.role, CBO.LeadPartner))
    objective = next(graph.subjects(rdflib.RDF.type, CBO.SpecificObjective))
    graph.set((objective, rdflib.SKOS.notation, rdflib.Literal("one point three")))
    messages = {f.message for f in validate_graph(graph).violations}
    assert "a project with partners has exactly one lead partner (has 2)" in messages
    assert "a specific objective code is dotted, e.g. 1.3 or RSO2.4" in messages


def test_shapes_catch_a_project_ending_before_it_starts(sample_store):
    graph = default_graph(sample_store)
    project = next(
        p for p in graph.subjects(rdflib.RDF.type, CBO.Project) if str(p).endswith("/sme2go")
    )
    graph.set((project, CBO.endDate, rdflib.Literal("2010-01-01", datatype=rdflib.XSD.date)))
    messages = {f.message for f in validate_graph(graph).violations}
    assert "a project ends on or after its start" in messages
