"""The caller's journey as a declared state machine: menus, the events at them, guards and targets.

The flow never imports Flask, never reads the clock and never touches the database: a webhook loads
the call, feeds one event to `advance`, saves the call and renders the returned `Turn` as TwiML.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from ivr.journey import speech
from ivr.journey.languages import (
    ANY_OTHER_LANGUAGE,
    OPERATOR_LANGUAGES,
    OTHER_LANGUAGE_BY_DIGIT,
    OTHER_LANGUAGES,
)
from ivr.journey.subjects import (
    CALLER_TYPE_BY_DIGIT,
    SUBJECT_BY_DIGIT,
    CallerType,
    Subject,
)
from ivr.prompts.catalog import Digits, PromptText, Said

if TYPE_CHECKING:
    from ivr.journey.classifier import Classification
    from ivr.rules.field_offices import FieldOffice, FieldOffices

# States are where the caller is; the menus among them wait for the caller's answer.
LANGUAGE_MENU = "language_menu"
OTHER_LANGUAGE_MENU = "other_language_menu"
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

    kind: str  # "digits", "speech" or "no_input"
    digits: str = ""
    speech: str = ""
    confidence: float | None = None

    @classmethod
    def from_gather(cls, digits: str | None, speech_result: str | None, confidence: str | None) -> Event:
        if digits:
            return cls("digits", digits=digits.strip())
        if speech_result and speech_result.strip():
            try:
                heard = float(confidence) if confidence else None
            except ValueError:
                heard = None
            return cls("speech", speech=speech_result.strip(), confidence=heard)
        return cls("no_input")


@dataclass(frozen=True)
class Facts:
    """The world the flow decides by, handed in by the caller of `advance`."""

    line_open: bool
    offices: FieldOffices
    classify: Callable[[str, str], Classification]
    confidence_threshold: float
    heard_languages: frozenset[str] = frozenset({"en", "es"})  # speech recognised; others keypad-only


@dataclass
class Turn:
    """Where the caller goes next, what to tell them first, and how the step is logged."""

    state: str
    said: list[Said] = field(default_factory=list)
    event: str = ""
    result: str = ""


def hand_off(call: CallRecord, facts: Facts, said: Sequence[Said] = ()) -> Turn:
    """Send the caller to a live operator when the line is open, else to voicemail."""
    target = QUEUED if facts.line_open else VOICEMAIL
    return Turn(
        target,
        list(said),
        result="line open: to the queue" if facts.line_open else "line closed: to voicemail",
    )


# --- Language -------------------------------------------------------------------------------


def choose_language(call: CallRecord, facts: Facts, language: str) -> Turn:
    """The rest of the journey in the caller's language; without operators in it, an interpreter."""
    call.language = language
    said = [Said("safety_notice")]
    if language not in facts.heard_languages:
        said.append(Said("keypad_only_notice"))
    result = f"language {language}"
    if language not in OPERATOR_LANGUAGES:
        call.needs_interpreter = language
        result += " (needs interpreter)"
    return Turn(CALLER_TYPE_MENU, said, result=result)


def choose_interpreter(call: CallRecord, facts: Facts, language: str) -> Turn:
    """A language the line does not speak goes straight to an operator who brings in an interpreter."""
    call.needs_interpreter = language
    turn = hand_off(call, facts)
    turn.result = f"needs interpreter: {language}; " + turn.result
    return turn


def language_key(call: CallRecord, key: str, facts: Facts) -> Turn | None:
    if key == "1":
        return choose_language(call, facts, "en")
    if key == "2":
        return choose_language(call, facts, "es")
    if key == "3":
        return Turn(OTHER_LANGUAGE_MENU, result="other languages")
    return None


def language_words(call: CallRecord, event: Event, facts: Facts) -> Turn | None:
    language = speech.language_named(event.speech)
    return choose_language(call, facts, language) if language else None


def other_language_key(call: CallRecord, key: str, facts: Facts) -> Turn | None:
    language = OTHER_LANGUAGE_BY_DIGIT.get(key)
    if language is None:
        return None
    if language is ANY_OTHER_LANGUAGE:
        return choose_interpreter(call, facts, language.code)
    return choose_language(call, facts, language.code)


