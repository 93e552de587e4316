"""The languages callers speak, in the order the second language menu offers them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Language:
    code: str
    english_name: str
    native_name: str


# English and Spanish have their own operators; the others are served through an interpreter.
OPERATOR_LANGUAGES = ("en", "es")

OTHER_LANGUAGES = (
    Language("pt", "Portuguese", "Português"),
    Language("ht", "Haitian Creole", "Kreyòl ayisyen"),
    Language("zh", "Mandarin", "中文"),
    Language("pa", "Punjabi", "ਪੰਜਾਬੀ"),
    Language("hi", "Hindi", "हिन्दी"),
    Language("ru", "Russian", "Русский"),
    Language("fr", "French", "Français"),
    Language("ar", "Arabic", "العربية"),
    Language("vi", "Vietnamese", "Tiếng Việt"),
)
ANY_OTHER_LANGUAGE = Language("other", "any other language", "any other language")

# Keys 1-9 of the second menu, 0 for any other language.
OTHER_LANGUAGE_BY_DIGIT = {str(i): lang for i, lang in enumerate(OTHER_LANGUAGES, start=1)} | {
    "0": ANY_OTHER_LANGUAGE
}
LANGUAGE_NAMES = {lang.code: lang.english_name for lang in (*OTHER_LANGUAGES, ANY_OTHER_LANGUAGE)} | {
    "en": "English",
    "es": "Spanish",
}
