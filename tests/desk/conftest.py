"""Fixtures for the operators' side: operators, callers in line, and Twilio's API played in-process.

Only the `twilio` library's HTTP client is replaced (ivr.devtools.twilio_api.InProcessApiClient):
the desk builds its requests with the library, and they are answered as Twilio's API documents.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from ivr.desk import Desk
from ivr.devtools import twiml_rules
from ivr.devtools.twilio_api import FakeTwilioApi, InProcessApiClient
from ivr.models import Call as CallModel
from ivr.models import Operator, OperatorState, QueueEntry, Reach, Role, User
from tests.conftest import PUBLIC_URL, Caller, Twilio

NOW_TEXT = "2026-11-30T10:00:00-05:00"  # the testing line's pinned clock (tests.conftest)
NOW = datetime.fromisoformat(NOW_TEXT)


def fake_api(app: Flask) -> FakeTwilioApi:
    """Twilio's REST API as this app's desk sees it, recording every request."""
    fake = FakeTwilioApi()
    desk(app).use_http_client(InProcessApiClient(fake))
    return fake


@pytest.fixture
def api(app: Flask) -> FakeTwilioApi:
    return fake_api(app)


def desk(app: Flask) -> Desk:
    found: Desk = app.extensions["ivr.desk"]
    return found


def add_operator(
    app: Flask,
    name: str,
    languages: str = "en",
    interpreter: bool = False,
    reach: Reach = Reach.BROWSER,
    address: str | None = None,
    state: OperatorState = OperatorState.OFFLINE,
    since: datetime = NOW,
) -> int:
    """An operator's account and state row; returns their user id."""
    with app.extensions["ivr.db"]() as session:
        user = User(
            email=f"{name}@line.example.org",
            name=name,
            password_hash="-",
            role=Role.OPERATOR,
            languages=languages,
            takes_interpreter_calls=interpreter,
            reach_by=reach,
            reach_address=address,
            created_at=NOW,
        )
        session.add(user)
        session.flush()
        session.add(Operator(user_id=user.id, state=state, since=since))
        session.commit()
        return user.id


def add_waiting(
    app: Flask,
    call_sid: str,
    priority: int = 3,
    waited: int = 0,
    language: str | None = "en",
    needs_interpreter: str | None = None,
    subject: str | None = "other",
    caller_type: str | None = "other",
) -> int:
    """A caller already in line (as the webhooks leave them); returns the call's id."""
    moment = NOW - timedelta(seconds=waited)
    with app.extensions["ivr.db"]() as session:
        call = CallModel(
            call_sid=call_sid,
            started_at=moment,
            state="queued",
            step=5,
            language=language,
            needs_interpreter=needs_interpreter,
            subject=subject,
            caller_type=caller_type,
            priority=priority,
        )
        call.queue_entry = QueueEntry(
            queue_name="operators",
            language=language,
            needs_interpreter=needs_interpreter,
            subject=subject,
            caller_type=caller_type,
            priority=priority,
            enqueued_at=moment,
        )
        session.add(call)
        session.commit()
        return call.id


class Leg(Twilio):
    """One leg of a call as Twilio plays it: signed webhooks, each response closed as a server does
    (which runs the desk's work done after the answer), each TwiML answer checked."""

    def post(self, url: str, **extra: str) -> TestResponse:
        response = super().post(url, **extra)
        response.get_data()
        response.close()
        return response

    def twiml(self, url: str, context: str = "call", **extra: str) -> ElementTree.Element:
        response = self.post(url, **extra)
        assert response.status_code == 200, response.data
        body = response.get_data(as_text=True)
        assert twiml_rules.problems(body, context) == [], body
        return ElementTree.fromstring(body)


class ClosingCaller(Caller):
    """A caller whose webhook responses are closed, as a server closes them."""

    def post(self, url: str, **extra: str) -> TestResponse:
        response = super().post(url, **extra)
        response.get_data()
        response.close()
        return response


def connection_of(url: str) -> int:
    return int(parse_qs(urlsplit(url).query)["connection"][0])


def path_of(url: str) -> str:
    assert url.startswith(PUBLIC_URL), url
    return urlsplit(url).path
