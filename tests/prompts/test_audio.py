"""Prompts for languages Twilio cannot speak are played from audio pieces, in the language's order."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from ivr.prompts.audio import AudioBook
from ivr.prompts.catalog import Day, Digits, PromptText, Said, Time
from ivr.prompts.phrasebook import Phrasebook
from ivr.prompts.translations import compile_translations

CATALOG = """
[next_opening]
text = "The line opens again on {day}, at {time} Eastern Time."
note = ""

[a_number_readback]
text = "You entered {digits}. If that is right, press 1."
note = ""

[closed_holiday]
text = "Today is {holiday}, a federal holiday."
note = ""

[holiday_labor_day]
text = "Labor Day"
note = ""

[queue_estimated_wait]
text = "The wait is about {minutes} minute."
plural = "The wait is about {minutes} minutes."
count = "minutes"
note = ""
"""

VOICES = """
[en]
name = "English"
say_language = "en-US"
voice = "Polly.Joanna"
locale = "en_US"

[ht]
name = "Kreyòl ayisyen"
espeak_voice = "ht"
locale = "ht"
weekdays = ["lendi", "madi", "mèkredi", "jedi", "vandredi", "samdi", "dimanch"]
months = ["janvye", "fevriye", "mas", "avril", "me", "jen", "jiyè", "out", "septanm",
          "oktòb", "novanm", "desanm"]
day_format = "{weekday} {day} {month}"
time_format = "{hour}è{minute}"
"""

HAITIAN: dict[str, str | tuple[str, ...]] = {
    # The value comes first in Haitian Creole here: the pieces must follow the translation's order.
    "next_opening": "{day} a {time}, liy lan ap louvri ankò.",
    "a_number_readback": "Ou antre {digits}. Si se sa, peze 1.",
    "closed_holiday": "Jodi a se {holiday}, yon jou ferye federal.",
    "holiday_labor_day": "Fèt Travay",
    # Said of one, "yon minit" has no number to play; every other count is played between two pieces.
    "queue_estimated_wait": (
        "Tan pou tann lan se anviwon yon minit.",
        "Tan pou tann lan se anviwon {minutes} minit.",
    ),
}


@pytest.fixture
def audio(tmp_path: Path) -> AudioBook:
    (tmp_path / "catalog.toml").write_text(CATALOG)
    (tmp_path / "voices.toml").write_text(VOICES)
    catalog = Catalog(locale="ht")
    for key, text in HAITIAN.items():
        catalog.add("x" if isinstance(text, str) else ("x", "xs"), string=text, context=key)
    po = tmp_path / "locales" / "ht" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    with po.open("wb") as handle:
        write_po(handle, catalog)
    compile_translations(tmp_path / "locales", "ht")
    phrasebook = Phrasebook.load(tmp_path / "catalog.toml", tmp_path / "voices.toml", tmp_path / "locales")
    return AudioBook(phrasebook, tmp_path / "audio")


def test_pieces_follow_the_translations_order(audio: AudioBook) -> None:
    monday = datetime(2026, 11, 30, 8, 0)
    pieces = audio.pieces(Said("next_opening", {"day": Day(monday), "time": Time(monday)}), "ht")
    words = [audio.word_file("ht", w) for w in ("lendi", "30", "novanm", "8è")]
    assert pieces == [
        words[0],
        words[1],
        words[2],
        "ht/next_opening.0.wav",
        words[3],
        "ht/next_opening.1.wav",
    ]


def test_digits_are_read_back_one_piece_each(audio: AudioBook) -> None:
    pieces = audio.pieces(Said("a_number_readback", {"digits": Digits("012")}), "ht")
    assert pieces == [
        "ht/a_number_readback.0.wav",
        audio.word_file("ht", "0"),
        audio.word_file("ht", "1"),
        audio.word_file("ht", "2"),
        "ht/a_number_readback.1.wav",
    ]


def test_a_prompt_inside_a_prompt_plays_its_own_file(audio: AudioBook) -> None:
    pieces = audio.pieces(Said("closed_holiday", {"holiday": PromptText("holiday_labor_day")}), "ht")
    assert pieces == ["ht/closed_holiday.0.wav", "ht/holiday_labor_day.wav", "ht/closed_holiday.1.wav"]


def test_a_counted_prompt_plays_the_pieces_of_the_form_its_count_takes(audio: AudioBook) -> None:
    assert audio.pieces(Said("queue_estimated_wait", {"minutes": 1}), "ht") == [
        "ht/queue_estimated_wait.form0.wav"
    ]
    assert audio.pieces(Said("queue_estimated_wait", {"minutes": 12}), "ht") == [
        "ht/queue_estimated_wait.form1.0.wav",
        audio.word_file("ht", "12"),
        "ht/queue_estimated_wait.form1.1.wav",
    ]
    wanted = audio.wanted("ht")
    assert wanted["ht/queue_estimated_wait.form0.wav"] == "Tan pou tann lan se anviwon yon minit."
    assert wanted["ht/queue_estimated_wait.form1.0.wav"] == "Tan pou tann lan se anviwon"
    assert wanted["ht/queue_estimated_wait.form1.1.wav"] == "minit."


def test_every_piece_a_caller_could_hear_is_wanted(audio: AudioBook) -> None:
    wanted = audio.wanted("ht", names=["Los Angeles"])
    assert wanted["ht/next_opening.1.wav"] == "liy lan ap louvri ankò."
    assert wanted[audio.word_file("ht", "novanm")] == "novanm"
    assert wanted[audio.word_file("ht", "Los Angeles")] == "Los Angeles"
    assert audio.word_file("ht", "8è30") in wanted


@pytest.mark.skipif(
    shutil.which("espeak-ng") is None or shutil.which("sox") is None, reason="needs espeak-ng"
)
def test_build_makes_phone_audio_and_keeps_a_human_recording(audio: AudioBook) -> None:
    made, kept, removed = audio.build("ht", names=["Miami"])
    assert made == len(audio.wanted("ht", names=["Miami"])) and kept == removed == 0
    assert audio.missing("ht", names=["Miami"]) == []
    assert (audio.root / "ht/queue_estimated_wait.form0.wav").read_bytes()[:4] == b"RIFF"  # each form's own
    greeting = audio.root / "ht/holiday_labor_day.wav"
    header = greeting.read_bytes()[:64]
    assert header[:4] == b"RIFF" and int.from_bytes(header[24:28], "little") == 8000  # 8 kHz
    # A person records the prompt and drops the file in place: later builds keep it.
    greeting.write_bytes(b"RIFF-human-recording")
    made, kept, removed = audio.build("ht", names=["Miami"])
    assert made == 0 and greeting.read_bytes() == b"RIFF-human-recording"
    # A name no longer needed is removed, unless a person recorded it.
    made, kept, removed = audio.build("ht", names=[])
    assert removed == 1
