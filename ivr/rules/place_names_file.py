"""Read and check the place names file, schedules/place_names.toml, naming the line and fix of a mistake."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ivr.rules.data_files import PlaceNameError, TableLines, read_toml
from ivr.rules.places import COVERED_STATES, PlaceNames, speech_key, spoken_variants

_PLACE_SECTIONS = ("states", "offices", "speech_aliases")


def load_place_names(path: Path) -> PlaceNames:
    """Read and check the place names file, raising PlaceNameError on any mistake."""
    text, data = read_toml(
        path,
        PlaceNameError,
        "check that the place names file exists next to field_offices.toml",
        'correct the syntax there; names need double quotes, e.g. CA = "Californie"',
    )
    return _from_data(data, path, TableLines(text))


def check_office_names(names: PlaceNames, office_names: Iterable[str], offices_path: Path) -> None:
    """Check every language names every office of the field office file, and no other."""
    expected = list(office_names)
    for language, table in names.offices.items():
        where = f"offices.{language}"
        for office in table:
            if office not in expected:
                close = difflib.get_close_matches(office, expected, n=1)
                hint = f'did you mean "{close[0]}"? ' if close else ""
                raise PlaceNameError(
                    names.path,
                    names.lines.key(where, office),
                    f'[{where}] names the office "{office}", which {offices_path.name} does not have',
                    f"{hint}write the office's name exactly as in {offices_path.name}",
                )
        missing = [office for office in expected if office not in table]
        if missing:
            raise PlaceNameError(
                names.path,
                names.lines.table(where),
                f"[{where}] has no name for the office(s) {', '.join(missing)}",
                f'add a line such as "{missing[0]}" = "..." (the city as {language} writes it)',
            )


def _from_data(data: dict[str, Any], path: Path, lines: TableLines) -> PlaceNames:
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
                f"add [states.{language}] with the name of every state and territory, or remove [{where}]",
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
                or not all(isinstance(word, str) and speech_key(word, language) for word in words)
            ):
                raise PlaceNameError(
                    path,
                    lines.key(where, state),
                    f"[{where}] {state} is not a list of words",
                    f'write it as {state} = ["...", "..."]',
                )
            aliases[language][state] = tuple(word.strip() for word in words)
    forms = {language: _spoken_forms(language, states, aliases, path, lines) for language in states}
    return PlaceNames(path, states, offices, aliases, forms, lines)


def _spoken_forms(
    language: str,
    states: Mapping[str, Mapping[str, str]],
    aliases: Mapping[str, Mapping[str, tuple[str, ...]]],
    path: Path,
    lines: TableLines,
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
        for variant in spoken_variants(text, language):
            key = speech_key(variant, language)
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


def _require_state_code(state: str, where: str, path: Path, lines: TableLines) -> None:
    if state not in COVERED_STATES:
        raise PlaceNameError(
            path,
            lines.key(where, state),
            f"[{where}] lists unknown state code {state!r}",
            "use 2-letter upper-case postal codes (the 50 states, DC, PR, VI, GU, MP)",
        )


def _check_name(name: object, table: str, key: str, path: Path, lines: TableLines) -> str:
    if not isinstance(name, str) or not name.strip():
        raise PlaceNameError(
            path,
            lines.key(table, key),
            f"[{table}] {key} is not a name",
            "write the name in double quotes after the = sign",
        )
    return name.strip()


def _check_state_table(table: dict[str, Any], language: str, path: Path, lines: TableLines) -> dict[str, str]:
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
