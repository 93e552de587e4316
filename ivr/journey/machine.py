"""The parts of the caller's journey: where a caller can be, what they can do there, what it led to.

States are nouns (where the caller is), events are facts (what the caller did, what the line
logged), outcomes are how a call ended: each a closed set, stored in the database as its value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from ivr.prompts.catalog import Said

if TYPE_CHECKING:
    from ivr.journey.classifier import Classification
    from ivr.journey.speech import MenuWords
    from ivr.rules.field_offices import FieldOffices


class State(StrEnum):
    """Where the caller is: at a menu (waiting for an answer) or past them."""

    LANGUAGE_MENU = "language_menu"
    OTHER_LANGUAGE_MENU = "other_language_menu"
    REASON_MENU = "reason_menu"  # urgent reasons first, then "anything else"
    CALLER_TYPE_MENU = "caller_type_menu"
    SUBJECT_MENU = "subject_menu"
    SUBJECT_CONFIRM = "subject_confirm"
    A_NUMBER_ENTRY = "a_number_entry"
    A_NUMBER_CONFIRM = "a_number_confirm"
    FIELD_OFFICE_MENU = "field_office_menu"
    FIELD_OFFICE_STATE_CHOICE = "field_office_state_choice"
    OPERATOR_OFFER = "operator_offer"
    QUEUED = "queued"
    VOICEMAIL = "voicemail"
    GOODBYE = "goodbye"
    ENDED = "ended"


class Heard(StrEnum):
    """What the line got from the caller at a menu."""

    DIGITS = "digits"
    SPEECH = "speech"
    NOTHING = "no_input"


class EventKind(StrEnum):
    """What happened at a step of a call, as the call's timeline logs it."""

    CALL_STARTED = "call_started"
    DIGITS_RECEIVED = "digits_received"
    SPEECH_RECEIVED = "speech_received"
    NO_INPUT = "no_input"
    DIGITS_NOT_MATCHED = "digits_not_matched"
    SPEECH_NOT_MATCHED = "speech_not_matched"
    INVALID_INPUT = "invalid_input"
    REPEAT_REQUESTED = "repeat_requested"
    ATTEMPTS_EXHAUSTED = "attempts_exhausted"
    OPERATOR_FINISHED = "operator_finished"
    CALLER_HUNG_UP = "caller_hung_up"
    VOICEMAIL_CHOSEN = "voicemail_chosen"
    QUEUE_FAILED = "queue_failed"
    VOICEMAIL_RECORDED = "voicemail_recorded"
    VOICEMAIL_EMPTY = "voicemail_empty"
    CALL_ENDED = "call_ended"
    FALLBACK = "fallback"
    ERROR_RECOVERED = "error_recovered"
    SYSTEM = "system"


class InputKind(StrEnum):
    """How the caller answered a step, as the timeline keeps it."""

    DTMF = "dtmf"
    SPEECH = "speech"
    NONE = "none"
    SYSTEM = "system"  # no caller input: a callback, a queue result, a recording


class Outcome(StrEnum):
    """How a call ended, for the call log and the line's numbers."""

    ANSWERED = "answered"
    VOICEMAIL = "voicemail"
    VOICEMAIL_EMPTY = "voicemail_empty"
    SELF_SERVICE = "self_service"
    COMPLETED = "completed"
    ABANDONED_IN_MENU = "abandoned_in_menu"
    ABANDONED_IN_QUEUE = "abandoned_in_queue"
    ABANDONED_IN_VOICEMAIL = "abandoned_in_voicemail"
    # Twilio never reported the end (a lost status callback, an outage): closed by ivr/jobs/stale_calls.py.
    UNKNOWN = "unknown"


RECOGNITION_FLOOR = 0.5  # Twilio's speech confidence below which the words themselves are doubtful
MAX_ATTEMPTS = 3  # no input or a wrong answer three times: take the safe default, never hang up


class CallRecord(Protocol):
    """The parts of a call the flow reads and changes (`ivr.calls.store.StoredCall` has them)."""

    state: str
    attempts: int
    language: str | None
    needs_interpreter: str | None
    caller_type: str | None
    subject: str | None
    subject_source: str | None
    subject_confidence: float | None
    subject_transcript: str | None
    pending_subject: str | None
    a_number: str | None
    pending_a_number: str | None
    a_number_skipped: bool
    third_party: bool
    state_choices: str | None
    field_office: str | None
    outcome: str | None


@dataclass(frozen=True)
class Event:
    """What the caller did at a menu: pressed keys, said words, or nothing."""

    kind: Heard
    digits: str = ""
    speech: str = ""
    confidence: float | None = None

    @classmethod
    def from_gather(cls, digits: str | None, speech_result: str | None, confidence: str | None) -> Event:
        if digits:
            return cls(Heard.DIGITS, digits=digits.strip())
        if speech_result and speech_result.strip():
            try:
                heard = float(confidence) if confidence else None
            except ValueError:
                heard = None
            return cls(Heard.SPEECH, speech=speech_result.strip(), confidence=heard)
        return cls(Heard.NOTHING)


@dataclass(frozen=True)
class Facts:
    """The world the flow decides by, handed in by the caller of `advance`."""

    line_open: bool
    offices: FieldOffices
    classify: Callable[[str, str], Classification]
    confidence_threshold: float
    words: MenuWords
    languages: tuple[str, ...] = ("en", "es")  # the line's, in voices.toml's order: the menus' order
    heard_languages: frozenset[str] = frozenset({"en", "es"})  # speech recognised; others keypad-only
    outside_phone: str | None = None  # a route outside the facility (schedules/outside_routes.toml)


@dataclass
class Turn:
    """Where the caller goes next, what to tell them first, and how the step is logged."""

    state: State
    said: list[Said] = field(default_factory=list)
    event: EventKind | None = None
    result: str = ""
    again: bool = False  # asked again after a wrong answer or silence: the menu's options only
