"""The field offices: every place a caller can be in maps to the right ICE ERO office."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import zipcodes

from ivr.rules.field_offices import FieldOffices
from ivr.rules.places import COVERED_STATES, PLACE_NAMES_FILE, county_key

ROOT = Path(__file__).resolve().parents[2]
FIELD_OFFICES_FILE = ROOT / "schedules" / "field_offices.toml"
VOICES = tomllib.loads((ROOT / "prompts" / "voices.toml").read_text(encoding="utf-8"))
LANGUAGES = sorted(VOICES)
HEARD_LANGUAGES = sorted(code for code, voice in VOICES.items() if "speech_language" in voice)
SPEECH_HINTS = tomllib.loads((ROOT / "prompts" / "speech_hints.toml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def offices() -> FieldOffices:
    return FieldOffices.load(FIELD_OFFICES_FILE)


def names(found: list) -> list[str]:
    return [office.name for office in found]


# --- the shipped file -------------------------------------------------------------------------


def test_shipped_file_has_the_25_offices(offices: FieldOffices) -> None:
    assert len(offices.offices) == 25
    assert len({office.name for office in offices.offices}) == 25


def test_every_phone_number_is_marked_unverified(offices: FieldOffices) -> None:
    assert all(office.phone_verified is False for office in offices.offices)


def test_offices_without_a_known_number_have_no_phone(offices: FieldOffices) -> None:
    without = {office.name for office in offices.offices if office.phone is None}
    assert without == {"Dallas", "New Orleans"}


def test_atlanta_phone_is_stored_in_e164(offices: FieldOffices) -> None:
    (atlanta,) = offices.for_state("GA")
    assert atlanta.phone == "+14048931290"


@pytest.mark.parametrize("state", sorted(COVERED_STATES))
def test_every_state_and_territory_resolves_to_an_office(offices: FieldOffices, state: str) -> None:
    assert offices.for_state(state)


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("CA", ["Los Angeles", "San Diego", "San Francisco"]),
        ("NY", ["Buffalo", "New York City"]),
        ("TX", ["Dallas", "El Paso", "Harlingen", "Houston", "San Antonio"]),
        ("GA", ["Atlanta"]),
        ("PR", ["Miami"]),
        ("VI", ["Miami"]),
        ("GU", ["San Francisco"]),
        ("MP", ["San Francisco"]),
        ("DC", ["Washington"]),
        ("OK", ["Dallas"]),
        ("NM", ["El Paso"]),
    ],
)
def test_state_lists_every_office_that_covers_it(
    offices: FieldOffices, state: str, expected: list[str]
) -> None:
    assert names(offices.for_state(state)) == expected


def test_state_code_is_case_insensitive_and_unknown_codes_find_nothing(
    offices: FieldOffices,
) -> None:
    assert names(offices.for_state("ga")) == ["Atlanta"]
    assert offices.for_state("ZZ") == []
    assert offices.for_state("AS") == []


@pytest.mark.parametrize(("state", "count"), [("CA", 58), ("NY", 62), ("TX", 254)])
def test_every_county_of_a_split_state_has_exactly_one_office(
    offices: FieldOffices, state: str, count: int
) -> None:
    counties = {county_key(entry["county"]) for entry in zipcodes.filter_by(state=state) if entry["county"]}
    assert len(counties) == count
    split = offices.for_state(state)
    for entry in zipcodes.filter_by(state=state):
        if entry["county"]:
            found = offices.for_zip(entry["zip_code"])
            assert len(found) == 1 and found[0] in split, entry["zip_code"]


# --- ZIP codes --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zip_code", "office"),
    [
        ("90012", "Los Angeles"),
        ("92101", "San Diego"),
        ("94103", "San Francisco"),
        ("10001", "New York City"),
        ("14202", "Buffalo"),
        ("11501", "New York City"),  # Nassau County, outside the five boroughs
        ("12601", "New York City"),  # Poughkeepsie, Dutchess County
        ("12207", "Buffalo"),  # Albany
        ("77002", "Houston"),
        ("75201", "Dallas"),
        ("79901", "El Paso"),
        ("78520", "Harlingen"),  # Brownsville
        ("78205", "San Antonio"),
        ("78701", "San Antonio"),  # Austin
        ("79401", "Dallas"),  # Lubbock
        ("30303", "Atlanta"),
        ("00901", "Miami"),  # San Juan, PR
        ("00802", "Miami"),  # St. Thomas, VI
        ("96910", "San Francisco"),  # Hagåtña, Guam
        ("96950", "San Francisco"),  # Saipan, CNMI
        ("20001", "Washington"),
        ("73102", "Dallas"),  # Oklahoma City
        ("87102", "El Paso"),  # Albuquerque
    ],
)
def test_zip_code_maps_to_its_office(offices: FieldOffices, zip_code: str, office: str) -> None:
    assert names(offices.for_zip(zip_code)) == [office]


@pytest.mark.parametrize("zip_code", ["99999", "00000", "1234", "123456", "9O012", "", "96799"])
def test_unknown_malformed_or_uncovered_zip_finds_no_office(offices: FieldOffices, zip_code: str) -> None:
    assert offices.for_zip(zip_code) == []


def test_zip_in_a_split_state_without_a_county_offers_every_office_of_the_state(
    offices: FieldOffices,
) -> None:
    # 77352 (Livingston, TX) has no county in the ZIP data.
    assert names(offices.for_zip("77352")) == names(offices.for_state("TX"))


# --- keypad -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("digits", "states"),
    [
        ("22", ["CA"]),
        ("42", ["GA", "IA"]),
        ("69", ["NY"]),
        ("89", ["TX"]),
        ("32", ["DC"]),
        ("77", ["PR"]),
        ("84", ["VI"]),
        ("48", ["GU"]),
        ("67", ["MP", "MS", "OR"]),
        ("62", ["MA", "NC"]),
        ("88", ["UT", "VT"]),
        ("63", ["MD", "ME", "ND", "NE"]),
    ],
)
def test_keypad_code_finds_every_matching_state(
    offices: FieldOffices, digits: str, states: list[str]
) -> None:
    assert offices.states_for_keypad(digits) == states


@pytest.mark.parametrize("digits", ["11", "2", "222", "ab", "", "20", "*2"])
def test_keypad_code_that_spells_no_state_finds_nothing(offices: FieldOffices, digits: str) -> None:
    assert offices.states_for_keypad(digits) == []


def test_every_covered_state_can_be_typed_on_the_keypad(offices: FieldOffices) -> None:
    keypad = {
        "ABC": "2",
        "DEF": "3",
        "GHI": "4",
        "JKL": "5",
        "MNO": "6",
        "PQRS": "7",
        "TUV": "8",
        "WXYZ": "9",
    }
    digit_of = {letter: digit for letters, digit in keypad.items() for letter in letters}
    for state in COVERED_STATES:
        assert state in offices.states_for_keypad("".join(digit_of[c] for c in state))


# --- speech -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language", "state"),
    [
        ("California", "en", "CA"),
        ("I'm in New York", "en", "NY"),
        ("Texas", "en", "TX"),
        ("uh I'm in west virginia", "en", "WV"),
        ("Virginia", "en", "VA"),
        ("Arkansas", "en", "AR"),
        ("Kansas", "en", "KS"),
        ("Washington D.C.", "en", "DC"),
        ("washington state", "en", "WA"),
        ("the Virgin Islands", "en", "VI"),
        ("PUERTO RICO", "en", "PR"),
        ("Nueva York", "es", "NY"),
        ("Carolina del Norte", "es", "NC"),
        ("estoy en carolina del sur", "es", "SC"),
        ("Florida", "es", "FL"),
        ("Nuevo México", "es", "NM"),
        ("nuevo mexico", "es", "NM"),
        ("Pensilvania", "es", "PA"),
        ("Tejas", "es", "TX"),
        ("estoy en Georgia", "es-US", "GA"),
        ("New Jersey", "es", "NJ"),  # place names are often said in English
        ("Hawái", "es", "HI"),
        ("Islas Vírgenes", "es", "VI"),
        ("Texas", "de", "TX"),  # a language without names of its own falls back to English
        # Each language's own names, as a recogniser writes them.
        ("Калифорния", "ru", "CA"),
        ("я сейчас в Калифорнии", "ru", "CA"),  # Russian declines names
        ("в Северной Каролине", "ru", "NC"),
        ("в Западной Вирджинии", "ru", "WV"),
        ("в Нью-Йорке", "ru", "NY"),
        ("на Гавайях", "ru", "HI"),
        ("в Юте", "ru", "UT"),
        ("纽约", "zh", "NY"),
        ("我在加州。", "zh", "CA"),  # no spaces between Chinese words
        ("我住在加利福尼亚", "zh-CN", "CA"),  # without 州
        ("阿拉斯加州", "zh", "AK"),  # not also 加州
        ("西弗吉尼亚州", "zh", "WV"),
        ("华盛顿特区", "zh", "DC"),
        ("德州", "zh", "TX"),
        ("我在California", "zh", "CA"),
        ("تكساس", "ar", "TX"),
        ("أنا في ولاية كاليفورنيا", "ar", "CA"),
        ("بتكساس", "ar", "TX"),  # a preposition written onto the name
        ("اريزونا", "ar", "AZ"),  # without the hamza
        ("كارولاينا الشمالية", "ar", "NC"),
        ("واشنطن العاصمة", "ar", "DC"),
        ("फ्लोरिडा", "hi", "FL"),  # without the nukta of फ़्लोरिडा
        ("फ़्लोरिडा", "hi", "FL"),
        ("मैं न्यू यॉर्क में हूँ", "hi", "NY"),
        ("वेस्ट वर्जीनिया", "hi", "WV"),
        ("Nova York", "pt", "NY"),
        ("estou na Califórnia", "pt", "CA"),
        ("Carolina do Sul", "pt", "SC"),
        ("Géorgie", "fr", "GA"),
        ("je suis en Caroline du Nord", "fr", "NC"),
        ("j'habite dans l'Utah", "fr", "UT"),  # elision
        ("Virginie-Occidentale", "fr", "WV"),
        ("Nouveau-Mexique", "fr", "NM"),
        ("Bắc Carolina", "vi", "NC"),
        ("tôi ở Cali", "vi", "CA"),
        ("Đặc khu Columbia", "vi", "DC"),
        ("Kalifòni", "ht", "CA"),
        ("ਕੈਲੀਫ਼ੋਰਨੀਆ", "pa", "CA"),
    ],
)
def test_state_is_recognised_in_speech(offices: FieldOffices, text: str, language: str, state: str) -> None:
    assert offices.state_from_speech(text, language) == state


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("hello", "en"),
        ("", "en"),
        ("carolina", "es"),
        ("I was in Texas now I'm in Georgia", "en"),
        ("no sé", "es"),
        ("ютуб", "ru"),  # a short stem takes no consonant ending ("Юта")
        ("我不知道", "zh"),
        ("我在加州和德州", "zh"),
        ("مين بيتكلم", "ar"),  # مين is "who": Maine is ولاية مين
    ],
)
def test_speech_naming_no_state_or_several_gives_none(
    offices: FieldOffices, text: str, language: str
) -> None:
    assert offices.state_from_speech(text, language) is None


@pytest.mark.parametrize(
    ("state", "language", "name"),
    [
        ("NC", "en", "North Carolina"),
        ("NC", "es", "Carolina del Norte"),
        ("NY", "es", "Nueva York"),
        ("DC", "en", "District of Columbia"),
        ("MP", "es", "Islas Marianas del Norte"),
        ("NC", "pt", "Carolina do Norte"),
        ("nc", "es-US", "Carolina del Norte"),
        ("NC", "de", "North Carolina"),  # no names for the language: English
        ("CA", "ru", "Калифорния"),
        ("CA", "zh", "加利福尼亚州"),
        ("CA", "ar", "كاليفورنيا"),
        ("CA", "hi", "कैलिफ़ोर्निया"),
        ("CA", "fr", "Californie"),
        ("CA", "pt-BR", "Califórnia"),
        ("CA", "ht", "Kalifòni"),
        ("CA", "vi", "California"),
        ("CA", "pa", "ਕੈਲੀਫ਼ੋਰਨੀਆ"),
        ("NY", "zh", "纽约州"),
        ("GA", "fr", "Géorgie"),
    ],
)
def test_state_name_in_the_callers_language(
    offices: FieldOffices, state: str, language: str, name: str
) -> None:
    assert offices.state_name(state, language) == name


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_names_every_state_and_office(offices: FieldOffices, language: str) -> None:
    assert set(offices.names.states[language]) == COVERED_STATES
    if language != "en":
        assert set(offices.names.offices[language]) == {office.name for office in offices.offices}
    for state in COVERED_STATES:
        assert offices.state_name(state, language).strip()
    for office in offices.offices:
        assert offices.office_name(office, language).strip()


@pytest.mark.parametrize("language", ["zh", "pa", "hi", "ru", "ar"])
def test_languages_of_other_scripts_hear_no_latin_letters_in_names(
    offices: FieldOffices, language: str
) -> None:
    names = [offices.state_name(state, language) for state in COVERED_STATES]
    names += [offices.office_name(office, language) for office in offices.offices]
    assert [name for name in names if re.search("[A-Za-z]", name)] == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_state_name_is_recognised_in_its_own_language(offices: FieldOffices, language: str) -> None:
    for state in COVERED_STATES:
        assert offices.state_from_speech(offices.state_name(state, language), language) == state


@pytest.mark.parametrize(
    ("office", "language", "name"),
    [
        ("Los Angeles", "ru", "Лос-Анджелес"),
        ("Los Angeles", "zh", "洛杉矶"),
        ("Los Angeles", "ar", "لوس أنجلوس"),
        ("Los Angeles", "hi", "लॉस एंजेलिस"),
        ("Los Angeles", "es", "Los Ángeles"),
        ("New York City", "pt", "Nova York"),
        ("New York City", "fr", "New York"),
        ("New York City", "ht", "Nouyòk"),
        ("San Francisco", "zh", "旧金山"),
        ("St. Paul", "ru", "Сент-Пол"),
        ("Washington", "zh-CN", "华盛顿"),
        ("Philadelphia", "fr", "Philadelphie"),
        ("New Orleans", "vi", "New Orleans"),
        ("New York City", "en", "New York City"),
        ("New York City", "de", "New York City"),  # no names for the language: English
    ],
)
def test_office_name_in_the_callers_language(
    offices: FieldOffices, office: str, language: str, name: str
) -> None:
    (found,) = [o for o in offices.offices if o.name == office]
    assert offices.office_name(found, language) == name


@pytest.mark.parametrize("language", HEARD_LANGUAGES)
def test_every_heard_language_has_speech_hints_for_every_menu(language: str) -> None:
    for menu, by_language in SPEECH_HINTS.items():
        hints = by_language.get(language)
        assert hints and len(hints) < 15, (menu, language)
    assert SPEECH_HINTS["a_number_entry"][language] == ["$OOV_CLASS_DIGIT_SEQUENCE"]


@pytest.mark.parametrize("language", HEARD_LANGUAGES)
def test_field_office_menu_hints_are_state_names_the_line_recognises(
    offices: FieldOffices, language: str
) -> None:
    for hint in SPEECH_HINTS["field_office_menu"][language]:
        assert offices.state_from_speech(hint, language) is not None, (language, hint)


def test_state_name_of_an_unknown_code_is_an_error(offices: FieldOffices) -> None:
    with pytest.raises(ValueError, match="ZZ"):
        offices.state_name("ZZ", "en")


def test_the_shipped_place_names_are_those_the_offices_use(offices: FieldOffices) -> None:
    assert offices.names.path == PLACE_NAMES_FILE
    assert FieldOffices.load(FIELD_OFFICES_FILE, PLACE_NAMES_FILE).names.languages == tuple(
        offices.names.languages
    )
