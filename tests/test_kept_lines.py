"""A facet index's per-item texts kept a line each (``cblod.derived.facets.lines``): read
back one by one, in slices, in order, and found by binary search, as the list they were."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from cblod.derived.facets.lines import (
    KeptLines,
    decode_iri,
    decode_json,
    encode_iri,
    encode_json,
    merged_sorted,
    ordinal_in,
    write_lines,
)

iris = st.lists(
    st.text(st.characters(codec="utf-8", exclude_characters="\n"), max_size=12),
    unique=True,
).map(sorted)
names = st.lists(
    st.lists(st.tuples(st.text(max_size=8), st.sampled_from(["", "en", "fi"])), max_size=3),
    max_size=30,
)


@settings(max_examples=60, deadline=None)
@given(iris, names)
def test_kept_lines_read_back_as_the_lists_written(kept_iris, kept_names):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder)
        lines = KeptLines(
            path / "iris", write_lines(kept_iris, path / "iris", encode_iri), decode_iri
        )
        assert len(lines) == len(kept_iris)
        assert list(lines) == kept_iris
        assert [lines[i] for i in range(len(lines))] == kept_iris
        assert lines[1:4] == kept_iris[1:4]
        if kept_iris:
            assert lines[-1] == kept_iris[-1]
        for i, iri in enumerate(kept_iris):
            assert ordinal_in(lines, iri) == i
        assert ordinal_in(lines, "\uffff" * 13) is None
        kept = KeptLines(
            path / "names", write_lines(kept_names, path / "names", encode_json), decode_json
        )
        # JSON gives the pairs back as lists: a name and its tag
        assert [[tuple(pair) for pair in each] for each in kept] == kept_names


def test_merged_sorted_drops_and_adds_in_order():
    assert merged_sorted(["a", "c", "e"], {"c"}, {"d", "b"}) == ["a", "b", "d", "e"]


def test_kept_lines_kept_whole_once_read_whole(tmp_path):
    values = ["a", "b\nc", "é"]
    kept = KeptLines(
        tmp_path / "v", write_lines(values, tmp_path / "v", encode_json), decode_json, keep=True
    )
    assert kept[1] == "b\nc"  # read on demand: a text may hold a newline, JSON escapes it
    assert list(kept) == values and list(kept) == values
    (tmp_path / "v").write_bytes(b"")  # held now: the file is not read again
    assert [kept[i] for i in range(3)] == values and kept[-1] == "é"


def test_a_span_is_copied_where_the_kernel_cannot_copy_it():
    """``copy_span`` (the dumps' unchanged members) falls back to a buffered copy for files
    the kernel cannot copy between (here: in memory), the same bytes at the same place."""
    import io

    from cblod.read.members import copy_span

    source, out = io.BytesIO(b"0123456789" * 100_000), io.BytesIO()
    out.write(b"head")
    copy_span(source, 5, 700_000, out)
    out.write(b"tail")
    assert out.getvalue() == b"head" + (b"0123456789" * 100_000)[5:700_005] + b"tail"
