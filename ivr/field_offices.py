"""ICE ERO field offices and the states, counties and ZIP codes each one covers."""

from __future__ import annotations

import difflib
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import zipcodes

# ICE has had 25 field offices for years; a different count almost certainly means a pasting
# mistake, so the check is strict and the error tells an administrator where to change it.
EXPECTED_OFFICE_COUNT = 25

# Names as the caller hears them. A language is added by adding its table (and aliases below);
# a missing language falls back to English.
STATE_NAMES: dict[str, dict[str, str]] = {
    "en": {
        "AL": "Alabama",
        "AK": "Alaska",
        "AZ": "Arizona",
        "AR": "Arkansas",
        "CA": "California",
        "CO": "Colorado",
        "CT": "Connecticut",
        "DE": "Delaware",
        "DC": "District of Columbia",
        "FL": "Florida",
        "GA": "Georgia",
        "HI": "Hawaii",
        "ID": "Idaho",
        "IL": "Illinois",
        "IN": "Indiana",
        "IA": "Iowa",
        "KS": "Kansas",
        "KY": "Kentucky",
        "LA": "Louisiana",
        "ME": "Maine",
        "MD": "Maryland",
        "MA": "Massachusetts",
        "MI": "Michigan",
        "MN": "Minnesota",
        "MS": "Mississippi",
        "MO": "Missouri",
        "MT": "Montana",
        "NE": "Nebraska",
        "NV": "Nevada",
        "NH": "New Hampshire",
        "NJ": "New Jersey",
        "NM": "New Mexico",
        "NY": "New York",
        "NC": "North Carolina",
        "ND": "North Dakota",
        "OH": "Ohio",
        "OK": "Oklahoma",
        "OR": "Oregon",
        "PA": "Pennsylvania",
        "RI": "Rhode Island",
        "SC": "South Carolina",
        "SD": "South Dakota",
        "TN": "Tennessee",
        "TX": "Texas",
        "UT": "Utah",
        "VT": "Vermont",
        "VA": "Virginia",
        "WA": "Washington",
        "WV": "West Virginia",
        "WI": "Wisconsin",
        "WY": "Wyoming",
        "PR": "Puerto Rico",
        "VI": "U.S. Virgin Islands",
        "GU": "Guam",
        "MP": "Northern Mariana Islands",
    },
    "es": {
        "AL": "Alabama",
        "AK": "Alaska",
        "AZ": "Arizona",
        "AR": "Arkansas",
        "CA": "California",
        "CO": "Colorado",
        "CT": "Connecticut",
        "DE": "Delaware",
        "DC": "Distrito de Columbia",
        "FL": "Florida",
        "GA": "Georgia",
        "HI": "Hawái",
        "ID": "Idaho",
        "IL": "Illinois",
        "IN": "Indiana",
        "IA": "Iowa",
        "KS": "Kansas",
        "KY": "Kentucky",
        "LA": "Luisiana",
        "ME": "Maine",
        "MD": "Maryland",
        "MA": "Massachusetts",
        "MI": "Míchigan",
        "MN": "Minnesota",
        "MS": "Misisipi",
        "MO": "Misuri",
        "MT": "Montana",
        "NE": "Nebraska",
        "NV": "Nevada",
        "NH": "Nuevo Hampshire",
        "NJ": "Nueva Jersey",
        "NM": "Nuevo México",
        "NY": "Nueva York",
        "NC": "Carolina del Norte",
        "ND": "Dakota del Norte",
        "OH": "Ohio",
        "OK": "Oklahoma",
        "OR": "Oregón",
        "PA": "Pensilvania",
        "RI": "Rhode Island",
        "SC": "Carolina del Sur",
        "SD": "Dakota del Sur",
        "TN": "Tennessee",
        "TX": "Texas",
        "UT": "Utah",
        "VT": "Vermont",
        "VA": "Virginia",
        "WA": "Washington",
        "WV": "Virginia Occidental",
        "WI": "Wisconsin",
        "WY": "Wyoming",
        "PR": "Puerto Rico",
        "VI": "Islas Vírgenes de los Estados Unidos",
        "GU": "Guam",
        "MP": "Islas Marianas del Norte",
    },
}

