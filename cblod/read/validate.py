"""``cblod validate``: the SHACL shapes run (pyshacl) over the published default graph.

pyshacl works on rdflib graphs, so the default graph is exported once as N-Triples; this is
tooling, not a hot path. The ontology is mixed in so that class hierarchy (a ``cbo:Cluster``
is a ``cbo:Organisation``) counts as SHACL expects.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from importlib.resources import files

import pyshacl
import rdflib
from pyoxigraph import DefaultGraph, RdfFormat
from rdflib.namespace import SH

from ..backends.published import Dataset


@dataclass
class Finding:
    severity: str  # "Violation", "Warning" or "Info"
    focus: str
    path: str | None
    message: str

    def __str__(self) -> str:
        where = f" {self.path}" if self.path else ""
        return f"{self.severity}: <{self.focus}>{where}: {self.message}"


@dataclass
class ValidationReport:
    findings: list[Finding] = field(default_factory=list)

    @property
    def violations(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "Violation"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity != "Violation"]

    @property
    def conforms(self) -> bool:
        return not self.violations


def _ttl(name: str) -> rdflib.Graph:
    graph = rdflib.Graph()
    graph.parse(data=files("cblod.ontology").joinpath(name).read_text("utf-8"), format="turtle")
    return graph


def default_graph(store: Dataset) -> rdflib.Graph:
    """The published default graph as an rdflib Graph (for SHACL and independent checks)."""
    buffer = io.BytesIO()
    store.dump(buffer, format=RdfFormat.N_TRIPLES, from_graph=DefaultGraph())
    graph = rdflib.Graph()
    graph.parse(data=buffer.getvalue().decode("utf-8"), format="nt")
    return graph


def validate_graph(data: rdflib.Graph) -> ValidationReport:
    """Validate ``data`` together with the ontology (its individuals such as ``cbo:ERDF``)."""
    _, results, _ = pyshacl.validate(
        data + _ttl("cblod.ttl"),
        shacl_graph=_ttl("shapes.ttl"),
        inference="none",
        allow_warnings=True,
    )
    report = ValidationReport()
    for result in results.subjects(rdflib.RDF.type, SH.ValidationResult):
        severity = results.value(result, SH.resultSeverity)
        path = results.value(result, SH.resultPath)
        report.findings.append(
            Finding(
                severity=str(severity).rsplit("#", 1)[-1],
                focus=str(results.value(result, SH.focusNode)),
                path=str(path) if isinstance(path, rdflib.URIRef) else None,
                message=str(results.value(result, SH.resultMessage) or ""),
            )
        )
    report.findings.sort(key=lambda f: (f.severity, f.focus, f.path or ""))
    return report


def validate(store: Dataset) -> ValidationReport:
    return validate_graph(default_graph(store))
