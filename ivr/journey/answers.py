"""What each answer at a menu does to the call: the language, who calls, why, an A-number, an office.

Each function takes the call, the answer and the facts, changes the call and returns the `Turn`
that says where the caller goes next. The menus (ivr.journey.menus) say which answer is which.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ivr.journey.languages import ANY_OTHER_LANGUAGE, OPERATOR_LANGUAGES
from ivr.journey.machine import (
    RECOGNITION_FLOOR,
    CallRecord,
    Event,
    EventKind,
    Facts,
    Outcome,
    State,
    Turn,
)
from ivr.journey.subjects import URGENT_SUBJECTS, CallerType, Subject
from ivr.prompts.catalog import PHONE_GROUPS, Digits, Said

SAFETY_NOTICE = "safety_notice"  # said to every caller: first on hold, or before a voicemail

if TYPE_CHECKING:
    from ivr.rules.field_offices import FieldOffice


def hand_off(call: CallRecord, facts: Facts, said: Sequence[Said] = ()) -> Turn:
    """Send the caller to a live operator when the line is open, else to voicemail.

    Every caller hears the safety notice before waiting or recording, never on the way there: in
    line, it is the first thing said on hold (ivr.voice.hold), where it costs no time before the
    caller's place is taken; before a voicemail, it is said here. A caller who never chose a
    language hears it in English and Spanish, like the greeting.
    """
    if facts.line_open:
        return Turn(State.QUEUED, list(said), result="line open: to the queue")
    notice = safety_notices(facts.outside_phone)
    if call.subject in URGENT_SUBJECTS:
        # Nobody will hear this message tonight: say so, after the routes that work now.
        notice.append(Said("urgent_after_hours"))
    return Turn(State.VOICEMAIL, [*notice, *said], result="line closed: to voicemail")


def safety_notices(outside_phone: str | None) -> list[Said]:
    """911 and staff, then a route outside the facility: a caller abused by staff needs one."""
    said = [Said(SAFETY_NOTICE)]
    if outside_phone:
        # The ten digits a caller dials inside the U.S., read one at a time.
        said.append(Said("outside_route_notice", {"phone": Digits(outside_phone[-10:], PHONE_GROUPS)}))
    return said


def person_asked_for(call: CallRecord, facts: Facts) -> Turn:
    """0 or "operator" at any menu: a person now (or voicemail when the line is closed)."""
    turn = hand_off(call, facts)
    turn.result = "asked for a person; " + turn.result
    return turn


def to_operator(call: CallRecord, facts: Facts) -> Turn:
    return hand_off(call, facts)


# --- Language -------------------------------------------------------------------------------


def choose_language(call: CallRecord, facts: Facts, language: str) -> Turn:
    """The rest of the journey in the caller's language; without operators in it, an interpreter."""
    if language == ANY_OTHER_LANGUAGE.code:
        return choose_interpreter(call, facts, language)
    call.language = language
    # Straight to the reasons, urgent first: the safety notice waits for the hold (hand_off).
    said = [] if language in facts.heard_languages else [Said("keypad_only_notice")]
    result = f"language {language}"
    if language not in OPERATOR_LANGUAGES:
        call.needs_interpreter = language
        result += " (needs interpreter)"
    return Turn(State.REASON_MENU, said, result=result)


def choose_interpreter(call: CallRecord, facts: Facts, language: str) -> Turn:
    """A language the line does not speak goes straight to an operator who brings in an interpreter."""
    call.needs_interpreter = language
    turn = hand_off(call, facts)
    turn.result = f"needs interpreter: {language}; " + turn.result
    return turn


def other_languages(call: CallRecord, facts: Facts) -> Turn:
    return Turn(State.OTHER_LANGUAGE_MENU, result="other languages")


def interpreter_for_anyone(call: CallRecord, facts: Facts) -> Turn:
    return choose_interpreter(call, facts, ANY_OTHER_LANGUAGE.code)


def language_named(call: CallRecord, event: Event, facts: Facts) -> Turn | None:
    """A language's name, said in any language, at either language menu."""
    language = facts.words.language_named(event.speech)
    if language is None:
        return None
    if language == ANY_OTHER_LANGUAGE.code and call.state == State.LANGUAGE_MENU:
        return other_languages(call, facts)
    return choose_language(call, facts, language)


