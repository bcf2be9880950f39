"""Postal addresses as sources write them on one line, split into their parts."""

from __future__ import annotations

import re

from ..core.errors import ValueParseError
from .model import Address
from .places import country
from .values import clean_text

_POSTAL = re.compile(r"^(?:[A-Z]{1,2}-)?(\d[\d ]{2,8}\d|\d{4,6})\s+(\S.*)$")


def parse_address(text: str) -> Address:
    """Split "Kelloportinkatu 1 B, 33100 Tampere, Finland" into street, postcode, town, country.

    The country is the last comma part when it names one; the postcode part is the last part
    that starts with digits (optionally "FI-"). Parts not recognised stay in ``full`` only.
    """
    full = clean_text(text)
    parts = [p.strip() for p in full.split(",") if p.strip()]
    found_country = None
    if parts:
        try:
            found_country = country(parts[-1])
            parts = parts[:-1]
        except ValueParseError:
            pass
    postal = locality = None
    street_parts = parts
    for i in range(len(parts) - 1, -1, -1):
        if m := _POSTAL.match(parts[i]):
            postal, locality = m.group(1), m.group(2)
            street_parts = parts[:i]
            break
    return Address(
        full=full,
        street=", ".join(street_parts) or None,
        postal_code=postal,
        locality=locality,
        country=found_country,
    )
