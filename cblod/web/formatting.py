"""How values read on pages: money with currency, dates, languages."""

from __future__ import annotations

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


def register(app: Flask) -> None:
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["long_date"] = long_date
    app.jinja_env.filters["local"] = href