# Other words callers and speech recognisers use for a place, written already normalised
# (lowercase, no accents, no punctuation). Longer phrases win over shorter ones they contain.
STATE_SPEECH_ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "DC": ("washington dc", "dc", "the district"),
        "NY": ("new york city", "nyc"),
        "VI": ("virgin islands", "us virgin islands", "st thomas", "st croix"),
        "MP": ("northern marianas", "mariana islands", "saipan", "cnmi"),
        "HI": ("hawai",),
        "PR": ("porto rico",),
    },
    "es": {
        "DC": ("washington dc", "dc", "distrito de columbia"),
        "NY": ("ciudad de nueva york", "nueva york", "new york"),
        "TX": ("tejas",),
        "NH": ("nueva hampshire",),
        "NM": ("nuevo mejico", "nueva mexico"),
        "MS": ("misisipi", "mississippi"),
        "MO": ("misuri", "missouri"),
        "HI": ("hawai", "hawaii"),
        "PA": ("pensilvania", "pennsylvania"),
        "LA": ("luisiana", "louisiana"),
        "VI": ("islas virgenes", "islas virgenes americanas"),
        "MP": ("islas marianas", "marianas del norte", "saipan"),
        "OR": ("oregon",),
    },
}

COVERED_STATES: frozenset[str] = frozenset(STATE_NAMES["en"])

_KEYPAD: dict[str, str] = {
    letter: digit
    for digit, letters in {
        "2": "ABC",
        "3": "DEF",
        "4": "GHI",
        "5": "JKL",
        "6": "MNO",
        "7": "PQRS",
        "8": "TUV",
        "9": "WXYZ",
    }.items()
    for letter in letters
}

_OFFICE_KEYS = frozenset({"name", "phone", "phone_verified", "states", "counties"})
# North American numbering plan: area code and exchange never start with 0 or 1.
_PHONE = re.compile(r"\+1[2-9]\d{2}[2-9]\d{6}")


class FieldOfficeError(ValueError):
    """The field office file is missing or wrong; the message says where and how to fix it."""

    def __init__(self, path: Path, line: int | None, problem: str, fix: str) -> None:
        self.path = path
        self.line = line
        self.problem = problem
        self.fix = fix
        where = f"{path}, line {line}" if line is not None else str(path)
        super().__init__(f"{where}: {problem}. Fix: {fix}.")


@dataclass(frozen=True)
class FieldOffice:
    name: str
    phone: str | None
    phone_verified: bool
    states: tuple[str, ...]


def _fold(text: str) -> str:
    """Lowercase and strip accents from Latin letters, keeping marks other scripts need."""
    kept: list[str] = []
    for ch in unicodedata.normalize("NFKD", text.lower()):
        # Devanagari vowel signs are combining marks too: only marks on Latin letters are accents.
        if unicodedata.combining(ch) and kept and ord(kept[-1]) < 0x250:
            continue
        kept.append(ch)
    return "".join(kept)


def _speech_key(text: str) -> str:
    # Periods and apostrophes vanish ("D.C." -> "dc", "I'm" -> "im"); other punctuation splits.
    folded = re.sub(r"[.'’]", "", _fold(text))
    spaced = "".join(ch if unicodedata.category(ch)[0] in "LMN" else " " for ch in folded)
    return " ".join(spaced.split())


def county_key(county: str) -> str:
    """Return the form in which spellings of one county compare equal ("St. Lawrence County")."""
    key = _speech_key(county)
    key = re.sub(r" (county|parish)$", "", key)
    return key.replace(" ", "")


@cache
def _zip_counties(state: str) -> Mapping[str, str]:
    """Map county keys to display names for one state, from the ZIP data the line maps ZIPs with."""
    names: dict[str, str] = {}
    for entry in zipcodes.filter_by(state=state):
        if entry["county"]:
            names.setdefault(county_key(entry["county"]), entry["county"].removesuffix(" County"))
    return names


def _keypad_code(state: str) -> str:
    return "".join(_KEYPAD[letter] for letter in state)


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


