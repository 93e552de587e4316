"""The shipped ZIP table says what the `zipcodes` package says, and web workers never load the package."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from ivr.rules.zip_codes import TABLE, ZipCodes, read_table, rows_from_package, write_table


def test_shipped_table_is_the_packages_data_row_for_row() -> None:
    # Fails after a zipcodes upgrade until `flask --app app ivr zip-table` writes the table again.
    assert list(read_table(TABLE)) == rows_from_package()


def test_writing_the_same_rows_again_makes_the_same_file(tmp_path: Path) -> None:
    copy = tmp_path / "zip_counties.tsv.gz"
    write_table(read_table(TABLE), copy)
    assert copy.read_bytes() == TABLE.read_bytes()


def test_a_zip_gives_its_state_and_county_and_a_state_its_counties() -> None:
    zips = ZipCodes(
        [("10001", "NY", "New York County"), ("10301", "NY", "Richmond County"), ("96799", "AS", "")]
    )
    assert zips.place("10001") == ("NY", "New York County")
    assert zips.place("96799") == ("AS", "")
    assert zips.place("00000") is None
    assert dict(zips.counties("NY")) == {"newyork": "New York", "richmond": "Richmond"}
    assert dict(zips.counties("AS")) == {}


def test_the_line_answers_a_zip_without_loading_the_zipcodes_package() -> None:
    program = (
        "import sys\n"
        "from ivr.rules.field_offices import FieldOffices\n"
        "offices = FieldOffices.load(__import__('pathlib').Path('schedules/field_offices.toml'))\n"
        "print(offices.for_zip('10001')[0].name)\n"
        "print('zipcodes' in sys.modules)\n"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(  # noqa: S603 - this interpreter, with a fixed script
        [sys.executable, "-c", program], cwd=root, capture_output=True, text=True, check=True
    )
    office, loaded = out.stdout.split("\n")[:2]
    assert office == "New York City"
    assert loaded == "False"
