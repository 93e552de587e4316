"""Read and check the field office file, schedules/field_offices.toml, naming the line and the fix."""

from __future__ import annotations

import difflib
import re
from pathlib import Path

from ivr.rules.data_files import FieldOfficeError, read_toml
from ivr.rules.field_offices import FieldOffice, FieldOffices
from ivr.rules.place_names_file import check_office_names, load_place_names
from ivr.rules.places import COVERED_STATES, county_key, shipped_place_names
from ivr.rules.zip_codes import shipped_zip_codes

# ICE has had 25 field offices for years; a different count almost certainly means a pasting
# mistake, so the check is strict and the error tells an administrator where to change it.
EXPECTED_OFFICE_COUNT = 25

_OFFICE_KEYS = frozenset({"name", "phone", "phone_verified", "states", "counties"})
# North American numbering plan: area code and exchange never start with 0 or 1.
_PHONE = re.compile(r"\+1[2-9]\d{2}[2-9]\d{6}")


def load_field_offices(path: Path, place_names: Path | None = None) -> FieldOffices:
    """Read and validate the field office file and the place names it is checked against."""
    text, data = read_toml(
        path,
        FieldOfficeError,
        "check that the file exists and the path configured for field offices is right",
        "correct the syntax there; strings need double quotes and lists square brackets",
    )
    lines = _Lines(text)
    unknown = set(data) - {"office"}
    if unknown:
        raise FieldOfficeError(
            path,
            None,
            f"unexpected top-level key(s) {sorted(unknown)}",
            "each office starts with a [[office]] line; remove or rename the key",
        )
    raw_offices = data.get("office")
    if not isinstance(raw_offices, list) or not raw_offices:
        raise FieldOfficeError(
            path,
            None,
            "no [[office]] entries found",
            "describe each field office in its own [[office]] section",
        )

    offices: list[FieldOffice] = []
    county_lists: list[dict[str, list[str]]] = []
    for index, raw in enumerate(raw_offices):
        office, counties = _parse_office(raw, index, path, lines)
        if any(office.name == other.name for other in offices):
            raise FieldOfficeError(
                path,
                lines.office(index),
                f'office "{office.name}" appears twice',
                "remove the duplicate [[office]] section",
            )
        offices.append(office)
        county_lists.append(counties)

    if len(offices) != EXPECTED_OFFICE_COUNT:
        raise FieldOfficeError(
            path,
            None,
            f"{len(offices)} offices found, {EXPECTED_OFFICE_COUNT} expected",
            "restore the missing [[office]] section or remove the extra one (if ICE really "
            "changed its number of offices, change EXPECTED_OFFICE_COUNT in "
            "ivr/rules/offices_file.py)",
        )

    by_county = _check_coverage(offices, county_lists, path, lines)
    names = load_place_names(place_names) if place_names is not None else shipped_place_names()
    check_office_names(names, (office.name for office in offices), path)
    return FieldOffices(offices, by_county, names)


class _Lines:
    """Find the line of an office or of a value in the file, so errors can point at it."""

    def __init__(self, text: str) -> None:
        self._lines = text.splitlines()
        self._office_starts = [
            number
            for number, line in enumerate(self._lines, start=1)
            if re.match(r"\s*\[\[\s*office\s*\]\]", line)
        ]

    def office(self, index: int) -> int | None:
        return self._office_starts[index] if index < len(self._office_starts) else None

    def within_office(self, index: int, pattern: str) -> int | None:
        """Return the first line of office `index` matching `pattern`, else the office's line."""
        start = self.office(index)
        if start is None:
            return None
        end = self.office(index + 1) or len(self._lines) + 1
        for number in range(start, end):
            if re.search(pattern, self._lines[number - 1]):
                return number
        return start


