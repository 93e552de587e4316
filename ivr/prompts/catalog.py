"""The prompt catalog: what the line says, by key, in each language, values formatted by Babel."""

from __future__ import annotations

import re
import string
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_skeleton
from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po, write_po
from babel.numbers import format_decimal


class PromptError(ValueError):
    """The catalog, a translation or the voice table is wrong; the message names the file and fix."""


@dataclass(frozen=True)
class Prompt:
    key: str
    text: str
    note: str
    placeholders: frozenset[str]


@dataclass(frozen=True)
class Said:
    """One prompt to speak, by catalog key, with its values (formatted later, per language)."""

    key: str
    values: Mapping[str, object] = field(default_factory=dict)
    language: str | None = None  # said in this language whatever the caller's (the language menu)


# Values that are formatted for the caller's language when spoken, not when decided.
@dataclass(frozen=True)
class Digits:
    """A number read back one digit at a time."""

    number: str


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


@dataclass(frozen=True)
class Voice:
    """How one language is spoken and heard: a <Say> voice/language pair, or audio files to <Play>."""

    language: str
    name: str
    say_language: str | None  # None: Twilio has no voice for it; prompts are played from audio
    voice: str | None
    speech_language: str | None  # None: Twilio cannot recognise it; its menus are keypad-only
    locale: str
    espeak_voice: str | None = None  # renders the audio files of a language Twilio cannot speak
    # Where Babel's data for a locale is missing (Haitian Creole falls back to French names):
    weekdays: tuple[str, ...] = ()  # Monday first
    months: tuple[str, ...] = ()
    day_format: str = ""  # e.g. "{weekday} {day} {month}"
    time_format: str = ""  # e.g. "{hour}è"

    @property
    def plays_audio(self) -> bool:
        return self.voice is None


# Twilio <Say> voice/language pairs the line may use: a snapshot of Twilio's text-to-speech table
# (domain-facts.md). An invalid pair makes <Say> fail mid-call, so voices.toml is checked against it.
TWILIO_SAY_PAIRS = frozenset(
    {
        ("Polly.Joanna", "en-US"),
        ("Polly.Matthew", "en-US"),
        ("Polly.Lupe", "es-US"),
        ("Polly.Miguel", "es-US"),
        ("Polly.Camila", "pt-BR"),
        ("Polly.Zhiyu", "cmn-CN"),
        ("Polly.Aditi", "hi-IN"),
        ("Google.pa-IN-Standard-A", "pa-IN"),
        ("Google.pa-IN-Standard-B", "pa-IN"),
        ("Polly.Lea", "fr-FR"),
        ("Polly.Tatyana", "ru-RU"),
        ("Polly.Zeina", "arb"),
        ("Google.ar-XA-Standard-A", "ar-XA"),
        ("Google.vi-VN-Standard-A", "vi-VN"),
        ("Google.vi-VN-Standard-C", "vi-VN"),
    }
)
# Languages Twilio's speech recognition understands (domain-facts.md); others are keypad-only.
TWILIO_SPEECH_LANGUAGES = frozenset(
    {"en-US", "es-US", "pt-BR", "fr-FR", "ru-RU", "hi-IN", "vi-VN", "cmn-Hans-CN", "ar-EG", "ar-SA"}
)


# The year and what hangs on it in a locale's full date pattern ("'de' y", "y 'г'.", "y年").
_YEAR = re.compile(r"[,\s\u202f]*(?:'de'\s*)?y+(?:[\s\u202f]*'[^']*'\.?|年)?")


def _placeholders(text: str) -> frozenset[str]:
    return frozenset(name for _, name, _, _ in string.Formatter().parse(text) if name)


def _line_of(path: Path, needle: str) -> int | None:
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if needle in line:
            return number
    return None


def load_catalog(path: Path) -> dict[str, Prompt]:
    try:
        raw = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as error:
        raise PromptError(f"{path}: {error}. Fix the TOML syntax there.") from None
    prompts = {}
    for key, entry in raw.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("text"), str):
            raise PromptError(
                f'{path}:{_line_of(path, f"[{key}]")}: prompt [{key}] needs a text = "..." line.'
            )
        prompts[key] = Prompt(key, entry["text"], entry.get("note", ""), _placeholders(entry["text"]))
    return prompts


