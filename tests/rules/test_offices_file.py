"""A broken field office file stops the line with an error that names the file, the line and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr.rules.data_files import FieldOfficeError
from ivr.rules.field_offices import FieldOffices

FIELD_OFFICES_FILE = Path(__file__).resolve().parents[2] / "schedules" / "field_offices.toml"


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