# --- Who is calling -----------------------------------------------------------------------


def caller_type_key(call: CallRecord, key: str, facts: Facts) -> Turn | None:
    caller_type = CALLER_TYPE_BY_DIGIT.get(key)
    if caller_type is None:
        return None
    call.caller_type = caller_type
    return Turn(SUBJECT_MENU, result=f"caller type {caller_type}")


_ATTORNEY = ("attorney", "lawyer", "abogad", "representative", "representante", "paralegal")
_ABOUT = (
    "my ",
    "mi ",
    "family",
    "familia",
    "someone",
    "alguien",
    "friend",
    "amig",
    "relative",
    "pariente",
)
_DETAINED = (
    "detain",
    "detenid",
    "detention",
    "detencion",
    "inmate",
    "preso",
    "jail",
    "carcel",
    "custody",
)


def caller_type_words(call: CallRecord, event: Event, facts: Facts) -> Turn | None:
    said = speech.normalize(event.speech) + " "
    for caller_type, stems in (
        (CallerType.ATTORNEY, _ATTORNEY),
        (CallerType.ABOUT_DETAINED, _ABOUT),
        (CallerType.DETAINED, _DETAINED),
    ):
        if any(stem in said for stem in stems):
            call.caller_type = caller_type
            return Turn(SUBJECT_MENU, result=f"caller type {caller_type} (speech)")
    return None


# --- Why they call --------------------------------------------------------------------------


def after_subject(call: CallRecord, facts: Facts) -> Turn:
    """Urgent subjects go straight to a person; case questions get their own short steps."""
    if call.subject == Subject.CASE_INFORMATION:
        return Turn(A_NUMBER_ENTRY, result=f"subject {call.subject}")
    if call.subject == Subject.CASE_REVIEW:
        return Turn(FIELD_OFFICE_MENU, [Said("case_review_info")], result=f"subject {call.subject}")
    turn = hand_off(call, facts)
    turn.result = f"subject {call.subject}; {turn.result}"
    return turn


def subject_key(call: CallRecord, key: str, facts: Facts) -> Turn | None:
    subject = SUBJECT_BY_DIGIT.get(key)
    if subject is None:
        return None
    call.subject, call.subject_source, call.subject_confidence = subject, "keypad", 1.0
    return after_subject(call, facts)


def subject_words(call: CallRecord, event: Event, facts: Facts) -> Turn | None:
    key = speech.spoken_key(event.speech)
    if key:
        return subject_key(call, key, facts)
    # Nothing a caller says is lost: the words stay with the call (encrypted) for the operator.
    call.subject_transcript = event.speech
    found = facts.classify(event.speech, call.language or "en")
    if found.subject is None:
        return None
    # Two separate doubts: the recogniser unsure of the words, or the words unsure of the subject.
    # Either one sends the caller to confirm by keypad.
    confidence = found.confidence
    heard_clearly = event.confidence is None or event.confidence >= RECOGNITION_FLOOR
    if heard_clearly and confidence >= facts.confidence_threshold:
        call.subject, call.subject_source, call.subject_confidence = (
            found.subject,
            "speech",
            confidence,
        )
        return after_subject(call, facts)
    call.pending_subject, call.subject_confidence = found.subject, confidence
    return Turn(SUBJECT_CONFIRM, result=f"heard {found.subject}, confidence {confidence:.2f}: confirm")


def confirm_subject(call: CallRecord, facts: Facts) -> Turn:
    call.subject, call.subject_source, call.pending_subject = call.pending_subject, "speech", None
    return after_subject(call, facts)


def subject_confirm_key(call: CallRecord, key: str, facts: Facts) -> Turn | None:
    if key == "1":
        return confirm_subject(call, facts)
    if key == "2":
        call.pending_subject = None
        return Turn(SUBJECT_MENU, result="subject not confirmed: the list")
    return None


def subject_confirm_words(call: CallRecord, event: Event, facts: Facts) -> Turn | None:
    answer = speech.yes_or_no(event.speech)
    key = speech.spoken_key(event.speech) or {True: "1", False: "2", None: ""}[answer]
    return subject_confirm_key(call, key, facts)


