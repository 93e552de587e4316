"""The line's data, loaded and validated once at start-up: hours, field offices, prompts, voices."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app

from ivr.classifier import default_phrase_book
from ivr.config import Settings
from ivr.field_offices import FieldOffices
from ivr.hours import Schedule
from ivr.prompts import Phrasebook


@dataclass(frozen=True)
class Line:
    settings: Settings
    schedule: Schedule
    offices: FieldOffices
    phrasebook: Phrasebook

    @classmethod
    def load(cls, settings: Settings) -> Line:
        return cls(
            settings,
            Schedule.load(settings.schedule_path),
            FieldOffices.load(settings.field_offices_path),
            Phrasebook.load(settings.prompt_catalog_path, settings.voices_path, settings.locales_path),
        )


def init_app(app: Flask) -> None:
    app.extensions["ivr.line"] = Line.load(app.config["IVR"])
    # Read the speech phrases now, so a broken file stops start-up rather than a caller's turn.
    default_phrase_book()


def current_line() -> Line:
    line: Line = current_app.extensions["ivr.line"]
    return line
