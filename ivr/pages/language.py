"""The screens' language: English or Spanish, from the person's choice, else their browser's."""

from __future__ import annotations

from flask import Flask, request, session
from flask_babel import Babel, get_locale

# The screens' own gettext domain, apart from the caller prompts' `messages` in the same folders:
# locales/<language>/LC_MESSAGES/screens.po (`flask ivr translate`, README).
SCREENS_DOMAIN = "screens"
# English is the source text; Spanish is translated. Each name is said in its own language.
SCREEN_LANGUAGES = {"en": "English", "es": "Español"}
DEFAULT_SCREEN_LANGUAGE = "en"
# Operators work in the line's zone (console.md): dates and times on every screen are Eastern.
SCREENS_TIMEZONE = "America/New_York"
SESSION_KEY = "screen_language"


def screen_language() -> str:
    """The language of this request's screen: chosen with the switch (kept in the session, and in
    the account at sign-in), else the browser's preference, else English."""
    chosen = session.get(SESSION_KEY)
    if chosen in SCREEN_LANGUAGES:
        return str(chosen)
    return request.accept_languages.best_match(SCREEN_LANGUAGES) or DEFAULT_SCREEN_LANGUAGE


def remember_screen_language(language: str) -> None:
    if language in SCREEN_LANGUAGES:
        session[SESSION_KEY] = language


def init_app(app: Flask) -> None:
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(app.config["IVR"].locales_path)
    app.config["BABEL_DOMAIN"] = SCREENS_DOMAIN
    app.config["BABEL_DEFAULT_LOCALE"] = DEFAULT_SCREEN_LANGUAGE
    app.config["BABEL_DEFAULT_TIMEZONE"] = SCREENS_TIMEZONE
    Babel(app, locale_selector=screen_language)
    app.jinja_env.globals["get_locale"] = get_locale
