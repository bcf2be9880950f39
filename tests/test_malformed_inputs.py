"""A corpus of malformed inputs for every mapping: a clear refusal or a documented reading.

Each sample is first ingested as it is, then replaced by a broken version of itself (same file
name, so the same source graph). A refusal must name the file (and the record and field where
there is one) and leave the store exactly as it was; a file that is still read must publish the
same facts as the original, or carry the warning that says what is odd about it.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest
from pyoxigraph import RdfFormat

from cblod.backends.store import CblodStore
from cblod.core.vocab import CBO
from cblod.publish import ingest
from tests.helpers.samples import SAMPLE_BY_FORMAT

#: hundreds of ingests of broken files: the full run only
pytestmark = pytest.mark.slow

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
SAMPLE_OF = SAMPLE_BY_FORMAT
JSON = {"jems-keep-export", "keep-eu-api"}


def broken(name: str, case: str) -> bytes | None:
    """The sample of ``name`` broken as ``case`` says (None: the case does not apply)."""
    data = (SAMPLES / SAMPLE_OF[name]).read_bytes()
    text = None if name == "keep-eu-export" else data.decode("utf-8")
    if case == "empty":
        return b""
    if case == "blank":
        return b" \n\t\n"
    if case == "truncated":
        return data[: len(data) * 2 // 5]
    if case == "binary":
        return bytes(random.Random(7).randrange(256) for _ in range(5000))
    if case == "png":
        return b"\x89PNG\r\n\x1a\n" + bytes(200)
    if text is None:
        return None
    if case == "latin-1":
        return text.encode("latin-1", errors="replace")
    if case == "utf-16 with BOM":
        return text.encode("utf-16")
    if case == "huge line":
        lines = text.split("\n")
        return "\n".join([*lines[:3], "x" * 2_000_000, *lines[3:]]).encode()
    raise AssertionError(case)


#: what each broken file must give; the exceptions are documented in the README
EXPECTED = {
    "empty": "refused",
    "blank": "refused",
    "truncated": "refused",
    "binary": "refused",
    "png": "refused",
    "latin-1": "refused",
    "utf-16 with BOM": "same facts",  # UTF-16 is accepted when a BOM says so
    "huge line": "same facts",  # a stray line between a page's fields is not a field
}
DOCUMENTED = {
    # a search listing is a page of hits with no count to check: a cut file is a shorter list
    ("interreg-europe-search", "truncated"): "fewer facts",
    # a junk line in the middle of a JSON document makes it invalid JSON
    ("jems-keep-export", "huge line"): "refused",
    ("keep-eu-api", "huge line"): "refused",
}
CASES = [
    (name, case)
    for name in sorted(SAMPLE_OF)
    for case in EXPECTED
    if broken(name, case) is not None
]


def facts(store: CblodStore, graph: str) -> set[tuple[str, str, str]]:
    """What a source graph says, without its provenance record (file hash, ingest time)."""
    query = f"SELECT ?s ?p ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o FILTER(?s != <{graph}>) }} }}"
    return {(str(r["s"]), str(r["p"]), str(r["o"])) for r in store.select(query)}


@pytest.mark.parametrize(("name", "case"), CASES, ids=[f"{n}-{c}" for n, c in CASES])
@pytest.mark.parametrize("forced", [False, True], ids=["detected", "forced"])
def test_a_broken_file_is_refused_clearly_or_read_as_documented(tmp_path, name, case, forced):
    path = tmp_path / Path(SAMPLE_OF[name]).name
    shutil.copy(SAMPLES / SAMPLE_OF[name], path)
    store = CblodStore(tmp_path / "store")
    (first,) = ingest([path], store=store)
    assert first.status == "ingested", first.error
    before_dump = store.engine.dump(format=RdfFormat.N_QUADS)
    before = facts(store, first.graph)

    path.write_bytes(broken(name, case))
    (report,) = ingest([path], store=store, format=name if forced else None)
    expected = DOCUMENTED.get((name, case), EXPECTED[case])
    if expected == "refused":
        assert report.status == "failed"
        message = str(report.error)
        assert str(path) in message and "\n" not in message and "Traceback" not in message
        assert store.engine.dump(format=RdfFormat.N_QUADS) == before_dump  # nothing lost
        return
    assert report.status == "ingested", report.error
    after = facts(store, first.graph)
    if expected == "same facts":
        assert after == before
    else:
        # the hits before the cut are read (the last one may be cut short), none invented
        assert after and len(after) < len(before)
        assert {f[0] for f in after} <= {f[0] for f in before}


@pytest.mark.parametrize(
    ("sample", "old", "new", "where"),
    [
        ("pages/keep-eu-4smart-growth.txt", "Total budget: EUR 265 583.00", "Total budget: EUR 1.2.3",
         ["Total budget", "EUR 1.2.3"]),
        ("pages/keep-eu-4smart-growth.txt", "Total budget: EUR 265 583.00",
         "Total budget: EUR -265 583.00", ["Total budget", "negative"]),
        ("pages/centralbaltic-4smart-growth.txt", "Partner budget: 200.000 EUR",
         "Partner budget: -200.000 EUR", ["Turku Science Park Ltd", "negative"]),
        ("pages/centralbaltic-printview-sme2go.txt", "Duration: 01.10.2015",
         "Duration: 31.02.2015", ["SME2GO", "Duration", "does not exist"]),
        ("bulk/keep-eu-api-990101-synthetic.json", '"partnerships": [',
         '"partnerships": "several", "x": [', ["partnerships", "expected a list"]),
        ("bulk/keep-eu-api-990101-synthetic.json", '"acronym": "', '"acronym": 5, "y": "',
         []),
        ("bulk/jems-northern-shores-synthetic.json", '"partner":[',
         '"partner":{"a": 1}, "z":[', ["partner", "expected a list"]),
    ],
    ids=["amount-1.2.3", "negative-total", "negative-partner", "31-february", "json-list-as-text",
         "json-number-as-acronym", "json-object-as-list"],
)  # fmt: skip
def test_bad_values_name_the_file_record_and_field(tmp_path, sample, old, new, where):
    path = tmp_path / Path(sample).name
    text = (SAMPLES / sample).read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    (report,) = ingest([path], store=CblodStore(tmp_path / "store"))
    if not where:  # a number where text belongs is read as the text it means
        assert report.status == "ingested", report.error
        return
    assert report.status == "failed"
    for part in [str(path), *where]:
        assert part in str(report.error), (part, str(report.error))


@pytest.mark.parametrize(
    ("sample", "old", "new", "warning"),
    [
        ("pages/keep-eu-4smart-growth.txt", "ERDF budget: EUR 199 187.25",
         "ERDF budget: EUR 99 199 187.25", "is above the partner's budget"),
        ("pages/centralbaltic-printview-sme2go.txt", "Partner budget:** 400.000 EUR",
         "Partner budget:** 40.000.000 EUR", "partner budgets add up to 41439996, above the project's 1839996"),
    ],
    ids=["eu-above-partner-budget", "partners-above-project-total"],
)  # fmt: skip
def test_budgets_that_cannot_all_be_right_are_published_with_a_warning(
    tmp_path, sample, old, new, warning
):
    path = tmp_path / Path(sample).name
    text = (SAMPLES / sample).read_text(encoding="utf-8")
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    store = CblodStore(tmp_path / "store")
    (report,) = ingest([path], store=store)
    assert report.status == "ingested"
    assert any(warning in w for w in report.warnings), report.warnings
    assert any(True for _ in store.engine.quads_for_pattern(None, CBO.totalBudget, None, None))
