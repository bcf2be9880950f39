"""Every identifier scheme: valid numbers read, invalid ones refused (format and check digit)."""

import pytest

from cblod.records.identifiers import (
    Identifier,
    InvalidIdentifier,
    read_identifiers,
    read_keep_eu_ids,
    read_pic,
)


@pytest.mark.parametrize(
    ("raw", "country", "expected"),
    [
        ("2876543-5", "FI", [("fi-ytunnus", "2876543-5")]),  # Y-tunnus, mod 11
        ("FI28765435", "FI", [("eu-vat", "FI28765435"), ("fi-ytunnus", "2876543-5")]),
        ("802512-5470", "SE", [("se-orgnr", "802512-5470")]),  # organisationsnummer, Luhn
        ("SE 802512-5470", "SE", [("se-orgnr", "802512-5470")]),  # country prefix typed in
        ("id-SE-SE 212000-1157", "SE", [("se-orgnr", "212000-1157")]),  # keep.eu's own form
        ("id-FI-FI 2876543-5", None, [("fi-ytunnus", "2876543-5")]),
        ("SE222000974601", "SE", [("eu-vat", "SE222000974601"), ("se-orgnr", "222000-9746")]),
        ("90045704", "EE", [("ee-registrikood", "90045704")]),  # registrikood, mod 11
        ("LV40008537129", "LV", [("eu-vat", "LV40008537129"), ("lv-regnr", "40008537129")]),
        ("40008537129", "LV", [("lv-regnr", "40008537129")]),
        ("13585628", "DK", [("dk-cvr", "13585628")]),  # CVR, mod 11
        ("DK13585628", "DK", [("eu-vat", "DK13585628"), ("dk-cvr", "13585628")]),
        ("110051834", "LT", [("lt-company-code", "110051834")]),  # juridinio asmens kodas, mod 11
        ("LT 302308327", "LT", [("lt-company-code", "302308327")]),
        ("211950810", "LT", [("lt-company-code", "211950810")]),  # check digit 0
        ("529900T8BM49AURSDO55", None, [("lei", "529900T8BM49AURSDO55")]),  # ISO 17442, mod 97-10
        ("892517634", None, [("eu-pic", "892517634")]),
        ("N/A", "EE", []),
        ("", "FI", []),
    ],
)
def test_valid_identifiers_are_read_with_what_they_imply(raw, country, expected):
    assert read_identifiers(raw, country=country) == [Identifier(s, v) for s, v in expected]


@pytest.mark.parametrize(
    ("raw", "country"),
    [
        ("2876543-6", "FI"),  # wrong check digit
        ("FI28765436", "FI"),
        ("802512-5471", "SE"),
        ("SE222000974602", "SE"),
        ("90045705", "EE"),
        ("LV40008537128", "LV"),
        ("13585627", "DK"),
        ("110051835", "LT"),  # wrong check digit: not taken for a PIC either
        ("529900T8BM49AURSDO56", None),
        ("12345", "SE"),  # no scheme has this shape
        ("FI-12", "FI"),
        ("id-SE-SE 212000-1158", "SE"),
    ],
)
def test_invalid_identifiers_are_refused(raw, country):
    with pytest.raises(InvalidIdentifier):
        read_identifiers(raw, country=country)


def test_a_vat_number_is_never_invented_from_a_national_id():
    assert read_identifiers("802512-5470", country="SE") == [Identifier("se-orgnr", "802512-5470")]


def test_keep_eu_id_strings_skip_the_description_and_report_bad_parts():
    found, problems = read_keep_eu_ids(
        "FI28765435 | 2876543-5 | Business ID (Y-tunnus) (EN)", country="FI"
    )
    assert found == [Identifier("eu-vat", "FI28765435"), Identifier("fi-ytunnus", "2876543-5")]
    assert problems == []
    found, problems = read_keep_eu_ids("SE 802512-5471 | Organisationsnummer (EN)", country="SE")
    assert found == [] and len(problems) == 1


def test_pic_is_nine_digits():
    assert read_pic("892517634") == Identifier("eu-pic", "892517634")
    assert read_pic("N/A") is None
    with pytest.raises(InvalidIdentifier):
        read_pic("89251763")


def test_registry_pages():
    assert (
        Identifier("fi-ytunnus", "2876543-5").page == "https://tietopalvelu.ytj.fi/yritys/2876543-5"
    )
    assert Identifier("ee-registrikood", "90045704").page.endswith("/90045704")
    assert Identifier("eu-vat", "FI28765435").page is None  # VIES has no stable public page
