"""Organisation name rules: what makes two spellings one organisation, and what does not."""

from collections import defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cblod.ingest.identity import ORGANISATION_MATCH, Identity, OrganisationEntry, _candidates
from cblod.records.model import Organisation, Text
from cblod.records.names import name_key, name_tokens, similarity, split_acronym, split_name
from cblod.records.places import country, region


def org(name: str, iso2: str | None = None) -> Organisation:
    return Organisation(names=[Text(name)], country=country(iso2) if iso2 else None)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Turku Science Park Oy Ab", "Turku Science Park Ltd"),
        ("Västerås Science Park AB", "Vasteras Science Park"),
        ("Posintra Oy", "POSINTRA LTD"),
    ],
)
def test_legal_forms_and_diacritics_do_not_separate_names(a, b):
    assert name_key(a) == name_key(b)


@pytest.mark.parametrize(
    ("first", "second", "iso2"),
    [
        ("Sihtasutus Tallinna Teaduspark Tehnopol", "Tallinn Science Park Tehnopol", "EE"),
        ("Tallinn Science Park Tehnopol", "Sihtasutus Tallinna Teaduspark Tehnopol", "EE"),
        ("Turku Science Park Oy Ab", "Turku Science Park Ltd", "FI"),
        ("Oulun yliopisto", "Oulu University", "FI"),
    ],
)
def test_translations_and_inflections_merge_in_either_order(first, second, iso2):
    identity = Identity("http://example.org/")
    assert identity.organisation(org(first, iso2)) == identity.organisation(org(second, iso2))


@pytest.mark.parametrize(
    ("first", "second", "iso2a", "iso2b"),
    [
        ("Tallinn University", "Tallinn University of Technology", "EE", "EE"),
        ("Turku Science Park", "Tampere Science Park", "FI", "FI"),
        ("Science Park Ltd", "Science Park AB", "FI", "SE"),
        ("Baltic Development Forum", "Baltic Development Forum", "DK", "LV"),
    ],
)
def test_different_organisations_stay_apart(first, second, iso2a, iso2b):
    identity = Identity("http://example.org/")
    assert identity.organisation(org(first, iso2a)) != identity.organisation(org(second, iso2b))


def test_registered_names_survive_a_new_identity_session():
    first = Identity("http://example.org/")
    iri = first.organisation(org("Turku Science Park Oy Ab", "FI"))
    later = Identity("http://example.org/", dict(first.registered))
    assert later.organisation(org("Turku Science Park Ltd", "FI")) == iri


def test_acronyms_and_former_names():
    assert split_acronym("Agency for Science, Innovation and Technology (MITA)") == (
        "Agency for Science, Innovation and Technology",
        "MITA",
    )
    assert split_acronym("SISP Swedish Incubators & Science Parks")[1] == "SISP"
    assert split_acronym("ABB Robotics")[1] is None
    split = split_name(
        "SPRI - Basque Business Development Agency "
        "(until 12/11/2018, SPRI - Society for Competitive Transformation S.A’)"
    )
    assert split.name == "SPRI - Basque Business Development Agency"
    assert split.acronym == "SPRI"
    assert split.former_name == "SPRI - Society for Competitive Transformation S.A"


def test_swedish_county_names_map_to_nuts3():
    assert region("Västmanland").code == "SE125"
    assert region("Jämtland-Härjedalen").code == "SE322"
    assert region("Skåne län").code == "SE224"
    misspelt = region("Bleking", country_iso2="SE")
    assert (misspelt.code, misspelt.approximate) == ("SE221", True)


def test_countries_from_codes_names_and_jems_strings():
    assert country("SE").iso3 == "SWE"
    assert country("Estonia").iso3 == "EST"
    assert country("Suomi/Finland (FI)").iso3 == "FIN"
    assert country("Sverige").iso3 == "SWE"


def test_nuts_table_covers_the_baltic_sea_region():
    assert region("Kauno apskritis").code == "LT022"
    assert region("Lappi").code == "FI1D7"
    assert region("Åland").code == "FI200"
    assert region("Nordjylland").code == "DK050"
    assert region("Pierīga").code == "LV007"
    assert region("Põhja-Eesti").code == "EE001"


WORDS = [
    "tallinn",
    "tallinna",
    "oulu",
    "oulun",
    "science",
    "park",
    "university",
    "city",
    "oy",
    "ab",
    "turku",
    "region",
]


@settings(max_examples=200, deadline=None)
@given(
    registered=st.lists(st.lists(st.sampled_from(WORDS), min_size=1, max_size=4), max_size=30),
    asked=st.lists(st.sampled_from(WORDS), min_size=1, max_size=5),
)
def test_looking_up_only_the_rarest_stems_misses_no_match(registered, asked):
    """Every registered name that scores ``ORGANISATION_MATCH`` or more against a new one
    is among the candidates the stem index gives (which looks up only the rarest stems)."""
    index: dict = defaultdict(list)
    entries = [
        OrganisationEntry(f"x:{n}", "FIN", tuple(words)) for n, words in enumerate(registered)
    ]
    for entry in entries:
        for stem in {token[:4] for token in entry.tokens}:
            index[stem].append(entry)
    tokens = tuple(asked)
    found = {e.iri for e in _candidates(index, tokens)}
    matching = {e.iri for e in entries if similarity(tokens, e.tokens) >= ORGANISATION_MATCH}
    assert matching <= found


def test_names_sharing_common_words_are_compared_with_a_bounded_few():
    """Organisations whose names share two words ("Generated Organisation 000123": real
    names share words by the thousand, every "Comune di ...", "University of ..."): a new
    one is scored against the names sharing its rarest word, as many at 20 000 as at 2 000,
    and still merges with its own spelling."""

    def registered(count: int) -> Identity:
        identity = Identity("http://x/")
        for n in range(count):
            identity.organisation(org(f"Generated Organisation {n:06d}", "FI"))
        return identity

    def scored(identity: Identity, name: str) -> int:
        return len(_candidates(identity._orgs_by_token, name_tokens(name)))

    small, large = registered(2_000), registered(20_000)
    asked = "Generated Organisation 001234 Oy"
    assert scored(small, asked) == scored(large, asked) <= 100
    assert large.organisation(org(asked, "FI")) == large.organisation(
        org("Generated Organisation 001234", "FI")
    )
