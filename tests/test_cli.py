"""The ``cblod`` command as a user runs it: exit codes, summaries and clear errors."""

import subprocess
import sys

import pytest
from pyoxigraph import RdfFormat

from cblod.backends.store import CblodStore
from tests.helpers.samples import SAMPLES, select

#: the command line as subprocesses: the full run only
pytestmark = pytest.mark.slow


def cblod(*args: str, store=None) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "cblod", *args]
    if store is not None:
        command += ["--store", str(store)]
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


def test_ingest_validate_and_stats_on_the_samples(tmp_path):
    store = tmp_path / "store"
    result = cblod("ingest", str(SAMPLES), store=store)
    assert result.returncode == 0, result.stderr
    assert "5 ingested, 0 unchanged, 0 failed" in result.stdout
    assert "keep-eu-page, 1 records" in result.stdout
    assert "read as 'Blekinge län'" in result.stdout

    again = cblod("ingest", str(SAMPLES), store=store)
    assert "0 ingested, 5 unchanged, 0 failed" in again.stdout

    validation = cblod("validate", store=store)
    assert validation.returncode == 0, validation.stdout
    assert "0 violations" in validation.stdout

    stats = cblod("stats", store=store)
    assert stats.returncode == 0
    counts = dict(line.rsplit(None, 1) for line in stats.stdout.splitlines())
    counts = {name.strip(): value for name, value in counts.items()}
    assert counts["Project"] == "5"
    assert counts["Cluster"] == "22"
    assert counts["Participation"] == "13"
    assert counts["source graphs"] == "5"


def test_validate_fails_on_data_that_breaks_the_shapes(tmp_path):
    page = tmp_path / "two-leads.txt"
    text = (SAMPLES / "keep-eu-4smart-growth.txt").read_text()
    page.write_text(
        text.replace(
            "\nVästerås Science Park AB\n", "\nLead Partner: Västerås Science Park AB\n", 1
        )
    )
    store = tmp_path / "store"
    assert cblod("ingest", str(page), store=store).returncode == 0
    result = cblod("validate", store=store)
    assert result.returncode == 1
    assert "exactly one lead partner (has 2)" in result.stdout


def broken_keep_eu(tmp_path, old: str, new: str):
    text = (SAMPLES / "keep-eu-4smart-growth.txt").read_text()
    assert old in text
    path = tmp_path / "page.txt"
    path.write_text(text.replace(old, new, 1))
    return path


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda p: p.write_bytes(b""), "file is empty"),
        (lambda p: p.write_bytes(bytes(range(256)) * 20), "binary data or not UTF-8"),
        (lambda p: p.write_bytes("Kärnvapen Å".encode("latin-1") * 50), "not UTF-8"),
        (
            lambda p: p.write_text("Just a note about a meeting.\n"),
            "not a recognised source format",
        ),
    ],
    ids=["empty", "binary", "latin-1", "unknown-format"],
)
def test_unreadable_files_fail_with_a_clear_message(tmp_path, make, expected):
    path = tmp_path / "input.txt"
    make(path)
    store = tmp_path / "store"
    result = cblod("ingest", str(path), store=store)
    assert result.returncode == 1
    assert str(path) in result.stderr
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
    assert CblodStore(store).source_graphs() == []  # nothing was published: no snapshot made


@pytest.mark.parametrize(
    ("old", "new", "record", "field", "message"),
    [
        (
            "ERDF budget: EUR 150 000.00",
            "ERDF budget: EUR 1.2.3",
            "partner 'Västerås",
            "ERDF budget",
            "decimal mark",
        ),
        (
            "Project start date: 2019-04-01",
            "Project start date: 2019-02-31",
            "4Smart Growth",
            "Project start date",
            "does not exist",
        ),
        (
            "Project acronym: 4Smart Growth",
            "Project acronym:",
            "Smart Clusters",
            "Project acronym",
            "missing",
        ),
        (
            "Total EU funding (amount): EUR 817 789.75",
            "Total EU funding (amount): 817 789.75 SEK",
            "4Smart Growth",
            "Total EU funding (amount)",
            "not in euro",
        ),
    ],
    ids=["amount", "date", "missing-field", "currency"],
)
def test_bad_values_name_file_record_and_field(tmp_path, old, new, record, field, message):
    path = broken_keep_eu(tmp_path, old, new)
    result = cblod("ingest", str(path), store=tmp_path / "store")
    assert result.returncode == 1
    for part in (str(path), record, field, message):
        assert part in result.stderr, (part, result.stderr)