def _parse_office(
    raw: object, index: int, path: Path, lines: _Lines
) -> tuple[FieldOffice, dict[str, list[str]]]:
    """Validate one [[office]] section on its own, before the offices are checked together."""
    line = lines.office(index)
    if not isinstance(raw, dict):
        raise FieldOfficeError(path, line, "an office entry is not a table", "use [[office]]")
    unknown = sorted(set(raw) - _OFFICE_KEYS)
    if unknown:
        raise FieldOfficeError(
            path,
            lines.within_office(index, rf"^\s*{re.escape(unknown[0])}\b"),
            f"unknown key {unknown[0]!r}",
            f"correct its spelling or remove it (allowed keys: {', '.join(sorted(_OFFICE_KEYS))})",
        )

    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise FieldOfficeError(path, line, "an office has no name", 'add a line such as name = "Atlanta"')

    phone = raw.get("phone")
    if phone is not None and (not isinstance(phone, str) or not _PHONE.fullmatch(phone)):
        raise FieldOfficeError(
            path,
            lines.within_office(index, r"^\s*phone\s*="),
            f"office {name!r} has phone {phone!r}, which is not a U.S. number in E.164 form",
            'write it as "+1" and 10 digits, e.g. "+14048931290", or remove the line if unknown',
        )

    verified = raw.get("phone_verified", False)
    if not isinstance(verified, bool):
        raise FieldOfficeError(
            path,
            lines.within_office(index, r"^\s*phone_verified"),
            f"office {name!r} has phone_verified = {verified!r}",
            "write phone_verified = true or phone_verified = false (no quotes)",
        )

    states = raw.get("states")
    states_line = lines.within_office(index, r"^\s*states\s*=")
    if not isinstance(states, list) or not states or not all(isinstance(s, str) for s in states):
        raise FieldOfficeError(
            path,
            states_line,
            f"office {name!r} has no list of states",
            'add a line such as states = ["GA", "NC"]',
        )
    for state in states:
        if state not in COVERED_STATES:
            raise FieldOfficeError(
                path,
                states_line,
                f"office {name!r} lists unknown state code {state!r}",
                "use 2-letter upper-case postal codes (the 50 states, DC, PR, VI, GU, MP)",
            )
    if len(set(states)) != len(states):
        raise FieldOfficeError(path, states_line, f"office {name!r} lists a state twice", "remove the repeat")

    counties = raw.get("counties", {})
    if not isinstance(counties, dict):
        raise FieldOfficeError(
            path,
            lines.within_office(index, r"^\s*counties"),
            f"office {name!r} has counties that are not a table",
            'write them under [office.counties] as e.g. CA = ["San Diego", "Imperial"]',
        )
    for state, names in counties.items():
        state_line = lines.within_office(index, rf"^\s*{re.escape(state)}\s*=")
        if state not in states:
            raise FieldOfficeError(
                path,
                state_line,
                f"office {name!r} lists counties of {state}, which is not among its states",
                f'add "{state}" to its states or remove the county list',
            )
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names) or not names:
            raise FieldOfficeError(
                path,
                state_line,
                f"office {name!r} has an empty or malformed {state} county list",
                'list county names in quotes, e.g. ["San Diego", "Imperial"]',
            )

    office = FieldOffice(name=name.strip(), phone=phone, phone_verified=verified, states=tuple(states))
    return office, counties


def _check_coverage(
    offices: list[FieldOffice],
    county_lists: list[dict[str, list[str]]],
    path: Path,
    lines: _Lines,
) -> dict[tuple[str, str], FieldOffice]:
    """Check every state is covered once, and every county of a split state once."""
    holders: dict[str, list[int]] = {}
    for index, office in enumerate(offices):
        for state in office.states:
            holders.setdefault(state, []).append(index)

    missing = sorted(COVERED_STATES - set(holders))
    if missing:
        raise FieldOfficeError(
            path,
            None,
            f"no office covers {', '.join(missing)}",
            "add each code to the states of the office that covers it",
        )

    by_county: dict[tuple[str, str], FieldOffice] = {}
    for state, indexes in sorted(holders.items()):
        if len(indexes) == 1:
            index = indexes[0]
            if state in county_lists[index]:
                raise FieldOfficeError(
                    path,
                    lines.within_office(index, rf"^\s*{state}\s*="),
                    f"office {offices[index].name!r} lists counties of {state}, "
                    f"but no other office shares {state}",
                    "remove the county list: the office covers the whole state",
                )
            continue

        known = shipped_zip_codes().counties(state)
        for index in indexes:
            office = offices[index]
            if state not in county_lists[index]:
                others = ", ".join(offices[i].name for i in indexes if i != index)
                raise FieldOfficeError(
                    path,
                    lines.office(index),
                    f"{state} is shared by {office.name!r} and {others}, "
                    f"but {office.name!r} lists none of its counties",
                    f"add under [office.counties] a line {state} = [...] with the counties "
                    f"{office.name!r} covers, or remove {state} from its states",
                )
            for county in county_lists[index][state]:
                key = county_key(county)
                line = lines.within_office(index, re.escape(f'"{county}"'))
                if key not in known:
                    close = difflib.get_close_matches(county, known.values(), n=1)
                    hint = f'did you mean "{close[0]}"?' if close else "check the spelling"
                    raise FieldOfficeError(
                        path,
                        line,
                        f"{county!r} is not a county of {state} in the ZIP data",
                        f"{hint} (names without the word County)",
                    )
                holder = by_county.get((state, key))
                if holder is not None:
                    raise FieldOfficeError(
                        path,
                        line,
                        f"{state} county {county!r} is listed under both {holder.name!r} and {office.name!r}",
                        "keep it under exactly one office",
                    )
                by_county[(state, key)] = office

        uncovered = sorted(name for key, name in known.items() if (state, key) not in by_county)
        if uncovered:
            shown = ", ".join(uncovered[:10]) + (" ..." if len(uncovered) > 10 else "")
            raise FieldOfficeError(
                path,
                None,
                f"{len(uncovered)} {state} counties are covered by no office: {shown}",
                f"add each to the {state} county list of exactly one office",
            )
    return by_county
