"""The README's simulated calls, placed through the real line the way a new user places them."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from ivr.devtools.caller import answer, hangup, press, record, say, wait
from ivr.devtools.simulator import simulate
from ivr.models import Voicemail

OPEN = datetime.fromisoformat("2026-11-30T10:00:00-05:00")
THANKSGIVING = datetime.fromisoformat("2026-11-26T10:00:00-05:00")


def test_spanish_caller_in_detention_reports_an_assault_and_is_answered(app: Flask) -> None:
    result = simulate(app, [press("2"), say("me golpearon"), wait(), answer()], at=OPEN)
    assert result.problems == []
    assert result.outcome == "answered"
    assert "Por favor, espere a un operador." in result.said()
    assert {heard.language for heard in result.heard if heard.verb == "Say"} >= {"es-US"}


def test_english_caller_on_thanksgiving_leaves_a_voicemail(app: Flask) -> None:
    result = simulate(
        app,
        [press("1"), press("4"), press("2"), press("2"), record("My brother is sick and gets no medicine")],
        at=THANKSGIVING,
    )
    assert result.problems == []
    assert result.outcome == "voicemail"
    assert "Today is Thanksgiving Day, a federal holiday." in result.said()
    assert "The line opens again on Friday, November 27, at 8 AM Eastern Time." in result.said()
    with app.extensions["ivr.db"]() as session:
        assert session.scalar(select(func.count()).select_from(Voicemail)) == 1


def test_spanish_caller_when_closed_hears_it_in_spanish(app: Flask) -> None:
    saturday = datetime.fromisoformat("2026-11-28T10:00:00-05:00")
    result = simulate(
        app, [press("2"), press("4"), press("2"), press("2"), record("no le dan sus medicinas")], at=saturday
    )
    assert result.problems == [] and result.outcome == "voicemail"
    assert "La línea vuelve a abrir el lunes, 30 de noviembre, a las 8 a.m., hora del Este." in result.said()


def test_english_caller_hangs_up_while_waiting(app: Flask) -> None:
    result = simulate(app, [press("1"), press("4"), press("6"), press("4"), wait(), hangup()], at=OPEN)
    assert result.problems == [] and result.outcome == "abandoned_in_queue"


def test_the_readme_command_places_a_scripted_call(app: Flask) -> None:
    output = app.test_cli_runner().invoke(
        args=[
            "ivr",
            "call",
            "--at",
            "2026-11-30T10:00:00-05:00",
            "--press",
            "2",
            "--say",
            "me golpearon",
            "--wait",
            "--answer",
        ]
    )
    assert output.exit_code == 0, output.output
    assert "[Say es-US Polly.Lupe] Usted es el número 1 en la fila." in output.output
    last_line = output.output.rstrip().splitlines()[-1]
    assert last_line == (
        "Call outcome: answered (language: es, caller type: -, subject: assault, priority: 1, voicemails: 0)"
    )


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed")
def test_a_simulated_voicemail_is_a_local_file_the_development_console_can_play(
    app: Flask, tmp_path: Path
) -> None:
    words = "My brother is sick and gets no medicine"
    simulate(
        app,
        [press("1"), press("4"), press("2"), press("2"), record(words)],
        at=THANKSGIVING,
        recordings=tmp_path,
    )
    with app.extensions["ivr.db"]() as session:
        voicemail = session.scalars(select(Voicemail)).one()
        url = voicemail.recording_url or ""
    assert url.startswith("file://")
    path = Path(url.removeprefix("file://"))
    assert path.parent == tmp_path and path.suffix == ".wav" and path.stat().st_size > 10_000