def test_a_truncated_page_is_refused_not_half_published(tmp_path):
    text = (SAMPLES / "keep-eu-4smart-growth.txt").read_text()
    cut = text.index("Sihtasutus Tallinna Teaduspark Tehnopol")
    path = tmp_path / "truncated.txt"
    path.write_text(text[:cut] + text[text.index("Partners map") :])
    result = cblod("ingest", str(path), store=tmp_path / "store")
    assert result.returncode == 1
    assert "announces 5 partners but 4 were found" in result.stderr


def test_a_bad_file_among_good_ones_fails_alone(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\x00\x01garbage")
    store = tmp_path / "store"
    result = cblod("ingest", str(SAMPLES / "keep-eu-4smart-growth.txt"), str(bad), store=store)
    assert result.returncode == 1
    assert "1 ingested, 0 unchanged, 1 failed" in result.stdout
    opened = CblodStore(store, must_exist=True)
    assert len(opened.source_graphs()) == 1
    assert select(opened, "SELECT ?p WHERE { ?p cbo:acronym '4Smart Growth' }")


def test_a_failed_reingest_keeps_the_previous_version(tmp_path):
    path = tmp_path / "page.txt"
    path.write_text((SAMPLES / "keep-eu-4smart-growth.txt").read_text())
    store = tmp_path / "store"
    assert cblod("ingest", str(path), store=store).returncode == 0
    before = CblodStore(store, must_exist=True).engine.dump(format=RdfFormat.N_QUADS)
    path.write_text(path.read_text()[:1500])
    result = cblod("ingest", str(path), store=store)
    assert result.returncode == 1
    assert CblodStore(store, must_exist=True).engine.dump(format=RdfFormat.N_QUADS) == before


def test_forcing_a_format_that_does_not_fit(tmp_path):
    result = cblod(
        "ingest",
        "--format",
        "tillvaxtverket-clusters",
        str(SAMPLES / "keep-eu-4smart-growth.txt"),
        store=tmp_path / "store",
    )
    assert result.returncode == 1
    assert "keep-eu-4smart-growth.txt" in result.stderr
    assert "Traceback" not in result.stderr


def test_reading_a_store_that_does_not_exist(tmp_path):
    result = cblod("stats", store=tmp_path / "nowhere")
    assert result.returncode == 2
    assert "run `cblod ingest` first" in result.stderr


def test_progress_line_on_a_terminal_and_silence_otherwise():
    import io

    from cblod.cli.progress import Progress
    from cblod.ingest.pipeline import SourceReport

    screen = io.StringIO()
    progress = Progress(3, enabled=True, stream=screen)
    assert progress.advance(SourceReport("a", "ingested", records=10)) == "[1/3] "
    assert "1/3 sources" in screen.getvalue() and "records/s" in screen.getvalue()
    assert "left" in screen.getvalue()
    progress.chunk("/data/keep-eu-partners.csv", 5000, 0.25)  # inside one large file
    assert "keep-eu-partners.csv: 5,000 records" in screen.getvalue()
    assert "25%, about" in screen.getvalue()
    progress.finish()
    piped = io.StringIO()
    quiet = Progress(3, enabled=False, stream=piped)
    assert quiet.advance(SourceReport("a", "ingested", records=10)) == "[1/3] "
    assert piped.getvalue() == ""


def test_ingest_keeps_the_releases_it_is_told_to(tmp_path, pages):
    store = tmp_path / "store"
    refused = cblod("ingest", str(pages), "--keep-releases", "1", store=store)
    assert refused.returncode == 2 and "at least 2" in refused.stderr
    page = pages / "keep-eu-4smart-growth.txt"
    for n in range(3):
        page.write_text(page.read_text().replace("closed", f"closed{n}", 1))
        done = cblod("ingest", str(page), "-q", "--keep-releases", "2", "--no-monthly", store=store)
        assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in store.iterdir() if p.name.startswith("v")) == [
        "v000002",
        "v000003",
    ]