class FieldOffices:
    """The validated set of field offices, answering "which office covers this caller?"."""

    def __init__(
        self,
        offices: Iterable[FieldOffice],
        counties: Mapping[tuple[str, str], FieldOffice],
    ) -> None:
        self._offices = tuple(offices)
        self._by_state: dict[str, list[FieldOffice]] = {}
        for office in self._offices:
            for state in office.states:
                self._by_state.setdefault(state, []).append(office)
        self._by_county = dict(counties)

    @property
    def offices(self) -> tuple[FieldOffice, ...]:
        return self._offices

    @classmethod
    def load(cls, path: Path) -> FieldOffices:
        """Read and validate the field office file, raising FieldOfficeError on any mistake."""
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise FieldOfficeError(
                path,
                None,
                f"cannot read the file ({exc.strerror})",
                "check that the file exists and the path configured for field offices is right",
            ) from exc
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            found = re.search(r"at line (\d+)", str(exc))
            raise FieldOfficeError(
                path,
                int(found.group(1)) if found else None,
                f"not valid TOML ({exc})",
                "correct the syntax there; strings need double quotes and lists square brackets",
            ) from exc
        return cls._from_data(data, path, _Lines(text))

    @classmethod
    def _from_data(cls, data: dict[str, Any], path: Path, lines: _Lines) -> FieldOffices:
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
                "ivr/field_offices.py)",
            )

        by_county = _check_coverage(offices, county_lists, path, lines)
        return cls(offices, by_county)

    def for_state(self, state: str) -> list[FieldOffice]:
        """Return the offices covering a state or territory, in file order; [] if none."""
        return list(self._by_state.get(state.strip().upper(), ()))

    def for_zip(self, zip_code: str) -> list[FieldOffice]:
        """Return the office covering a 5-digit ZIP code; [] for an unknown or uncovered ZIP.

        In a split state, a ZIP whose county the ZIP data does not know (some PO-box and
        single-business ZIPs) gets every office of the state, as if the caller gave only the state.
        """
        if not re.fullmatch(r"\d{5}", zip_code):
            return []
        matches = zipcodes.matching(zip_code)
        if not matches:
            return []
        state, county = matches[0]["state"], matches[0]["county"]
        offices = self._by_state.get(state, [])
        if len(offices) > 1:
            office = self._by_county.get((state, county_key(county))) if county else None
            if office is not None:
                return [office]
        return list(offices)

    def states_for_keypad(self, digits: str) -> list[str]:
        """Return the states whose 2-letter code is typed as these 2 digits, sorted."""
        if not re.fullmatch(r"[2-9]{2}", digits):
            return []
        return sorted(state for state in self._by_state if _keypad_code(state) == digits)

    def state_from_speech(self, text: str, language: str) -> str | None:
        """Return the one state or territory named in the words, or None if none or several."""
        spoken = f" {_speech_key(text)} "
        taken: list[tuple[int, int]] = []
        found: set[str] = set()
        for alias, state in _speech_aliases(_language_code(language)):
            for match in re.finditer(f"(?<= ){re.escape(alias)}(?= )", spoken):
                start, end = match.span()
                # "West Virginia" must not also count as "Virginia": longer aliases go first.
                if any(start < t_end and t_start < end for t_start, t_end in taken):
                    continue
                taken.append((start, end))
                found.add(state)
        found &= set(self._by_state)
        return found.pop() if len(found) == 1 else None

    def state_name(self, state: str, language: str) -> str:
        """Return the state's name in the language (English when the language has no names yet)."""
        code = state.strip().upper()
        if code not in COVERED_STATES:
            raise ValueError(f"unknown state or territory code {state!r}")
        names = STATE_NAMES.get(_language_code(language), STATE_NAMES["en"])
        return names.get(code, STATE_NAMES["en"][code])


def _language_code(language: str) -> str:
    return language.split("-")[0].strip().lower()


@cache
def _speech_aliases(language: str) -> tuple[tuple[str, str], ...]:
    """Every spoken form of every state for a language, longest first; English forms as fallback."""
    forms: dict[str, str] = {}
    # Callers often say place names in English whatever their language, so English is always in.
    for lang in dict.fromkeys((language, "en")):
        for state, name in STATE_NAMES.get(lang, {}).items():
            forms.setdefault(_speech_key(name), state)
        for state, aliases in STATE_SPEECH_ALIASES.get(lang, {}).items():
            for alias in aliases:
                forms.setdefault(_speech_key(alias), state)
    return tuple(sorted(forms.items(), key=lambda item: (-len(item[0]), item[0])))


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

        known = _zip_counties(state)
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
