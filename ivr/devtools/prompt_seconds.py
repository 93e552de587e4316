"""How many seconds of prompts a caller hears on a named path before reaching a person, per language.

The path is walked by the call simulator (the app answers as it would Twilio), and each sentence the
caller hears before the queue (or the recording) is read by espeak-ng at a telephone voice's pace and
measured with sox: an estimate of Twilio's voices, measured rather than guessed. Played audio (the
languages without a Twilio voice) is measured from its own files.
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask

from ivr.devtools.caller import Step, hangup, press
from ivr.devtools.simulator import simulate
from ivr.devtools.twilio_call import Heard

# espeak-ng's voices for the languages Twilio speaks; its default pace (175 words a minute) is
# faster than Polly's, 150 is close to it.
ESPEAK_VOICES = {
    "en-US": "en-us",
    "es-US": "es-419",
    "pt-BR": "pt-br",
    "fr-FR": "fr",
    "ru-RU": "ru",
    "arb": "ar",
    "hi-IN": "hi",
    "vi-VN": "vi",
    "cmn-CN": "cmn",
    "pa-IN": "pa",
}
WORDS_PER_MINUTE = 150
OPEN = datetime.fromisoformat("2026-11-30T10:00:00-05:00")  # a Monday morning: the line is open


@dataclass(frozen=True)
class MenuPath:
    """A named way through the menus: the keys a caller presses after choosing their language."""

    name: str
    keys_after_language: tuple[str, ...]
    description: str


# The paths whose length matters most; "urgent" is the one the 45-second goal is about.
PATHS = {
    path.name: path
    for path in (
        MenuPath("urgent", ("1",), "a person in detention reporting an assault, pressing 1"),
        MenuPath("question", ("4", "6", "4"), "anyone else, with another question: 4, 6, 4"),
    )
}


def language_keys(app: Flask) -> dict[str, tuple[str, ...]]:
    """The keys that choose each language at the language menus."""
    from ivr.journey.languages import second_menu

    languages = app.extensions["ivr.line"].languages
    return {"en": ("1",), "es": ("2",)} | {
        code: ("3", key) for key, code in second_menu(languages).items() if code in languages
    }


def walk(app: Flask, language: str, path: MenuPath) -> list[Heard]:
    """What the caller hears before the queue or the recording: every Say and Play, in order."""
    keys = (*language_keys(app)[language], *path.keys_after_language)
    steps: Sequence[Step] = [*(press(key) for key in keys), hangup()]
    result = simulate(app, steps, at=OPEN, max_wait_loops=0)
    heard = []
    for item in result.heard:
        if item.verb in ("Enqueue", "Record", "Hangup"):
            break
        if item.verb in ("Say", "Play"):
            heard.append(item)
    return heard


def seconds(app: Flask, heard: Sequence[Heard]) -> float:
    """The estimated seconds of audio of what was heard."""
    total = 0.0
    audio_root = app.config["IVR"].audio_path
    for item in heard:
        if item.verb == "Play" and item.url:
            total += _wav_seconds(audio_root / urlsplit(item.url).path.removeprefix("/audio/"))
        elif item.verb == "Say":
            total += _spoken_seconds(ESPEAK_VOICES.get(item.language or "", "en-us"), item.text)
    return total


@cache
def _spoken_seconds(espeak_voice: str, text: str) -> float:
    with tempfile.TemporaryDirectory() as scratch:
        target = Path(scratch) / "said.wav"
        subprocess.run(  # noqa: S603 - fixed tools, arguments are ours
            ["espeak-ng", "-v", espeak_voice, "-s", str(WORDS_PER_MINUTE), "-w", str(target), text],  # noqa: S607 - a fixed tool found on PATH
            check=True,
            capture_output=True,
        )
        return _wav_seconds(target)


def _wav_seconds(path: Path) -> float:
    found = subprocess.run(  # noqa: S603 - as above
        ["soxi", "-D", str(path)],  # noqa: S607 - sox's own tool, from PATH like espeak-ng
        check=True,
        capture_output=True,
        text=True,
    )
    return float(found.stdout.strip())