# --- Who is calling and why -----------------------------------------------------------------


def more_reasons(call: CallRecord, facts: Facts) -> Turn:
    """Not urgent: the other subjects, told first that a person is one key away."""
    person = Said("person_anytime" if facts.line_open else "person_anytime_closed")
    return Turn(State.SUBJECT_MENU, [person], result="other reasons")


def choose_caller_type(call: CallRecord, facts: Facts, caller_type: str) -> Turn:
    call.caller_type = caller_type
    turn = after_subject(call, facts)
    turn.result = f"caller type {caller_type}; {turn.result}"
    return turn


def after_subject(call: CallRecord, facts: Facts) -> Turn:
    """Urgent subjects go straight to a person, unasked who is calling (routing puts them first
    whoever calls); the others ask who is calling, then case questions get their own short steps."""
    if call.subject in URGENT_SUBJECTS:
        turn = hand_off(call, facts)
        turn.result = f"subject {call.subject} (urgent); {turn.result}"
        return turn
    if call.caller_type is None:
        # Who calls sets the order of the line (people in detention first) and the G-28 rule.
        return Turn(State.CALLER_TYPE_MENU, result=f"subject {call.subject}: who is calling")
    if call.subject == Subject.CASE_INFORMATION:
        return Turn(State.A_NUMBER_ENTRY, result=f"subject {call.subject}")
    if call.subject == Subject.CASE_REVIEW:
        said = [Said("case_review_info")]
        if call.caller_type != CallerType.DETAINED:
            # Someone else's case: the same rule as for case information (G-28 or Form 60-001).
            call.third_party = True
            said.append(Said("third_party_notice"))
        return Turn(State.FIELD_OFFICE_MENU, said, result=f"subject {call.subject}")
    turn = hand_off(call, facts)
    turn.result = f"subject {call.subject}; {turn.result}"
    return turn


def choose_subject(call: CallRecord, facts: Facts, subject: str) -> Turn:
    call.subject, call.subject_source, call.subject_confidence = subject, "keypad", 1.0
    return after_subject(call, facts)


def subject_in_words(call: CallRecord, event: Event, facts: Facts) -> Turn | None:
    """Why the caller calls, in their own words: the classifier's subject, confirmed if in doubt."""
    # Nothing a caller says is lost: the words stay with the call (encrypted) for the operator.
    call.subject_transcript = event.speech
    found = facts.classify(event.speech, call.language or "en")
    if found.subject is None:
        return None
    # Two separate doubts: the recogniser unsure of the words, or the words unsure of the subject.
    # Either one sends the caller to confirm by keypad.
    confidence = found.confidence
    # A recogniser that gave no readable confidence vouches for nothing: that is doubtful too.
    heard_clearly = event.confidence is not None and event.confidence >= RECOGNITION_FLOOR
    if heard_clearly and confidence >= facts.confidence_threshold:
        call.subject, call.subject_source, call.subject_confidence = found.subject, "speech", confidence
        return after_subject(call, facts)
    call.pending_subject, call.subject_confidence = found.subject, confidence
    return Turn(State.SUBJECT_CONFIRM, result=f"heard {found.subject}, confidence {confidence:.2f}: confirm")


def confirm_subject(call: CallRecord, facts: Facts) -> Turn:
    call.subject, call.subject_source, call.pending_subject = call.pending_subject, "speech", None
    return after_subject(call, facts)


def subject_from_list(call: CallRecord, facts: Facts) -> Turn:
    call.pending_subject = None
    return Turn(State.REASON_MENU, result="subject not confirmed: the list, urgent first")


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
            State.A_NUMBER_ENTRY,
            [Said("a_number_wrong_length", {"count": len(digits)})],
            event=EventKind.INVALID_INPUT,
            result=f"A-number of {len(digits)} digits: asked again",
        )
    call.pending_a_number = number
    return Turn(State.A_NUMBER_CONFIRM, result="A-number read back")


def a_number_keys(call: CallRecord, keys: str, facts: Facts) -> Turn | None:
    if keys.startswith("*"):
        return skip_a_number(call, facts)
    return a_number_entered(call, keys.rstrip("#"), facts)


