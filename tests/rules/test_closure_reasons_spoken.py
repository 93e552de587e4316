"""A closure's reason is said to every caller in their language, or `check-hours` refuses the file
until it has each translation and its Haitian Creole audio (a played language)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from cryptography.fernet import Fernet
from flask import Flask

from ivr.cli.hours import hours_check_command
from ivr.config import load_settings
from ivr.prompts.audio import slug

ROOT = Path(__file__).resolve().parents[2]
HEADER = (ROOT / "schedules" / "hours.toml").read_text(encoding="utf-8")
OTHER_LANGUAGES = ("es", "pt", "ht", "zh", "pa", "hi", "ru", "fr", "ar", "vi")
HT_REASON = "yon chanjman sistèm telefòn nan"


def closure(day: str, languages: tuple[str, ...]) -> str:
    lines = ["", "[[closure]]", f"date = {day}", 'reason = "a telephone system upgrade"']
    lines += [f'reason_{code} = "{HT_REASON if code == "ht" else "upgrade " + code}"' for code in languages]
    return "\n".join(lines) + "\n"


@pytest.fixture
def check(tmp_path: Path) -> Callable[[str], Result]:
    """Run check-hours on the shipped file plus `extra`, on Monday 2026-11-30, with a copy of the prompts."""
    prompts = tmp_path / "prompts"
    shutil.copytree(ROOT / "prompts", prompts, ignore=shutil.ignore_patterns("audio"))

    def run(extra: str) -> Result:
        schedule = tmp_path / "hours.toml"
        schedule.write_text(HEADER + extra, encoding="utf-8")
        settings = load_settings(
            environ={
                "IVR_ENV": "testing",
                "SECRET_KEY": "test-secret-key",
                "TWILIO_AUTH_TOKEN": "test-auth-token",
                "IVR_DATA_KEY": Fernet.generate_key().decode(),
                "IVR_SCHEDULE": str(schedule),
                "IVR_PROMPTS": str(prompts),
                "IVR_FIXED_TIME": "2026-11-30T10:00:00-05:00",
            },
            instance_path=tmp_path / "instance",
        )
        app = Flask(__name__)
        app.config.update(settings.as_flask_config())
        return app.test_cli_runner().invoke(hours_check_command, [])

    return run


def line_of_closure(schedule_text: str) -> int:
    return next(n for n, line in enumerate(schedule_text.splitlines(), 1) if line == "[[closure]]")


def test_a_closure_with_only_a_spanish_reason_is_refused_naming_its_line_and_each_missing_language(
    check: Callable[[str], Result], tmp_path: Path
) -> None:
    result = check(closure("2026-12-24", ("es",)))
    assert result.exit_code == 1
    line = line_of_closure(HEADER + closure("2026-12-24", ("es",)))
    assert f"{tmp_path / 'hours.toml'}, line {line}: the [[closure]] of 2026-12-24" in result.output
    for code in OTHER_LANGUAGES[1:]:
        assert f"has no reason_{code}:" in result.output
    assert "has no reason_es" not in result.output
    assert "Add reason_pt" in result.output and "OK:" not in result.output


def test_a_fully_translated_closure_still_needs_its_haitian_creole_audio(
    check: Callable[[str], Result], tmp_path: Path
) -> None:
    result = check(closure("2026-12-24", OTHER_LANGUAGES))
    assert result.exit_code == 1
    audio = tmp_path / "prompts" / "audio" / "ht" / "words" / f"{slug(HT_REASON)}.wav"
    assert f"has no Kreyòl ayisyen audio of '{HT_REASON}' ({audio})" in result.output
    assert "prompts build" in result.output

    audio.parent.mkdir(parents=True)
    audio.write_bytes(b"RIFF")  # a recording dropped in place
    result = check(closure("2026-12-24", OTHER_LANGUAGES))
    assert result.exit_code == 0, result.output
    assert "Closures: 1" in result.output


def test_a_closure_that_is_over_is_not_held_against_the_file(check: Callable[[str], Result]) -> None:
    result = check(closure("2026-11-27", ()))
    assert result.exit_code == 0, result.output
