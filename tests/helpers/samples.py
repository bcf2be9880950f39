"""The sample pages the tests ingest, and the two things nearly every test does with them."""

from __future__ import annotations

from pathlib import Path

from cblod.backends.published import Dataset
from cblod.backends.store import CblodStore
from cblod.core.vocab import sparql_prefixes
from cblod.publish import ingest

SAMPLES = Path(__file__).resolve().parent.parent.parent / "samples" / "pages"


KEEP_EU_PAGE = SAMPLES / "keep-eu-4smart-growth.txt"


CB_PAGE = SAMPLES / "centralbaltic-4smart-growth.txt"


CB_PRINTVIEW = SAMPLES / "centralbaltic-printview-sme2go.txt"


INTERREG_EUROPE = SAMPLES / "interregeurope-search-clusters.txt"


TILLVAXTVERKET = SAMPLES / "tillvaxtverket-s3-clusters.txt"


ALL_PAGES = [KEEP_EU_PAGE, CB_PAGE, CB_PRINTVIEW, INTERREG_EUROPE, TILLVAXTVERKET]


#: one sample file per source format (paths under samples/)
SAMPLE_BY_FORMAT = {
    "keep-eu-page": "pages/keep-eu-4smart-growth.txt",
    "centralbaltic-db": "pages/centralbaltic-4smart-growth.txt",
    "interreg-europe-search": "pages/interregeurope-search-clusters.txt",
    "tillvaxtverket-clusters": "pages/tillvaxtverket-s3-clusters.txt",
    "jems-keep-export": "bulk/jems-northern-shores-synthetic.json",
    "keep-eu-api": "bulk/keep-eu-api-990101-synthetic.json",
    "keep-eu-export": "bulk/keep-eu-export-synthetic.xlsx",
}


def select(store: Dataset, query: str) -> list[dict[str, str]]:
    """Run a SELECT with cblod's prefixes; rows as {variable: lexical value}."""
    results = store.select(sparql_prefixes() + query)
    names = [v.value for v in results.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in results]


def ingest_all(store_dir: Path, paths=ALL_PAGES) -> CblodStore:
    store = CblodStore(store_dir)
    reports = ingest(paths, store=store)
    assert [r.status for r in reports] == ["ingested"] * len(reports), [
        str(r.error) for r in reports
    ]
    return store