def subject_confirm_exhausted(call: CallRecord, facts: Facts) -> Turn:
    """Silence after "did I understand?": keep what the caller said and get them to a person."""
    call.subject, call.subject_source = call.pending_subject, "speech"
    return hand_off(call, facts)


# --- A-number -------------------------------------------------------------------------------


def after_a_number(call: CallRecord, facts: Facts) -> Turn:
    said = []
    if call.caller_type != CallerType.DETAINED:
        call.third_party = True
        said.append(Said("third_party_notice"))
    return hand_off(call, facts, said)


def skip_a_number(call: CallRecord, facts: Facts) -> Turn:
    call.a_number_skipped, call.pending_a_number = True, None
    turn = after_a_number(call, facts)
    turn.result = "A-number skipped; " + turn.result
    return turn


def normalize_a_number(digits: str) -> str | None:
    """Return the 9-digit A-number, an 8-digit one with its leading 0, or None for other lengths.

    Legacy 7-digit numbers are not padded automatically: a 7-digit entry is more often a 9-digit
    number with keys missed, so the caller is asked again and told the rule (start with zeros).
    """
    if not digits.isdigit():
        return None
    if len(digits) == 9:
        return digits
    if len(digits) == 8:
        return "0" + digits
    return None


def a_number_entered(call: CallRecord, digits: str, facts: Facts) -> Turn:
    number = normalize_a_number(digits)
    if number is None:
        return Turn(
            A_NUMBER_ENTRY,
            [Said("a_number_wrong_length", {"count": len(digits)})],
            event="invalid_input",
            result=f"A-number of {len(digits)} digits: asked again",
        )
    call.pending_a_number = number
    return Turn(A_NUMBER_CONFIRM, result="A-number read back")


def a_number_key(call: CallRecord, key: str, facts: Facts) -> Turn | None:
    if key.startswith("*"):
        return skip_a_number(call, facts)
    return a_number_entered(call, key.rstrip("#"), facts)


def a_number_words(call: CallRecord, event: Event, facts: Facts) -> Turn | None:
    digits = speech.spoken_digits(event.speech)
    if digits:
        return a_number_entered(call, digits, facts)
    if speech.yes_or_no(event.speech) is False or "skip" in speech.normalize(event.speech):
        return skip_a_number(call, facts)
    return None


def keep_a_number(call: CallRecord, facts: Facts) -> Turn:
    call.a_number, call.pending_a_number = call.pending_a_number, None
    turn = after_a_number(call, facts)
    turn.result = "A-number kept; " + turn.result
    return turn


def a_number_confirm_key(call: CallRecord, key: str, facts: Facts) -> Turn | None:
    if key == "1":
        return keep_a_number(call, facts)
    if key == "2":
        call.pending_a_number = None
        return Turn(A_NUMBER_ENTRY, result="A-number to be entered again")
    if key == "3":
        return skip_a_number(call, facts)
    return None


def a_number_confirm_words(call: CallRecord, event: Event, facts: Facts) -> Turn | None:
    answer = speech.yes_or_no(event.speech)
    key = speech.spoken_key(event.speech) or {True: "1", False: "2", None: ""}[answer]
    return a_number_confirm_key(call, key, facts)


# --- Field office ---------------------------------------------------------------------------


def offices_said(
    facts: Facts, offices: Sequence[FieldOffice], state: str | None, language: str
) -> list[Said]:
    said = []
    if state and len(offices) > 1:
        said.append(Said("field_office_several", {"state": facts.offices.state_name(state, language)}))
    for office in offices:
        name = facts.offices.office_name(office, language)
        if office.phone:
            said.append(
                # The ten digits a caller dials inside the U.S., without the country code.
                Said("field_office_phone", {"office": name, "phone": Digits(office.phone[-10:])})
            )
        else:
            said.append(Said("field_office_no_phone", {"office": name}))
    return said


def office_not_found(call: CallRecord) -> Turn:
    return Turn(
        call.state, [Said("field_office_not_found")], event="invalid_input", result="no such state or ZIP"
    )


def give_offices(call: CallRecord, facts: Facts, offices: Sequence[FieldOffice], state: str | None) -> Turn:
    if not offices:
        return office_not_found(call)
    call.field_office = ", ".join(office.name for office in offices)
    return Turn(
        OPERATOR_OFFER,
        offices_said(facts, offices, state, call.language or "en"),
        result=f"field office {call.field_office}",
    )


