"""Parsing of the values every source writes differently: money, dates, codes, counts.

The same characters mean different things in different sources ("265.583 EUR" is 265583 in the
Central Baltic database, "EUR 199 187.25" has cents on keep.eu), so nothing here guesses a
decimal mark: the mapping that knows its source's convention passes it in, and the parser
refuses anything that does not fit that convention rather than returning a wrong number.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from ..core.errors import ValueParseError

_SPACES = re.compile(r"[\s\u00a0\u202f\u2007]+")
_CURRENCY = re.compile(r"(EUR|€|euros?)", re.IGNORECASE)


def clean_text(text: str) -> str:
    """Fold every kind of space (NBSP, narrow NBSP) to one ASCII space and trim."""
    return _SPACES.sub(" ", text).strip()


@dataclass(frozen=True)
class Money:
    """An amount in euro, exact as written: "EUR 265 583.00" keeps its two decimals."""

    amount: Decimal

    @property
    def decimals(self) -> int:
        """Digits written after the decimal mark (2 for "199 187.25", 0 for "199.187")."""
        exponent = self.amount.as_tuple().exponent
        return max(0, -exponent) if isinstance(exponent, int) else 0


def parse_rate(value: object) -> Decimal | None:
    """A co-financing rate in percent: "80%", "80.00 %", "80,5%", 80 or Decimal("80.00").

    Sources write percentages (never shares of one), with or without the sign; a value
    outside 0-100 is an error, not data.
    """
    if value is None or (isinstance(value, str) and is_placeholder(value)):
        return None
    if isinstance(value, bool):
        raise ValueParseError(f"rate {value!r} is not a number")
    text = str(value).strip().rstrip("%").strip().replace(",", ".")
    try:
        rate = Decimal(text)
    except ArithmeticError:
        raise ValueParseError(f"rate {value!r} is not a number") from None
    if not rate.is_finite() or not 0 <= rate <= 100:
        raise ValueParseError(f"rate {value!r} is not a percentage between 0 and 100")
    return rate


def parse_money(text: str, *, decimal_mark: str) -> Money:
    """Parse an amount written with the given decimal mark ("." or ",").

    Thousands may be grouped by spaces, or by the other mark; groups must have three digits,
    so "1.2.3 EUR" is an error, not 123. Only euro amounts are accepted: a published
    ``cbo:totalBudget`` is EUR by definition, and silently storing another currency would be wrong.
    """
    if decimal_mark not in {".", ","}:
        raise ValueError("decimal_mark must be '.' or ','")
    raw = clean_text(text)
    body = _CURRENCY.sub(" ", raw)
    body = re.sub(r"\bERDF\b", " ", body, flags=re.IGNORECASE).strip()
    if not body:
        raise ValueParseError(f"no amount in {raw!r}")
    if re.search(r"[^\d\s.,+-]", body):
        raise ValueParseError(f"amount {raw!r} is not in euro or has stray characters")
    if body.startswith("-"):
        raise ValueParseError(f"amount {raw!r} is negative")
    body = body.lstrip("+").strip()
    group_mark = "," if decimal_mark == "." else "."
    integer, _, fraction = body.partition(decimal_mark)
    if decimal_mark in fraction:
        raise ValueParseError(f"amount {raw!r} has more than one decimal mark {decimal_mark!r}")
    if fraction and not fraction.isdigit():
        raise ValueParseError(f"amount {raw!r} has a malformed decimal part")
    groups = re.split(rf"[\s{re.escape(group_mark)}]", integer.strip())
    if not groups or not all(g.isdigit() for g in groups):
        raise ValueParseError(f"amount {raw!r} is not a number")
    if len(groups) > 1 and (len(groups[0]) > 3 or any(len(g) != 3 for g in groups[1:])):
        raise ValueParseError(f"amount {raw!r} has digit groups that are not thousands")
    digits = "".join(groups) + (f".{fraction}" if fraction else "")
    try:
        return Money(Decimal(digits))
    except InvalidOperation as exc:  # pragma: no cover - the checks above make this unreachable
        raise ValueParseError(f"amount {raw!r} is not a number") from exc


_DMY = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def parse_date(text: str) -> date:
    """Parse "2019-04-01" or "01.04.2019" (day first, as every European source writes it)."""
    raw = clean_text(text)
    if m := _ISO.match(raw):
        year, month, day = (int(x) for x in m.groups())
    elif m := _DMY.match(raw):
        day, month, year = (int(x) for x in m.groups())
    else:
        raise ValueParseError(f"date {raw!r} is neither YYYY-MM-DD nor DD.MM.YYYY")
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise ValueParseError(f"date {raw!r} does not exist ({exc})") from exc


def parse_date_range(text: str) -> tuple[date, date]:
    """Parse "01.04.2019 - 31.12.2021"; the end must not be before the start."""
    parts = re.split(r"\s+[-–—]\s+|\s*[–—]\s*", clean_text(text))
    if len(parts) != 2:
        raise ValueParseError(f"date range {text.strip()!r} is not 'start - end'")
    start, end = parse_date(parts[0]), parse_date(parts[1])
    if end < start:
        raise ValueParseError(f"date range {text.strip()!r} ends before it starts")
    return start, end


def is_placeholder(text: str | None) -> bool:
    """True for values that stand for "nothing": "", "N/A", "-", "1970-01-01" and the like."""
    if text is None:
        return True
    t = clean_text(str(text)).casefold()
    return t in {"", "-", "--", "n/a", "na", "n.a.", "none", "null", "nan", "1970-01-01", "?"}


@dataclass(frozen=True)
class Coded:
    """A programme concept as sources write it: a code and a label ("1.3", "More exports…")."""

    code: str
    label: str
    #: what an indicator counts ("pilot actions"), when the source says
    unit: str | None = None


_PRIORITY = re.compile(r"^(?:Priority\s*|P)(\d+)\.?\s*[:.\-–]?\s+(.+)$", re.IGNORECASE)
_DOTTED = re.compile(r"^(\d+(?:\.\d+)+)\.?\s+(.+)$")
_PAREN = re.compile(r"^\((\d{1,2}[a-z]?)\)\s*(.+)$", re.IGNORECASE)


def _tidy_label(label: str) -> str:
    """Drop a list-introducing tail ("… of SMEs by:") that pages leave on truncated labels."""
    label = clean_text(label).rstrip(":;,").strip()
    return re.sub(r"\s+(by|of|and|through|with)$", "", label, flags=re.IGNORECASE)


def parse_priority(text: str) -> Coded:
    """Parse "P1 Competitive economy" / "Priority 1: …" into code "1" and its label."""
    if m := _PRIORITY.match(clean_text(text)):
        return Coded(m.group(1), _tidy_label(m.group(2)))
    raise ValueParseError(f"priority {text.strip()!r} has no 'P<n> label' form")


def parse_dotted_code(text: str) -> Coded:
    """Parse "1.3. More exports …" into code "1.3" and its label."""
    if m := _DOTTED.match(clean_text(text)):
        return Coded(m.group(1), _tidy_label(m.group(2)))
    raise ValueParseError(f"{text.strip()!r} has no dotted code such as '1.3.'")


def parse_parenthesised_code(text: str) -> Coded:
    """Parse "(03d) supporting …" / "(03) enhancing …" into code "03d" and its label."""
    if m := _PAREN.match(clean_text(text)):
        code = m.group(1).lower()
        if code[0].isdigit() and (len(code) == 1 or not code[1].isdigit()):
            code = "0" + code
        return Coded(code, _tidy_label(m.group(2)))
    raise ValueParseError(f"{text.strip()!r} has no code such as '(03d)'")


_NUMBER_WORD = r"\d+(?:[.,]\d+)?"
_QUANTITY = re.compile(rf"(?<![\w.])({_NUMBER_WORD})(?:\s*[-–]\s*({_NUMBER_WORD}))?(?![\w.]*%)")


def leading_quantity(text: str) -> tuple[Decimal, Decimal | None] | None:
    """The number a result statement leads with: "163 unique companies" -> (163, None).

    A range ("3-4 sales agreements") gives (3, 4). Dates, codes and percentages are not
    quantities; a statement without a number gives None.
    """
    t = clean_text(text).lstrip("-–•* ")
    m = _QUANTITY.match(t)
    if not m:
        return None
    low = Decimal(m.group(1).replace(",", "."))
    high = Decimal(m.group(2).replace(",", ".")) if m.group(2) else None
    return low, high


def slugify(text: str, *, max_length: int = 80) -> str:
    """A URI-safe key: ASCII, lower case, hyphens ("Västerås Science Park AB" -> "vasteras-…")."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9.]+", "-", folded.lower()).strip("-.")
    slug = re.sub(r"-{2,}", "-", slug)
    return slug[:max_length].rstrip("-.") or "x"


