"""Deterministic generators of keep.eu-shaped data, for benchmarks and for test fixtures.

``keep_eu_pages(n, seed)`` yields (file name, text) pairs in the exact layout the
``keep-eu-page`` mapping reads; ``keep_eu_export(n, folder)`` writes the two keep.eu search
result sheets as CSV. Partners are drawn from a shared pool of organisations, so that
organisations take part in several projects, as in real programmes.

    python benchmarks/generate.py --projects 500 --out /tmp/pages
    python benchmarks/generate.py --export --out /tmp/export    # the performance issue's size
"""

from __future__ import annotations

import argparse
import csv
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from stdnum import luhn
from stdnum.fi import alv

COUNTRIES = [("Finland", "FI-20520 Turku"), ("Sweden", "111 21 Stockholm"),
             ("Estonia", "12618 Tallinn"), ("Latvia", "LV-1050 Riga")]  # fmt: skip
FORMS = {"Finland": "Oy", "Sweden": "AB", "Estonia": "OÜ", "Latvia": "SIA"}
WORDS = ["Baltic", "Nordic", "Green", "Smart", "Blue", "Digital", "Maritime", "Urban", "Rural", "Circular", "Energy", "Health", "Logistics", "Forest", "Water", "Tourism", "Innovation", "Growth", "Future", "Coastal"]  # fmt: skip
KINDS = ("Science Park", "University", "Development Agency", "Chamber of Commerce",
         "Technology Centre", "Cluster", "Municipality", "Foundation")  # fmt: skip


def money(amount: int) -> str:
    return f"EUR {amount // 100:,}.{amount % 100:02d}".replace(",", " ")


def organisations(count: int, rng: random.Random) -> list[tuple[str, str, str]]:
    seen: set[str] = set()
    out: list[tuple[str, str, str]] = []
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


PROGRAMME = "2021 - 2027 Interreg Benchmark Shores SYNTHETIC"
PROJECT_HEADER = ["Programme", "Project acronym", "Project name in English", "Project start", "Project end",
                  "Project's total budget / expenditure", "Project's EU funding", "Programme Priority (2021-2027 only)",
                  "Programme specific objective (2021-2027 only)", "Theme 1", "Contributing EU funds"]  # fmt: skip
PARTNER_HEADER = ["Programme", "Project acronym", "Organisation in English", "Lead partner", "Country code",
                  "Town", "Participant Identification Code", "Partner's ID if not PIC",
                  "Partner's total eligible budget / expenditure",
                  "Partner's programme co-financing (EUR) (2021-2027 only)"]  # fmt: skip


def ytunnus_digit(base: str) -> str | None:
    """The check digit that makes a Y-tunnus valid (stdnum's own checksum), if there is one."""
    return next((d for d in "0123456789" if alv.checksum(base + d) == 0), None)


def organisations_with_ids(count: int) -> list[tuple[str, str, str]]:
    """Finnish and Swedish organisations with valid business IDs, as keep.eu writes them."""
    out = []
    for n in range(count):
        base = f"{1000000 + n:07d}"
        digit = ytunnus_digit(base)
        if n % 2 and digit:
            ids = f"FI{base}{digit} | {base}-{digit} | Business ID (EN)"
            out.append((f"Organisation {n} Oy", "FI", ids))
        else:
            digits = f"80{n:07d}"[:9]
            digits += luhn.calc_check_digit(digits)
            orgnr = f"{digits[:6]}-{digits[6:]}"
            out.append(
                (f"Organisation {n} AB", "SE", f"{orgnr} | {orgnr} | Organisationsnummer (EN)")
            )
    return out


#: --varied: what a programme database spreads its projects over
PROGRAMMES = [f"2021 - 2027 Interreg {name} SYNTHETIC" for name in
              ("Benchmark Shores", "Baltic Bridges", "Nordic Rivers", "Arctic Links", "Bothnia Coasts", "Lake Districts")]  # fmt: skip
PRIORITIES = ["1. Innovation", "2. Green transition", "3. Skilled communities", "4. Governance"]
OBJECTIVES = ["RSO1.1. Research and innovation capacities", "RSO1.4. Skills for smart specialisation",
              "RSO2.4. Climate change adaptation", "RSO2.6. Circular economy", "RSO4.2. Education and training",
              "ISO6.1. Institutional capacity"]  # fmt: skip


def nuts3(country: str) -> list[str]:
    from importlib.resources import files

    rows = files("cblod").joinpath("data/nuts.csv").read_text(encoding="utf-8").splitlines()[1:]
    return [r.split(",", 1)[0] for r in rows if r.startswith(country)]


