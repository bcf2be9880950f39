"""What one fixed page costs: ``cblod ingest`` of one changed keep.eu page into a store of a
generated export while ``cblod serve`` serves it, command start to return, against the same
page into an empty store (issue #24's baseline, measured in the same run); the release's dumps
updated from the release before against the same dumps built whole; the first request after
each update to the lists, facets, reconciliation, catalogue and dumps against the second; and
the disk the kept releases take (hard-linked files counted once, as ``du`` counts them).

    python benchmarks/update_bench.py --projects 3000

Every derived artefact is made before the command returns (nothing is left for a first
visitor), so the time is the user's wait. Raw numbers in ``results/update-{projects}.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from facets_bench import save_results  # noqa: E402
from generate import ingested_export  # noqa: E402

PAGE = Path(__file__).resolve().parent.parent / "samples" / "pages" / "keep-eu-4smart-growth.txt"
DUMPS = """
import shutil, sys, time
from pathlib import Path
from cblod.read.dumps import RELEASE_DUMPS, release_dumps
from cblod.backends.store import CblodStore
store = CblodStore(sys.argv[1], must_exist=True)
snapshot = store.snapshot
shutil.rmtree(snapshot / RELEASE_DUMPS)
started = time.perf_counter()
release_dumps(store, snapshot, from_scratch=sys.argv[2] == "whole")
print(time.perf_counter() - started)
"""


#: what a visitor after a fix asks first: lists, facets, reconciliation, catalogue, dumps
FIRST_VIEWS = {
    "projects list": "/projects",
    "participations, faceted": "/participations?start=2019",
    "organisations list": "/organisations",
    "reconciliation query": "/reconcile?queries="
    + json.dumps({"q0": {"query": "Turku Science Park", "type": "Organisation"}}),
    "catalogue": "/catalog",
    "dumps listing": "/dumps/",
    "home page": "/",
    "programmes list": "/programmes",
}


def ingest(store: Path, page: Path) -> float:
    started = time.perf_counter()
    command = [sys.executable, "-m", "cblod", "ingest", "--store", str(store), str(page)]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def changed(page: Path, folder: Path, n: int, amount: int | None = None) -> Path:
    """The page with its status changed (a new value each time): a secretariat's fix; with
    ``amount``, one partner's ERDF amount is that much above the page's (read by more of what
    a release keeps: the example answers and statistics that sum amounts are asked again)."""
    target = folder / page.name
    text = page.read_text(encoding="utf-8").replace(
        "Project status: closed", f"Project status: fix {n}"
    )
    if amount is not None:
        fixed = f"{149_325 + amount + 1:,}".replace(",", " ")
        text = text.replace("ERDF budget: EUR 149 325.00", f"ERDF budget: EUR {fixed}.00")
    target.write_text(text, encoding="utf-8")
    return target


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serving(store: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    command = [sys.executable, "-m", "cblod", "serve", "--store", str(store), "--port", str(port)]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            requests.get(base + "/", timeout=5)
            return server, base
        except requests.ConnectionError:
            time.sleep(0.1)
    raise RuntimeError("the server did not start")


def timed(http: requests.Session, url: str) -> float:
    started = time.perf_counter()
    answer = http.get(url, timeout=120)
    answer.raise_for_status()
    return (time.perf_counter() - started) * 1000


def disk_bytes(store: Path) -> tuple[int, list[int]]:
    """The store's bytes on disk, each file once however many snapshots link it, and the
    bytes each snapshot added (files no earlier snapshot links), oldest first."""
    seen: set[tuple[int, int]] = set()
    total, added = 0, []
    for snapshot in sorted(p for p in store.glob("v[0-9]*") if p.is_dir()):
        new = 0
        for root, _, files in os.walk(snapshot):
            for name in files:
                info = os.stat(os.path.join(root, name))
                if (info.st_dev, info.st_ino) not in seen:
                    seen.add((info.st_dev, info.st_ino))
                    new += info.st_blocks * 512
        added.append(new)
        total += new
    return total, added


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--projects", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        scratch_dir = Path(scratch)
        built = ingested_export(args.projects, scratch_dir)
        ingest(built, PAGE)  # the page is already published once: the fix replaces it
        updates, amounts, empties, dumps_updated, dumps_whole = [], [], [], [], []
        first: dict[str, list[float]] = {name: [] for name in FIRST_VIEWS}
        second: dict[str, list[float]] = {name: [] for name in FIRST_VIEWS}
        server, base = serving(built)
        try:
            http = requests.Session()
            for url in FIRST_VIEWS.values():  # a server that has been read: its caches are warm
                timed(http, base + url)
            for n in range(args.runs):
                # the status alone changes (the amount stays the last run's) ...
                page = changed(PAGE, scratch_dir, n, amount=n - 1 if n else None)
                updates.append(ingest(built, page))
                for name, url in FIRST_VIEWS.items():
                    first[name].append(timed(http, base + url))
                for name, url in FIRST_VIEWS.items():
                    second[name].append(timed(http, base + url))
                # ... then one partner's amount alone
                amounts.append(ingest(built, changed(PAGE, scratch_dir, n, amount=n)))
                empty = scratch_dir / f"empty-{n}"
                empties.append(ingest(empty, page))
                shutil.rmtree(empty)
                for how, into in (("update", dumps_updated), ("whole", dumps_whole)):
                    out = subprocess.run(
                        [sys.executable, "-c", DUMPS, str(built), how],
                        check=True, capture_output=True, text=True,
                    )  # fmt: skip
                    into.append(float(out.stdout.strip()))
        finally:
            server.terminate()
            server.wait(timeout=60)
        for n in range(args.runs, 2 * args.runs + 1):  # more releases: five kept, and more
            ingest(built, changed(PAGE, scratch_dir, n))
        total, added = disk_bytes(built)
        kept = len([p for p in built.glob("v[0-9]*") if p.is_dir()])
    best = min
    mb = 1024 * 1024
    results = {
        "projects": args.projects,
        "one changed page into the store, s (best of runs)": round(best(updates), 2),
        "the same with one partner's amount changed too, s": round(best(amounts), 2),
        "the same page into an empty store, s": round(best(empties), 2),
        "ratio (target: at most 1.5)": round(best(updates) / best(empties), 1),
        "ratio, the amount changed too": round(best(amounts) / best(empties), 1),
        "the release's dumps updated, s": round(best(dumps_updated), 2),
        "the same dumps built whole, s": round(best(dumps_whole), 2),
        "first request after an update, ms (median of runs)": {
            name: round(sorted(v)[len(v) // 2], 1) for name, v in first.items()
        },
        "second request, ms (median of runs)": {
            name: round(sorted(v)[len(v) // 2], 1) for name, v in second.items()
        },
        "releases kept on disk": kept,
        "disk, all kept releases, MB (each file once)": round(total / mb, 1),
        "disk, the oldest kept release alone, MB": round(added[0] / mb, 1),
        "disk each later release added, MB": [round(a / mb, 1) for a in added[1:]],
        "runs": {"updates": updates, "amounts": amounts, "empty": empties, "dumps updated": dumps_updated,
                 "dumps whole": dumps_whole, "first": first, "second": second},
    }  # fmt: skip
    save_results(f"update-{args.projects}", results)


if __name__ == "__main__":
    main()
