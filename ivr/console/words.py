"""The console's words for the line's values: subjects, caller types, priorities, outcomes, dispositions.

Module-level, so lazy (`_l`): each is translated when a screen shows it, in that screen's language.
The values themselves are the line's (ivr.journey, ivr.models); only their names on screen live here.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from babel import Locale, UnknownLocaleError
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ivr.journey.languages import ANY_OTHER_LANGUAGE
from ivr.journey.machine import Outcome
from ivr.journey.subjects import CallerType, Subject
from ivr.models import DispositionKind, FollowUp

SUBJECTS: dict[str, object] = {
    Subject.ASSAULT: _l("Sexual or physical assault or abuse"),
    Subject.TRAFFICKING_OR_CRIME: _l("Human trafficking or another crime"),
    Subject.MENTAL_HEALTH: _l("Serious mental illness or medical emergency"),
    Subject.FAMILY_SEPARATION: _l("Family separation"),
    Subject.DETENTION_CONDITIONS: _l("Problems in detention"),
    Subject.LEGAL_ACCESS: _l("Access to a lawyer or legal help"),
    Subject.CASE_INFORMATION: _l("Information about a case"),
    Subject.CASE_REVIEW: _l("Case review"),
    Subject.OTHER: _l("Something else"),
}

CALLER_TYPES: dict[str, object] = {
    CallerType.DETAINED: _l("A person in detention"),
    CallerType.ABOUT_DETAINED: _l("Calling about someone in detention"),
    CallerType.ATTORNEY: _l("An attorney or legal representative"),
    CallerType.OTHER: _l("Someone else"),
}

# ivr.routing.priority_of: 1 urgent subjects, 2 callers in detention, 3 everyone else.
PRIORITIES: dict[int, object] = {
    1: _l("1, urgent subject"),
    2: _l("2, caller in detention"),
    3: _l("3, everyone else"),
}

OUTCOMES: dict[str, object] = {
    Outcome.ANSWERED: _l("Talked with an operator"),
    Outcome.VOICEMAIL: _l("Left a voicemail"),
    Outcome.VOICEMAIL_EMPTY: _l("Voicemail without a message"),
    Outcome.SELF_SERVICE: _l("Heard the information it asked for"),
    Outcome.COMPLETED: _l("Completed"),
    Outcome.ABANDONED_IN_MENU: _l("Hung up in the menus"),
    Outcome.ABANDONED_IN_QUEUE: _l("Hung up while waiting"),
    Outcome.ABANDONED_IN_VOICEMAIL: _l("Hung up while recording"),
    Outcome.UNKNOWN: _l("Ended without word from Twilio"),
}

DISPOSITIONS: dict[str, object] = {
    DispositionKind.REPORT_TAKEN: _l("Report taken"),
    DispositionKind.INFORMATION_GIVEN: _l("Information given"),
    DispositionKind.REFERRED_TO_FIELD_OFFICE: _l("Referred to a field office"),
    DispositionKind.TRANSFERRED: _l("Transferred"),
    DispositionKind.INTERPRETER_USED: _l("Interpreter used"),
    DispositionKind.CALLER_HUNG_UP: _l("Caller hung up"),
    DispositionKind.OTHER: _l("Other"),
}

FOLLOW_UPS: dict[str, object] = {
    FollowUp.CALLED_BACK: _l("Called back"),
    FollowUp.REFERRED: _l("Referred"),
    FollowUp.NO_CALLBACK_POSSIBLE: _l("No callback possible"),
    FollowUp.OTHER: _l("Other"),
}


def named(labels: Mapping[Any, object], value: object) -> str:
    """A value's name on screen; a value the screens do not name yet is shown as stored."""
    if value is None:
        return str(_("Not given"))
    return str(labels.get(value, value))


def language_name(code: str | None) -> str:
    """A caller's language by name, in the screen's language (Babel's CLDR data)."""
    if not code:
        return str(_("No language chosen"))
    if code == ANY_OTHER_LANGUAGE.code:
        return str(_("Another language"))
    try:
        return Locale.parse(code).get_display_name(get_locale() or Locale("en")) or code
    except (ValueError, UnknownLocaleError):
        return code


def duration(span: timedelta | None) -> str:
    """A wait or a recording's length, to the second: "3 min 05 s", "42 s"."""
    if span is None:
        return str(_("Not known"))
    seconds = max(int(span.total_seconds()), 0)
    minutes, seconds = divmod(seconds, 60)
    if minutes:
        return str(_("%(minutes)d min %(seconds)02d s", minutes=minutes, seconds=seconds))
    return str(_("%(seconds)d s", seconds=seconds))
