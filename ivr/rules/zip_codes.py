"""Which state and county each ZIP code lies in: the `zipcodes` package's answer, kept compact.

Asked once, the package holds every ZIP code's city, coordinates, area codes and time zone in
memory: 37-42 MB in each web worker (measured with /proc's VmRSS), a quarter of the worker, for the
two fields the line reads. `zip_counties.tsv.gz` beside this module holds those two fields; it is
written from the package (`flask ivr zip-table`) and tests/rules/test_zip_codes.py fails when it
differs from the package, so the package stays the one source and web workers never load it.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from ivr.rules.places import county_key

TABLE = Path(__file__).with_name("zip_counties.tsv.gz")
# A ZIP code's row: the ZIP, its state or territory, its county ("" where the data has none).
Row = tuple[str, str, str]


class ZipCodes:
    """ZIP code -> (state, county); county -> its name as the ZIP data writes it, per state."""

    def __init__(self, rows: Iterable[Row]) -> None:
        # About 3,300 (state, county) pairs for 42,800 ZIP codes: each ZIP points at a shared pair.
        pairs: dict[tuple[str, str], tuple[str, str]] = {}
        self._places: dict[str, tuple[str, str]] = {}
        for zip_code, state, county in rows:
            self._places[zip_code] = pairs.setdefault((state, county), (state, county))
        self._counties: dict[str, dict[str, str]] = {}
        for state, county in pairs:
            if county:
                names = self._counties.setdefault(state, {})
                names.setdefault(county_key(county), county.removesuffix(" County"))

    def place(self, zip_code: str) -> tuple[str, str] | None:
        """Return (state, county) of a 5-digit ZIP code, county "" if unknown; None if no such ZIP."""
        return self._places.get(zip_code)

    def counties(self, state: str) -> Mapping[str, str]:
        """Map each county key of a state (places.county_key) to the county's name."""
        return self._counties.get(state, {})


@cache
def shipped_zip_codes() -> ZipCodes:
    """The table shipped beside this module, read once per process."""
    return ZipCodes(read_table(TABLE))


def read_table(path: Path) -> Iterator[Row]:
    """The table's rows, one at a time (a list of all of them would double a worker's peak)."""
    with gzip.open(path, "rt", encoding="utf-8") as table:
        for line in table:
            zip_code, state, county = line.rstrip("\n").split("\t")
            yield zip_code, state, county


def rows_from_package() -> list[Row]:
    """Every ZIP code of the `zipcodes` package as a row, sorted (loads its whole database)."""
    import zipcodes  # only here: the data behind it is what the table spares web workers

    # zipcodes' functions carry no annotations; this names the shape of the answer relied on.
    every_zip: Callable[[], list[dict[str, Any]]] = zipcodes.list_all
    return sorted((entry["zip_code"], entry["state"], entry["county"] or "") for entry in every_zip())


def write_table(rows: Iterable[Row], path: Path = TABLE) -> None:
    text = "".join(f"{zip_code}\t{state}\t{county}\n" for zip_code, state, county in rows)
    # mtime 0: the same rows always make the same file, so a rewrite shows no change in git.
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0) as table:
        table.write(text.encode("utf-8"))
