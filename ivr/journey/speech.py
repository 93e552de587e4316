"""Understand short spoken answers at a menu: a key said aloud, yes or no, who is calling, a language.

The words are data (prompts/menu_words.toml), one list per language the line listens to; this module
only matches them. A key is a key only when the answer is nothing but a key ("two", "el dos",
"option two"): "a guard hit me two times" is a sentence, not a press of 2.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

# Chinese is written without spaces: each character is a word of its own for matching.
_CJK = re.compile("([\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff])")
_SECTIONS = ("numbers", "key_words", "request_words", "answers", "caller_types", "language_names")


class WordsError(ValueError):
    """A menu-words file that cannot be used: names the file, the line and the fix."""

    def __init__(self, path: Path, line: int | None, problem: str, fix: str) -> None:
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {problem}. {fix}")


def normalize(text: str) -> str:
    """Lowercase, strip accents and punctuation, squeeze spaces: what recognisers vary in."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_CJK.sub(r" \1 ", re.sub(r"[^\w\s]", " ", plain)).split())


@dataclass(frozen=True)
class _Entry:
    words: tuple[str, ...]
    stem: bool  # the last word may go on ("abogad*")
    label: str

    def matches(self, tokens: list[str], at: int) -> bool:
        end = at + len(self.words)
        if end > len(tokens):
            return False
        *whole, last = self.words
        said = tokens[at:end]
        if said[:-1] != whole:
            return False
        return said[-1].startswith(last) if self.stem else said[-1] == last


def _entries(label: str, phrases: Iterable[str]) -> list[_Entry]:
    entries = []
    for phrase in phrases:
        stem = phrase.endswith("*")
        words = tuple(normalize(phrase.rstrip("*")).split())
        if words:
            entries.append(_Entry(words, stem, label))
    return entries


def _find(tokens: list[str], entries: Iterable[_Entry]) -> tuple[list[str], list[bool]]:
    """The labels said (once per time said), longest phrases first, each word used once: "不是" is
    no, not yes; and which words were used."""
    used = [False] * len(tokens)
    found: list[str] = []
    for entry in sorted(entries, key=lambda e: -len(e.words)):
        for at in range(len(tokens)):
            span = range(at, at + len(entry.words))
            if entry.matches(tokens, at) and not any(used[i] for i in span):
                found.append(entry.label)
                for i in span:
                    used[i] = True
    return found, used


