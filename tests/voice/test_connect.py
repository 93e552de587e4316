"""The connection webhooks: signed like every voice webhook, and never a 500 to an operator or a caller."""

from __future__ import annotations

from xml.etree import ElementTree

from flask import Flask

from ivr.devtools import twiml_rules
from tests.conftest import PUBLIC_URL, Caller, Twilio, sign


def test_an_unsigned_connection_webhook_is_refused(app: Flask) -> None:
    for path in ("/voice/connect/operator?connection=1", "/voice/connect/caller?connection=1"):
        response = app.test_client().post(path, data={"CallSid": "CA1"})
        assert response.status_code == 403
    params = {"CallSid": "CA1"}
    forged = sign(PUBLIC_URL + "/voice/connect/join?connection=2", params)
    response = app.test_client().post(
        "/voice/connect/join?connection=1", data=params, headers={"X-Twilio-Signature": forged}
    )
    assert response.status_code == 403


def test_an_operator_leg_for_an_unknown_connection_hears_an_apology_not_a_500(app: Flask) -> None:
    twilio = Twilio(app.test_client(), call_sid="CA" + "d" * 32)
    for path in ("/voice/connect/operator", "/voice/connect/operator?connection=999", "/voice/connect/join"):
        response = twilio.post(path)
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        assert twiml_rules.problems(body) == []
        verbs = [verb.tag for verb in ElementTree.fromstring(body)]
        assert verbs[-1] == "Hangup"


def test_a_caller_moved_to_a_connection_that_is_gone_goes_back_in_line(caller: Caller) -> None:
    caller.call()
    caller.press("1")
    caller.press("1")
    assert caller.verbs()[-1] == "Enqueue"
    back = caller._answer("/voice/connect/caller?connection=999")
    assert back.find("Enqueue") is not None


def test_callbacks_about_unknown_connections_are_answered_quietly(app: Flask) -> None:
    twilio = Twilio(app.test_client())
    room_ends = {"StatusCallbackEvent": "conference-end", "ConferenceSid": "CF" + "9" * 32}
    for path, extra in (
        ("/voice/connect/operator-status?connection=999", {"CallStatus": "no-answer"}),
        ("/voice/connect/conference?connection=999", room_ends),
        ("/voice/connect/participant-status?connection=999&label=interpreter", {"CallStatus": "completed"}),
        ("/voice/connect/conference", room_ends),
    ):
        response = twilio.post(path, **extra)
        response.close()
        assert response.status_code == 200
        assert twiml_rules.problems(response.get_data(as_text=True), "callback") == []
