"""What one fixed page costs: ``cblod ingest`` of one changed keep.eu page into a store of a
generated export, command start to return, against the same page into an empty store (issue
#24's baseline, measured in the same run), and the release's dumps updated from the release
before against the same dumps built whole.

    python benchmarks/update_bench.py --projects 3000

Every derived artefact is made before the command returns (nothing is left for a first
visitor), so the time is the user's wait. Raw numbers in ``results/update-{projects}.json``.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from facets_bench import save_results  # noqa: E402
from generate import ingested_export  # noqa: E402

PAGE = Path(__file__).resolve().parent.parent / "samples" / "pages" / "keep-eu-4smart-growth.txt"
DUMPS = """
import shutil, sys, time
from pathlib import Path
from cblod.dumps import RELEASE_DUMPS, release_dumps
from cblod.store import CblodStore
store = CblodStore(sys.argv[1], read_only=True)
snapshot = store.snapshot
shutil.rmtree(snapshot / RELEASE_DUMPS)
started = time.perf_counter()
release_dumps(store, snapshot, from_scratch=sys.argv[2] == "whole")
print(time.perf_counter() - started)
"""


def ingest(store: Path, page: Path) -> float:
    started = time.perf_counter()
    command = [sys.executable, "-m", "cblod", "ingest", "--store", str(store), str(page)]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def changed(page: Path, folder: Path, n: int) -> Path:
    """The page with its status changed (a new value each time): a secretariat's fix."""
    target = folder / page.name
    text = page.read_text(encoding="utf-8").replace(
        "Project status: closed", f"Project status: fix {n}"
    )
    target.write_text(text, encoding="utf-8")
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--projects", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        scratch_dir = Path(scratch)
        built = ingested_export(args.projects, scratch_dir)
        ingest(built, PAGE)  # the page is already published once: the fix replaces it
        updates, empties, dumps_updated, dumps_whole = [], [], [], []
        for n in range(args.runs):
            page = changed(PAGE, scratch_dir, n)
            updates.append(ingest(built, page))
            empty = scratch_dir / f"empty-{n}"
            empties.append(ingest(empty, page))
            shutil.rmtree(empty)
            for how, into in (("update", dumps_updated), ("whole", dumps_whole)):
                out = subprocess.run(
                    [sys.executable, "-c", DUMPS, str(built), how],
                    check=True, capture_output=True, text=True,
                )  # fmt: skip
                into.append(float(out.stdout.strip()))
    best = min
    results = {
        "projects": args.projects,
        "one changed page into the store, s (best of runs)": round(best(updates), 2),
        "the same page into an empty store, s": round(best(empties), 2),
        "ratio (target: at most 1.5)": round(best(updates) / best(empties), 1),
        "the release's dumps updated, s": round(best(dumps_updated), 2),
        "the same dumps built whole, s": round(best(dumps_whole), 2),
        "runs": {"updates": updates, "empty": empties, "dumps updated": dumps_updated,
                 "dumps whole": dumps_whole},
    }  # fmt: skip
    save_results(f"update-{args.projects}", results)


if __name__ == "__main__":
    main()