class MenuWords:
    """The words callers may say at the menus, per language, and how to match them."""

    def __init__(self, data: Mapping[str, Mapping[str, object]], path: Path) -> None:
        self.path = path
        # entry name -> language -> its phrases, normalized once here rather than at every answer
        self._phrases: dict[str, dict[str, list[_Entry]]] = {}
        self._numbers: dict[str, list[_Entry]] = {}
        self._key_words: dict[str, list[_Entry]] = {}
        self._request_words: dict[str, list[_Entry]] = {}
        self._lines = _Lines(path.read_text(encoding="utf-8") if path.exists() else "")
        unknown = set(data) - set(_SECTIONS)
        if unknown:
            name = sorted(unknown)[0]
            raise WordsError(
                path, self._lines.of(name), f"unknown section [{name}]", f"Use only {', '.join(_SECTIONS)}."
            )
        for language, digits in dict(data.get("numbers", {})).items():
            table = self._table(f"numbers.{language}", digits)
            if sorted(table) != [str(d) for d in range(10)]:
                raise WordsError(
                    path,
                    self._lines.of(f"numbers.{language}"),
                    f"[numbers.{language}] lacks digits",
                    "Give the words for each digit 0 to 9.",
                )
            self._numbers[language] = [
                entry
                for digit, words in table.items()
                for entry in _entries(digit, self._list(f"numbers.{language}", digit, words))
            ]
        for language, words in dict(data.get("key_words", {})).items():
            self._key_words[language] = _entries("", self._list("key_words", language, words))
        for language, words in dict(data.get("request_words", {})).items():
            self._request_words[language] = _entries("", self._list("request_words", language, words))
        for section in ("answers", "caller_types"):
            for name, by_language in dict(data.get(section, {})).items():
                table = self._table(f"{section}.{name}", by_language)
                self._phrases[f"{section}.{name}"] = {
                    language: _entries(f"{section}.{name}", self._list(f"{section}.{name}", language, words))
                    for language, words in table.items()
                }
        names = self._table("language_names", data.get("language_names", {}))
        self._language_names = [
            e
            for code, words in names.items()
            for e in _entries(code, self._list("language_names", code, words))
        ]

    @classmethod
    def load(cls, path: Path) -> MenuWords:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise WordsError(path, None, f"cannot read the file ({error.strerror})", "Restore it.") from error
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            found = re.search(r"at line (\d+)", str(error))
            raise WordsError(
                path, int(found.group(1)) if found else None, f"not valid TOML ({error})", "Fix the syntax."
            ) from error
        return cls(data, path)

    def _table(self, where: str, value: object) -> dict[str, object]:
        if not isinstance(value, dict):
            raise WordsError(
                self.path, self._lines.of(where), f"{where} must be a table", "Make it [" + where + "]."
            )
        return {str(key): item for key, item in value.items()}

    def _list(self, where: str, language: str, value: object) -> list[str]:
        if (
            not isinstance(value, list)
            or not value
            or not all(isinstance(v, str) and v.strip() for v in value)
        ):
            raise WordsError(
                self.path,
                self._lines.of(where, language),
                f"{where}: {language} must be a list of words",
                'Write it as ["word", "two words", "stem*"].',
            )
        return value

    # --- What the menus ask -----------------------------------------------------------------

    def entry_names(self) -> frozenset[str]:
        return frozenset(self._phrases)

    def spoken_digits(self, text: str, language: str | None) -> str:
        """The digits said, as numerals or as words ("cero uno dos"), ignoring every other word."""
        digits = []
        numbers = self._for(self._numbers, language)
        for token in normalize(text).split():
            if token.isdigit():
                digits.append(token)
                continue
            digit = next((e.label for e in numbers if e.words == (token,)), None)
            if digit is not None:
                digits.append(digit)
        return "".join(digits)

    def spoken_key(self, text: str, language: str | None) -> str | None:
        """The one key an answer is, if it is nothing but a key ("two", "el dos", "option 2."), or None."""
        tokens = normalize(text).split()
        found, used = _find(
            tokens, [*self._for(self._numbers, language), *self._for(self._key_words, language)]
        )
        keys = [label for label in found if label] + [token for token in tokens if token.isdigit()]
        # Every word is a key or a word around one ("el", "option"): anything else makes a sentence.
        sentence = any(
            not (was_used or token.isdigit()) for token, was_used in zip(tokens, used, strict=True)
        )
        if sentence or len(keys) != 1 or len(keys[0]) != 1:
            return None
        return keys[0]

    def said(self, text: str, language: str | None, names: Iterable[str]) -> set[str]:
        """Which of the named entries ("answers.yes", "caller_types.attorney") the answer contains."""
        entries = []
        languages = self._languages(language)
        for name in names:
            for code in languages:
                entries += self._phrases.get(name, {}).get(code, [])
        return set(_find(normalize(text).split(), entries)[0])

    def only(self, text: str, language: str | None, names: Iterable[str]) -> bool:
        """Whether the answer is one of the named entries and nothing else but the words around a
        request ("I want to speak to an operator, please"): "a person hit me" is not a request."""
        tokens = normalize(text).split()
        entries = [
            e
            for name in names
            for code in self._languages(language)
            for e in self._phrases.get(name, {}).get(code, [])
        ]
        found, used = _find(tokens, [*entries, *self._for(self._request_words, language)])
        return any(found) and all(used)

    def language_named(self, text: str) -> str | None:
        """The language a caller names, in any language; None if none or several."""
        found = set(_find(normalize(text).split(), self._language_names)[0])
        return found.pop() if len(found) == 1 else None

    def problems(self, speech_languages: Iterable[str], entries: Iterable[str]) -> list[str]:
        """Name each entry the menus use that lacks words in a language the line listens to."""
        gaps = []
        for language in speech_languages:
            if language not in self._numbers:
                gaps.append(f"{self.path}: {language} has no [numbers.{language}]")
            for section, table in (("key_words", self._key_words), ("request_words", self._request_words)):
                if language not in table:
                    gaps.append(f"{self.path}: [{section}] has no {language} list")
            for name in sorted(set(entries)):
                if language not in self._phrases.get(name, {}):
                    gaps.append(f"{self.path}: [{name}] has no {language} list")
        return gaps

    def _languages(self, language: str | None) -> list[str]:
        # English too: callers mix it in ("okay", "operator"). Before a language is chosen, all.
        if language is None:
            return sorted({code for table in self._phrases.values() for code in table})
        return [language] if language == "en" else [language, "en"]

    def _for(self, table: Mapping[str, list[_Entry]], language: str | None) -> list[_Entry]:
        return [entry for code in self._languages(language) for entry in table.get(code, [])]


class _Lines:
    """The line of a [table] or of a key inside it, so that errors point at it."""

    def __init__(self, text: str) -> None:
        self._lines: dict[str, int] = {}
        table = ""
        for number, line in enumerate(text.splitlines(), start=1):
            header = re.match(r"\s*\[\s*([^\[\]]+?)\s*\]", line)
            if header:
                table = header.group(1).strip()
                self._lines.setdefault(table, number)
                self._lines.setdefault(table.split(".")[0], number)
                continue
            key = re.match(r"\s*([A-Za-z0-9_-]+)\s*=", line)
            if key:
                self._lines.setdefault(f"{table}/{key.group(1)}", number)

    def of(self, table: str, key: str | None = None) -> int | None:
        return self._lines.get(f"{table}/{key}") if key else self._lines.get(table)
