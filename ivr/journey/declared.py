"""What the menus' declaration says of itself: the table `flask ivr flow` prints, and where the
menus, their prompts, the words callers say and the recogniser's hints disagree (`prompts check`)."""

from __future__ import annotations

from collections.abc import Mapping

from ivr.journey.languages import OPERATOR_LANGUAGES, SECOND_MENU_KEYS
from ivr.journey.machine import MAX_ATTEMPTS, State
from ivr.journey.menus import MENUS, Menu
from ivr.journey.speech import MenuWords


def word_entries(menus: Mapping[State, Menu] = MENUS) -> frozenset[str]:
    """Every prompts/menu_words.toml entry the menus name."""
    return frozenset(word for menu in menus.values() for option in menu.options for word in option.words)


def describe(languages: tuple[str, ...] = ("en", "es")) -> list[tuple[str, str, str, str]]:
    """The flow as a table for supervisors: each menu, its prompt, what it takes, its safe default.

    `languages` are the line's, in voices.toml's order: they make the second language menu.
    """
    rows = []
    for menu in MENUS.values():
        options = menu.options_from(languages) if menu.options_from else menu.options
        choices = [f"{o.key} {o.value}" + (f" ({', '.join(o.words)})" if o.words else "") for o in options]
        if menu.beyond:
            choices.append(menu.beyond)
        if not menu.entry:
            choices.append("* repeats")
        default = menu.on_exhausted.__name__.strip("_").replace("_", " ")
        rows.append(
            (menu.state.value, menu.prompt, "; ".join(choices), f"after {MAX_ATTEMPTS} tries: {default}")
        )
    return rows


def declaration_problems(
    english: dict[str, str],
    languages: tuple[str, ...],
    speech_languages: frozenset[str],
    words: MenuWords,
    hints: Mapping[str, Mapping[str, list[str]]],
    menus: Mapping[State, Menu] = MENUS,
) -> list[str]:
    """Where the menus, their prompts, the words callers say and the recogniser's hints disagree.

    `english` is each prompt's English text by key; `languages` the line's, in the menus' order;
    `speech_languages` those the line listens to; `hints` speech_hints.toml, menu by menu.
    """
    problems = []
    if len([code for code in languages if code not in OPERATOR_LANGUAGES]) > len(SECOND_MENU_KEYS):
        problems.append(
            "voices.toml: the second language menu has keys 1-9: at most 9 languages after en, es"
        )
    for menu in menus.values():
        said = (menu.prompt, menu.keypad_prompt, menu.closed_prompt, menu.invite, menu.invite_keypad)
        for key in (*said, *(o.prompt for o in menu.options)):
            if key is not None and key not in english:
                problems.append(f"{menu.state}: prompt {key!r} is not in prompts/catalog.toml")
        for prompt in (menu.prompt, menu.keypad_prompt, menu.closed_prompt) if menu.say is None else ():
            for option in menu.options if prompt in english else ():
                spoken = "star" if option.key == "*" else option.key
                if f"press {spoken}" not in english[prompt]:  # type: ignore[index]
                    problems.append(f"{menu.state}: prompt {prompt!r} never says 'press {spoken}'")
        takes_words = menu.words is not None or any(option.words for option in menu.options)
        for language in sorted(speech_languages):
            if takes_words and menu.options and not hints.get(menu.state, {}).get(language):
                problems.append(f"{menu.state}: prompts/speech_hints.toml has no {language} hints")
    problems += [f"speech_hints.toml: [{name}] is not a menu" for name in sorted(set(hints) - set(menus))]
    return problems + words.problems(sorted(speech_languages), word_entries(menus))
