"""How each language is spoken and heard (prompts/voices.toml), checked against Twilio's voice table."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from babel import Locale

from ivr.prompts.catalog import PromptError, line_of, read_toml


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


def load_voices(path: Path) -> dict[str, Voice]:
    voices = {}
    for language, entry in read_toml(path).items():
        needed = {"name", "locale"} | ({"espeak_voice"} if "voice" not in entry else {"say_language"})
        missing = needed - set(entry)
        if missing:
            raise PromptError(
                f"{path}:{line_of(path, f'[{language}]')}: [{language}] lacks {', '.join(sorted(missing))} "
                "(a language needs a Twilio voice and say_language, or an espeak_voice for audio files)."
            )
        try:
            Locale.parse(entry["locale"])
        except (ValueError, LookupError):
            raise PromptError(
                f"{path}:{line_of(path, entry['locale'])}: locale {entry['locale']!r} "
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
