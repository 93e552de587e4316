"""The seconds of prompts on a path are measured from what the simulated caller really hears."""

from __future__ import annotations

import re
import shutil

import pytest
from click.testing import CliRunner
from flask import Flask

from ivr.devtools.prompt_seconds import PATHS, seconds, walk

needs_espeak = pytest.mark.skipif(
    shutil.which("espeak-ng") is None or shutil.which("soxi") is None,
    reason="espeak-ng and sox not installed",
)


def test_the_urgent_path_is_what_the_caller_hears_before_the_queue(app: Flask) -> None:
    heard = walk(app, "en", PATHS["urgent"])
    texts = [item.text for item in heard]
    assert texts[0].startswith("Thank you for calling")
    assert any(text.startswith("To report abuse or an assault, press 1.") for text in texts)
    assert not any("in detention" in text for text in texts)  # an urgent report is not asked who calls
    assert not any("in danger right now" in text for text in texts)  # the safety notice waits for the hold
    assert texts[-1] == "Please hold for an operator."


@needs_espeak
@pytest.mark.parametrize("language", ["en", "es"])
def test_the_urgent_path_takes_at_most_45_seconds_of_prompts(app: Flask, language: str) -> None:
    # Issue 12: a detained person reporting an assault, listening to every prompt in full.
    assert seconds(app, walk(app, language, PATHS["urgent"])) <= 45


@needs_espeak
def test_more_words_take_more_seconds(app: Flask) -> None:
    heard = walk(app, "es", PATHS["urgent"])
    total = seconds(app, heard)
    assert 0 < seconds(app, heard[:1]) < total
    assert total == pytest.approx(sum(seconds(app, [item]) for item in heard), rel=0.01)


@needs_espeak
def test_the_command_prints_seconds_per_language(app: Flask) -> None:
    result = CliRunner().invoke(
        app.cli, ["ivr", "prompts", "seconds", "--path", "urgent", "--language", "en", "--language", "ht"]
    )
    assert result.exit_code == 0, result.output
    rows = [line.split() for line in result.output.splitlines() if re.match(r"^[a-z]{2,3} +[0-9.]+ s ", line)]
    lines = {row[0]: float(row[1]) for row in rows}
    assert set(lines) == {"en", "ht"} and all(value > 10 for value in lines.values())