def load_voices(path: Path) -> dict[str, Voice]:
    try:
        raw = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as error:
        raise PromptError(f"{path}: {error}. Fix the TOML syntax there.") from None
    voices = {}
    for language, entry in raw.items():
        needed = {"name", "locale"} | ({"espeak_voice"} if "voice" not in entry else {"say_language"})
        missing = needed - set(entry)
        if missing:
            raise PromptError(
                f"{path}:{_line_of(path, f'[{language}]')}: [{language}] lacks {', '.join(sorted(missing))} "
                "(a language needs a Twilio voice and say_language, or an espeak_voice for audio files)."
            )
        try:
            Locale.parse(entry["locale"])
        except (ValueError, LookupError):
            raise PromptError(
                f"{path}:{_line_of(path, entry['locale'])}: locale {entry['locale']!r} "
                "is not one Babel knows; use e.g. es_US."
            ) from None
        voices[language] = Voice(
            language,
            entry["name"],
            entry.get("say_language"),
            entry.get("voice"),
            entry.get("speech_language"),
            entry["locale"],
            entry.get("espeak_voice"),
            tuple(entry.get("weekdays", ())),
            tuple(entry.get("months", ())),
            entry.get("day_format", ""),
            entry.get("time_format", ""),
        )
    return voices


def voice_problems(voices: dict[str, Voice]) -> list[str]:
    """Name every voice or recognition setting Twilio would not accept."""
    problems = []
    for voice in voices.values():
        if voice.voice and (voice.voice, voice.say_language) not in TWILIO_SAY_PAIRS:
            problems.append(
                f"{voice.language}: <Say voice={voice.voice!r} language={voice.say_language!r}> "
                "is not a pair in Twilio's voice table"
            )
        if voice.speech_language and voice.speech_language not in TWILIO_SPEECH_LANGUAGES:
            problems.append(
                f"{voice.language}: Twilio does not recognise speech in {voice.speech_language!r}"
            )
    return problems


def load_hints(path: Path) -> dict[str, dict[str, list[str]]]:
    if not path.exists():
        return {}
    try:
        raw = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as error:
        raise PromptError(f"{path}: {error}. Fix the TOML syntax there.") from None
    for menu, by_language in raw.items():
        for language, words in by_language.items():
            if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
                raise PromptError(
                    f"{path}:{_line_of(path, f'{language} =')}: [{menu}] {language} must be a list of words."
                )
    return raw


def po_path(locales: Path, language: str) -> Path:
    return locales / language / "LC_MESSAGES" / "messages.po"


def _messages(catalog: Catalog) -> dict[str, str]:
    found = {}
    for message in catalog:
        context = message.context.decode() if isinstance(message.context, bytes) else message.context
        if context and message.string and not message.fuzzy:
            found[context] = str(message.string)
    return found


def read_source(locales: Path, language: str) -> dict[str, str]:
    """The translators' catalog (.po): key (msgctxt) to translated text; untranslated entries left out."""
    path = po_path(locales, language)
    if not path.exists():
        return {}
    with path.open("rb") as handle:
        return _messages(read_po(handle, locale=language))


def load_translations(locales: Path, language: str) -> dict[str, str]:
    """The compiled catalog (.mo) the line speaks from; `flask ivr translate compile` makes it."""
    path = po_path(locales, language).with_suffix(".mo")
    if not path.exists():
        return {}
    with path.open("rb") as handle:
        return _messages(read_mo(handle))


def compile_translations(locales: Path, language: str) -> Path:
    source = po_path(locales, language)
    with source.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    target = source.with_suffix(".mo")
    with target.open("wb") as handle:
        write_mo(handle, catalog, use_fuzzy=False)
    return target


def stale_compilations(locales: Path, languages: Iterable[str]) -> list[str]:
    """Name each language whose compiled catalog does not say what its .po says."""
    return [
        f"{language}: {po_path(locales, language).with_suffix('.mo')} differs from messages.po: "
        "run `flask --app app ivr translate compile`"
        for language in languages
        if language != "en" and read_source(locales, language) != load_translations(locales, language)
    ]


def template_catalog(prompts: dict[str, Prompt]) -> Catalog:
    """Build the gettext template: one message per prompt, keyed by msgctxt, noted for translators."""
    catalog = Catalog(project="dril-ivr", msgid_bugs_address="", fuzzy=False)
    for prompt in prompts.values():
        catalog.add(prompt.text, context=prompt.key, auto_comments=[prompt.note] if prompt.note else [])
    return catalog


def write_template(prompts: dict[str, Prompt], locales: Path) -> Path:
    path = locales / "messages.pot"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, template_catalog(prompts), width=100, omit_header=False)
    return path


def update_translations(prompts: dict[str, Prompt], locales: Path, language: str) -> Path:
    """Merge the catalog into one language's .po, keeping existing translations."""
    path = po_path(locales, language)
    if path.exists():
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=language)
    else:
        catalog = Catalog(locale=language, project="dril-ivr")
    catalog.update(template_catalog(prompts), no_fuzzy_matching=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, ignore_obsolete=True)
    return path


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
            return self.digits(value.number)
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
                elif _placeholders(translated[key]) != prompt.placeholders:
                    problems.append(
                        f"{language}: prompt {key!r} must use the placeholders "
                        f"{sorted(prompt.placeholders)}, not {sorted(_placeholders(translated[key]))}"
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
    def digits(number: str) -> str:
        """Spell a number one digit at a time; the voice says each digit in its own language."""
        return ", ".join(c for c in number if c.isdigit())
