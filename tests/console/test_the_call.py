"""The call: a caller being connected appears on the operator's console with what the line learned,
and its controls tell Twilio what to do through the desk."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

import pytest
from babel.numbers import format_percent
from flask import Flask
from flask.testing import FlaskClient

from ivr.devtools.twilio_api import FakeTwilioApi
from ivr.journey.classifier import classify
from tests.console.conftest import (
    ROOM_SID,
    answer,
    caller_with_a_number_and_words,
    go_available,
    post,
    signed_in,
)
from tests.desk.conftest import NOW_TEXT, ClosingCaller, fake_api
from tests.signing_in import add_person

WORDS = "<script>window.pwned=1</script> {{7*7}} I need information about my case"
# As the classifier scores those words (its figure moves when it learns): the operator sees it.
CONFIDENCE = format_percent(classify(WORDS, "en").confidence, locale="en")
HTMX = {"HX-Request": "true"}


def poll(client: FlaskClient, shown: str = "", form: str = "") -> tuple[int, str]:
    response = client.get(f"/console/call?shown={shown}&form={form}", headers=HTMX)
    return response.status_code, response.get_data(as_text=True)


def shown_key(part: str) -> str:
    found = re.search(r'"shown": "([0-9a-f]+)"', part)
    assert found, part
    return found.group(1)


def test_a_caller_being_connected_appears_in_the_polled_part_and_is_announced(
    app: Flask, api: FakeTwilioApi, console: FlaskClient
) -> None:
    status, idle = poll(console)
    assert status == 200 and "No caller is connected to you." in idle
    assert poll(console, shown_key(idle))[0] == 204  # nothing changed: nothing redrawn
    go_available(console)
    caller_with_a_number_and_words(app, WORDS)  # the desk rings Ana: a caller is being connected
    status, ringing = poll(console, shown_key(idle))
    assert status == 200
    assert "A caller is being connected to you: answer when you are rung." in ringing
    news = re.search(r'<p id="call-news" hx-swap-oob="innerHTML">(.*?)</p>', ringing, re.S)
    assert news and "A caller is being connected to you: English, Information about a case." in news.group(1)
    assert 'id="me" class="part"' in ringing and "On a call" in ringing  # Ana's state rides along
    assert poll(console, shown_key(ringing))[0] == 204


def test_in_the_room_the_card_shows_all_the_line_learned_and_the_controls(
    app: Flask, api: FakeTwilioApi, console: FlaskClient
) -> None:
    go_available(console)
    answer(app, api, caller_with_a_number_and_words(app, WORDS))
    page = console.get("/console/").get_data(as_text=True)
    facts = dict(re.findall(r"<dt>(.*?)</dt>\s*<dd[^>]*>(.*?)</dd>", page, re.S))
    assert facts["Language"] == "English"
    assert facts["Interpreter"] == "Not needed"
    assert facts["Caller"] == "A person in detention"
    assert facts["Subject"] == "Information about a case"
    assert f"The caller's words, understood with {CONFIDENCE} confidence" in facts["Chosen by"]
    assert facts["Priority"] == "2, caller in detention"
    assert facts["Waited"] == "0 s"  # the line's clock is pinned in tests
    assert facts["Field office looked up"] == "None"
    assert "A-•••-•••-•••" in facts["A-number"] and "123456789" not in page
    for control in ("Hold", "Add the interpreter service", "Transfer", "End the call"):
        assert f">{control}</button>" in page


def test_the_callers_words_are_shown_as_text_never_as_markup_or_a_template(
    app: Flask, api: FakeTwilioApi, console: FlaskClient
) -> None:
    go_available(console)
    answer(app, api, caller_with_a_number_and_words(app, WORDS))
    for page in (console.get("/console/").get_data(as_text=True), poll(console)[1]):
        assert "&lt;script&gt;window.pwned=1&lt;/script&gt; {{7*7}} I need information" in page
        assert "<script>window.pwned" not in page and "49 I need" not in page


def test_earlier_calls_from_the_same_number_are_found_by_its_fingerprint_never_by_the_number(
    app: Flask, api: FakeTwilioApi, console: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    earlier = ClosingCaller(app.test_client(), call_sid="CA" + "e" * 32)
    earlier.call()
    earlier.press("1")
    earlier.press("4")  # anything else
    earlier.hang_up()  # hung up in the menus
    stranger = ClosingCaller(app.test_client(), call_sid="CA" + "f" * 32)
    stranger.post("/voice/incoming", From="+15555550999")
    go_available(console)
    with caplog.at_level(logging.DEBUG):
        answer(app, api, caller_with_a_number_and_words(app, WORDS))
        page = console.get("/console/").get_data(as_text=True)
    rows = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>", page)
    assert rows == [("11/30/26, 10:00\u202fAM", "Not given", "Hung up in the menus", "")]
    assert "5555550123" not in page and "5555550123" not in caplog.text


def test_hold_interpreter_transfer_and_end_send_the_desks_requests_to_twilio(
    app_at: Callable[..., Flask],
) -> None:
    app = app_at(NOW_TEXT, IVR_INTERPRETER_NUMBER="+18005550199")
    api = fake_api(app)
    console = signed_in(app, add_person(app, "ana.operator@example.gov", name="Ana Operadora"))
    go_available(console)
    connected = answer(app, api, caller_with_a_number_and_words(app, WORDS))
    held = post(console, "/console/call/hold", htmx=True, on="1").get_data(as_text=True)
    assert "The caller is on hold." in held and ">Take off hold</button>" in held
    assert (
        api.requests[-1].resource == f"Conferences/{ROOM_SID}/Participants/{connected.caller.call_sid}.json"
    )
    assert api.requests[-1].data == {"Hold": "true"}
    assert "The caller is back with you." in post(console, "/console/call/hold", htmx=True, on="0").get_data(
        as_text=True
    )
    assert api.requests[-1].data == {"Hold": "false"}

    post(console, "/console/call/interpreter", htmx=True)
    assert api.requests[-1].data["To"] == "+18005550199"

    moved = post(console, "/console/call/transfer", htmx=True, office="Los Angeles").get_data(as_text=True)
    assert "The Los Angeles field office is being called." in moved
    dialled, let_go = api.requests[-2:]
    assert dialled.data["To"] == "+12138307911" and dialled.data["Label"] == "field office"
    assert let_go.data == {"EndConferenceOnExit": "false"}

    ending = post(console, "/console/call/end", htmx=True).get_data(as_text=True)
    assert "The call is ending." in ending
    assert (api.requests[-1].resource, api.requests[-1].data) == (
        f"Conferences/{ROOM_SID}.json",
        {"Status": "completed"},
    )


def test_a_transfer_dials_only_an_office_of_the_line_never_a_number_from_the_browser(
    app: Flask, api: FakeTwilioApi, console: FlaskClient
) -> None:
    go_available(console)
    answer(app, api, caller_with_a_number_and_words(app, WORDS))
    before = len(api.requests)
    answered = post(console, "/console/call/transfer", htmx=True, office="+19005551234").get_data(
        as_text=True
    )
    assert "choose a field office from the list" in answered
    assert len(api.requests) == before


def test_controls_without_a_caller_or_an_interpreter_service_say_why_and_send_nothing(
    app: Flask, api: FakeTwilioApi, console: FlaskClient
) -> None:
    answered = post(console, "/console/call/end", htmx=True).get_data(as_text=True)
    assert "No caller is in a call with you now." in answered
    go_available(console)
    answer(app, api, caller_with_a_number_and_words(app, WORDS))
    before = len(api.requests)
    answered = post(console, "/console/call/interpreter", htmx=True).get_data(as_text=True)
    assert "no interpreter service is configured" in answered
    assert len(api.requests) == before


def test_a_refused_request_to_twilio_is_said_plainly_and_logged_without_its_parameters(
    app: Flask, api: FakeTwilioApi, console: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    go_available(console)
    answer(app, api, caller_with_a_number_and_words(app, WORDS))
    api.fail_next(r"Participants", status=500, code=20500, message="Internal error")
    answered = post(console, "/console/call/hold", htmx=True, on="1").get_data(as_text=True)
    assert "Twilio did not take the request. Try again in a moment." in answered
    assert "TwilioRestException (HTTP 500, Twilio error 20500)" in caplog.text


def test_without_htmx_a_control_redirects_to_the_console_with_its_message(
    app: Flask, api: FakeTwilioApi, console: FlaskClient
) -> None:
    response = post(console, "/console/call/end")
    assert response.status_code == 302 and response.location == "/console/"
    assert "No caller is in a call with you now." in console.get("/console/").get_data(as_text=True)


def test_an_operator_sees_only_their_own_caller(app: Flask, api: FakeTwilioApi, console: FlaskClient) -> None:
    go_available(console)
    answer(app, api, caller_with_a_number_and_words(app, WORDS))
    other = signed_in(app, add_person(app, "ben.operator@example.gov", languages="en"))
    assert "No caller is connected to you." in other.get("/console/").get_data(as_text=True)
    assert "No caller is in a call with you now." in post(other, "/console/call/end", htmx=True).get_data(
        as_text=True
    )


def test_the_operators_state_follows_the_call(app: Flask, api: FakeTwilioApi, console: FlaskClient) -> None:
    go_available(console)
    assert "Available" in console.get("/console/").get_data(as_text=True)
    connected = answer(app, api, caller_with_a_number_and_words(app, WORDS))
    assert re.search(r'id="my-state">On a call', console.get("/console/").get_data(as_text=True))
    connected.room_ends()
    page = console.get("/console/").get_data(as_text=True)
    assert re.search(r'id="my-state">Wrapping up', page)
    assert "Callers are offered to you again at 10:02\u202fAM, or when you save the disposition." in page
    assert "The call has ended. Choose what came of it below, and save." in page
