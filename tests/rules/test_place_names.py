"""The place names file: each state and office named in every language, and clear errors when it is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr.rules.data_files import FieldOfficeError, PlaceNameError
from ivr.rules.field_offices import FieldOffices
from ivr.rules.places import COVERED_STATES, PLACE_NAMES_FILE, PlaceNames, county_key, shipped_place_names

FIELD_OFFICES_FILE = Path(__file__).resolve().parents[2] / "schedules" / "field_offices.toml"


def line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not found")


def test_every_state_has_a_name_in_english_and_spanish() -> None:
    names = shipped_place_names()
    assert set(names.states["en"]) == set(names.states["es"]) == COVERED_STATES
    assert len(COVERED_STATES) == 55  # 50 states, DC, PR, VI, GU, MP


def test_county_spellings_compare_equal() -> None:
    assert county_key("St. Lawrence County") == county_key("St Lawrence")
    assert county_key("De Witt County") == county_key("DeWitt")
    assert county_key("Mclennan County") == county_key("McLennan")


# --- a broken place names file gives a clear error -----------------------------------------------


def write_broken_names(tmp_path: Path, old: str, new: str) -> Path:
    text = PLACE_NAMES_FILE.read_text(encoding="utf-8")
    assert old in text, f"test setup: {old!r} not in the shipped place names"
    broken = tmp_path / "place_names.toml"
    broken.write_text(text.replace(old, new, 1), encoding="utf-8")
    return broken


def test_state_missing_in_a_language_names_the_file_line_and_fix(tmp_path: Path) -> None:
    broken = write_broken_names(tmp_path, 'KY = "Кентукки"\n', "")
    with pytest.raises(PlaceNameError, match=r"\[states\.ru\] has no name for KY") as caught:
        PlaceNames.load(broken)
    assert caught.value.line == line_of(broken, "[states.ru]")
    assert str(broken) in str(caught.value)
    assert 'KY = "..."' in str(caught.value)


def test_unknown_state_code_in_place_names_points_at_its_line(tmp_path: Path) -> None:
    broken = write_broken_names(tmp_path, 'KY = "Кентукки"', 'KT = "Кентукки"')
    with pytest.raises(PlaceNameError, match="unknown state code 'KT'") as caught:
        PlaceNames.load(broken)
    assert caught.value.line == line_of(broken, 'KT = "Кентукки"')


def test_empty_name_points_at_its_line(tmp_path: Path) -> None:
    broken = write_broken_names(tmp_path, 'TX = "Техас"', 'TX = " "')
    with pytest.raises(PlaceNameError, match="TX is not a name") as caught:
        PlaceNames.load(broken)
    assert caught.value.line == line_of(broken, 'TX = " "')


def test_office_missing_in_a_language_is_reported(tmp_path: Path) -> None:
    broken = write_broken_names(tmp_path, '"Houston" = "休斯敦"\n', "")
    with pytest.raises(
        PlaceNameError, match=r"\[offices\.zh\] has no name for the office\(s\) Houston"
    ) as caught:
        FieldOffices.load(FIELD_OFFICES_FILE, broken)
    assert caught.value.line == line_of(broken, "[offices.zh]")
    assert '"Houston" = "..."' in str(caught.value)


def test_office_renamed_in_one_file_only_gets_a_suggestion(tmp_path: Path) -> None:
    broken = write_broken_names(tmp_path, '"St. Paul" = "Сент-Пол"', '"Saint Paul" = "Сент-Пол"')
    with pytest.raises(PlaceNameError, match='did you mean "St. Paul"') as caught:
        FieldOffices.load(FIELD_OFFICES_FILE, broken)
    assert caught.value.line == line_of(broken, '"Saint Paul" = "Сент-Пол"')


def test_language_with_states_but_no_offices_is_reported(tmp_path: Path) -> None:
    broken = write_broken_names(tmp_path, "[offices.vi]", "[unused_offices.vi]")
    with pytest.raises(PlaceNameError, match="unexpected section 'unused_offices'"):
        PlaceNames.load(broken)
    text = PLACE_NAMES_FILE.read_text(encoding="utf-8")
    start = text.index("[offices.vi]")
    end = text.index("[speech_aliases.vi]")
    broken.write_text(text[:start] + text[end:], encoding="utf-8")
    with pytest.raises(PlaceNameError, match=r"vi has state names but no \[offices\.vi\]") as caught:
        PlaceNames.load(broken)
    assert caught.value.line == line_of(broken, "[states.vi]")


def test_two_states_with_one_spoken_name_are_reported(tmp_path: Path) -> None:
    broken = write_broken_names(tmp_path, 'TX = ["德州", "得克萨斯州"]', 'TX = ["德州", "佛州"]')
    with pytest.raises(PlaceNameError, match="佛州.*FL") as caught:
        PlaceNames.load(broken)
    assert caught.value.line == line_of(broken, 'TX = ["德州", "佛州"]')


def test_place_names_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    broken = write_broken_names(tmp_path, 'CA = "Californie"', 'CA = "Californie')
    with pytest.raises(PlaceNameError) as caught:
        PlaceNames.load(broken)
    assert caught.value.line == line_of(broken, 'CA = "Californie')
    assert str(broken) in str(caught.value) and "Fix:" in str(caught.value)


def test_missing_place_names_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(FieldOfficeError, match="nowhere.toml"):
        FieldOffices.load(FIELD_OFFICES_FILE, tmp_path / "nowhere.toml")
