"""ICE ERO field offices, and which office covers a caller by state, ZIP code, keypad letters or speech."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from ivr.rules.places import COVERED_STATES, PlaceNames, county_key, shipped_place_names
from ivr.rules.zip_codes import shipped_zip_codes

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


@dataclass(frozen=True)
class FieldOffice:
    """One [[office]] of the field office file: its city, telephone and the states it covers."""

    name: str
    phone: str | None
    phone_verified: bool
    states: tuple[str, ...]


def _keypad_code(state: str) -> str:
    return "".join(_KEYPAD[letter] for letter in state)


class FieldOffices:
    """The validated set of field offices, answering "which office covers this caller?"."""

    def __init__(
        self,
        offices: Iterable[FieldOffice],
        counties: Mapping[tuple[str, str], FieldOffice],
        names: PlaceNames | None = None,
    ) -> None:
        self._offices = tuple(offices)
        self._by_state: dict[str, list[FieldOffice]] = {}
        for office in self._offices:
            for state in office.states:
                self._by_state.setdefault(state, []).append(office)
        self._by_county = dict(counties)
        self._names = names if names is not None else shipped_place_names()

    @property
    def offices(self) -> tuple[FieldOffice, ...]:
        return self._offices

    @property
    def names(self) -> PlaceNames:
        return self._names

    @classmethod
    def load(cls, path: Path, place_names: Path | None = None) -> FieldOffices:
        """Read and validate the field office file, raising FieldOfficeError on any mistake.

        The names of states and offices in each language come from `place_names` (by default the
        shipped schedules/place_names.toml), checked against the offices: PlaceNameError on a mistake.
        """
        # The reader builds FieldOffices, so it imports this module; importing it only when a file
        # is read keeps the rules free of the parser and the two modules free of an import cycle.
        from ivr.rules.offices_file import load_field_offices

        return load_field_offices(path, place_names)

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
        place = shipped_zip_codes().place(zip_code)
        if place is None:
            return []
        state, county = place
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
        """Return the one state or territory named in the words, or None if none or several.

        Names are those of the caller's language and English (callers often say a place in English
        whatever their language), as speech recognisers write them: Chinese characters without spaces,
        Devanagari, Arabic, Cyrillic (in any case ending), Latin with or without accents.
        """
        found = self._names.states_named(text, _language_code(language)) & set(self._by_state)
        return found.pop() if len(found) == 1 else None

    def state_name(self, state: str, language: str) -> str:
        """Return the state's name in the language (English when the language has no names yet)."""
        code = state.strip().upper()
        if code not in COVERED_STATES:
            raise ValueError(f"unknown state or territory code {state!r}")
        return self._names.state_name(code, _language_code(language))

    def office_name(self, office: FieldOffice | str, language: str) -> str:
        """Return the office's city as the language writes it (its English name when there is none)."""
        name = office.name if isinstance(office, FieldOffice) else office
        return self._names.office_name(name, _language_code(language))


def _language_code(language: str) -> str:
    return language.split("-")[0].strip().lower()