def offices_for_state(call: CallRecord, facts: Facts, state: str) -> Turn | None:
    return give_offices(call, facts, facts.offices.for_state(state), state)


def field_office_key(call: CallRecord, key: str, facts: Facts) -> Turn | None:
    if key.startswith("*"):
        return Turn(OPERATOR_OFFER, result="field office skipped")
    digits = key.rstrip("#")
    if len(digits) == 5 and digits.isdigit():
        return give_offices(call, facts, facts.offices.for_zip(digits), None)
    if len(digits) == 2:
        states = facts.offices.states_for_keypad(digits)
        if len(states) == 1:
            return offices_for_state(call, facts, states[0])
        if len(states) > 1:
            call.state_choices = ",".join(states)
            return Turn(FIELD_OFFICE_STATE_CHOICE, result=f"keys match {call.state_choices}")
    return office_not_found(call)


def field_office_words(call: CallRecord, event: Event, facts: Facts) -> Turn | None:
    digits = speech.spoken_digits(event.speech)
    if len(digits) == 5:
        return give_offices(call, facts, facts.offices.for_zip(digits), None)
    state = facts.offices.state_from_speech(event.speech, call.language or "en")
    return offices_for_state(call, facts, state) if state else office_not_found(call)


def state_choice_key(call: CallRecord, key: str, facts: Facts) -> Turn | None:
    states = (call.state_choices or "").split(",")
    if key.isdigit() and 1 <= int(key) <= len(states):
        return offices_for_state(call, facts, states[int(key) - 1])
    return None


def state_choice_words(call: CallRecord, event: Event, facts: Facts) -> Turn | None:
    key = speech.spoken_key(event.speech)
    if key:
        return state_choice_key(call, key, facts)
    state = facts.offices.state_from_speech(event.speech, call.language or "en")
    return offices_for_state(call, facts, state) if state else None


def operator_offer_key(call: CallRecord, key: str, facts: Facts) -> Turn | None:
    if key == "1":
        return hand_off(call, facts)
    if key == "2":
        call.outcome = "self_service"
        return Turn(GOODBYE, result="caller ended the call with the information")
    return None


def operator_offer_words(call: CallRecord, event: Event, facts: Facts) -> Turn | None:
    said = speech.normalize(event.speech)
    if any(word in said for word in ("operator", "operador", "agent", "agente", "person", "persona")):
        return hand_off(call, facts)
    answer = speech.yes_or_no(event.speech)
    key = speech.spoken_key(event.speech) or {True: "1", False: "2", None: ""}[answer]
    return operator_offer_key(call, key, facts)


# --- The menus, declared --------------------------------------------------------------------


@dataclass(frozen=True)
class Menu:
    """A menu: its prompt, what keys and words lead where, and the safe default after 3 tries."""

    state: str
    prompt: Callable[[CallRecord, Facts], list[Said]]
    on_key: Callable[[CallRecord, str, Facts], Turn | None]
    on_words: Callable[[CallRecord, Event, Facts], Turn | None]
    on_exhausted: Callable[[CallRecord, Facts], Turn]
    keys: str  # for the printed table: what the keypad accepts
    entry: bool = False  # several digits ended by #, rather than a single key


# What each menu says; `*` and a wrong answer bring the same words again.
def language_prompt(call: CallRecord, facts: Facts) -> list[Said]:
    """English and Spanish first, each offered in itself, then "other languages" in both."""
    return [
        Said("offer_this_language", {"digit": 1}, language="en"),
        Said("offer_this_language", {"digit": 2}, language="es"),
        Said("language_menu_other", language="en"),
        Said("language_menu_other", language="es"),
    ]


def other_language_prompt(call: CallRecord, facts: Facts) -> list[Said]:
    """Each language offered in its own language, then "any other language" in English and Spanish."""
    offers = [
        Said("offer_this_language", {"digit": digit}, language=language.code)
        for digit, language in OTHER_LANGUAGE_BY_DIGIT.items()
        if language in OTHER_LANGUAGES
    ]
    return offers + [Said("other_language_any", language="en"), Said("other_language_any", language="es")]


