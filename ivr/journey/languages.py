"""The languages of the line: which have their own operators, and how the second menu offers the rest.

Which languages the line speaks, and in what order the menus offer them, is data: prompts/voices.toml.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Language:
    code: str
    english_name: str


# English and Spanish have their own operators (and the first menu); the others are served
# through an interpreter, offered on the second menu in voices.toml's order.
OPERATOR_LANGUAGES = ("en", "es")
ANY_OTHER_LANGUAGE = Language("other", "any other language")
SECOND_MENU_KEYS = tuple(str(digit) for digit in range(1, 10))  # 0 is "any other language"


def second_menu(languages: Sequence[str]) -> dict[str, str]:
    """The second language menu's keys: 1-9 the line's other languages in order, 0 any other."""
    others = [code for code in languages if code not in OPERATOR_LANGUAGES]
    return dict(zip(SECOND_MENU_KEYS, others, strict=False)) | {"0": ANY_OTHER_LANGUAGE.code}
