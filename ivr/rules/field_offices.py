"""ICE ERO field offices, the states, counties and ZIP codes each covers, and their names in each language."""

from __future__ import annotations

import difflib
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import zipcodes

# ICE has had 25 field offices for years; a different count almost certainly means a pasting
# mistake, so the check is strict and the error tells an administrator where to change it.
EXPECTED_OFFICE_COUNT = 25

# The places the line covers: the 50 states, DC, and the territories ICE ERO serves. Their names in each
# language, and the field offices' names, are in schedules/place_names.toml.
COVERED_STATES: frozenset[str] = frozenset(
    """
    AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC
    ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR VI GU MP
    """.split()
)

PLACE_NAMES_FILE = Path(__file__).resolve().parents[2] / "schedules" / "place_names.toml"

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


def _read_toml(
    path: Path, error: type[FieldOfficeError], fix_unreadable: str, fix_syntax: str
) -> tuple[str, dict[str, Any]]:
    """Read a data file's text and TOML, or raise `error` naming the file, the line and the fix."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise error(path, None, f"cannot read the file ({exc.strerror})", fix_unreadable) from exc
    try:
        return text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"at line (\d+)", str(exc))
        line = int(found.group(1)) if found else None
        raise error(path, line, f"not valid TOML ({exc})", fix_syntax) from exc


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


# Marks a speech recogniser may or may not write: Arabic short vowels and hamza seats (so أ إ آ read as
# ا), tatweel, and the Devanagari and Gurmukhi nukta (फ़ and फ). Removed before comparing.
_OPTIONAL_MARKS = re.compile("[\u0640\u064b-\u065f\u0670\u093c\u0a3c]")
# Letters written either way by people and recognisers alike.
_SAME_LETTERS = str.maketrans({"ё": "е", "ى": "ي", "ة": "ه", "ॉ": "ा", "ऑ": "आ", "ँ": "ं", "đ": "d"})
# French elision: "l'Utah", "d'Alabama" are the article and the name.
_ELISION = re.compile(r"\b(qu|[cdjlmnst])['’]", re.IGNORECASE)
# Chinese and Japanese write no spaces between words: a name is found inside a run of characters.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_EDGE = re.compile(f"(?<=[{_CJK}])(?=[^{_CJK}\\s])|(?<=[^{_CJK}\\s])(?=[{_CJK}])")


def _speech_key(text: str, language: str = "") -> str:
    if language == "fr":
        text = _ELISION.sub(r"\1 ", text)
    folded = unicodedata.normalize("NFC", _OPTIONAL_MARKS.sub("", _fold(text))).translate(_SAME_LETTERS)
    # Periods and apostrophes vanish ("D.C." -> "dc", "I'm" -> "im"); other punctuation splits.
    folded = _CJK_EDGE.sub(" ", re.sub(r"[.'’]", "", folded))
    spaced = "".join(ch if unicodedata.category(ch)[0] in "LMN" else " " for ch in folded)
    return " ".join(spaced.split())


def _is_cjk(ch: str) -> bool:
    return re.match(f"[{_CJK}]", ch) is not None


# Russian declines names ("в Калифорнии", "в Техасе", "в Северной Каролине"): a Cyrillic word matches
# with its final vowels changed or an ending added.
_CYRILLIC_WORD = re.compile("[а-яё]+")
_CYRILLIC_ENDING = re.compile("[аеёиоуыэюяйь]{1,2}$")
# Arabic writes "and", "so", "in/with" and "to" onto the next word: وتكساس, بتكساس, لفلوريدا.
_ARABIC_PROCLITICS = "(?:[وف]?[بل]?)"


def _word_pattern(word: str) -> str:
    if not _CYRILLIC_WORD.fullmatch(word):
        return re.escape(word)
    stem = _CYRILLIC_ENDING.sub("", word)
    if len(stem) < 2:
        stem = word
    # A short stem takes only vowel endings, so "Юта" finds "в Юте" but not every word that starts "ют".
    return re.escape(stem) + ("[а-яё]{0,3}" if len(stem) >= 4 else "[аеёиоуыэюяйь]{0,3}")


def _form_pattern(form: str) -> re.Pattern[str]:
    """The regular expression that finds one spoken form inside a speech key padded with spaces."""
    body = " ".join(_word_pattern(word) for word in form.split(" "))
    if "\u0600" <= form[0] <= "\u06ff":
        body = _ARABIC_PROCLITICS + body
    left = "" if _is_cjk(form[0]) else "(?<= )"
    right = "" if _is_cjk(form[-1]) else "(?= )"
    return re.compile(left + body + right)


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


class PlaceNameError(FieldOfficeError):
    """The place names file is missing or wrong; the message says where and how to fix it."""


class _TableLines:
    """Find the line of a [table] or of a key inside it in a TOML file, so errors can point at it."""

    def __init__(self, text: str) -> None:
        self._tables: dict[str, int] = {}
        self._keys: dict[tuple[str, str], int] = {}
        table = ""
        for number, line in enumerate(text.splitlines(), start=1):
            header = re.match(r"\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$", line)
            if header:
                table = ".".join(part.strip().strip('"') for part in header.group(1).split("."))
                self._tables.setdefault(table, number)
                continue
            key = re.match(r'\s*(?:"([^"]*)"|([A-Za-z0-9_-]+))\s*=', line)
            if key:
                self._keys.setdefault((table, key.group(1) or key.group(2) or ""), number)

    def table(self, name: str) -> int | None:
        return self._tables.get(name)

    def key(self, table: str, key: str) -> int | None:
        return self._keys.get((table, key), self.table(table))


_PLACE_SECTIONS = ("states", "offices", "speech_aliases")
# A language name ends in 州 ("state") in Chinese; callers say the name with or without it.
_GENERIC_ENDINGS: dict[str, tuple[str, ...]] = {"zh": ("州",)}


@dataclass(frozen=True)
class PlaceNames:
    """State, territory and field office names per language, from schedules/place_names.toml."""

    path: Path
    states: Mapping[str, Mapping[str, str]]
    offices: Mapping[str, Mapping[str, str]]
    speech_aliases: Mapping[str, Mapping[str, tuple[str, ...]]]
    # Per language, each spoken form (as a speech key) of its names and aliases, to its state.
    spoken_forms: Mapping[str, Mapping[str, str]] = field(repr=False)
    lines: _TableLines = field(repr=False, compare=False)

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self.states)

    @classmethod
    def load(cls, path: Path) -> PlaceNames:
        """Read and check the place names file, raising PlaceNameError on any mistake."""
        text, data = _read_toml(
            path,
            PlaceNameError,
            "check that the place names file exists next to field_offices.toml",
            'correct the syntax there; names need double quotes, e.g. CA = "Californie"',
        )
        return cls._from_data(data, path, _TableLines(text))

    @classmethod
    def _from_data(cls, data: dict[str, Any], path: Path, lines: _TableLines) -> PlaceNames:
        unknown = sorted(set(data) - set(_PLACE_SECTIONS))
        if unknown:
            raise PlaceNameError(
                path,
                lines.table(unknown[0]) or lines.key("", unknown[0]),
                f"unexpected section {unknown[0]!r}",
                "tables are named [states.xx], [offices.xx] or [speech_aliases.xx], xx a language code",
            )
        sections: dict[str, dict[str, Any]] = {}
        for section in _PLACE_SECTIONS:
            raw = data.get(section, {})
            if not isinstance(raw, dict) or not all(isinstance(table, dict) for table in raw.values()):
                raise PlaceNameError(
                    path,
                    lines.table(section) or lines.key("", section),
                    f"{section} is not a set of [{section}.xx] tables",
                    f"write one table per language, e.g. [{section}.fr]",
                )
            for language in raw:
                if not re.fullmatch(r"[a-z]{2,3}", language):
                    raise PlaceNameError(
                        path,
                        lines.table(f"{section}.{language}"),
                        f"[{section}.{language}] is not named by a language code",
                        f"use the code of voices.toml in lower case, e.g. [{section}.fr]",
                    )
            sections[section] = raw

        if "en" not in sections["states"]:
            raise PlaceNameError(
                path, None, "there is no [states.en] table", "add the English names under [states.en]"
            )
        states = {
            language: _check_state_table(table, language, path, lines)
            for language, table in sections["states"].items()
        }

        offices: dict[str, dict[str, str]] = {}
        for language, table in sections["offices"].items():
            where = f"offices.{language}"
            if language == "en":
                raise PlaceNameError(
                    path,
                    lines.table(where),
                    "English office names belong in field_offices.toml, not in [offices.en]",
                    "remove the [offices.en] table and change an English name in field_offices.toml",
                )
            if language not in states:
                raise PlaceNameError(
                    path,
                    lines.table(where),
                    f"[{where}] has no [states.{language}] table beside it",
                    f"add [states.{language}] with the name of every state and territory, "
                    f"or remove [{where}]",
                )
            offices[language] = {
                office: _check_name(name, where, office, path, lines) for office, name in table.items()
            }
        for language in states:
            if language != "en" and language not in offices:
                raise PlaceNameError(
                    path,
                    lines.table(f"states.{language}"),
                    f"{language} has state names but no [offices.{language}] table",
                    f'add [offices.{language}] with a line per field office, e.g. "Atlanta" = "..."',
                )

        aliases: dict[str, dict[str, tuple[str, ...]]] = {}
        for language, table in sections["speech_aliases"].items():
            where = f"speech_aliases.{language}"
            if language not in states:
                raise PlaceNameError(
                    path,
                    lines.table(where),
                    f"[{where}] has no [states.{language}] table beside it",
                    f"add [states.{language}] or remove [{where}]",
                )
            aliases[language] = {}
            for state, words in table.items():
                _require_state_code(state, where, path, lines)
                if (
                    not isinstance(words, list)
                    or not words
                    or not all(isinstance(word, str) and _speech_key(word, language) for word in words)
                ):
                    raise PlaceNameError(
                        path,
                        lines.key(where, state),
                        f"[{where}] {state} is not a list of words",
                        f'write it as {state} = ["...", "..."]',
                    )
                aliases[language][state] = tuple(word.strip() for word in words)
        forms = {language: _spoken_forms(language, states, aliases, path, lines) for language in states}
        return cls(path, states, offices, aliases, forms, lines)

    def check_offices(self, office_names: Iterable[str], offices_path: Path) -> None:
        """Check every language names every office of the field office file, and no other."""
        expected = list(office_names)
        for language, table in self.offices.items():
            where = f"offices.{language}"
            for office in table:
                if office not in expected:
                    close = difflib.get_close_matches(office, expected, n=1)
                    hint = f'did you mean "{close[0]}"? ' if close else ""
                    raise PlaceNameError(
                        self.path,
                        self.lines.key(where, office),
                        f'[{where}] names the office "{office}", which {offices_path.name} does not have',
                        f"{hint}write the office's name exactly as in {offices_path.name}",
                    )
            missing = [office for office in expected if office not in table]
            if missing:
                raise PlaceNameError(
                    self.path,
                    self.lines.table(where),
                    f"[{where}] has no name for the office(s) {', '.join(missing)}",
                    f'add a line such as "{missing[0]}" = "..." (the city as {language} writes it)',
                )

    def state_name(self, state: str, language: str) -> str:
        names = self.states.get(language, self.states["en"])
        return names.get(state, self.states["en"][state])

    def office_name(self, office: str, language: str) -> str:
        return self.offices.get(language, {}).get(office, office)


def _spoken_forms(
    language: str,
    states: Mapping[str, Mapping[str, str]],
    aliases: Mapping[str, Mapping[str, tuple[str, ...]]],
    path: Path,
    lines: _TableLines,
) -> dict[str, str]:
    """The language's spoken forms; two states sharing one is a mistake in the file."""
    forms: dict[str, str] = {}
    first: dict[str, str] = {}
    said = [(state, name, f"states.{language}") for state, name in states[language].items()]
    said += [
        (state, word, f"speech_aliases.{language}")
        for state, words in aliases.get(language, {}).items()
        for word in words
    ]
    for state, text, where in said:
        for variant in _with_generic_endings(text, language):
            key = _speech_key(variant, language)
            other = forms.setdefault(key, state)
            first.setdefault(key, text)
            if other != state:
                raise PlaceNameError(
                    path,
                    lines.key(where, state),
                    f'in {language}, "{text}" names {state}, but "{first[key]}" already names {other} '
                    "the same way",
                    "keep the name or alias under one state only",
                )
    return forms


