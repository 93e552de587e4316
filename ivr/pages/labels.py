"""The screens' words for the line's own values: operators' states, roles, ways of being reached.

Module-level, so lazy: each is translated when a page shows it, in that page's language.
"""

from __future__ import annotations

from babel import Locale, UnknownLocaleError
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from ivr.models import OperatorState, Reach, Role

OPERATOR_STATES: dict[str, object] = {
    OperatorState.OFFLINE: _l("Offline"),
    OperatorState.AVAILABLE: _l("Available"),
    OperatorState.ON_CALL: _l("On a call"),
    OperatorState.WRAPPING_UP: _l("Wrapping up"),
    OperatorState.AWAY: _l("Away"),
}

ROLES: dict[str, object] = {
    Role.OPERATOR: _l("Operator"),
    Role.SUPERVISOR: _l("Supervisor"),
    Role.ADMINISTRATOR: _l("Administrator"),
}

REACHES: dict[str, object] = {
    Reach.BROWSER: _l("This browser"),
    Reach.PHONE: _l("A phone number"),
    Reach.SIP: _l("A SIP address"),
}


def label(labels: dict[str, object], value: str) -> str:
    """A value's word on screen; a value the screens do not know yet is shown as stored."""
    return str(labels.get(value, value))


def language_names(codes: str) -> list[str]:
    """The names of stored language codes ("es,en"), in the screen's language (Babel's CLDR data)."""
    screen = get_locale() or Locale("en")
    names = []
    for code in filter(None, codes.split(",")):
        try:
            names.append(Locale.parse(code).get_display_name(screen) or code)
        except (ValueError, UnknownLocaleError):
            names.append(code)
    return names
