"""The caller's journey, webhook by webhook, as Twilio drives it (call-flow.md steps 1-9)."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from ivr.models import Call, CallEvent, QueueEntry
from tests.conftest import Caller, the_call


def events(app: Flask, caller: Caller) -> list[CallEvent]:
    with app.extensions["ivr.db"]() as session:
        call = session.scalar(select(Call).where(Call.call_sid == caller.call_sid))
        assert call is not None
        found = list(call.events)
        session.expunge_all()
        return found


# --- Greeting and language ------------------------------------------------------------------


def test_greeting_names_the_line_in_english_then_spanish(caller: Caller) -> None:
    caller.call()
    heard = caller.heard()
    assert "ICE Detention Reporting and Information Line" in heard[0]
    assert "Línea de Denuncias e Información sobre Detención" in heard[1]
    assert "For English, press 1" in caller.heard_text()
    assert "Para español, oprima 2" in caller.heard_text()


def test_language_menu_takes_keys_and_words_with_barge_in(caller: Caller) -> None:
    caller.call()
    gather = caller.gather()
    assert gather.attrib["input"] == "dtmf speech"
    assert gather.attrib["numDigits"] == "1"
    assert "English" in gather.attrib["hints"] and "español" in gather.attrib["hints"]


def test_pressing_2_continues_in_spanish_with_the_urgent_reasons_first(caller: Caller) -> None:
    caller.call()
    caller.press("2")
    assert caller.languages_heard() == {"es-US"}
    assert caller.heard()[0].startswith("Para denunciar abuso o agresión, oprima 1.")
    assert "Puede oprimir en cualquier momento" in caller.heard_text()
    assert "Si usted está detenido ahora" not in caller.heard_text()  # who calls: only if not urgent
    assert caller.gather().attrib["language"] == "es-US"


def test_saying_english_continues_in_english(caller: Caller) -> None:
    caller.call()
    caller.say("English")
    assert caller.languages_heard() == {"en-US"}
    assert "To report abuse or an assault, press 1." in caller.heard_text()
    assert caller.gather().attrib["language"] == "en-US"


def test_a_wrong_key_repeats_only_the_menus_options(caller: Caller) -> None:
    caller.call()
    caller.press("1")
    first = caller.heard()
    assert "You can press a key at any time, or say in a few words why you are calling." in first
    caller.press("7")
    assert caller.heard() == ["Sorry, that is not an option.", first[0]]  # the options, nothing more
    caller.press("4")
    caller.silence()
    assert caller.heard()[0] == "Sorry, I did not hear your choice."
    assert caller.heard()[1].startswith("For separation from a child")
    assert len(caller.heard()) == 2  # neither the invitation nor "press star" again


def test_star_repeats_the_whole_menu(caller: Caller) -> None:
    caller.call()
    caller.press("1")
    first = caller.heard()
    caller.press("*")
    assert caller.heard() == first


def test_wrong_key_at_the_language_menu_says_so_in_both_languages(caller: Caller) -> None:
    caller.call()
    caller.press("7")
    assert "Sorry, that is not an option." in caller.heard()
    assert "Lo siento, esa no es una opción." in caller.heard()
    assert "For English, press 1." in caller.heard()


def test_star_repeats_a_menu_without_counting_a_try(app: Flask, caller: Caller) -> None:
    caller.call()
    caller.press("1")
    for _ in range(4):
        caller.press("*")
        assert "To report abuse or an assault, press 1." in caller.heard_text()
    assert the_call(app, caller).attempts == 0


def test_other_languages_lead_to_a_second_menu_each_language_in_itself(app: Flask, caller: Caller) -> None:
    caller.call()
    caller.press("3")
    assert caller.twiml is not None
    says = {say.attrib["language"] for say in caller.twiml.iter("Say")}
    assert {"pt-BR", "cmn-CN", "pa-IN", "hi-IN", "ru-RU", "fr-FR", "arb", "vi-VN", "en-US", "es-US"} <= says
    assert caller.twiml.find("Gather/Play") is not None  # Haitian Creole is played from audio
    assert "For any other language, press 0" in caller.heard_text()


def test_a_language_without_operators_continues_in_it_flagged_for_an_interpreter(
    app: Flask, caller: Caller
) -> None:
    caller.call()
    caller.press("3")
    caller.press("1")  # Português
    assert caller.languages_heard() == {"pt-BR"}
    assert caller.gather().attrib["language"] == "pt-BR"
    caller.press("1")
    caller.enqueue()
    assert the_call(app, caller).needs_interpreter == "pt"
    with app.extensions["ivr.db"]() as session:
        entry = session.scalar(select(QueueEntry))
        assert entry is not None and entry.needs_interpreter == "pt" and entry.language == "pt"


def test_any_other_language_goes_straight_to_an_interpreter(app: Flask, caller: Caller) -> None:
    caller.call()
    caller.press("3")
    caller.press("0")
    caller.enqueue()
    assert "An operator will connect an interpreter for you." in caller.heard_text()
    assert the_call(app, caller).needs_interpreter == "other"


def test_saying_a_language_name_chooses_it(app: Flask, caller: Caller) -> None:
    caller.call()
    caller.say("kreyòl")
    gather = caller.gather()
    assert gather.attrib["input"] == "dtmf"  # no speech recognition for Haitian Creole
    assert [child.tag for child in gather] == ["Play"] * len(gather)
    assert the_call(app, caller).needs_interpreter == "ht"


def test_silence_at_the_second_language_menu_reaches_an_operator_with_an_interpreter(
    app: Flask, caller: Caller
) -> None:
    caller.call()
    caller.press("3")
    caller.silence()
    caller.silence()
    caller.silence()
    caller.enqueue()
    assert the_call(app, caller).needs_interpreter == "other"


def test_no_choice_three_times_takes_an_operator_never_a_hang_up(app: Flask, caller: Caller) -> None:
    caller.call()
    caller.silence()
    assert "Sorry, I did not hear your choice." in caller.heard()
    caller.silence()
    caller.silence()
    assert "Hangup" not in caller.verbs()
    caller.enqueue()
    assert [e.event for e in events(app, caller)] == [
        "call_started",
        "no_input",
        "no_input",
        "attempts_exhausted",
    ]


# --- Who is calling -------------------------------------------------------------------------


def test_caller_type_by_key(app: Flask, caller: Caller) -> None:
    caller.call()
    caller.press("1")
    caller.press("4")  # anything else
    caller.press("3")  # a lawyer
    assert "If you are an attorney or accredited representative, press 3." in caller.heard_text()
    caller.press("3")
    assert the_call(app, caller).caller_type == "attorney"


def test_caller_type_by_words(app: Flask, caller: Caller) -> None:
    caller.call()
    caller.press("2")
    caller.press("4")
    caller.press("6")
    caller.say("llamo por mi esposo que está detenido")
    assert the_call(app, caller).caller_type == "about_detained"


def test_caller_type_wrong_key_then_silence_goes_to_an_operator(app: Flask, caller: Caller) -> None:
    caller.call()
    caller.press("1")
    caller.press("4")
    caller.press("6")
    caller.press("8")
    assert "Sorry, that is not an option." in caller.heard()
    caller.silence()
    caller.press("0")
    caller.enqueue()
    assert the_call(app, caller).caller_type is None


# --- Why they call --------------------------------------------------------------------------


def test_every_subject_key_is_recorded_with_its_priority(app_at, database_dir) -> None:  # type: ignore[no-untyped-def]
    expected = {  # the keys after the language; a person in detention where asked (1)
        ("1",): ("assault", 1),
        ("2",): ("trafficking_or_crime", 1),
        ("3",): ("mental_health", 1),
        ("4", "1", "1"): ("family_separation", 2),
        ("4", "2", "1"): ("detention_conditions", 2),
        ("4", "3", "1"): ("legal_access", 2),
        ("4", "6", "1"): ("other", 2),
        ("4", "6", "4"): ("other", 3),
    }
    app = app_at("2026-11-30T10:00:00-05:00")
    for number, (keys, (subject, priority)) in enumerate(expected.items()):
        caller = Caller(app.test_client(), call_sid=f"CA{number:032d}")
        caller.call()
        caller.press("1")
        for key in keys:
            caller.press(key)
        caller.enqueue()
        call = the_call(app, caller)
        assert (call.subject, call.subject_source, call.priority) == (subject, "keypad", priority)


def test_urgent_report_goes_straight_to_an_operator(app: Flask, caller: Caller) -> None:
    caller.call()
    caller.press("2")
    caller.press("1")  # one key after the language
    assert caller.verbs() == ["Say", "Enqueue"]
    assert caller.heard() == ["Por favor, espere a un operador."]
    call = the_call(app, caller)
    assert (call.subject, call.priority, call.caller_type) == ("assault", 1, None)  # first in line


def test_an_urgent_caller_goes_ahead_of_those_already_waiting(app: Flask) -> None:
    waiting = Caller(app.test_client(), call_sid="CA" + "a" * 32)
    waiting.call()
    for key in ("1", "4", "2", "1"):  # problems in detention, a person in detention
        waiting.press(key)
    urgent = Caller(app.test_client(), call_sid="CA" + "b" * 32)
    urgent.call()
    urgent.press("1")
    urgent.press("3")  # a mental health crisis
    urgent.wait_in_queue()
    assert "You are number 1 in line." in urgent.heard_text()
    waiting.wait_in_queue(position=2)
    assert "You are number 2 in line." in waiting.heard_text()


def test_subject_said_in_spanish_is_classified(app: Flask, caller: Caller) -> None:
    caller.call()
    caller.press("2")
    caller.say("me golpearon", confidence="0.95")
    caller.enqueue()
    call = the_call(app, caller)
    assert call.subject == "assault"
    assert call.subject_source == "speech"
    assert call.subject_transcript == "me golpearon"
    assert call.priority == 1


def test_unsure_subject_is_confirmed_by_keypad(app: Flask, caller: Caller) -> None:
    caller.call()
    caller.press("1")
    caller.say("they took my daughter from me", confidence="0.35")
    assert "I understood that you are calling about separation from a child" in caller.heard_text()
    caller.press("1")
    caller.press("2")  # calling about someone in detention: asked, as the subject is not urgent
    caller.enqueue()
    call = the_call(app, caller)
    assert call.subject == "family_separation"


def test_unsure_subject_declined_returns_to_the_list(caller: Caller) -> None:
    caller.call()
    caller.press("1")
    caller.say("they took my daughter from me", confidence="0.35")
    caller.press("2")
    assert "To report abuse or an assault, press 1." in caller.heard_text()


def test_words_that_match_no_subject_are_asked_again_and_kept(app: Flask, caller: Caller) -> None:
    caller.call()
    caller.press("1")
    caller.press("4")
    caller.say("banana purple")
    assert "Sorry, I did not understand." in caller.heard()
    assert the_call(app, caller).subject_transcript == "banana purple"


def test_subject_timeline_redacts_speech(app: Flask, caller: Caller) -> None:
    caller.call()
    caller.press("1")
    caller.say("a guard hit me")
    logged = [e.value for e in events(app, caller)]
    assert "[speech, 4 words, confidence 0.92]" in logged  # the recogniser's confidence is kept too
    assert not any(value and "guard" in value for value in logged)


# --- Basic case information: the A-number ---------------------------------------------------


def test_a_number_is_read_back_digit_by_digit_and_kept_encrypted(app: Flask, caller: Caller) -> None:
    caller.call()
    caller.press("1")
    caller.press("4")  # anything else
    caller.press("4")
    caller.press("1")  # detained
    assert "enter it on your keypad, then press the pound key" in caller.heard_text()
    assert caller.gather().attrib["finishOnKey"] == "#"
    caller.press("123456789#")
    assert "You entered 1, 2, 3, 4, 5, 6, 7, 8, 9." in caller.heard_text()
    caller.press("1")
    caller.enqueue()
    assert "Form G-28" not in caller.heard_text()  # the caller is the detained person
    call = the_call(app, caller)
    assert call.a_number == "123456789"
    with app.extensions["ivr.engine"].connect() as connection:
        raw = connection.exec_driver_sql("SELECT a_number FROM calls").scalar_one()
    assert "123456789" not in raw
    assert "123456789" not in " ".join(str(e.value) for e in events(app, caller))


def test_eight_digit_a_number_gets_its_leading_zero(app: Flask, caller: Caller) -> None:
    caller.call()
    caller.press("2")
    caller.press("4")  # anything else
    caller.press("4")
    caller.press("1")
    caller.press("12345678")
    assert "Usted marcó 0, 1, 2, 3, 4, 5, 6, 7, 8." in caller.heard_text()


def test_wrong_length_a_number_is_asked_again_clearly(caller: Caller) -> None:
    caller.call()
    caller.press("1")
    caller.press("4")  # anything else
    caller.press("4")
    caller.press("1")
    caller.press("12345")
    assert "That number had 5 digits. An A-number has 9 digits." in caller.heard_text()
    caller.press("0123456789")
    assert "That number had 10 digits." in caller.heard_text()
    caller.press("012345678")
    assert "You entered 0, 1, 2, 3, 4, 5, 6, 7, 8." in caller.heard_text()


def test_a_number_re_entered_after_a_wrong_read_back(app: Flask, caller: Caller) -> None:
    caller.call()
    caller.press("1")
    caller.press("4")  # anything else
    caller.press("4")
    caller.press("1")
    caller.press("111111111")
    caller.press("2")
    caller.press("222222222")
    caller.press("1")
    assert the_call(app, caller).a_number == "222222222"


def test_a_number_can_be_skipped_and_third_parties_hear_the_g28_notice(app: Flask, caller: Caller) -> None:
    caller.call()
    caller.press("1")
    caller.press("4")  # anything else
    caller.press("4")
    caller.press("2")  # calling about someone detained
    caller.press("*")
    assert (
        "Form G-28, which shows that a lawyer or accredited representative represents them"
        in caller.heard_text()
    )
    caller.enqueue()
    call = the_call(app, caller)
    assert call.a_number is None and call.a_number_skipped and call.third_party


def test_a_number_said_aloud(app: Flask, caller: Caller) -> None:
    caller.call()
    caller.press("2")
    caller.press("4")  # anything else
    caller.press("4")
    caller.press("1")
    caller.say("cero uno dos tres cuatro cinco seis siete ocho")
    assert "Usted marcó 0, 1, 2, 3, 4, 5, 6, 7, 8." in caller.heard_text()


# --- Case review and the field office -------------------------------------------------------


def test_case_review_explains_then_gives_the_field_office_by_state(app: Flask, caller: Caller) -> None:
    caller.call()
    caller.press("1")
    caller.press("4")  # anything else
    caller.press("5")
    caller.press("3")
    assert "first contact your local ERO field office" in caller.heard_text()
    assert "ice dot gov, slash, I C E case review" in caller.heard_text()
    caller.press("42#")  # G A, which is also I A
    assert "For Georgia, press 1. For Iowa, press 2." in caller.heard_text()
    caller.press("1")
    assert (
        "The Atlanta field office: 4, 0, 4. 8, 9, 3. 1, 2, 9, 0. This number comes from a public list"
        in caller.heard_text()
    )  # 3-3-4, unverified
    assert "To speak with an operator, press 1." in caller.heard_text()
    caller.press("2")
    assert caller.verbs()[-1] == "Hangup"
    assert "Thank you for calling. Goodbye." in caller.heard()
    caller.hang_up()
    assert the_call(app, caller).outcome == "self_service"


def test_california_by_state_hears_every_office_that_covers_it(caller: Caller) -> None:
    caller.call()
    caller.press("1")
    caller.press("4")  # anything else
    caller.press("5")
    caller.press("4")
    caller.press("22#")
    heard = caller.heard_text()
    assert "California is served by more than one field office." in heard
    for office in ("Los Angeles", "San Diego", "San Francisco"):
        assert f"The {office} field office" in heard


def test_zip_code_finds_the_county_office(caller: Caller) -> None:
    caller.call()
    caller.press("2")
    caller.press("4")  # anything else
    caller.press("5")
    caller.press("2")
    caller.press("92101#")
    assert "La oficina local de San Diego" in caller.heard_text()


def test_ambiguous_keypad_state_asks_which_one(caller: Caller) -> None:
    caller.call()
    caller.press("1")
    caller.press("4")  # anything else
    caller.press("5")
    caller.press("4")
    caller.press("62#")  # M A or N C
    assert "For Massachusetts, press 1." in caller.heard_text()
    assert "For North Carolina, press 2." in caller.heard_text()
    caller.press("2")
    assert "The Atlanta field office" in caller.heard_text()


def test_state_said_aloud_and_then_an_operator(caller: Caller) -> None:
    caller.call()
    caller.press("2")
    caller.press("4")  # anything else
    caller.press("5")
    caller.press("2")
    caller.say("Nueva York")
    assert "La oficina local de Nueva York" in caller.heard_text()
    caller.press("1")
    caller.enqueue()


def test_unknown_state_is_asked_again(caller: Caller) -> None:
    caller.call()
    caller.press("1")
    caller.press("4")  # anything else
    caller.press("5")
    caller.press("4")
    caller.press("11#")
    assert "Sorry, I could not find that state or ZIP code." in caller.heard_text()
    caller.press("99999#")
    assert "Sorry, I could not find that state or ZIP code." in caller.heard_text()
    caller.press("89#")  # T X
    assert "Texas is served by more than one field office." in caller.heard_text()


def test_star_after_the_offices_repeats_the_numbers_themselves(caller: Caller) -> None:
    caller.call()
    caller.press("1")
    caller.press("4")  # anything else
    caller.press("5")
    caller.press("3")
    caller.press("30303#")  # an Atlanta ZIP code
    caller.press("*")
    assert "The Atlanta field office: 4, 0, 4. 8, 9, 3. 1, 2, 9, 0." in caller.heard_text()
    assert "To speak with an operator, press 1." in caller.heard_text()


def test_someone_asking_for_anothers_case_review_hears_the_g28_rule_too(app: Flask, caller: Caller) -> None:
    caller.call()
    caller.press("1")
    caller.press("4")  # anything else
    caller.press("5")  # case review
    caller.press("2")  # about someone in detention
    assert (
        "Form G-28, which shows that a lawyer or accredited representative represents them"
        in caller.heard_text()
    )
    assert the_call(app, caller).third_party


def test_a_detained_caller_asking_for_a_review_is_not_told_the_third_party_rule(caller: Caller) -> None:
    caller.call()
    caller.press("1")
    caller.press("4")  # anything else
    caller.press("5")
    caller.press("1")
    assert "Form G-28" not in caller.heard_text()
