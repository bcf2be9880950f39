"""Comparisons the equivalence tests share: files kept against files built whole, SHACL results."""

from __future__ import annotations

from pathlib import Path

import pyshacl
import rdflib

from cblod.backends.store import CblodStore
from cblod.core.rdfterms import lexical
from cblod.core.vocab import CBO
from cblod.derived.matching.index import FILE
from cblod.derived.matching.index import FOLDER as MATCHING

#: the official DCAT-AP 3.0.1 shapes (tests/shapes/dcat-ap-3.0.1, with their provenance)
SHAPES = Path(__file__).resolve().parent.parent / "shapes" / "dcat-ap-3.0.1"
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")


def assert_same_files(kept: Path, whole: Path, name: str) -> None:
    """Every file of list ``name``'s index (its parts, arrays and rows) the same bytes."""

    def files(folder: Path) -> dict[str, bytes]:
        return {
            p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob(f"{name}.*"))
            for p in ([p] if p.is_file() else sorted(p.rglob("*")))
            if p.is_file()
        }

    mine, theirs = files(kept), files(whole)
    assert sorted(mine) == sorted(theirs), name
    for each in mine:
        assert mine[each] == theirs[each], (name, each)


def assert_same_index(kept: Path, whole: Path) -> None:
    """The same list of chunks and the same chunk files, byte for byte."""
    assert (kept / FILE).read_bytes() == (whole / FILE).read_bytes()
    chunks = sorted(p.name for p in (kept / MATCHING).iterdir())
    assert chunks == sorted(p.name for p in (whole / MATCHING).iterdir())
    for name in chunks:
        assert (kept / MATCHING / name).read_bytes() == (whole / MATCHING / name).read_bytes(), name


def full_consolidation(store: CblodStore) -> set:
    """The default graph derived from scratch: every subject of every source, consolidated."""
    from collections import defaultdict

    from cblod.core.ontology_terms import functional_properties, published_parents
    from cblod.ingest.consolidate import Consolidator

    ranks = {
        lexical(q.subject): int(lexical(q.object))
        for q in store.engine.quads_for_pattern(None, CBO.sourceRank, None, None)
    }
    statements = defaultdict(list)
    for graph in store.source_graphs():
        for q in store.engine.quads_for_pattern(None, None, None, graph):
            statements[q.subject].append((q.predicate, q.object, graph))
    consolidator = Consolidator(functional_properties(), ranks, published_parents())
    return {
        (t.subject, t.predicate, t.object)
        for subject, said in statements.items()
        for t in consolidator.subject(subject, said)[0]
    }


def results(
    data: rdflib.Graph, shapes_file: str, folder: Path = SHAPES
) -> list[tuple[str, str, str]]:
    """The report's own results (not the details nested in them): (severity, path, focus),
    of the shapes in ``folder`` (DCAT-AP 3.0.1's by default)."""
    shapes = rdflib.Graph().parse(folder / shapes_file, format="turtle")
    # a property shape without a path (an empty ``[ ]`` in DCAT-AP 2.1.1's range.ttl) constrains
    # nothing, but pyshacl refuses to run the file with it: it is left out here, the file kept
    for shape, empty in list(shapes.subject_objects(SH.property)):
        if (empty, SH.path, None) not in shapes:
            shapes.remove((shape, SH.property, empty))
    _, report, _ = pyshacl.validate(data, shacl_graph=shapes, allow_warnings=True)
    found = []
    for node in report.objects(None, SH.result):
        severity = str(report.value(node, SH.resultSeverity)).rsplit("#", 1)[1]
        found.append(
            (
                severity,
                str(report.value(node, SH.resultPath)),
                str(report.value(node, SH.focusNode)),
            )
        )
    return found
