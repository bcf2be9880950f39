"""Property-based tests: whatever a file holds, a mapping reads it or says clearly why not.

Hypothesis mutates the shipped samples (cuts, repeats and overwrites byte ranges; for JSON
formats, replaces values anywhere in the document with values of other types) and checks
the contract every mapping keeps: ``read`` returns records that emit into quads, or raises
an ``InputError`` (file, record, field) — never any other exception, which would reach a
user as a traceback.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cblod import mappings
from cblod.core.errors import CblodError
from cblod.ingest.emit import emit
from cblod.ingest.identity import Identity
from cblod.records.sourcefile import SourceFile
from tests.helpers.samples import SAMPLE_BY_FORMAT

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
#: the print view and the CSV sheet are the texts with the most structure to break
SAMPLE_OF = {
    **SAMPLE_BY_FORMAT,
    "centralbaltic-db": "pages/centralbaltic-printview-sme2go.txt",
    "keep-eu-export": "bulk/keep-eu-projects-synthetic.csv",
}
JSON_FORMATS = ["jems-keep-export", "keep-eu-api"]
SETTINGS = settings(
    max_examples=int(os.environ.get("CBLOD_HYPOTHESIS_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    database=None,
    derandomize=True,
)


def read_and_emit(name: str, path: Path, data: bytes) -> None:
    """The contract: records that emit into quads, or a CblodError."""
    mapping = mappings.by_name(name)
    source = SourceFile(path, data)
    try:
        if not data.strip() or not mapping.detect(source):
            return  # ingest refuses it before reading ("file is empty", "does not look like")
        document = mapping.read(source)
    except CblodError as error:
        assert str(error).strip(), "an error must say something"
        return
    identity = Identity("http://127.0.0.1:5000/", {})
    graph = identity.source(path.name)
    try:
        emitter = emit(
            document, identity, graph, sha256="0" * 64, rank=0, ingested=datetime.now(UTC)
        )
    except CblodError:
        return
    assert all(q.graph_name == graph for q in emitter.quads)


@st.composite
def mutated(draw, original: bytes) -> bytes:
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 4))):
        start = draw(st.integers(0, len(data)))
        end = draw(st.integers(start, min(len(data), start + 400)))
        action = draw(st.sampled_from(["cut", "repeat", "overwrite", "insert"]))
        if action == "cut":
            del data[start:end]
        elif action == "repeat":
            data[start:start] = data[start:end]
        else:
            junk = draw(
                st.one_of(
                    st.binary(max_size=40),
                    st.text(max_size=40).map(lambda t: t.encode("utf-8", "surrogatepass")),
                    st.sampled_from(
                        [b"EUR 1.2.3", b"31.02.2020", b"-500 000.00", b"N/A", b"\n\n", b":", b"|"]
                    ),
                )
            )
            if action == "overwrite":
                data[start:end] = junk
            else:
                data[start:start] = junk
    return bytes(data)


@pytest.mark.parametrize("name", sorted(SAMPLE_OF))
def test_any_mutation_of_a_sample_is_read_or_refused_clearly(name):
    path = SAMPLES / SAMPLE_OF[name]
    original = path.read_bytes()

    @SETTINGS
    @given(mutated(original))
    def check(data: bytes) -> None:
        read_and_emit(name, path, data)

    check()


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**12), 10**12)
    | st.decimals(allow_nan=False, allow_infinity=False, places=2).map(str)
    | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


def json_paths(node, prefix=()):
    """Every place in a JSON document: (path of keys and indexes)."""
    yield prefix
    if isinstance(node, dict):
        for key, child in node.items():
            yield from json_paths(child, (*prefix, key))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            yield from json_paths(child, (*prefix, index))


def replaced(document, path, value):
    if not path:
        return value
    copy = json.loads(json.dumps(document, default=str))
    node = copy
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return copy


@pytest.mark.parametrize("name", JSON_FORMATS)
def test_json_values_of_the_wrong_type_anywhere_are_read_or_refused_clearly(name):
    path = SAMPLES / SAMPLE_OF[name]
    document = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    places = [p for p in json_paths(document) if p]

    @SETTINGS
    @given(st.lists(st.tuples(st.sampled_from(places), JSON_VALUES), min_size=1, max_size=3))
    def check(changes) -> None:
        changed = document
        for place, value in changes:
            try:
                changed = replaced(changed, place, value)
            except (KeyError, IndexError, TypeError):
                continue  # an earlier change removed this place
        read_and_emit(name, path, json.dumps(changed, default=str).encode())

    check()
