"""Me: the operator's state in one click; going available asks the desk, which offers a caller at once."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from ivr.devtools.twilio_api import FakeTwilioApi
from ivr.models import Operator, OperatorState
from tests.console.conftest import answer, caller_with_a_number_and_words, go_available, post, signed_in
from tests.desk.conftest import NOW_TEXT, add_waiting, fake_api
from tests.signing_in import Person, add_person


def state_of(app: Flask, person: Person) -> str:
    with app.extensions["ivr.db"]() as session:
        state = session.scalar(select(Operator.state).where(Operator.user_id == person.id))
    assert state is not None
    return state


def test_going_available_asks_the_desk_which_offers_a_waiting_caller_at_once(
    app: Flask, api: FakeTwilioApi, console: FlaskClient, operator: Person
) -> None:
    add_waiting(app, "CA" + "9" * 32, language="es", waited=60)
    response = go_available(console)
    assert response.status_code == 302 and response.location == "/console/"
    [ring] = api.requests
    assert ring.resource == "Calls.json" and ring.data["To"] == f"client:operator-{operator.id}"
    assert state_of(app, operator) == OperatorState.ON_CALL


def test_away_and_offline_are_one_click_each(app: Flask, console: FlaskClient, operator: Person) -> None:
    for state in ("available", "away", "offline", "away"):
        post(console, "/console/state", state=state)
        assert state_of(app, operator) == state


def test_htmx_gets_the_me_part_alone_with_the_chosen_state_pressed(
    app: Flask, console: FlaskClient, operator: Person
) -> None:
    part = post(console, "/console/state", htmx=True, state="away").get_data(as_text=True)
    assert part.startswith('<section id="me"') and "<html" not in part
    pressed = r'value="away" aria-keyshortcuts="Alt\+Shift\+W"\s+aria-pressed="true">Away</button>'
    assert re.search(pressed, part)
    assert re.search(r'id="my-state">Away', part)


def test_an_operator_with_a_caller_cannot_step_away_until_the_call_ends(
    app: Flask, api: FakeTwilioApi, console: FlaskClient, operator: Person
) -> None:
    go_available(console)
    answer(app, api, caller_with_a_number_and_words(app, "information about my case"))
    part = post(console, "/console/state", htmx=True, state="offline").get_data(as_text=True)
    assert "You are with a caller: your state changes when the call ends." in part
    assert state_of(app, operator) == OperatorState.ON_CALL


def test_on_a_call_and_wrapping_up_are_the_desks_to_set_not_the_operators(
    app: Flask, console: FlaskClient, operator: Person
) -> None:
    for state in ("on_call", "wrapping_up", "anything"):
        assert post(console, "/console/state", state=state).status_code == 400
    assert state_of(app, operator) == OperatorState.OFFLINE


def test_a_wrap_up_past_its_maximum_ends_and_a_waiting_caller_is_offered_when_the_console_polls(
    app_at: Callable[..., Flask],
) -> None:
    app = app_at(NOW_TEXT, IVR_WRAP_UP_SECONDS="0")  # the maximum is over as soon as the call is
    api = fake_api(app)
    ana = add_person(app, "ana.operator@example.gov", name="Ana Operadora")
    console = signed_in(app, ana)
    go_available(console)
    answer(app, api, caller_with_a_number_and_words(app, "information about my case")).room_ends()
    add_waiting(app, "CA" + "9" * 32, language="en", waited=30)
    rung = len(api.requests_to(r"^Calls\.json$"))
    console.get("/console/call", headers={"HX-Request": "true"})
    assert len(api.requests_to(r"^Calls\.json$")) == rung + 1
    assert state_of(app, ana) == OperatorState.ON_CALL
