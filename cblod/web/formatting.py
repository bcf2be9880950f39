"""How values read on pages: money with currency, dates, languages."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from flask import Flask

from .links import href


def money(amount: Decimal | str | None, currency: str = "EUR") -> str:
    """``817789.75`` -> ``817 789.75 EUR``: thin groups, cents only when there are any."""
    if amount is None or amount == "":
        return ""
    value = Decimal(str(amount))
    text = f"{value:,.2f}" if value != value.to_integral_value() else f"{value:,.0f}"
    return f"{text.replace(',', ' ')} {currency}"


def long_date(text: str | None) -> str:
    """``2019-04-01`` -> ``1 April 2019``."""
    if not text:
        return ""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return text
    return f"{day.day} {day:%B} {day.year}"


#: names of the open licences in the EU licence vocabulary a publisher is likely to choose
LICENCE_NAMES = {
    "CC0": "CC0 1.0", "CC0_1_0": "CC0 1.0", "CC_BY_4_0": "CC BY 4.0",
    "CC_BYSA_4_0": "CC BY-SA 4.0", "ODC_BY": "ODC-By", "ODBL": "ODbL", "ODC_ODBL": "ODbL",
    "ODC_PDDL": "PDDL", "PDDL": "PDDL",
}  # fmt: skip


def licence_name(iri: str) -> str:
    """How a page names the data's licence (``DATA_LICENSE``, an IRI): ``CC BY 4.0``."""
    tail = iri.rstrip("/").rsplit("/", 1)[-1]
    return LICENCE_NAMES.get(tail.upper(), re.sub(r"(?<=\d)_(?=\d)", ".", tail).replace("_", " "))


def register(app: Flask) -> None:
    app.jinja_env.globals["licence_name"] = licence_name
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["long_date"] = long_date
    app.jinja_env.filters["local"] = href
