"""Full marks when data.europa.eu harvests the catalogue (issue 28): every dataset of ``/catalog``
(the dataset and each kept release) scores 405 of 405 by the Metadata Quality Assessment's
table (``tests.helpers.mqa``), in the DCAT-AP 3.0.1 catalogue and in the 2.1.1 one
data.europa.eu converts to, each conformant to its own version's official shapes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import rdflib
import requests

from cblod.backends.store import CblodStore
from cblod.publish import ingest
from tests.helpers.compare import results
from tests.helpers.edits import edited
from tests.helpers.mqa import FULL, WEIGHTS, score, total
from tests.helpers.samples import ALL_PAGES

SHAPES = Path(__file__).parent / "shapes"
DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
PROFILES = {"dcat-ap-3.0.1": "dcat-ap-3.0.1", "dcat-ap-2.1.1": "dcat-ap-2.1.1"}


@pytest.fixture(scope="module")
def two_releases(tmp_path_factory, pages_module) -> Iterator[str]:
    """A store that published twice (a fix to one page), served: the dataset and two kept
    releases, each with its dumps."""
    from tests.helpers.servers import running

    store = CblodStore(tmp_path_factory.mktemp("mqa") / "store")
    ingest(pages_module, store=store)
    edited(pages_module[0], 1)
    ingest(pages_module[:1], store=store)
    with running(CblodStore(store.path, must_exist=True)) as url:
        yield url


@pytest.fixture(scope="module")
def pages_module(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("pages")
    copies = []
    for page in ALL_PAGES:
        copy = folder / page.name
        copy.write_bytes(page.read_bytes())
        copies.append(copy)
    return copies


def catalogue(server: str, profile: str) -> rdflib.Graph:
    response = requests.get(
        f"{server}/catalog", params={"profile": profile}, headers={"Accept": "text/turtle"},
        timeout=30,
    )  # fmt: skip
    assert response.status_code == 200, response.text[:300]
    return rdflib.Graph().parse(data=response.text, format="turtle")


def answers(url: str) -> bool:
    with requests.get(url, stream=True, timeout=30) as response:
        return response.status_code < 400


def violations(graph: rdflib.Graph, profile: str) -> list[tuple[str, str, str]]:
    folder = SHAPES / profile
    return [
        found
        for name in ("shapes.ttl", "range.ttl", "mdr-vocabularies.shape.ttl")
        for found in results(graph, name, folder)
        if found[0] == "Violation"
    ]


@pytest.mark.parametrize("profile", PROFILES)
def test_every_dataset_scores_full_marks(two_releases, profile):
    graph = catalogue(two_releases, profile)
    assert violations(graph, profile) == []  # the compliance the MQA's 30 points ask
    datasets = sorted(graph.subjects(rdflib.RDF.type, DCAT.Dataset), key=str)
    assert len(datasets) == 3  # the dataset and its two kept releases
    for dataset in datasets:
        points = score(graph, dataset, answers=answers, compliant=True)
        assert points == {d: {k: float(v) for k, v in w.items()} for d, w in WEIGHTS.items()}
        assert total(points) == FULL == 405


def test_the_table_takes_points_off_for_what_is_missing(two_releases):
    """The scorer follows the table: without access rights 15 points go, without a rights
    statement 5, a distribution of four without its download URL a quarter of 50."""
    graph = catalogue(two_releases, "dcat-ap-3.0.1")
    (dataset,) = [d for d in graph.subjects(rdflib.RDF.type, DCAT.Dataset)
                  if str(d).endswith("#dataset")]  # fmt: skip
    graph.remove((dataset, rdflib.DCTERMS.accessRights, None))
    assert total(score(graph, dataset, answers=answers, compliant=True)) == FULL - 15
    for distribution in graph.objects(dataset, DCAT.distribution):
        graph.remove((distribution, rdflib.DCTERMS.rights, None))
    assert total(score(graph, dataset, answers=answers, compliant=True)) == FULL - 20
    distributions = list(graph.objects(dataset, DCAT.distribution))
    graph.remove((distributions[0], DCAT.downloadURL, None))
    n = len(distributions)
    before = FULL - 20 - (20 + 30) / n
    assert total(score(graph, dataset, answers=answers, compliant=True)) == pytest.approx(before)
    # no URL answering, shapes violated: access 50, the other downloads' 30, compliance 30
    unreachable = score(graph, dataset, answers=lambda url: False, compliant=False)
    assert total(unreachable) == pytest.approx(before - 50 - 30 * (n - 1) / n - 30)


def test_the_profiles_differ_only_where_the_two_versions_shapes_do(two_releases):
    """2.1.1 admits SHA-1 checksums only and sizes as xsd:decimal; its versions are Dublin
    Core's: the 2.1.1 catalogue says so, the 3.0.1 one keeps SHA-256 and DCAT 3's terms."""
    spdx = rdflib.Namespace("http://spdx.org/rdf/terms#")
    new, old = catalogue(two_releases, "dcat-ap-3.0.1"), catalogue(two_releases, "dcat-ap-2.1.1")
    assert list(new.objects(None, spdx.checksum)) and not list(old.objects(None, spdx.checksum))
    sizes = {getattr(o, "datatype", None) for o in old.objects(None, DCAT.byteSize)}
    assert sizes == {rdflib.XSD.decimal}
    assert {getattr(o, "datatype", None) for o in new.objects(None, DCAT.byteSize)} == {
        rdflib.XSD.nonNegativeInteger
    }
    assert len(list(old.subject_objects(rdflib.DCTERMS.hasVersion))) == 2
    assert len(list(new.subject_objects(DCAT.hasVersion))) == 2
    # the 3.0.1 catalogue breaks exactly those two 2.1.1 rules, and nothing else
    broken = {path for _, path, _ in violations(new, "dcat-ap-2.1.1")}
    assert broken == {str(DCAT.byteSize), str(spdx.algorithm)}
    response = requests.get(f"{two_releases}/catalog?profile=dcat-ap-9", timeout=30)
    assert response.status_code == 400 and "dcat-ap-2.1.1" in response.text
