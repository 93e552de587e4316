"""Adding a language touches only the files README's "Changing the line" lists: here, German.

The second language menu holds nine languages, so German takes Vietnamese's place in a copy of the
line's data; the code is not touched, except Twilio's table of voices, which has no German pair yet.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from ivr.db import session_scope
from ivr.line import Line
from ivr.models import Call
from ivr.prompts import voices
from ivr.prompts.translations import compile_translations, update_translations
from tests.conftest import Caller, make_app
from tests.conftest import _empty as empty

ROOT = Path(__file__).resolve().parents[2]
GERMAN_VOICE = """
[de]
name = "Deutsch"
say_language = "de-DE"
voice = "Polly.Vicki"
speech_language = "de-DE"
locale = "de_DE"
"""
GERMAN_WORDS = {
    "numbers.de": '0 = ["null"]\n1 = ["eins"]\n2 = ["zwei"]\n3 = ["drei"]\n4 = ["vier"]\n'
    '5 = ["fünf"]\n6 = ["sechs"]\n7 = ["sieben"]\n8 = ["acht"]\n9 = ["neun"]',
}
GERMAN_LISTS = {
    "key_words": ["option", "nummer", "die", "taste"],
    "request_words": ["ich", "möchte", "will", "mit", "einem", "einer", "sprechen", "bitte"],
    "answers.yes": ["ja", "richtig", "genau"],
    "answers.no": ["nein", "falsch"],
    "answers.skip": ["überspringen", "ohne nummer"],
    "answers.operator": ["mitarbeiter*", "person", "jemand"],
    "caller_types.detained": ["inhaftiert", "in haft", "gefängnis"],
    "caller_types.about_detained": ["mein", "meine", "familie", "freund*"],
    "caller_types.attorney": ["anwalt", "anwältin", "rechtsanwalt*"],
}
GERMAN_PROMPTS = {
    "offer_this_language": "Für Deutsch drücken Sie {digit}.",
    "reason_menu": "Um Missbrauch oder einen Angriff zu melden, drücken Sie 1. Bei Menschenhandel oder "
    "einer anderen Straftat drücken Sie 2. Bei einer psychischen Krise drücken Sie 3. "
    "Für alles andere drücken Sie 4.",
}


def with_german_lists(path: Path) -> None:
    """Add a `de = [...]` line to each table of menu_words.toml, and the German numbers."""
    lines, table = [], ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("[") and table in GERMAN_LISTS:
            lines.insert(len(lines) - 1, f"de = {GERMAN_LISTS[table]!r}".replace("'", '"'))
        if line.startswith("["):
            table = line.strip("[]")
        lines.append(line)
    text = "\n".join(lines) + "\n"
    text = text.replace("\n[key_words]\n", f"\n[numbers.de]\n{GERMAN_WORDS['numbers.de']}\n\n[key_words]\n")
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def german(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    prompts, locales = tmp_path / "prompts", tmp_path / "locales"
    shutil.copytree(ROOT / "prompts", prompts)
    shutil.copytree(ROOT / "locales", locales)
    # Twilio reads German with Polly.Vicki and recognises de-DE (its text-to-speech and speech tables).
    monkeypatch.setattr(voices, "TWILIO_SAY_PAIRS", voices.TWILIO_SAY_PAIRS | {("Polly.Vicki", "de-DE")})
    monkeypatch.setattr(voices, "TWILIO_SPEECH_LANGUAGES", voices.TWILIO_SPEECH_LANGUAGES | {"de-DE"})
    text = (prompts / "voices.toml").read_text(encoding="utf-8")
    start = text.index("\n[vi]")
    end = text.find("\n[", start + 1)
    (prompts / "voices.toml").write_text(
        text[:start] + GERMAN_VOICE + (text[end:] if end != -1 else ""), encoding="utf-8"
    )
    return prompts, locales


def test_a_new_language_is_reached_and_heard_after_adding_only_its_data(
    german: tuple[Path, Path], _schema: None, database_dir: Path
) -> None:
    prompts, locales = german
    app: Flask = make_app(database_dir, IVR_PROMPTS=str(prompts), IVR_LOCALES=str(locales))
    line: Line = app.extensions["ivr.line"]
    assert "de" in line.heard_languages
    found = line.menu_problems()
    # The check names every file still to fill: the words callers say, and the recogniser's hints.
    assert any(p.endswith("has no [numbers.de]") for p in found)
    assert any(p.endswith("[caller_types.attorney] has no de list") for p in found)
    assert "caller_type_menu: prompts/speech_hints.toml has no de hints" in found

    with_german_lists(prompts / "menu_words.toml")
    hints = (prompts / "speech_hints.toml").read_text(encoding="utf-8")
    hints = hints.replace("\nvi = ", '\nde = ["ja", "nein", "Anwalt", "inhaftiert"]\nvi = ')
    (prompts / "speech_hints.toml").write_text(hints, encoding="utf-8")
    po = update_translations(line.phrasebook.prompts, locales, "de")
    text = po.read_text(encoding="utf-8")
    for key, german_text in GERMAN_PROMPTS.items():
        text = _translate(text, key, german_text)
    po.write_text(text, encoding="utf-8")
    compile_translations(locales, "de")

    app = make_app(database_dir, IVR_PROMPTS=str(prompts), IVR_LOCALES=str(locales))
    assert app.extensions["ivr.line"].menu_problems() == []
    try:
        caller = Caller(app.test_client())
        menu = caller.call()
        menu = caller.press("3")
        offers = [say for say in menu.iter("Say") if say.attrib.get("language") == "de-DE"]
        assert [say.text for say in offers] == ["Für Deutsch drücken Sie 9."]
        menu = caller.press("9")
        said = {say.attrib["language"]: say.text for say in menu.iter("Say")}
        assert said["de-DE"] and "Um Missbrauch oder einen Angriff zu melden" in " ".join(
            say.text or "" for say in menu.iter("Say")
        )
        assert menu.find("Gather") is not None and menu.find("Gather").attrib["language"] == "de-DE"
        caller.press("4")  # anything else
        caller.press("6")  # another question: who is calling?
        caller.say("ich bin Anwältin")
        with session_scope(app) as session:
            call = session.scalars(select(Call)).one()
            assert (call.language, call.caller_type, call.needs_interpreter) == ("de", "attorney", "de")
    finally:
        empty(app)


def _translate(po_text: str, key: str, translation: str) -> str:
    """Fill the msgstr of one prompt in a .po file's text."""
    marker = f'msgctxt "{key}"\n'
    at = po_text.index(marker)
    empty = po_text.index('msgstr ""', at)
    return po_text[:empty] + f'msgstr "{translation}"' + po_text[empty + len('msgstr ""') :]
