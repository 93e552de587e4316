"""The whisper: what an operator hears about the caller before the caller joins them."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr.config import PROJECT_ROOT
from ivr.desk.whisper import Whisper
from ivr.prompts.catalog import PromptError

CATALOG = PROJECT_ROOT / "prompts" / "catalog.toml"


@pytest.fixture(scope="module")
def whisper() -> Whisper:
    return Whisper.load(CATALOG)


def test_an_urgent_spanish_call_from_detention_says_so_first(whisper: Whisper) -> None:
    assert whisper.of("es", None, "detained", "assault") == [
        "Urgent call.",
        "The caller speaks Spanish.",
        "Caller: a person in detention.",
        "Calling about sexual or physical assault or abuse.",
    ]


def test_a_caller_in_another_language_needs_an_interpreter_named_in_english(whisper: Whisper) -> None:
    said = whisper.of("ht", "ht", "about_detained", "detention_conditions")
    assert (
        said[0] == "Needs an interpreter: Haitian Creole. Add the interpreter service when you are connected."
    )
    assert said[1] == "Caller: someone calling about a person in detention."
    assert whisper.of("zh", "zh", None, None)[0].startswith("Needs an interpreter: Mandarin Chinese.")
    assert whisper.of(None, "other", None, None)[0].startswith(
        "Needs an interpreter: a language the line does not offer."
    )


def test_a_caller_who_chose_nothing_is_described_as_such(whisper: Whisper) -> None:
    assert whisper.of(None, None, None, None) == [
        "The caller chose no language: they heard English and Spanish.",
        "Caller: not given.",
        "Calling about a subject not given.",
    ]


def test_the_whisper_never_carries_what_the_caller_said_or_their_number(whisper: Whisper) -> None:
    # Only the call's categories reach it: an operator's phone may be heard by others.
    said = " ".join(whisper.of("en", None, "attorney", "case_information"))
    assert said == (
        "The caller speaks English. Caller: an attorney or accredited representative. "
        "Calling about basic case information."
    )


def test_a_whisper_file_missing_a_sentence_stops_start_up_naming_it(tmp_path: Path) -> None:
    (tmp_path / "catalog.toml").write_text(CATALOG.read_text())
    (tmp_path / "whisper.toml").write_text('[whisper_urgent]\ntext = "Urgent call."\n')
    with pytest.raises(PromptError, match=r"whisper\.toml: add \[whisper_language\]"):
        Whisper.load(tmp_path / "catalog.toml")