#: EU programming periods; a project belongs to the period its start date falls in.
PROGRAMMING_PERIODS: tuple[tuple[int, int], ...] = (
    (2000, 2006),
    (2007, 2013),
    (2014, 2020),
    (2021, 2027),
)


def period_of(day: date) -> tuple[int, int] | None:
    """The programming period a project starting on ``day`` belongs to."""
    for first, last in PROGRAMMING_PERIODS:
        if first <= day.year <= last:
            return first, last
    return None


_PROGRAMME_TITLE = re.compile(r"^(?:(\d{4})\s*[-–]\s*(\d{4})\s+)?(.+?)$")


def parse_programme_title(text: str) -> tuple[str, str, tuple[int, int] | None]:
    """Split "2014 - 2020 INTERREG V-A … (Central Baltic)" into (short name, full name, period).

    The short name is the last parenthesised part when there is one: that is how keep.eu and
    the programmes themselves name programmes in running text ("Central Baltic").
    """
    title = clean_text(text)
    m = _PROGRAMME_TITLE.match(title)
    if not m:
        raise ValueParseError(f"programme {text!r} has no name")
    period = (int(m.group(1)), int(m.group(2))) if m.group(1) else None
    rest = m.group(3)
    paren = re.search(r"\(([^()]+)\)\s*$", rest)
    short = paren.group(1).strip() if paren else rest
    return short, title, period
