"""A caller can ask for a person at any menu, and every caller hears the safety notice first."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from sqlalchemy import select

from ivr.models import Call, CallEvent
from tests.conftest import Caller, the_call

CLOSED = "2026-11-28T23:00:00-05:00"  # a Saturday night


def test_pressing_0_at_the_caller_type_menu_reaches_the_queue(caller: Caller) -> None:
    caller.call()
    caller.press("1")
    caller.press("0")
    caller.enqueue()


def test_saying_operator_at_the_subject_menu_reaches_the_queue_in_spanish(caller: Caller) -> None:
    caller.call()
    caller.press("2")
    caller.press("1")
    caller.say("quiero hablar con una persona por favor")
    caller.enqueue()


def test_a_sentence_naming_a_person_is_still_a_reason_not_a_request(app: Flask, caller: Caller) -> None:
    caller.call()
    caller.press("1")
    caller.press("1")
    caller.say("a person here hit me", confidence="0.95")
    assert the_call(app, caller).subject == "assault"


def test_pressing_0_at_the_language_menu_says_the_safety_notice_first(caller: Caller) -> None:
    caller.call()
    caller.press("0")
    assert "call 9 1 1" in caller.heard_text() and "llame al 9 1 1" in caller.heard_text()
    caller.enqueue()


def test_a_caller_who_never_answers_hears_the_safety_notice_before_the_operator(caller: Caller) -> None:
    caller.call()
    for _ in range(3):
        caller.silence()
    assert "call 9 1 1" in caller.heard_text()
    caller.enqueue()


def test_0_when_closed_takes_a_message(caller_at: Callable[..., Caller]) -> None:
    caller = caller_at(CLOSED)
    caller.call()
    caller.press("1")
    caller.press("0")
    assert "Record" in caller.verbs()


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
    caller.press("1")
    caller.say("a guard hit me", confidence="")
    assert the_call(app, caller).state == "subject_confirm"


def test_the_timeline_keeps_the_recognisers_confidence_or_says_it_had_none(
    app: Flask, caller: Caller
) -> None:
    caller.call()
    caller.press("1")
    caller.press("1")
    caller.say("banana purple", confidence="")
    with app.extensions["ivr.db"]() as session:
        call = session.scalar(select(Call).where(Call.call_sid == caller.call_sid))
        assert call is not None
        values = [event.value for event in call.events]
    assert "[speech, 2 words, confidence unknown]" in values


def test_after_the_language_a_caller_hears_a_route_outside_the_facility_and_the_0_key(caller: Caller) -> None:
    caller.call()
    caller.press("2")
    heard = caller.heard_text()
    assert "Inspector General de Seguridad Nacional al 8, 0, 0. 3, 2, 3. 8, 6, 0, 3" in heard
    assert "puede oprimir 0 para hablar con una persona" in heard
    # In that order: 911 and staff, the outside route, then how to reach a person.
    assert heard.index("9 1 1") < heard.index("Inspector General") < heard.index("oprimir 0")


def test_a_caller_who_presses_0_at_once_hears_the_outside_route_in_both_languages(caller: Caller) -> None:
    caller.call()
    caller.press("0")
    heard = caller.heard_text()
    assert "Homeland Security Inspector General's hotline" in heard
    assert "Inspector General de Seguridad Nacional" in heard


# --- After hours, nobody promises what nobody is there to do ----------------------------------


def test_after_hours_0_is_offered_as_a_message_not_a_person(caller_at: Callable[..., Caller]) -> None:
    caller = caller_at(CLOSED)
    caller.call()
    caller.press("1")
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
    caller.press("1")
    caller.press("1")  # assault
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
    caller.press("9")  # anything else
    assert "Urgent reports are read first" not in caller.heard_text()
    assert "Record" in caller.verbs()
