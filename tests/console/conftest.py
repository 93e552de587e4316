"""Fixtures for the operators' console: a signed-in operator, Twilio's API played in-process, and a
caller brought to the operator's room through the line's signed webhooks and the desk."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from ivr.devtools.twilio_api import FakeTwilioApi
from ivr.models import Call, Role
from tests.desk.conftest import ClosingCaller, Leg, connection_of, fake_api
from tests.signing_in import Person, add_person, csrf_token, sign_in

ROOM_SID = "CF" + "c" * 32


@pytest.fixture
def api(app: Flask) -> FakeTwilioApi:
    return fake_api(app)


@pytest.fixture
def operator(app: Flask) -> Person:
    return add_person(app, "ana.operator@example.gov", Role.OPERATOR, name="Ana Operadora")


def signed_in(app: Flask, person: Person) -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, person.email).status_code == 302
    return client


@pytest.fixture
def console(app: Flask, operator: Person) -> FlaskClient:
    """Ana's browser, signed in on the console."""
    return signed_in(app, operator)


def post(client: FlaskClient, action: str, htmx: bool = False, **fields: str) -> TestResponse:
    """Post a console form with the token a console page carries, as a browser (or htmx) would."""
    headers = {"HX-Request": "true"} if htmx else {}
    token = csrf_token(client.get("/console/"))
    return client.post(action, data={"csrf_token": token} | fields, headers=headers)


def go_available(client: FlaskClient) -> TestResponse:
    return post(client, "/console/state", state="available")


@dataclass
class Connected:
    """A caller talking with the operator: the connection, the operator's leg, the caller."""

    connection_id: int
    leg: Leg
    caller: ClosingCaller
    call_id: int

    def room_ends(self) -> None:
        """Twilio's callback when the room has closed (after "End" or a hang-up)."""
        self.leg.twiml(
            f"/voice/connect/conference?connection={self.connection_id}",
            "callback",
            StatusCallbackEvent="conference-end",
            ConferenceSid=ROOM_SID,
        )


def caller_with_a_number_and_words(app: Flask, words: str, call_sid: str = "CA" + "5" * 32) -> ClosingCaller:
    """An English caller in detention asks, in their own words, about their case, and gives an A-number."""
    caller = ClosingCaller(app.test_client(), call_sid=call_sid)
    caller.call()
    caller.press("1")  # English
    caller.say(words)  # understood as case information: who is calling, then the A-number
    caller.press("1")  # in detention
    caller.press("123456789#")
    caller.press("1")  # that is right
    assert caller.verbs()[-1] == "Enqueue"
    return caller


def offered(app: Flask, api: FakeTwilioApi, caller: ClosingCaller) -> tuple[int, Leg]:
    """The desk rang the operator for this caller: their leg, not yet answered."""
    ring = api.events.get_nowait()
    assert ring.kind == "ring"
    return connection_of(ring.url), Leg(app.test_client(), call_sid=ring.call_sid)


def answer(app: Flask, api: FakeTwilioApi, caller: ClosingCaller) -> Connected:
    """The operator picks up, hears the whisper and joins; the caller is moved into the room."""
    ring = api.events.get_nowait()
    assert ring.kind == "ring", ring
    leg = Leg(app.test_client(), call_sid=ring.call_sid)
    redirect = leg.twiml(ring.url).find("Redirect")
    assert redirect is not None
    leg.twiml(redirect.text or "")
    moved = api.events.get_nowait()
    Leg(app.test_client(), call_sid=caller.call_sid).twiml(moved.url)
    connection_id = connection_of(ring.url)
    leg.twiml(
        f"/voice/connect/conference?connection={connection_id}",
        "callback",
        StatusCallbackEvent="conference-start",
        ConferenceSid=ROOM_SID,
        FriendlyName="ivr-room",
    )
    with app.extensions["ivr.db"]() as session:
        call_id = session.scalar(select(Call.id).where(Call.call_sid == caller.call_sid))
    assert call_id is not None
    return Connected(connection_id, leg, caller, call_id)
