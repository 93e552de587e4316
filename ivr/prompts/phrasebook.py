"""Everything the line can say, in every language it speaks, values formatted for each by Babel."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_skeleton
from babel.numbers import format_decimal

from ivr.prompts.catalog import (
    Day,
    Digits,
    Prompt,
    PromptText,
    Said,
    Time,
    load_catalog,
    load_hints,
    placeholders,
)
from ivr.prompts.translations import load_translations
from ivr.prompts.voices import Voice, load_voices

# The year and what hangs on it in a locale's full date pattern ("'de' y", "y 'г'.", "y年").
_YEAR = re.compile(r"[,\s\u202f]*(?:'de'\s*)?y+(?:[\s\u202f]*'[^']*'\.?|年)?")


class Phrasebook:
    """Everything the line can say, in every language it speaks."""

    def __init__(
        self,
        prompts: dict[str, Prompt],
        voices: dict[str, Voice],
        locales: Path,
        hints: dict[str, dict[str, list[str]]] | None = None,
    ) -> None:
        self.prompts = prompts
        self.voices = voices
        self._hints = hints or {}
        self._translations = {
            language: load_translations(locales, language) for language in voices if language != "en"
        }
        self._locales = {language: Locale.parse(v.locale) for language, v in voices.items()}

    @classmethod
    def load(cls, catalog: Path, voices: Path, locales: Path) -> Phrasebook:
        return cls(
            load_catalog(catalog),
            load_voices(voices),
            locales,
            load_hints(catalog.parent / "speech_hints.toml"),
        )

    @property
    def hints_by_menu(self) -> dict[str, dict[str, list[str]]]:
        """speech_hints.toml as read: menu, then language, then the words."""
        return self._hints

    def hints(self, menu: str, language: str) -> list[str]:
        """Words a recogniser should expect at a menu, in one language."""
        return self._hints.get(menu, {}).get(language, [])

    def template(self, key: str, language: str) -> str:
        """The prompt's translation with its {placeholders}; English where none exists."""
        return self._translations.get(language, {}).get(key, self.prompts[key].text)

    def text(self, key: str, language: str, **values: object) -> str:
        """Return the prompt in the language, its placeholders filled; English where none exists."""
        template = self.template(key, language)
        return template.format(**{name: self.value(v, language) for name, v in values.items()})

    def speak(self, said: Said, language: str) -> str:
        # CLDR puts narrow no-break spaces in times ("8\u202fa.m."): plain spaces read the same.
        return self.text(said.key, language, **said.values).replace("\u202f", " ").replace("\xa0", " ")

    def value(self, value: object, language: str) -> str:
        """Format one placeholder's value for the language: digits, dates, times, nested prompts."""
        if isinstance(value, Digits):
            return self.digits(value.number, value.groups)
        if isinstance(value, PromptText):
            return self.text(value.key, language)
        if isinstance(value, Day):
            return self.day(value.moment, language)
        if isinstance(value, Time):
            return self.time(value.moment, language)
        if isinstance(value, int):
            return format_decimal(value, locale=self._locales[language])
        return str(value)

    def gaps(self) -> list[str]:
        """Name every prompt lacking a translation or with placeholders that differ from English."""
        problems = []
        for language, translated in self._translations.items():
            for key, prompt in self.prompts.items():
                if key not in translated:
                    problems.append(f"{language}: prompt {key!r} has no translation")
                elif placeholders(translated[key]) != prompt.placeholders:
                    problems.append(
                        f"{language}: prompt {key!r} must use the placeholders "
                        f"{sorted(prompt.placeholders)}, not {sorted(placeholders(translated[key]))}"
                    )
        return problems

    # Values are formatted for the caller's language by Babel, never as English words.
    def day(self, moment: datetime, language: str) -> str:
        """Say a weekday and date the locale's own way ("Monday, November 30"), without the year."""
        voice = self.voices[language]
        if voice.day_format:
            return voice.day_format.format(
                weekday=voice.weekdays[moment.weekday()], day=moment.day, month=voice.months[moment.month - 1]
            )
        locale = self._locales[language]
        pattern = _YEAR.sub("", locale.date_formats["full"].pattern)
        return format_date(moment, pattern, locale=locale)

    def time(self, moment: datetime, language: str) -> str:
        """Say a time of day as the language does: "8 AM", "8 a. m.", "08:00", "上午8时"."""
        voice = self.voices[language]
        if voice.time_format:
            minute = f"{moment.minute:02d}" if moment.minute else ""
            return voice.time_format.format(hour=moment.hour, minute=minute)
        locale = self._locales[language]
        if "a" in locale.time_formats["short"].pattern:  # a 12-hour clock
            return format_skeleton("ha" if moment.minute == 0 else "hma", moment, locale=locale)
        return format_skeleton("Hm", moment, locale=locale)

    def load_locale_data(self, moment: datetime) -> None:
        """Read every language's CLDR data now (numbers, days, times): Babel reads it on first
        use, 30-70 ms per language, which a web worker's first caller in each language would wait."""
        for language in self.voices:
            self.value(1, language)
            self.day(moment, language)
            self.time(moment, language)

    @staticmethod
    def digits(number: str, groups: tuple[int, ...] = ()) -> str:
        """Spell a number one digit at a time; the voice says each digit in its own language.

        Groups ("2, 1, 3. 5, 5, 5. 0, 1, 0, 0") end in a full stop: a pause to write them down.
        """
        digits = [c for c in number if c.isdigit()]
        if sum(groups) != len(digits):
            return ", ".join(digits)
        spans, start = [], 0
        for size in groups:
            spans.append(", ".join(digits[start : start + size]))
            start += size
        return ". ".join(spans)
