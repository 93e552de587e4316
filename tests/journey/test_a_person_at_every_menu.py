"""A caller can ask for a person at any menu, and every caller hears the safety notice before
waiting or leaving a message: first on hold, or before the voicemail's instructions."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import select

from ivr.models import Call, CallEvent
from tests.conftest import Caller, the_call

CLOSED = "2026-11-28T23:00:00-05:00"  # a Saturday night
NOTICE = "If you or someone else is in danger right now"
OUTSIDE = "Homeland Security Inspector General's hotline"


def before_music_or_the_tone(caller: Caller) -> str:
    """What the caller hears before hold music (the first loop on hold) or the voicemail's tone."""
    if "Record" not in caller.verbs():
        caller.enqueue()
        caller.wait_in_queue()
        assert caller.twiml is not None
        gather = caller.gather()
        said = []
        for child in gather:
            if child.tag == "Play":
                break
            said.append(child.text or "")
        return " ".join(said)
    return caller.heard_text()


def test_pressing_0_at_the_reason_menu_reaches_the_queue(caller: Caller) -> None:
    caller.call()
    caller.press("1")
    caller.press("0")
    caller.enqueue()


def test_pressing_0_at_the_caller_type_menu_reaches_the_queue(caller: Caller) -> None:
    caller.call()
    caller.press("1")
    caller.press("4")  # anything else
    caller.press("6")  # another question
    caller.press("0")  # at "who is calling"
    caller.enqueue()


def test_saying_operator_at_the_subject_menu_reaches_the_queue_in_spanish(caller: Caller) -> None:
    caller.call()
    caller.press("2")
    caller.press("4")
    caller.say("quiero hablar con una persona por favor")
    caller.enqueue()


def test_a_sentence_naming_a_person_is_still_a_reason_not_a_request(app: Flask, caller: Caller) -> None:
    caller.call()
    caller.press("1")
    caller.say("a person here hit me", confidence="0.95")
    assert the_call(app, caller).subject == "assault"


# The ways into the queue or voicemail: each caller hears the notice before music or the tone.
PATHS = {
    "never presses anything": [],
    "0 at the language menu": ["0"],
    "an urgent report": ["1", "1"],
    "a question": ["1", "4", "6", "4"],
    "any other language": ["3", "0"],
    "Spanish, 0 at the reason menu": ["2", "0"],
}


@pytest.mark.parametrize("keys", PATHS.values(), ids=PATHS.keys())
@pytest.mark.parametrize("moment", [None, CLOSED], ids=["open", "after hours"])
def test_every_caller_hears_the_safety_notice_before_music_or_the_tone(
    caller_at: Callable[..., Caller], keys: list[str], moment: str | None
) -> None:
    caller = caller_at(moment or "2026-11-30T10:00:00-05:00")
    caller.call()
    for key in keys:
        caller.press(key)
    while "Gather" in caller.verbs() and "Enqueue" not in caller.verbs():
        caller.silence()  # the caller says nothing more: the safe default
    heard = before_music_or_the_tone(caller)
    assert NOTICE in heard or "Si usted u otra persona está en peligro ahora mismo" in heard
    assert "Inspector General" in heard
    assert ("Record" in caller.verbs()) is (moment is not None)


def test_a_caller_who_never_answers_hears_the_safety_notice_in_both_languages(caller: Caller) -> None:
    caller.call()
    for _ in range(3):
        caller.silence()
    heard = before_music_or_the_tone(caller)
    assert "call 9 1 1" in heard and "llame al 9 1 1" in heard


def test_0_when_closed_takes_a_message_after_the_safety_notice(caller_at: Callable[..., Caller]) -> None:
    caller = caller_at(CLOSED)
    caller.call()
    caller.press("1")
    caller.press("0")
    assert "Record" in caller.verbs()
    heard = caller.heard_text()
    assert heard.index(NOTICE) < heard.index("After the tone")