def prompt_of(
    key: str, repeatable: bool = True, keypad_key: str | None = None
) -> Callable[[CallRecord, Facts], list[Said]]:
    """A menu's words; `keypad_key` replaces them where the caller's language cannot be heard."""

    def prompt(call: CallRecord, facts: Facts) -> list[Said]:
        heard = call.language is None or call.language in facts.heard_languages
        said = Said(key if heard or keypad_key is None else keypad_key)
        return [said, Said("repeat_hint")] if repeatable else [said]

    prompt.__name__ = f"say_{key}"
    return prompt


def subject_confirm_prompt(call: CallRecord, facts: Facts) -> list[Said]:
    return [Said("subject_confirm", {"subject": PromptText(f"subject_{call.pending_subject}")})]


def a_number_confirm_prompt(call: CallRecord, facts: Facts) -> list[Said]:
    return [Said("a_number_readback", {"digits": Digits(call.pending_a_number or "")})]


def state_choice_prompt(call: CallRecord, facts: Facts) -> list[Said]:
    language = call.language or "en"
    states = (call.state_choices or "").split(",")
    return [
        Said(
            "field_office_state_option",
            {"state": facts.offices.state_name(s, language), "digit": i},
        )
        for i, s in enumerate(states, start=1)
    ] + [Said("repeat_hint")]


def _to_operator(call: CallRecord, facts: Facts) -> Turn:
    return hand_off(call, facts)


def _interpreter_for_anyone(call: CallRecord, facts: Facts) -> Turn:
    return choose_interpreter(call, facts, "other")


MENUS: dict[str, Menu] = {
    menu.state: menu
    for menu in (
        Menu(
            LANGUAGE_MENU,
            language_prompt,
            language_key,
            language_words,
            _to_operator,
            "1 English, 2 Spanish, 3 other languages",
        ),
        Menu(
            OTHER_LANGUAGE_MENU,
            other_language_prompt,
            other_language_key,
            language_words,
            _interpreter_for_anyone,
            "1-9 a language (to an interpreter), 0 any other language",
        ),
        Menu(
            CALLER_TYPE_MENU,
            prompt_of("caller_type_menu"),
            caller_type_key,
            caller_type_words,
            _to_operator,
            "1 detained, 2 about someone detained, 3 attorney, 4 anyone else",
        ),
        Menu(
            SUBJECT_MENU,
            prompt_of("subject_menu", keypad_key="subject_menu_keypad"),
            subject_key,
            subject_words,
            _to_operator,
            "1-9 the subjects, urgent first",
        ),
        Menu(
            SUBJECT_CONFIRM,
            subject_confirm_prompt,
            subject_confirm_key,
            subject_confirm_words,
            subject_confirm_exhausted,
            "1 right, 2 the list",
        ),
        Menu(
            A_NUMBER_ENTRY,
            prompt_of("a_number_entry", repeatable=False),
            a_number_key,
            a_number_words,
            skip_a_number,
            "8 or 9 digits then #, * to skip",
            entry=True,
        ),
        Menu(
            A_NUMBER_CONFIRM,
            a_number_confirm_prompt,
            a_number_confirm_key,
            a_number_confirm_words,
            keep_a_number,
            "1 right, 2 again, 3 skip",
        ),
        Menu(
            FIELD_OFFICE_MENU,
            prompt_of("field_office_menu", repeatable=False, keypad_key="field_office_menu_keypad"),
            field_office_key,
            field_office_words,
            _to_operator,
            "state code or ZIP then #, * to skip",
            entry=True,
        ),
        Menu(
            FIELD_OFFICE_STATE_CHOICE,
            state_choice_prompt,
            state_choice_key,
            state_choice_words,
            _to_operator,
            "1-n one of the matching states",
        ),
        Menu(
            OPERATOR_OFFER,
            prompt_of("operator_offer"),
            operator_offer_key,
            operator_offer_words,
            _to_operator,
            "1 an operator, 2 end the call",
        ),
    )
}


def start(call: CallRecord) -> Turn:
    """A new call: greet, then the language menu."""
    call.state, call.attempts = LANGUAGE_MENU, 0
    greeting = [Said("greeting", language="en"), Said("greeting", language="es")]
    return Turn(LANGUAGE_MENU, greeting, event="call_started", result="greeting and language menu")


