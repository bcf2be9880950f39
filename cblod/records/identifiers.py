"""Organisation identifiers as sources write them, validated by each scheme's own rule.

A source's "VAT or other id" field holds anything: "FI28765435", a bare Y-tunnus "2876543-5",
"SE 802512-5470" (an organisationsnummer with a country prefix), "LV40008537129", "N/A". Each
raw value is read into the identifiers it stands for, each checked with python-stdnum (format
and check digit); an EU VAT number that embeds a national business ID yields both, so the same
organisation is found whichever of the two another source gives. A value that fits no scheme,
or fails its check, is reported and never published as a valid registration. The reverse
(a VAT number from a national ID) is never guessed: not every organisation is VAT-registered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from stdnum import lei
from stdnum.dk import cvr
from stdnum.ee import registrikood
from stdnum.eu import vat
from stdnum.fi import ytunnus
from stdnum.lv import pvn
from stdnum.se import orgnr

from .values import is_placeholder


@dataclass(frozen=True)
class Scheme:
    key: str  # used in URIs: /id/identifier/{key}/{value}
    name: str
    registry: str
    page: str | None = None  # public registry page, with {value}


SCHEMES = {
    s.key: s
    for s in (
        Scheme("fi-ytunnus", "Finnish Business ID (Y-tunnus)", "Finnish Trade Register / YTJ",
               "https://tietopalvelu.ytj.fi/yritys/{value}"),
        Scheme("se-orgnr", "Swedish organisationsnummer", "Bolagsverket"),
        Scheme("ee-registrikood", "Estonian registry code", "e-Business Register (Äriregister)",
               "https://ariregister.rik.ee/eng/company/{value}"),
        Scheme("lv-regnr", "Latvian registration number", "Register of Enterprises of Latvia"),
        Scheme("lt-company-code", "Lithuanian legal entity code (juridinio asmens kodas)",
               "Register of Legal Entities (Registrų centras)"),
        Scheme("dk-cvr", "Danish CVR number", "Central Business Register (CVR)",
               "https://datacvr.virk.dk/enhed/virksomhed/{value}"),
        Scheme("lei", "Legal Entity Identifier", "GLEIF", "https://search.gleif.org/#/record/{value}"),
        Scheme("eu-pic", "EU Participant Identification Code", "EU Funding & Tenders Portal",
               "https://ec.europa.eu/info/funding-tenders/opportunities/portal/screen/how-to-participate/org-details/{value}"),
        Scheme("eu-vat", "EU VAT number", "VIES"),
    )
}  # fmt: skip


@dataclass(frozen=True)
class Identifier:
    scheme: str
    value: str  # the scheme's display form: "2876543-5", "802512-5470", "FI28765435"

    @property
    def page(self) -> str | None:
        template = SCHEMES[self.scheme].page
        return template.format(value=self.value) if template else None


class InvalidIdentifier(ValueError):
    pass


def _national_from_vat(number: str) -> Identifier | None:
    """The national business ID an EU VAT number is built from, where the rule is fixed."""
    country, digits = number[:2], number[2:]
    if country == "FI":
        return Identifier("fi-ytunnus", ytunnus.format(digits))
    if country == "SE" and digits.endswith("01"):
        return Identifier("se-orgnr", orgnr.format(digits[:-2]))
    if country == "LV":
        return Identifier("lv-regnr", digits)
    if country == "DK":
        return Identifier("dk-cvr", digits)
    return None


_NATIONAL = (
    ("FI", "fi-ytunnus", ytunnus),
    ("SE", "se-orgnr", orgnr),
    ("EE", "ee-registrikood", registrikood),
    ("DK", "dk-cvr", cvr),
)


def lt_company_code_is_valid(number: str) -> bool:
    """A Lithuanian legal entity code: nine digits, the last a mod 11 check digit.

    The check is the one Lithuanian personal codes use (python-stdnum's ``lt.asmens``), over
    eight digits: weights 1-8, and if that leaves 10, weights 3-9, 1; 10 again counts as 0.
    """
    if not re.fullmatch(r"\d{9}", number):
        return False
    digits = [int(d) for d in number[:8]]
    check = sum(w * d for w, d in zip((1, 2, 3, 4, 5, 6, 7, 8), digits, strict=True)) % 11
    if check == 10:
        check = sum(w * d for w, d in zip((3, 4, 5, 6, 7, 8, 9, 1), digits, strict=True)) % 11
    return (check % 10) == int(number[8])


def read_identifiers(raw: str | None, *, country: str | None = None) -> list[Identifier]:
    """Every identifier ``raw`` stands for ([] for placeholders); InvalidIdentifier otherwise.

    ``country`` (ISO 3166 alpha-2 of the organisation) decides between schemes that share a
    shape; a leading country code in the value ("SE 802512-5470") says the same.
    """
    if raw is None or is_placeholder(raw):
        return []
    return list(_read_identifiers(raw, country))


@lru_cache(maxsize=1 << 16)
def _read_identifiers(raw: str, country: str | None) -> list[Identifier]:
    """Cached: a bulk export repeats an organisation's identifiers on every row it is on, and
    the check digits of every scheme were a sixth of ingesting one. Callers get a copy; an
    invalid value raises each time (exceptions are not cached), so each row reports its own."""
    text = raw.strip()
    # keep.eu's own form, "id-SE-SE 212000-1157": the registry's country, then the number
    if keep_eu := re.fullmatch(r"id-([A-Za-z]{2})(?:-([A-Za-z]{2}))?\s+(.+)", text):
        country = (keep_eu[2] or keep_eu[1]).upper()
        text = keep_eu[3]
    found: list[Identifier] = []
    compact = re.sub(r"[\s.\-/]", "", text).upper()
    if re.fullmatch(r"[A-Z0-9]{18}[0-9]{2}", compact) and lei.is_valid(compact):
        return [Identifier("lei", compact)]
    if re.fullmatch(r"\d{9}", compact) and country is None:
        return [Identifier("eu-pic", compact)]
    prefixed = re.fullmatch(r"([A-Z]{2})(.+)", compact)
    if prefixed and prefixed.group(1).lower() in vat.MEMBER_STATES | {"el", "xi"}:
        code = prefixed.group(1)
        if vat.is_valid(compact):
            found.append(Identifier("eu-vat", vat.compact(compact)))
            national = _national_from_vat(vat.compact(compact))
            if national:
                found.append(national)
            return found
        country, text = code, prefixed.group(2)  # "SE 802512-5470": a national ID with its country
    for code, scheme, module in _NATIONAL:
        if country in (None, code) and module.is_valid(text):
            shown = module.format(text) if hasattr(module, "format") else module.compact(text)
            return [Identifier(scheme, shown)]
    if country == "LT" and lt_company_code_is_valid(re.sub(r"\s", "", text)):
        return [Identifier("lt-company-code", re.sub(r"\s", "", text))]
    if country == "LT" and re.fullmatch(r"\d{9}", compact):
        raise InvalidIdentifier(f"{raw!r} fails the Lithuanian legal entity code check digit")
    if country == "LV" and pvn.is_valid("LV" + re.sub(r"\D", "", text)):
        digits = re.sub(r"\D", "", text)
        return [Identifier("lv-regnr", digits)]
    if re.fullmatch(r"\d{9}", compact):
        return [Identifier("eu-pic", compact)]
    raise InvalidIdentifier(f"{raw!r} is not a valid identifier of any known scheme")


def read_keep_eu_ids(raw: str | None, *, country: str | None) -> tuple[list[Identifier], list[str]]:
    """keep.eu's "VAT | other id | description (LANG)": identifiers, and what could not be read.

    The description ("Business ID (Y-tunnus) (EN)") is text, not an identifier, and is skipped.
    """
    found: list[Identifier] = []
    problems: list[str] = []
    for part in (raw or "").split("|"):
        part = part.strip()
        if not part or re.search(r"[a-z]{3,}", part):
            continue
        try:
            found += read_identifiers(part, country=country)
        except InvalidIdentifier as exc:
            problems.append(str(exc))
    return list(dict.fromkeys(found)), problems


def keep_eu_partner_ids(
    pic: str | None, ids: str | None, *, country: str | None, where: str, warnings: list[str]
) -> list[Identifier]:
    """A keep.eu partner's PIC and "VAT | other id | description" as identifiers.

    What cannot be read is appended to ``warnings`` (with ``where``) and left unpublished.
    """
    found: list[Identifier] = []
    try:
        if parsed := read_pic(pic):
            found.append(parsed)
    except InvalidIdentifier as exc:
        warnings.append(f"{where}: PIC not published: {exc}")
    others, problems = read_keep_eu_ids(ids, country=country)
    warnings += [f"{where}: identifier not published: {p}" for p in problems]
    return list(dict.fromkeys(found + others))


def read_pic(raw: str | None) -> Identifier | None:
    """An EU PIC (nine digits, no check digit)."""
    if raw is None or is_placeholder(raw):
        return None
    compact = re.sub(r"\s", "", raw)
    if not re.fullmatch(r"\d{9}", compact):
        raise InvalidIdentifier(f"PIC {raw!r} is not nine digits")
    return Identifier("eu-pic", compact)


__all__ = [
    "SCHEMES",
    "Identifier",
    "InvalidIdentifier",
    "read_identifiers",
    "read_pic",
]
