"""Each menu is declared once, and its prompt, the words callers say and the recogniser's hints agree."""

from __future__ import annotations

from dataclasses import replace

from flask import Flask

from ivr.journey.declared import declaration_problems, describe
from ivr.journey.machine import State
from ivr.journey.menus import MENUS, Option
from ivr.line import Line


def problems_of(line: Line, **changes: object) -> list[str]:
    inputs: dict[str, object] = {
        "english": {key: prompt.text for key, prompt in line.phrasebook.prompts.items()},
        "languages": line.languages,
        "speech_languages": line.heard_languages,
        "words": line.words,
        "hints": {
            menu: {lang: line.phrasebook.hints(menu, lang) for lang in line.languages} for menu in MENUS
        },
    }
    return declaration_problems(**(inputs | changes))  # type: ignore[arg-type]


def test_the_shipped_menus_prompts_words_and_hints_agree(app: Flask) -> None:
    assert problems_of(app.extensions["ivr.line"]) == []


def test_a_prompt_that_does_not_name_an_options_key_is_found(app: Flask) -> None:
    line: Line = app.extensions["ivr.line"]
    english = {key: prompt.text for key, prompt in line.phrasebook.prompts.items()}
    english["caller_type_menu"] = english["caller_type_menu"].replace("press 3", "press three")
    assert problems_of(line, english=english) == [
        "caller_type_menu: prompt 'caller_type_menu' never says 'press 3'"
    ]


def test_a_language_the_line_hears_without_words_or_hints_is_found(app: Flask) -> None:
    line: Line = app.extensions["ivr.line"]
    found = problems_of(line, speech_languages=line.heard_languages | {"de"})
    assert "subject_confirm: prompts/speech_hints.toml has no de hints" in found
    assert any(problem.endswith("[answers.yes] has no de list") for problem in found)
    assert any(problem.endswith("[caller_types.attorney] has no de list") for problem in found)


def test_an_option_whose_words_are_not_in_the_words_file_is_found(app: Flask) -> None:
    line: Line = app.extensions["ivr.line"]
    menu = MENUS[State.OPERATOR_OFFER]
    changed = replace(menu, options=(*menu.options, Option("3", "call_back", words=("answers.call_back",))))
    found = problems_of(line, menus=dict(MENUS) | {menu.state: changed})
    assert "operator_offer: prompt 'operator_offer' never says 'press 3'" in found
    assert any(problem.endswith("[answers.call_back] has no en list") for problem in found)


def test_the_printed_flow_comes_from_the_declaration() -> None:
    rows = {row[0]: row for row in describe(("en", "es", "pt", "fr"))}
    assert set(rows) == {menu.value for menu in MENUS}
    caller_type = rows["caller_type_menu"]
    assert caller_type[1] == "caller_type_menu"
    for option in MENUS[State.CALLER_TYPE_MENU].options:
        assert f"{option.key} {option.value}" in caller_type[2]
    assert "1 yes (answers.yes)" in rows["subject_confirm"][2]
    assert rows["other_language_menu"][2].startswith("1 pt; 2 fr; 0 other;")