def _with_generic_endings(name: str, language: str) -> list[str]:
    variants = [name]
    for ending in _GENERIC_ENDINGS.get(language, ()):
        if name.endswith(ending) and len(name) - len(ending) >= 2:
            variants.append(name.removesuffix(ending))
    return variants


def _require_state_code(state: str, where: str, path: Path, lines: _TableLines) -> None:
    if state not in COVERED_STATES:
        raise PlaceNameError(
            path,
            lines.key(where, state),
            f"[{where}] lists unknown state code {state!r}",
            "use 2-letter upper-case postal codes (the 50 states, DC, PR, VI, GU, MP)",
        )


def _check_name(name: object, table: str, key: str, path: Path, lines: _TableLines) -> str:
    if not isinstance(name, str) or not name.strip():
        raise PlaceNameError(
            path,
            lines.key(table, key),
            f"[{table}] {key} is not a name",
            "write the name in double quotes after the = sign",
        )
    return name.strip()


def _check_state_table(
    table: dict[str, Any], language: str, path: Path, lines: _TableLines
) -> dict[str, str]:
    where = f"states.{language}"
    for state in table:
        _require_state_code(state, where, path, lines)
    missing = sorted(COVERED_STATES - set(table))
    if missing:
        raise PlaceNameError(
            path,
            lines.table(where),
            f"[{where}] has no name for {', '.join(missing)}",
            f'add a line such as {missing[0]} = "..." with the name as {language} writes it',
        )
    return {state: _check_name(table[state], where, state, path, lines) for state in table}


