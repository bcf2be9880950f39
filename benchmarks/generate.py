"""Deterministic generator of keep.eu-shaped project pages, for benchmarks and scale tests.

``keep_eu_pages(n, seed)`` yields (file name, text) pairs in the exact layout the
``keep-eu-page`` mapping reads, with partners drawn from a shared pool of organisations so
that organisations take part in several projects, as in real programmes.

    python benchmarks/generate.py --projects 500 --out /tmp/pages
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Iterator
from pathlib import Path

COUNTRIES = [("Finland", "FI-20520 Turku"), ("Sweden", "111 21 Stockholm"),
             ("Estonia", "12618 Tallinn"), ("Latvia", "LV-1050 Riga")]  # fmt: skip
FORMS = {"Finland": "Oy", "Sweden": "AB", "Estonia": "OÜ", "Latvia": "SIA"}
WORDS = ["Baltic", "Nordic", "Green", "Smart", "Blue", "Digital", "Maritime", "Urban", "Rural", "Circular", "Energy", "Health", "Logistics", "Forest", "Water", "Tourism", "Innovation", "Growth", "Future", "Coastal"]  # fmt: skip
KINDS = ("Science Park", "University", "Development Agency", "Chamber of Commerce",
         "Technology Centre", "Cluster", "Municipality", "Foundation")  # fmt: skip


def money(amount: int) -> str:
    return f"EUR {amount // 100:,}.{amount % 100:02d}".replace(",", " ")


def organisations(count: int, rng: random.Random) -> list[tuple[str, str, str]]:
    seen, out = set(), []
    while len(out) < count:
        country, town = rng.choice(COUNTRIES)
        name = f"{rng.choice(WORDS)} {rng.choice(WORDS)} {rng.choice(KINDS)} {FORMS[country]}"
        if name not in seen:
            seen.add(name)
            out.append((name, country, town))
    return out


def keep_eu_pages(n: int, seed: int = 7) -> Iterator[tuple[str, str]]:
    rng = random.Random(seed)
    pool = organisations(max(10, n // 2), rng)
    for i in range(n):
        acronym = f"{rng.choice(WORDS)}{rng.choice(WORDS)} {i}"
        partners = rng.sample(pool, rng.randint(2, 6))
        budgets = [rng.randint(5_000_000, 60_000_000) for _ in partners]
        erdf = [b * 3 // 4 for b in budgets]
        blocks = []
        for k, ((name, country, town), total, eu) in enumerate(
            zip(partners, budgets, erdf, strict=True)
        ):
            head = f"Lead Partner: {name}" if k == 0 else f"{name}\n\nName: {name}"
            blocks.append(
                f"{head}\n\nAddress: Street {k + 1}, {town}, {country}\n\nLegal status: public\n\n\n"
                f"Total budget: {money(total)}\n\nERDF budget: {money(eu)}\n"
            )
        start_year = rng.randint(2015, 2019)
        text = f"""Project {acronym} on {rng.choice(WORDS).lower()} cooperation

Programme 2014 - 2020 INTERREG V-A Finland - Estonia - Latvia - Sweden (Central Baltic)
Date of latest update: 2024-03-26

Expected Outputs (EN): Project contributes to: - {rng.randint(2, 40)} companies supported; - {rng.randint(1, 9)} pilots implemented

Thematic information

Specific Objective: More exports by the Central Baltic companies to new markets
Thematic Objective: (03) enhancing the competitiveness of SMEs by:
Investment Priority: (03d) supporting the capacity of SMEs to grow in regional, national and international markets, and to engage in innovation processes

Partners ({len(partners)})

{chr(10).join(blocks)}
Partners map

Project name (EN): Project {acronym} on cooperation

Project acronym: {acronym}

Project start date: {start_year}-04-01

Project end date: {start_year + 2}-12-31

Project status: closed

Total budget/expenditure: {money(sum(budgets))}

Total EU funding (amount): {money(sum(erdf))}

Co-financing sources:

  • ERDF: Amount, {money(sum(erdf))}.
"""
        yield f"keep-eu-generated-{i:06d}.txt", text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--projects", type=int, default=500)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for name, text in keep_eu_pages(args.projects, args.seed):
        (args.out / name).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
