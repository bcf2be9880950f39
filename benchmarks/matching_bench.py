"""Organisation matching as organisations sharing common words grow: time per organisation.

    python benchmarks/matching_bench.py                       # 5 000, 50 000, 500 000
    python benchmarks/matching_bench.py --sizes 5000 50000

Registers ``n`` organisations whose names all share two words ("Generated Organisation
000123": the worst case of real names sharing words by the thousand, every "Comune di ...",
"University of ...") through ``Identity.organisation``, the rule every ingest runs for every
partner, then times a further 1 000 new names against each registry. Prints the time per
organisation and its ratio to the smallest size's (flat is 1.0), and how many candidates one
name is scored against.
"""

from __future__ import annotations

import argparse
import json
import time

from cblod.ingest.identity import Identity, _candidates
from cblod.records.model import Organisation, Text
from cblod.records.names import name_tokens
from cblod.records.places import country

FINLAND = country("FI")
ASKED = 1_000


def named(n: int) -> Organisation:
    return Organisation([Text(f"Generated Organisation {n:06d}")], country=FINLAND)


def measure(size: int) -> dict[str, float]:
    identity = Identity("http://127.0.0.1:5000/")
    started = time.perf_counter()
    for n in range(size):
        identity.organisation(named(n))
    registering = time.perf_counter() - started
    started = time.perf_counter()
    for n in range(size, size + ASKED):
        identity.organisation(named(n))
    asking = time.perf_counter() - started
    scored = len(_candidates(identity._orgs_by_token, name_tokens("Generated Organisation 001234")))
    return {
        "organisations": size,
        "registering all, s": round(registering, 2),
        "per organisation while registering, µs": round(registering / size * 1e6, 1),
        "per organisation at this size, µs": round(asking / ASKED * 1e6, 1),
        "candidates scored for one new name": scored,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5_000, 50_000, 500_000])
    sizes = parser.parse_args().sizes
    results = [measure(size) for size in sizes]
    base = results[0]["per organisation at this size, µs"]
    for found in results:
        found["ratio to the smallest"] = round(found["per organisation at this size, µs"] / base, 2)
    print(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
