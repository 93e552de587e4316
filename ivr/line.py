"""The line's data, loaded and validated once at start-up: hours, field offices, prompts, voices."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from functools import cached_property

from flask import Flask, current_app

from ivr.calls.queue import RecentWaits
from ivr.clock import line_now
from ivr.config import Settings
from ivr.db import get_connection
from ivr.journey.classifier import default_phrase_book
from ivr.journey.declared import declaration_problems
from ivr.journey.speech import MenuWords
from ivr.prompts.audio import AudioBook
from ivr.prompts.phrasebook import Phrasebook
from ivr.rules.field_offices import FieldOffices
from ivr.rules.hours import Schedule
from ivr.rules.outside_routes import OutsideRoute, load_outside_routes
from ivr.rules.places import COVERED_STATES

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Line:
    settings: Settings
    schedule: Schedule
    offices: FieldOffices
    outside_routes: dict[str, OutsideRoute]
    phrasebook: Phrasebook
    words: MenuWords

    @classmethod
    def load(cls, settings: Settings) -> Line:
        return cls(
            settings,
            Schedule.load(settings.schedule_path),
            FieldOffices.load(settings.field_offices_path),
            load_outside_routes(settings.outside_routes_path),
            Phrasebook.load(settings.prompt_catalog_path, settings.voices_path, settings.locales_path),
            MenuWords.load(settings.prompt_catalog_path.parent / "menu_words.toml"),
        )

    @cached_property
    def audio(self) -> AudioBook:
        return AudioBook(self.phrasebook, self.settings.audio_path)

    @cached_property
    def recent_waits(self) -> RecentWaits:
        return RecentWaits()

    @cached_property
    def outside_phone(self) -> str | None:
        """The number callers are told of for reporting outside the facility (the file's first)."""
        return next((route.phone for route in self.outside_routes.values()), None)

    @cached_property
    def languages(self) -> tuple[str, ...]:
        """The line's languages in the menus' order (voices.toml's)."""
        return tuple(self.phrasebook.voices)

    @cached_property
    def heard_languages(self) -> frozenset[str]:
        """The languages whose speech Twilio recognises; the others answer menus by keypad."""
        return frozenset(code for code, voice in self.phrasebook.voices.items() if voice.speech_language)

    def menu_problems(self) -> list[str]:
        """Where the menus' declaration, their prompts, menu words and speech hints disagree."""
        return declaration_problems(
            english={key: prompt.text for key, prompt in self.phrasebook.prompts.items()},
            languages=self.languages,
            speech_languages=self.heard_languages,
            words=self.words,
            hints=self.phrasebook.hints_by_menu,
        )

    def hours_problems(self) -> list[str]:
        """The prompt opening_hours names the days ("Monday to Friday") and takes the times from the
        schedule: a schedule open on other days, or at other hours some day, needs it reworded."""
        weekly = self.schedule.weekly_hours
        if sorted(weekly) == [0, 1, 2, 3, 4] and len(set(weekly.values())) == 1:
            return []
        return [
            f"{self.settings.schedule_path}: the line is open on other days or hours than Monday to Friday "
            "at one set of hours, which prompt 'opening_hours' says: reword it and its translations"
        ]

    def names_spoken(self, language: str) -> set[str]:
        """Names a played prompt may say: offices, states, closures (audio pieces are made for them)."""
        names = {self.offices.office_name(office, language) for office in self.offices.offices}
        names |= {self.offices.state_name(state, language) for state in COVERED_STATES}
        # Closures and short days are two types with the same two fields: asked one after the other.
        for closure in self.schedule.closures:
            names.add(closure.translations.get(language, closure.reason))
        for short_day in self.schedule.short_days:
            names.add(short_day.translations.get(language, short_day.reason))
        return names

    def closure_problems(self, today: date) -> list[str]:
        return closure_problems(self.schedule, self.audio, today)


def closure_problems(schedule: Schedule, audio: AudioBook, today: date) -> list[str]:
    """Closures and short days from `today` on whose reason some caller would not hear in their
    language: a missing `reason_<language>`, or a played language's audio of it not yet made.

    `check-hours` refuses the file while any is left; the calendar-check job warns of them.
    """
    voices = audio.phrasebook.voices
    problems = []
    entries = [
        (c.first_day, c.last_day, "[[closure]]", c.reason, c.translations, c.line) for c in schedule.closures
    ]
    entries += [
        (d.day, d.day, "[[short_day]]", d.reason, d.translations, d.line) for d in schedule.short_days
    ]
    for first_day, last_day, kind, reason, translations, line in entries:
        if last_day < today:
            continue  # nobody will hear it again
        where = f"{schedule.path}, line {line}" if line else str(schedule.path)
        for language, voice in voices.items():
            if language == "en":
                continue
            if language not in translations:
                problems.append(
                    f"{where}: the {kind} of {first_day} ({reason!r}) has no reason_{language}: "
                    f'callers in {voice.name} would hear it in English. Add reason_{language} = "...".'
                )
            elif voice.plays_audio:
                file = audio.word_file(language, translations[language])
                if not (audio.root / file).exists():
                    problems.append(
                        f"{where}: the {kind} of {first_day} has no {voice.name} audio of "
                        f"{translations[language]!r} ({audio.root / file}). Run `flask --app app ivr "
                        "prompts build`, or put a recording of it there."
                    )
    return problems


def init_app(app: Flask) -> None:
    app.extensions["ivr.line"] = Line.load(app.config["IVR"])
    # Read the speech phrases now, so a broken file stops start-up rather than a caller's turn.
    default_phrase_book()


def get_ready(app: Flask) -> None:
    """Do before the first call what the first caller would otherwise wait for (~150 ms in all).

    Called in each web worker as it starts (gunicorn.conf.py): the holiday calendar (the
    `holidays` package is imported and this year computed on first use), every language's CLDR
    data, and the worker's first database connection. Whatever fails here, the worker still
    starts: its calls take the usual paths, which recover from errors.
    """
    with app.app_context():
        try:
            line = current_line()
            now = line_now(line.settings)
            line.schedule.status_at(now)
            line.phrasebook.load_locale_data(now)
            get_connection()
        except Exception as error:  # noqa: BLE001 - a worker not quite ready still answers calls
            log.warning("worker started without getting ready (%s)", type(error).__name__)


def current_line() -> Line:
    line: Line = current_app.extensions["ivr.line"]
    return line
