"""The prompt catalog (prompts/catalog.toml): every sentence the line says, by key, and its values."""

from __future__ import annotations

import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any


class PromptError(ValueError):
    """The catalog, a translation or the voice table is wrong; the message names the file and fix."""


@dataclass(frozen=True)
class Prompt:
    """One sentence of the catalog: its key, English text, note for translators and placeholders.

    A sentence that says a count has two English texts (`text` for one, `plural` for more) and names
    the placeholder that counts: each language says it in as many forms as its plural rule has.
    """

    key: str
    text: str
    note: str
    placeholders: frozenset[str]
    plural: str | None = None
    count: str | None = None  # the placeholder whose number chooses the plural form

    @property
    def forms(self) -> tuple[str, ...]:
        """The English texts: one, or the singular and the plural of a counted sentence."""
        return (self.text,) if self.plural is None else (self.text, self.plural)


@dataclass(frozen=True)
class Said:
    """One prompt to speak, by catalog key, with its values (formatted later, per language)."""

    key: str
    values: Mapping[str, object] = field(default_factory=dict)
    language: str | None = None  # said in this language whatever the caller's (the language menu)


# Values that are formatted for the caller's language when spoken, not when decided.
@dataclass(frozen=True)
class Digits:
    """A number read back one digit at a time, in groups where a caller writes it down in groups."""

    number: str
    groups: tuple[int, ...] = ()  # e.g. (3, 3, 4): a U.S. phone number, a pause between groups


PHONE_GROUPS = (3, 3, 4)  # how a caller writes a U.S. number down: area code, exchange, line


@dataclass(frozen=True)
class PromptText:
    """A value that is itself a prompt, translated before it fills a placeholder."""

    key: str


@dataclass(frozen=True)
class Day:
    """A weekday and date, e.g. "Monday, November 30"."""

    moment: datetime


@dataclass(frozen=True)
class Time:
    """A time of day, e.g. "8 AM"."""

    moment: datetime


def placeholders(text: str) -> frozenset[str]:
    """The names in a prompt's {braces}."""
    return frozenset(name for _, name, _, _ in string.Formatter().parse(text) if name)


def line_of(path: Path, needle: str) -> int | None:
    """The line of a file an error should point at."""
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if needle in line:
            return number
    return None


def read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as error:
        raise PromptError(f"{path}: {error}. Fix the TOML syntax there.") from None


def load_catalog(path: Path) -> dict[str, Prompt]:
    prompts = {}
    for key, entry in read_toml(path).items():
        if not isinstance(entry, dict) or not isinstance(entry.get("text"), str):
            raise PromptError(
                f'{path}:{line_of(path, f"[{key}]")}: prompt [{key}] needs a text = "..." line.'
            )
        plural, count = entry.get("plural"), entry.get("count")
        if plural is not None or count is not None:
            _check_plural(path, key, entry["text"], plural, count)
        prompts[key] = Prompt(
            key, entry["text"], entry.get("note", ""), placeholders(entry["text"]), plural, count
        )
    return prompts


def _check_plural(path: Path, key: str, text: str, plural: object, count: object) -> None:
    """A counted prompt needs its plural text and its count, a placeholder both texts say."""
    where = f"{path}:{line_of(path, f'[{key}]')}: prompt [{key}]"
    if not isinstance(plural, str) or not isinstance(count, str):
        raise PromptError(
            f'{where} says a count: it needs plural = "..." (the text for several) and count = '
            '"<placeholder>" (the number that chooses between them), e.g. count = "minutes".'
        )
    if count not in placeholders(text) or placeholders(plural) != placeholders(text):
        raise PromptError(
            f"{where}: text and plural must both say {{{count}}} and the same placeholders "
            f"(text has {sorted(placeholders(text))}, plural has {sorted(placeholders(plural))})."
        )


def load_hints(path: Path) -> dict[str, dict[str, list[str]]]:
    if not path.exists():
        return {}
    raw = read_toml(path)
    for menu, by_language in raw.items():
        for language, words in by_language.items():
            if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
                raise PromptError(
                    f"{path}:{line_of(path, f'{language} =')}: [{menu}] {language} must be a list of words."
                )
    return raw