def test_pressing_0_is_logged_as_asking_for_a_person(app: Flask, caller: Caller) -> None:
    caller.call()
    caller.press("1")
    caller.press("0")
    with app.extensions["ivr.db"]() as session:
        call = session.scalar(select(Call).where(Call.call_sid == caller.call_sid))
        assert call is not None
        last = session.scalars(select(CallEvent).where(CallEvent.call_id == call.id)).all()[-1]
        assert last.result.startswith("asked for a person")


def test_words_heard_without_a_confidence_are_confirmed_by_key(app: Flask, caller: Caller) -> None:
    caller.call()
    caller.press("1")
    caller.say("a guard hit me", confidence="")
    assert the_call(app, caller).state == "subject_confirm"


def test_the_timeline_keeps_the_recognisers_confidence_or_says_it_had_none(
    app: Flask, caller: Caller
) -> None:
    caller.call()
    caller.press("1")
    caller.say("banana purple", confidence="")
    with app.extensions["ivr.db"]() as session:
        call = session.scalar(select(Call).where(Call.call_sid == caller.call_sid))
        assert call is not None
        values = [event.value for event in call.events]
    assert "[speech, 2 words, confidence unknown]" in values


def test_on_hold_a_caller_hears_a_route_outside_the_facility_after_911(caller: Caller) -> None:
    caller.call()
    caller.press("2")
    caller.press("1")
    heard = before_music_or_the_tone(caller)
    assert "Inspector General de Seguridad Nacional al 8, 0, 0. 3, 2, 3. 8, 6, 0, 3" in heard
    # In that order: 911 and staff, the outside route, then the place in line.
    assert heard.index("9 1 1") < heard.index("Inspector General") < heard.index("en la fila")


def test_a_caller_not_reporting_something_urgent_is_told_of_the_0_key(caller: Caller) -> None:
    caller.call()
    caller.press("2")
    caller.press("4")  # anything else
    assert "puede oprimir 0 para hablar con una persona" in caller.heard_text()


def test_a_caller_who_presses_0_at_once_hears_the_outside_route_in_both_languages(caller: Caller) -> None:
    caller.call()
    caller.press("0")
    heard = before_music_or_the_tone(caller)
    assert OUTSIDE in heard
    assert "Inspector General de Seguridad Nacional" in heard


# --- After hours, nobody promises what nobody is there to do ----------------------------------


def test_after_hours_0_is_offered_as_a_message_not_a_person(caller_at: Callable[..., Caller]) -> None:
    caller = caller_at(CLOSED)
    caller.call()
    caller.press("1")
    caller.press("4")
    heard = caller.heard_text()
    assert "press 0 to leave a message for the operators" in heard
    assert "speak with a person" not in heard


def test_after_hours_the_second_language_menu_promises_no_interpreter_now(
    caller_at: Callable[..., Caller],
) -> None:
    caller = caller_at(CLOSED)
    caller.call()
    caller.press("3")
    heard = caller.heard_text()
    assert "to leave a message. An operator will have it interpreted." in heard
    assert "an operator will bring in an interpreter" not in heard


def test_an_urgent_report_after_hours_hears_it_is_read_first_and_the_routes_again(
    caller_at: Callable[..., Caller],
) -> None:
    caller = caller_at(CLOSED)
    caller.call()
    caller.press("2")
    caller.press("1")  # abuse or an assault
    heard = caller.heard_text()
    assert "Cuando regresen, atenderán primero las denuncias urgentes" in heard
    assert "Inspector General de Seguridad Nacional" in heard
    assert "Record" in caller.verbs()


def test_a_general_question_after_hours_goes_to_voicemail_without_the_urgent_notice(
    caller_at: Callable[..., Caller],
) -> None:
    caller = caller_at(CLOSED)
    caller.call()
    caller.press("1")
    caller.press("4")
    caller.press("6")  # anything else
    caller.press("4")  # anyone else
    assert "Urgent reports are read first" not in caller.heard_text()
    assert NOTICE in caller.heard_text()
    assert "Record" in caller.verbs()
