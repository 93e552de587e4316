"""The field office file: every place a caller can be in maps to the right ICE ERO office."""

from __future__ import annotations

from pathlib import Path

import pytest
import zipcodes

from ivr.field_offices import (
    COVERED_STATES,
    STATE_NAMES,
    FieldOfficeError,
    FieldOffices,
    county_key,
)

FIELD_OFFICES_FILE = Path(__file__).resolve().parent.parent / "schedules" / "field_offices.toml"


@pytest.fixture(scope="module")
def offices() -> FieldOffices:
    return FieldOffices.load(FIELD_OFFICES_FILE)


def names(found: list) -> list[str]:
    return [office.name for office in found]


def write_broken(tmp_path: Path, old: str, new: str, count: int = 1) -> Path:
    text = FIELD_OFFICES_FILE.read_text(encoding="utf-8")
    assert old in text, f"test setup: {old!r} not in the shipped file"
    broken = tmp_path / "field_offices.toml"
    broken.write_text(text.replace(old, new, count), encoding="utf-8")
    return broken


def line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not found")


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
        ("Texas", "pt", "TX"),  # a language without names yet falls back to English
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
        ("NC", "pt", "North Carolina"),
        ("nc", "es-US", "Carolina del Norte"),
    ],
)
def test_state_name_in_the_callers_language(
    offices: FieldOffices, state: str, language: str, name: str
) -> None:
    assert offices.state_name(state, language) == name


def test_every_state_has_a_name_in_english_and_spanish() -> None:
    assert set(STATE_NAMES["en"]) == set(STATE_NAMES["es"]) == COVERED_STATES
    assert len(COVERED_STATES) == 55  # 50 states, DC, PR, VI, GU, MP


def test_state_name_of_an_unknown_code_is_an_error(offices: FieldOffices) -> None:
    with pytest.raises(ValueError, match="ZZ"):
        offices.state_name("ZZ", "en")


# --- a broken file gives a clear error -----------------------------------------------------------


def test_missing_file_error_names_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.toml"
    with pytest.raises(FieldOfficeError, match="nowhere.toml") as caught:
        FieldOffices.load(missing)
    assert caught.value.path == missing


def test_toml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    broken = write_broken(tmp_path, 'name = "Denver"', 'name = "Denver')
    with pytest.raises(FieldOfficeError) as caught:
        FieldOffices.load(broken)
    assert str(broken) in str(caught.value)
    assert caught.value.line == line_of(broken, 'name = "Denver')
    assert "Fix:" in str(caught.value)


def test_malformed_phone_error_points_at_the_phone_line(tmp_path: Path) -> None:
    broken = write_broken(tmp_path, '"+17208732899"', '"(720) 873-2899"')
    with pytest.raises(FieldOfficeError, match=r"\+1") as caught:
        FieldOffices.load(broken)
    assert caught.value.line == line_of(broken, "(720) 873-2899")
    assert str(broken) in str(caught.value)


def test_missing_office_is_reported(tmp_path: Path) -> None:
    text = FIELD_OFFICES_FILE.read_text(encoding="utf-8")
    start = text.index('[[office]]\nname = "Phoenix"')
    end = text.index("[[office]]", start + 1)
    broken = tmp_path / "field_offices.toml"
    broken.write_text(text[:start] + text[end:], encoding="utf-8")
    with pytest.raises(FieldOfficeError, match="24 offices found, 25 expected"):
        FieldOffices.load(broken)


def test_state_covered_by_no_office_is_reported(tmp_path: Path) -> None:
    broken = write_broken(tmp_path, 'states = ["AZ"]', 'states = ["OK"]')
    # Phoenix now shares OK with Dallas but lists none of its counties.
    with pytest.raises(FieldOfficeError, match="AZ"):
        FieldOffices.load(broken)


def test_unknown_state_code_is_reported(tmp_path: Path) -> None:
    broken = write_broken(tmp_path, 'states = ["AZ"]', 'states = ["Arizona"]')
    with pytest.raises(FieldOfficeError, match="unknown state code 'Arizona'") as caught:
        FieldOffices.load(broken)
    assert caught.value.line == line_of(broken, '"Arizona"')


def test_county_under_two_offices_is_reported(tmp_path: Path) -> None:
    broken = write_broken(tmp_path, '"Imperial", "San Diego",', '"Imperial", "San Diego", "Kern",')
    with pytest.raises(FieldOfficeError, match="Kern.*both"):
        FieldOffices.load(broken)


def test_county_covered_by_no_office_is_reported(tmp_path: Path) -> None:
    broken = write_broken(tmp_path, '"Imperial", "San Diego",', '"San Diego",')
    with pytest.raises(FieldOfficeError, match="1 CA counties are covered by no office: Imperial"):
        FieldOffices.load(broken)


def test_misspelt_county_gets_a_suggestion(tmp_path: Path) -> None:
    broken = write_broken(tmp_path, '"Imperial", "San Diego",', '"Imperial", "San Deigo",')
    with pytest.raises(FieldOfficeError, match='did you mean "San Diego"') as caught:
        FieldOffices.load(broken)
    assert caught.value.line == line_of(broken, "San Deigo")


def test_unknown_key_is_reported_with_its_line(tmp_path: Path) -> None:
    broken = write_broken(
        tmp_path,
        'name = "Phoenix"\nphone = "+16022575900"\nphone_verified',
        'name = "Phoenix"\nphone = "+16022575900"\nphone_verifed',
    )
    with pytest.raises(FieldOfficeError, match="phone_verifed") as caught:
        FieldOffices.load(broken)
    assert caught.value.line == line_of(broken, "phone_verifed")


def test_county_spellings_compare_equal() -> None:
    assert county_key("St. Lawrence County") == county_key("St Lawrence")
    assert county_key("De Witt County") == county_key("DeWitt")
    assert county_key("Mclennan County") == county_key("McLennan")
