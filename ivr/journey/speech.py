"""Understand short spoken answers at a menu: a key said aloud, yes or no, a language's name."""

from __future__ import annotations

import re
import unicodedata

NUMBER_WORDS = {
    "zero": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "cero": "0",
    "uno": "1",
    "una": "1",
    "dos": "2",
    "tres": "3",
    "cuatro": "4",
    "cinco": "5",
    "seis": "6",
    "siete": "7",
    "ocho": "8",
    "nueve": "9",
}
YES = {"yes", "yeah", "yep", "correct", "right", "si", "correcto", "claro", "exacto", "ok", "okay"}
NO = {"no", "nope", "wrong", "incorrect", "incorrecto"}

# A caller may say the language's name in English, in Spanish or in the language itself.
LANGUAGE_NAMES = {
    "en": ("english", "ingles"),
    "es": ("spanish", "espanol", "castellano"),
    "pt": ("portuguese", "portugues", "portugues"),
    "ht": ("creole", "kreyol", "criollo", "haitian", "haitiano"),
    "zh": ("mandarin", "chinese", "chino", "mandarin", "zhongwen", "putonghua"),
    "pa": ("punjabi", "panyabi", "panjabi"),
    "hi": ("hindi",),
    "ru": ("russian", "ruso", "russkiy", "russki"),
    "fr": ("french", "frances", "francais"),
    "ar": ("arabic", "arabe", "arabi"),
    "vi": ("vietnamese", "vietnamita", "tieng viet"),
}


def normalize(text: str) -> str:
    """Lowercase, strip accents and punctuation, squeeze spaces: what recognisers vary in."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w\s]", " ", plain).split())


def spoken_digits(text: str) -> str:
    """Return the digits said, whether recognised as numerals or as words ("cero uno dos")."""
    digits = []
    for word in normalize(text).split():
        if word.isdigit():
            digits.append(word)
        elif word in NUMBER_WORDS:
            digits.append(NUMBER_WORDS[word])
    return "".join(digits)


def spoken_key(text: str) -> str | None:
    """Return the single key a caller said ("two", "el dos", "2."), or None."""
    digits = spoken_digits(text)
    return digits if len(digits) == 1 else None


def yes_or_no(text: str) -> bool | None:
    words = set(normalize(text).split())
    if words & YES and not words & NO:
        return True
    if words & NO and not words & YES:
        return False
    return None


def language_named(text: str) -> str | None:
    said = normalize(text)
    for language, names in LANGUAGE_NAMES.items():
        if any(re.search(rf"\b{name}\b", said) for name in names):
            return language
    return None
