"""Every caller in their own language: the whole journey, each prompt in it, spoken or played."""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask

from ivr.journey.languages import second_menu
from ivr.line import Line
from ivr.prompts.hold_music import HOLD_MUSIC
from ivr.prompts.voices import load_voices
from tests.conftest import Caller

VOICES = load_voices(Path(__file__).resolve().parents[2] / "prompts" / "voices.toml")
KEYS_TO_CHOOSE = {"en": ["1"], "es": ["2"]} | {
    code: ["3", key] for key, code in second_menu(list(VOICES)).items() if code in VOICES
}


def english_sentences(line: Line) -> set[str]:
    """Every English prompt's fixed words: none may be heard by a caller who chose another language."""
    pieces = set()
    for prompt in line.phrasebook.prompts.values():
        for literal, *_ in string.Formatter().parse(prompt.text):
            if len(literal.strip(" ,.:")) > 12:
                pieces.add(literal.strip(" ,.:"))
    return pieces


def check_in_language(app: Flask, caller: Caller, language: str) -> None:
    """Each Say uses the language's own voice pair and no English; each Play is a file that is served."""
    assert caller.twiml is not None
    voice = VOICES[language]
    line: Line = app.extensions["ivr.line"]
    english = english_sentences(line) if language != "en" else set()
    for element in caller.twiml.iter():
        if element.tag == "Say":
            assert (element.attrib["voice"], element.attrib["language"]) == (voice.voice, voice.say_language)
            assert not any(sentence in (element.text or "") for sentence in english), element.text
        elif element.tag == "Play":
            path = (element.text or "").removeprefix(app.config["IVR"].public_url)
            # Prompts are played only in languages without a voice; hold music is for everyone.
            assert voice.plays_audio or path == "/audio/" + HOLD_MUSIC
            served = app.test_client().get(path)
            assert served.status_code == 200 and served.mimetype == "audio/wav", path
            served.close()
    gather = caller.twiml.find("Gather")
    if gather is not None and "speech" in gather.attrib.get("input", "dtmf"):
        assert voice.speech_language and gather.attrib["language"] == voice.speech_language


def choose(app: Flask, caller: Caller, language: str) -> None:
    caller.call()
    for key in KEYS_TO_CHOOSE[language]:
        caller.press(key)
    check_in_language(app, caller, language)


def test_every_language_of_the_voice_table_can_be_chosen() -> None:
    assert set(KEYS_TO_CHOOSE) == set(VOICES)
    assert len(VOICES) == 11


@pytest.mark.parametrize("language", sorted(KEYS_TO_CHOOSE))
def test_open_line_journey_in_every_language(app: Flask, caller: Caller, language: str) -> None:
    choose(app, caller, language)
    caller.press("4")  # anything else
    check_in_language(app, caller, language)
    caller.press("4")  # basic case information
    check_in_language(app, caller, language)
    caller.press("2")  # calling about someone in detention
    check_in_language(app, caller, language)
    caller.press("12345")  # too short
    check_in_language(app, caller, language)
    caller.press("123456789")
    check_in_language(app, caller, language)
    caller.press("1")  # the read-back is right; the G-28 notice follows, then the queue
    check_in_language(app, caller, language)
    caller.enqueue()
    caller.wait_in_queue()
    check_in_language(app, caller, language)


@pytest.mark.parametrize("language", sorted(KEYS_TO_CHOOSE))
def test_closed_line_journey_in_every_language(caller_at: Callable[..., Caller], language: str) -> None:
    caller = caller_at("2026-11-26T21:00:00-05:00")  # Thanksgiving night
    app = caller.client.application
    choose(app, caller, language)
    caller.press("4")  # anything else
    caller.press("5")  # case review
    caller.press("1")  # in detention; then the field office
    check_in_language(app, caller, language)
    caller.press("62#")  # Massachusetts or North Carolina
    check_in_language(app, caller, language)
    caller.press("1")
    check_in_language(app, caller, language)
    caller.press("1")  # an operator: closed, so a voicemail
    check_in_language(app, caller, language)
    assert "Record" in caller.verbs()
    caller.record()
    check_in_language(app, caller, language)


def test_closed_message_names_the_day_in_the_callers_language(caller_at: Callable[..., Caller]) -> None:
    expectations = {
        "pt": "segunda-feira, 30 de novembro",
        "fr": "lundi 30 novembre",
        "ru": "понедельник, 30 ноября",
        "es": "lunes, 30 de noviembre",
    }
    for number, (language, day) in enumerate(expectations.items()):
        caller = caller_at("2026-11-28T10:00:00-05:00")
        caller.call_sid = f"CA{number:032d}"
        choose(caller.client.application, caller, language)
        caller.press("1")
        assert day in caller.heard_text(), (language, caller.heard_text())
        assert "Monday" not in caller.heard_text()


def test_haitian_creole_plays_the_date_in_its_own_words(caller_at: Callable[..., Caller]) -> None:
    caller = caller_at("2026-11-28T10:00:00-05:00")
    app = caller.client.application
    choose(app, caller, "ht")
    caller.press("1")
    audio = app.extensions["ivr.line"].audio
    plays = [element.text for element in caller.twiml.iter("Play")]  # type: ignore[union-attr]
    for word in ("lendi", "30", "novanm", "8è"):
        assert any(text and text.endswith(audio.word_file("ht", word)) for text in plays), word


def test_needs_interpreter_flag_names_the_language(app: Flask, caller: Caller) -> None:
    from sqlalchemy import select

    from ivr.models import QueueEntry

    choose(app, caller, "vi")
    caller.press("1")
    caller.enqueue()
    with app.extensions["ivr.db"]() as session:
        entry = session.scalar(select(QueueEntry))
        assert entry is not None and entry.needs_interpreter == "vi"


def test_english_and_spanish_callers_wait_for_their_own_operators(app: Flask, caller: Caller) -> None:
    from sqlalchemy import select

    from ivr.models import QueueEntry

    choose(app, caller, "es")
    caller.press("1")
    with app.extensions["ivr.db"]() as session:
        entry = session.scalar(select(QueueEntry))
        assert entry is not None and entry.language == "es" and entry.needs_interpreter is None


def test_prompt_check_names_each_gap(app: Flask, tmp_path: Path) -> None:
    broken = tmp_path / "voices.toml"
    text = (Path(__file__).resolve().parents[2] / "prompts" / "voices.toml").read_text()
    broken.write_text(re.sub(r'voice = "Polly.Camila"', 'voice = "Polly.Joanna"', text))
    from tests.conftest import make_app

    bad = make_app(tmp_path, IVR_VOICES=str(broken))
    result = bad.test_cli_runner().invoke(args=["ivr", "prompts", "check"])
    assert result.exit_code != 0
    assert (
        "pt: <Say voice='Polly.Joanna' language='pt-BR'> is not a pair in Twilio's voice table"
        in result.output
    )


def test_prompt_check_passes_on_the_shipped_prompts(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["ivr", "prompts", "check"])
    assert result.exit_code == 0, result.output