@cache
def shipped_place_names() -> PlaceNames:
    """The place names the project ships, read once."""
    return PlaceNames.load(PLACE_NAMES_FILE)


def __getattr__(name: str) -> Any:
    # STATE_NAMES and STATE_SPEECH_ALIASES were tables in this module; they now come from the data file,
    # read when first asked for, so importing the module never depends on it.
    if name == "STATE_NAMES":
        return {language: dict(names) for language, names in shipped_place_names().states.items()}
    if name == "STATE_SPEECH_ALIASES":
        return {language: dict(words) for language, words in shipped_place_names().speech_aliases.items()}
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
        self._speech_patterns: dict[str, tuple[tuple[re.Pattern[str], str], ...]] = {}

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
        text, data = _read_toml(
            path,
            FieldOfficeError,
            "check that the file exists and the path configured for field offices is right",
            "correct the syntax there; strings need double quotes and lists square brackets",
        )
        return cls._from_data(data, path, _Lines(text), place_names)

    @classmethod
    def _from_data(
        cls, data: dict[str, Any], path: Path, lines: _Lines, place_names: Path | None = None
    ) -> FieldOffices:
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
        names = PlaceNames.load(place_names) if place_names is not None else shipped_place_names()
        names.check_offices((office.name for office in offices), path)
        return cls(offices, by_county, names)

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
        """Return the one state or territory named in the words, or None if none or several.

        Names are those of the caller's language and English (callers often say a place in English
        whatever their language), as speech recognisers write them: Chinese characters without spaces,
        Devanagari, Arabic, Cyrillic (in any case ending), Latin with or without accents.
        """
        code = _language_code(language)
        spoken = f" {_speech_key(text, code)} "
        taken: list[tuple[int, int]] = []
        found: set[str] = set()
        for pattern, state in self._patterns(code):
            for match in pattern.finditer(spoken):
                start, end = match.span()
                # "West Virginia" must not also count as "Virginia": longer forms go first.
                if any(start < t_end and t_start < end for t_start, t_end in taken):
                    continue
                taken.append((start, end))
                found.add(state)
        found &= set(self._by_state)
        return found.pop() if len(found) == 1 else None

    def _patterns(self, language: str) -> tuple[tuple[re.Pattern[str], str], ...]:
        """Every spoken form of every state for a language, longest first; English forms as fallback."""
        if language not in self._speech_patterns:
            forms: dict[str, str] = {}
            for lang in dict.fromkeys((language, "en")):
                for form, state in self._names.spoken_forms.get(lang, {}).items():
                    forms.setdefault(form, state)
            ordered = sorted(forms.items(), key=lambda item: (-len(item[0]), item[0]))
            self._speech_patterns[language] = tuple((_form_pattern(form), state) for form, state in ordered)
        return self._speech_patterns[language]

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