def a_number_in_words(call: CallRecord, event: Event, facts: Facts) -> Turn | None:
    digits = facts.words.spoken_digits(event.speech, call.language)
    return a_number_entered(call, digits, facts) if digits else None


def keep_a_number(call: CallRecord, facts: Facts) -> Turn:
    call.a_number, call.pending_a_number = call.pending_a_number, None
    turn = after_a_number(call, facts)
    turn.result = "A-number kept; " + turn.result
    return turn


def enter_a_number_again(call: CallRecord, facts: Facts) -> Turn:
    call.pending_a_number = None
    return Turn(State.A_NUMBER_ENTRY, result="A-number to be entered again")


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
            # The ten digits a caller dials inside the U.S., without the country code.
            phone = Digits(office.phone[-10:], PHONE_GROUPS)
            # A number nobody has checked is read with that said: the caller decides how far to trust it.
            key = "field_office_phone" if office.phone_verified else "field_office_phone_unverified"
            said.append(Said(key, {"office": name, "phone": phone}))
        else:
            said.append(Said("field_office_no_phone", {"office": name}))
    return said


def offices_again(call: CallRecord, facts: Facts) -> list[Said]:
    """`*` after the offices' numbers: the numbers again, not only the question after them."""
    names = (call.field_office or "").split(", ")
    offices = [office for office in facts.offices.offices if office.name in names]
    return offices_said(facts, offices, None, call.language or "en")


def office_not_found(call: CallRecord) -> Turn:
    return Turn(
        State(call.state),
        [Said("field_office_not_found")],
        event=EventKind.INVALID_INPUT,
        result="no such state or ZIP",
    )


def give_offices(call: CallRecord, facts: Facts, offices: Sequence[FieldOffice], state: str | None) -> Turn:
    if not offices:
        return office_not_found(call)
    call.field_office = ", ".join(office.name for office in offices)
    return Turn(
        State.OPERATOR_OFFER,
        offices_said(facts, offices, state, call.language or "en"),
        result=f"field office {call.field_office}",
    )


def offices_for_state(call: CallRecord, facts: Facts, state: str) -> Turn:
    return give_offices(call, facts, facts.offices.for_state(state), state)


def skip_field_office(call: CallRecord, facts: Facts) -> Turn:
    return Turn(State.OPERATOR_OFFER, result="field office skipped")


def field_office_keys(call: CallRecord, keys: str, facts: Facts) -> Turn | None:
    if keys.startswith("*"):
        return skip_field_office(call, facts)
    digits = keys.rstrip("#")
    if len(digits) == 5 and digits.isdigit():
        return give_offices(call, facts, facts.offices.for_zip(digits), None)
    if len(digits) == 2:
        states = facts.offices.states_for_keypad(digits)
        if len(states) == 1:
            return offices_for_state(call, facts, states[0])
        if len(states) > 1:
            call.state_choices = ",".join(states)
            return Turn(State.FIELD_OFFICE_STATE_CHOICE, result=f"keys match {call.state_choices}")
    return office_not_found(call)


def field_office_in_words(call: CallRecord, event: Event, facts: Facts) -> Turn | None:
    digits = facts.words.spoken_digits(event.speech, call.language)
    if len(digits) == 5:
        return give_offices(call, facts, facts.offices.for_zip(digits), None)
    state = facts.offices.state_from_speech(event.speech, call.language or "en")
    return offices_for_state(call, facts, state) if state else office_not_found(call)


def state_choice_keys(call: CallRecord, keys: str, facts: Facts) -> Turn | None:
    states = (call.state_choices or "").split(",")
    if keys.isdigit() and 1 <= int(keys) <= len(states):
        return offices_for_state(call, facts, states[int(keys) - 1])
    return None


def state_choice_in_words(call: CallRecord, event: Event, facts: Facts) -> Turn | None:
    state = facts.offices.state_from_speech(event.speech, call.language or "en")
    return offices_for_state(call, facts, state) if state else None


def end_with_information(call: CallRecord, facts: Facts) -> Turn:
    call.outcome = Outcome.SELF_SERVICE
    return Turn(State.GOODBYE, result="caller ended the call with the information")