def keep_eu_export(
    projects: int, folder: Path, seed: int = 11, *, varied: bool = False
) -> list[Path]:
    """The two keep.eu result sheets as CSV in ``folder``: ``projects`` projects, 2-6 partner
    rows each, drawn from a pool of a third as many organisations (check-digit-valid IDs, so
    partners merge by identifier). Returns [projects.csv, partners.csv].

    ``varied`` spreads them as a programme database does (the faceted lists' and the
    reconciliation service's benchmarks): six programmes, four priorities, six objectives,
    two themes each, partners named from common words ("Nordic Green Science Park Oy"), in
    NUTS 3 regions and real towns of their country (GeoNames', so the map has points), public
    or private, with a tenth of the rows carrying a PIC.
    """
    rng = random.Random(seed)
    pool = organisations_with_ids(max(10, projects // 3))
    if varied:
        from cblod.records.gazetteer import places_in

        regions = {c: nuts3(c) for c in ("FI", "SE")}
        towns = {c: [p.name for p in places_in(c)] for c in ("FI", "SE")}
        pool = [
            (f"{rng.choice(WORDS)} {rng.choice(WORDS)} {rng.choice(KINDS)} {'Oy' if country == 'FI' else 'AB'}",
             country, ids)
            for _, country, ids in pool
        ]  # fmt: skip
        places = {ids: (rng.choice(regions[country]), rng.choice(["public", "private"]),
                        f"9{rng.randint(10_000_000, 99_999_999)}" if rng.random() < 0.1 else "",
                        rng.choice(towns[country]))
                  for _, country, ids in pool}  # fmt: skip
    header, partner_header = PROJECT_HEADER, PARTNER_HEADER
    if varied:
        header = [*PROJECT_HEADER, "Theme 2"]
        partner_header = [*PARTNER_HEADER, "NUTS3 code (or equivalent)", "Legal status"]
    paths = [folder / "projects.csv", folder / "partners.csv"]
    with (
        paths[0].open("w", newline="", encoding="utf-8") as p,
        paths[1].open("w", newline="", encoding="utf-8") as q,
    ):
        projects_csv, partners_csv = csv.writer(p), csv.writer(q)
        projects_csv.writerow(header)
        partners_csv.writerow(partner_header)
        for i in range(projects):
            chosen = rng.sample(pool, rng.randint(2, 6))
            budgets = [rng.randint(5_000_000, 60_000_000) for _ in chosen]
            eu = [b * 4 // 5 for b in budgets]
            year = rng.randint(2022, 2026)
            programme, priority, objective = PROGRAMME, "1. Innovation", OBJECTIVES[0]
            themes = ["Innovation"]
            if varied:
                programme, priority = rng.choice(PROGRAMMES), rng.choice(PRIORITIES)
                objective, themes = rng.choice(OBJECTIVES), rng.sample(WORDS, 2)
            projects_csv.writerow([programme, f"P{i:06d}", f"Generated project {i}", f"{year}-01-01", f"{year + 2}-12-31",
                                   f"{sum(budgets) / 100:.2f}", f"{sum(eu) / 100:.2f}", priority,
                                   objective, *themes[:1], "ERDF", *themes[1:]])  # fmt: skip
            for k, ((name, country, ids), total, funding) in enumerate(
                zip(chosen, budgets, eu, strict=True)
            ):
                region, legal, pic, town = places[ids] if varied else ("", "", "", "Town")
                partners_csv.writerow([programme, f"P{i:06d}", name, "Yes" if k == 0 else "No", country, town, pic,
                                       ids, f"{total / 100:.2f}", f"{funding / 100:.2f}",
                                       *([region, legal] if varied else [])])  # fmt: skip
    return paths


#: the busiest partner: a national agency in thousands of projects (as Kohesio's largest
#: beneficiaries are), appended by ``with_busiest_partner``
BUSIEST_NAME = "National Agency For Regional Growth"


def with_busiest_partner(paths: list[Path], count: int) -> str:
    """One more partner row, the same organisation, in ``count`` of the export's projects
    (spread evenly over them), appended to its partners sheet; returns the organisation's
    business ID column. The export's other rows are unchanged."""
    with paths[0].open(encoding="utf-8") as sheet:
        projects = list(csv.reader(sheet))[1:]
    with paths[1].open(encoding="utf-8") as sheet:
        width = len(next(csv.reader(sheet)))
    # the first ID beyond the pool ``keep_eu_export`` drew its partners from
    _, country, ids = organisations_with_ids(max(10, len(projects) // 3) + 1)[-1]
    step = max(1, len(projects) // max(1, count))
    with paths[1].open("a", newline="", encoding="utf-8") as sheet:
        partners = csv.writer(sheet)
        for row in projects[::step][:count]:  # programme, acronym, ...
            cells = [
                row[0],
                row[1],
                BUSIEST_NAME,
                "No",
                country,
                "Town",
                "",
                ids,
                "1000.00",
                "800.00",
            ]
            partners.writerow(cells + [""] * (width - len(cells)))
    return ids


def ingested_export(projects: int, scratch: Path, *, varied: bool = False) -> Path:
    """A store in ``scratch`` holding a generated export of ``projects`` projects, ingested by
    ``cblod ingest`` as a user would (so the indexes kept at publish are built too)."""
    export, store = scratch / "export", scratch / "store"
    export.mkdir()
    files = keep_eu_export(projects, export, varied=varied)
    command = [sys.executable, "-m", "cblod", "ingest", "--store", str(store), *map(str, files)]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--projects", type=int, help="500 pages, or 30000 for --export")
    parser.add_argument("--export", action="store_true", help="the keep.eu CSV export instead")
    parser.add_argument(
        "--varied", action="store_true", help="with --export: many programmes, regions, …"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.export:
        keep_eu_export(args.projects or 30_000, args.out, args.seed, varied=args.varied)
        return
    for name, text in keep_eu_pages(args.projects or 500, args.seed):
        (args.out / name).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
