"""Everything the line can say, in every language it speaks, values formatted for each by Babel."""

from __future__ import annotations

import re
from collections.abc import Mapping
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
from ivr.prompts.plurals import PluralRule, plural_rule
from ivr.prompts.translations import Text, Translations, load_translations
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
        # Read once per process: a webhook chooses a plural form with the rule compiled here.
        self._translations = {
            language: load_translations(locales, language) or Translations({}, plural_rule(voice.locale))
            for language, voice in voices.items()
            if language != "en"
        }
        self._english_rule = plural_rule("en")
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

    def forms(self, key: str, language: str) -> tuple[tuple[str, ...], PluralRule]:
        """The prompt's translation (one text, or one per plural form) and the rule that chooses among
        them; English where none exists."""
        translations = self._translations.get(language)
        text = translations.texts.get(key) if translations else None
        if translations and isinstance(text, str):
            return (text,), translations.rule
        if translations and isinstance(text, tuple) and self.prompts[key].count is not None:
            return text, translations.rule
        # No translation, or a counted one of a prompt the catalog no longer counts (named by gaps()).
        return self.prompts[key].forms, self._english_rule

    def choose(self, key: str, language: str, count: int | None = None) -> tuple[int, str]:
        """The form a count takes in the language (0 where the prompt has one form) and its text."""
        texts, rule = self.forms(key, language)
        if len(texts) == 1:
            return 0, texts[0]
        if count is None:
            raise TypeError(f"prompt {key!r} says a count: give {{{self.prompts[key].count}}} a value")
        form = min(rule.choose(count), len(texts) - 1)
        return form, texts[form]

    def count(self, key: str, values: Mapping[str, object]) -> int | None:
        """The number among a prompt's values that chooses its plural form; None for other prompts."""
        name = self.prompts[key].count
        if name is None:
            return None
        value = values.get(name)
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"prompt {key!r} counts with {{{name}}}: give it a whole number, not {value!r}")
        return value

    def template(self, key: str, language: str, count: int | None = None) -> str:
        """The prompt's translation with its {placeholders}, in the form the count takes; English where
        none exists."""
        return self.choose(key, language, count)[1]

    def text(self, key: str, language: str, **values: object) -> str:
        """Return the prompt in the language, its placeholders filled; English where none exists."""
        template = self.template(key, language, self.count(key, values))
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
        for language, translations in self._translations.items():
            problems += [f"{language}: {problem}" for problem in translations.rule.problems()]
            for key, prompt in self.prompts.items():
                text = translations.texts.get(key)
                if text is None:
                    problems.append(f"{language}: prompt {key!r} has no translation")
                elif isinstance(text, str) != (prompt.count is None):
                    problems.append(
                        f"{language}: prompt {key!r} {'says' if prompt.count else 'no longer says'} a count "
                        "in the catalog: run `flask --app app ivr translate update`"
                    )
                else:
                    problems += _placeholder_gaps(language, prompt, text, translations.rule)
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


def _placeholder_gaps(language: str, prompt: Prompt, text: Text, rule: PluralRule) -> list[str]:
    """Each form of a translation must use the English placeholders; a form said for one number only
    (Arabic's dual "دقيقتان", for 2) may leave the count out, as a person says it."""
    problems = []
    for form, said in enumerate((text,) if isinstance(text, str) else text):
        allowed = [prompt.placeholders]
        if prompt.count is not None and len(rule.numbers(form)) == 1:
            allowed.append(prompt.placeholders - {prompt.count})
        if placeholders(said) not in allowed:
            which = f" (msgstr[{form}], said for {rule.said_for(form)})" if prompt.count else ""
            problems.append(
                f"{language}: prompt {prompt.key!r}{which} must use the placeholders "
                f"{sorted(prompt.placeholders)}, not {sorted(placeholders(said))}"
            )
    return problems
