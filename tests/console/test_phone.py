"""The browser phone: the console hands the operator's browser a Voice SDK token, or says why not."""

from __future__ import annotations

import jwt
import pytest
from flask import Flask
from flask.testing import FlaskClient

from ivr.models import Reach, Role
from tests.console.conftest import signed_in
from tests.signing_in import Person, add_person


def test_without_an_api_key_the_phone_says_why_and_no_token_is_given(console: FlaskClient) -> None:
    answer = console.get("/console/phone/token")
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    assert answer.json == {
        "available": False,
        "reason": "The browser phone needs TWILIO_API_KEY, TWILIO_API_SECRET, TWILIO_TWIML_APP_SID: "
        "take an operator's calls by phone.",
    }


def test_with_an_api_key_the_token_rings_this_operator_and_no_one_else(
    app: Flask, operator: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dataclasses

    settings = dataclasses.replace(
        app.config["IVR"],
        twilio_api_key="SK" + "1" * 32,
        twilio_api_secret="s" * 32,
        twilio_twiml_app_sid="AP" + "2" * 32,
    )
    monkeypatch.setitem(app.config, "IVR", settings)
    answer = signed_in(app, operator).get("/console/phone/token")
    body = answer.json
    assert body is not None and body["available"] is True
    claims = jwt.decode(body["token"], "s" * 32, algorithms=["HS256"])
    assert claims["grants"]["identity"] == body["identity"] == f"operator-{operator.id}"
    assert claims["grants"]["voice"]["incoming"] == {"allow": True}


def test_an_operator_rung_by_phone_gets_no_browser_token(app: Flask) -> None:
    by_phone = add_person(
        app, "luis@example.gov", Role.OPERATOR, reach=Reach.PHONE, reach_address="+12025550143"
    )
    answer = signed_in(app, by_phone).get("/console/phone/token")
    assert answer.json is not None and answer.json["available"] is False


def test_the_console_shows_the_browser_phone_only_to_an_operator_rung_here(
    app: Flask, console: FlaskClient
) -> None:
    page = console.get("/console/").get_data(as_text=True)
    assert 'id="phone"' in page and "/static/vendor/twilio-voice-sdk.min.js" in page
    by_phone = add_person(
        app, "luis@example.gov", Role.OPERATOR, reach=Reach.PHONE, reach_address="+12025550143"
    )
    assert 'id="phone"' not in signed_in(app, by_phone).get("/console/").get_data(as_text=True)
