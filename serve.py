"""Start cblod on the bundled sample data: ``python serve.py``.

Builds the demo store from the sample pages shipped with cblod the first time (or whenever the
store has no sources), then serves it at http://127.0.0.1:5000/. ``CBLOD_STORE``, ``--store``,
``--host`` and ``--port`` work as for ``cblod serve``.
"""

from __future__ import annotations

import argparse
import os
import sys
from importlib.resources import as_file, files

from cblod.errors import CblodError
from cblod.ingest import ingest
from cblod.store import CblodStore
from cblod.web import serve


def build_demo_store(store_dir: str) -> None:
    """Ingest the sample pages into ``store_dir`` unless it already holds sources."""
    store = CblodStore(store_dir)
    try:
        if store.source_graphs():
            return
        samples = files("cblod.samples")
        with as_file(samples.joinpath("pages")) as pages, as_file(samples.joinpath("bulk")) as bulk:
            reports = ingest([pages, bulk], store=store)
        failed = [r for r in reports if r.status == "failed"]
        if failed:
            raise CblodError("; ".join(str(r.error) for r in failed))
        print(f"built the demo store in {store_dir} from {len(reports)} sample files")
    finally:
        del store  # release the write lock before the server opens the store read-only


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", default=os.environ.get("CBLOD_STORE", "cblod-data"))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    args = parser.parse_args()
    try:
        build_demo_store(args.store)
        serve(args.store, host=args.host, port=args.port)
    except CblodError as exc:
        print(f"serve.py: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