def advance(call: CallRecord, event: Event, facts: Facts) -> Turn:
    """Feed the caller's answer at the current menu to the flow and move the call on."""
    menu = MENUS.get(call.state)
    if menu is None:
        raise ValueError(f"the caller is not at a menu (state {call.state})")

    if event.kind == "digits" and event.digits == "*" and not menu.entry:
        turn: Turn | None = Turn(call.state, event="repeat_requested", result="menu repeated")
    elif event.kind == "digits":
        turn = menu.on_key(call, event.digits, facts)
    elif event.kind == "speech":
        turn = menu.on_words(call, event, facts)
    else:
        turn = None

    if turn is None or turn.event == "invalid_input":
        call.attempts += 1
        if call.attempts >= MAX_ATTEMPTS:
            turn = menu.on_exhausted(call, facts)
            turn.said.insert(0, Said("no_input" if event.kind == "no_input" else "not_an_option"))
            turn.event, turn.result = "attempts_exhausted", "safe default: " + turn.result
        elif turn is None:
            reason = {"no_input": "no_input", "speech": "not_understood"}.get(event.kind, "not_an_option")
            turn = Turn(
                call.state,
                [Said(reason)],
                event=f"{event.kind}_not_matched" if event.kind != "no_input" else "no_input",
                result=f"asked again ({call.attempts} of {MAX_ATTEMPTS})",
            )
    if not turn.event:
        turn.event = {"digits": "digits_received", "speech": "speech_received"}.get(event.kind, "no_input")
    if turn.state != call.state:
        call.attempts = 0
    call.state = turn.state
    return turn


# --- Beyond the menus: the queue and voicemail ----------------------------------------------


def queue_left(call: CallRecord, queue_result: str) -> Turn:
    """The caller left the live queue: answered, hung up, chose voicemail, or the queue failed."""
    if queue_result == "bridged":
        call.outcome = "answered"
        return Turn(GOODBYE, event="operator_finished", result="answered by an operator")
    if queue_result == "hangup":
        call.outcome = "abandoned_in_queue"
        return Turn(ENDED, event="caller_hung_up", result="hung up while waiting")
    if queue_result == "leave":
        return Turn(VOICEMAIL, event="voicemail_chosen", result="left the queue for voicemail")
    return Turn(
        VOICEMAIL,
        [Said("queue_unavailable")],
        event="queue_failed",
        result=f"queue result {queue_result}: voicemail",
    )


def voicemail_recorded(call: CallRecord, duration_seconds: int) -> Turn:
    if duration_seconds > 0:
        call.outcome = "voicemail"
        return Turn(GOODBYE, [Said("voicemail_saved")], event="voicemail_recorded", result="voicemail saved")
    call.attempts += 1
    if call.attempts >= 2:
        # A second empty recording: thank the caller rather than loop; the call log shows it.
        call.outcome = "voicemail_empty"
        return Turn(
            GOODBYE,
            [Said("voicemail_not_heard")],
            event="voicemail_empty",
            result="no message twice: goodbye",
        )
    return Turn(
        VOICEMAIL,
        [Said("voicemail_not_heard")],
        event="voicemail_empty",
        result="no message: asked again",
    )


ABANDONED_IN = {
    QUEUED: "abandoned_in_queue",
    VOICEMAIL: "abandoned_in_voicemail",
    GOODBYE: "completed",
}


def call_ended(call: CallRecord) -> str:
    """Name what a hang-up was, from where the caller was when the call ended."""
    if call.outcome:
        return call.outcome
    return ABANDONED_IN.get(call.state, "abandoned_in_menu")


def describe() -> list[tuple[str, str, str]]:
    """The flow as a table for supervisors: each menu, what it accepts, its safe default."""
    rows = []
    for menu in MENUS.values():
        rows.append(
            (
                menu.state,
                menu.keys + "; * repeats" if not menu.entry else menu.keys,
                f"after {MAX_ATTEMPTS} tries: {menu.on_exhausted.__name__.strip('_').replace('_', ' ')}",
            )
        )
    return rows
