"""Money, dates, codes and counts as the sources write them."""

from datetime import date
from decimal import Decimal

import pytest

from cblod.core.errors import ValueParseError
from cblod.records.values import (
    leading_quantity,
    parse_date,
    parse_date_range,
    parse_dotted_code,
    parse_money,
    parse_parenthesised_code,
    parse_priority,
    parse_programme_title,
)


@pytest.mark.parametrize(
    ("text", "mark", "amount", "decimals"),
    [
        ("EUR 265 583.00", ".", "265583.00", 2),
        ("EUR 199 187.25", ".", "199187.25", 2),
        ("265.583 EUR", ",", "265583", 0),
        ("1.839.996 EUR", ",", "1839996", 0),
        ("€1 063 833", ",", "1063833", 0),
        ("199.187 EUR ERDF", ",", "199187", 0),
        ("1\u00a0234,50 €", ",", "1234.50", 2),
        ("1,234,567.89 EUR", ".", "1234567.89", 2),
    ],
)
def test_amounts_in_every_written_form(text, mark, amount, decimals):
    money = parse_money(text, decimal_mark=mark)
    assert money.amount == Decimal(amount)
    assert money.decimals == decimals


def test_the_same_characters_mean_what_the_source_convention_says():
    assert parse_money("265.583 EUR", decimal_mark=",").amount == Decimal("265583")
    assert parse_money("265.583 EUR", decimal_mark=".").amount == Decimal("265.583")


@pytest.mark.parametrize(
    "text",
    ["1.2.3 EUR", "EUR", "12 USD", "-5 EUR", "1,2345.6 EUR", "EUR 1.000.00", "twelve EUR", ""],
)
def test_malformed_amounts_are_refused(text):
    with pytest.raises(ValueParseError):
        parse_money(text, decimal_mark=",")


def test_dates_iso_and_european():
    assert parse_date("2019-04-01") == date(2019, 4, 1)
    assert parse_date("01.04.2019") == date(2019, 4, 1)
    assert parse_date_range("01.04.2019 - 31.12.2021") == (date(2019, 4, 1), date(2021, 12, 31))


@pytest.mark.parametrize(
    "text", ["31.02.2020", "2020-13-01", "April 2020", "01.04.2019 - 31.12.2018"]
)
def test_impossible_dates_are_refused(text):
    with pytest.raises(ValueParseError):
        parse_date_range(text) if " - " in text else parse_date(text)


def test_programme_codes_and_labels():
    assert parse_priority("P1 Competitive economy").code == "1"
    assert parse_priority("P1 Competitive economy").label == "Competitive economy"
    objective = parse_dotted_code(
        "1.3. More exports by the Central Baltic companies to new markets"
    )
    assert (objective.code, objective.label) == (
        "1.3",
        "More exports by the Central Baltic companies to new markets",
    )
    ip = parse_parenthesised_code("(03d) supporting the capacity of SMEs to grow")
    assert (ip.code, ip.label) == ("03d", "supporting the capacity of SMEs to grow")
    to = parse_parenthesised_code("(03) enhancing the competitiveness of SMEs by:")
    assert (to.code, to.label) == ("03", "enhancing the competitiveness of SMEs")


def test_numbers_in_result_statements():
    assert leading_quantity("163 unique companies was supported") == (Decimal(163), None)
    assert leading_quantity("10 consortias was formed") == (Decimal(10), None)
    assert leading_quantity("3-4 sales agreements reached") == (Decimal(3), Decimal(4))
    assert leading_quantity("Project contributes to the indicator") is None


def test_programme_title_gives_short_name_and_period():
    short, full, period = parse_programme_title(
        "2014 - 2020 INTERREG V-A Finland - Estonia - Latvia - Sweden (Central Baltic)"
    )
    assert (short, period) == ("Central Baltic", (2014, 2020))
    assert full.startswith("2014 - 2020 INTERREG V-A")
