"""A signed request whose Twilio ids are not Twilio's is refused: no phantom call, no second voicemail."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from ivr.devtools import twiml_rules
from ivr.models import Call, Voicemail
from tests.conftest import ACCOUNT_SID, PUBLIC_URL, Caller, Twilio, sign

RECORDING_SID = "RE" + "4" * 32
RECORDING_URL = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{RECORDING_SID}"


def resplit(params: dict[str, str], name: str) -> dict[str, str]:
    """Fold the parameter after `name` (in Twilio's sorted order) into name's value: same signature."""
    names = sorted(params)
    following = names[names.index(name) + 1]
    folded = {key: value for key, value in params.items() if key != following}
    folded[name] = params[name] + following + params[following]
    return folded


def post_captured(app: Flask, path: str, captured: dict[str, str], sent: dict[str, str]) -> tuple[int, str]:
    """Replay `sent` under the signature Twilio gave `captured`."""
    signature = sign(PUBLIC_URL + path, captured)
    response = app.test_client().post(path, data=sent, headers={"X-Twilio-Signature": signature})
    return response.status_code, response.get_data(as_text=True)


def count(app: Flask, model: type[Call] | type[Voicemail]) -> int:
    with app.extensions["ivr.db"]() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_a_resplit_incoming_call_keeps_its_signature_but_makes_no_phantom_call(app: Flask) -> None:
    captured = Twilio(app.test_client()).params()
    forged = resplit(captured, "CallSid")
    assert sign(PUBLIC_URL + "/voice/incoming", forged) == sign(PUBLIC_URL + "/voice/incoming", captured)
    status, body = post_captured(app, "/voice/incoming", captured, forged)
    # Whoever sent it hears the line's apology and the safest next step: never silence, never a 500.
    assert status == 200 and twiml_rules.problems(body, "call") == [] and "<Say" in body
    assert count(app, Call) == 0


def test_a_call_id_moved_into_its_parameters_name_is_no_call_at_all(app: Flask) -> None:
    captured = Twilio(app.test_client()).params()
    call_sid = captured.pop("CallSid")
    forged = captured | {"CallSid" + call_sid[:4]: call_sid[4:]}  # CallSidCA11=1111…: the same signature
    assert sign(PUBLIC_URL + "/voice/incoming", forged) == sign(
        PUBLIC_URL + "/voice/incoming", captured | {"CallSid": call_sid}
    )
    status, body = post_captured(app, "/voice/incoming", captured | {"CallSid": call_sid}, forged)
    assert status == 200 and "<Say" in body and count(app, Call) == 0


def test_a_resplit_recording_callback_makes_no_second_voicemail(app: Flask, caller: Caller) -> None:
    caller.call()
    path = "/voice/voicemail/recording"
    captured = caller.params(
        RecordingSid=RECORDING_SID,
        RecordingSource="RecordVerb",
        RecordingStatus="completed",
        RecordingDuration="20",
        RecordingUrl=RECORDING_URL,
    )
    assert post_captured(app, path, captured, captured)[0] == 200
    status, body = post_captured(app, path, captured, resplit(captured, "RecordingSid"))
    assert status == 400 and "RecordingSid is not a Twilio RE id" in body
    assert count(app, Voicemail) == 1


def test_another_accounts_request_is_refused(app: Flask, caller: Caller) -> None:
    other = "AC" + "9" * 32
    answer = caller.post("/voice/status", AccountSid=other, CallStatus="completed")
    assert answer.status_code == 400 and b"not the line's account" in answer.data
    url = RECORDING_URL.replace(ACCOUNT_SID, other)
    answer = caller.post("/voice/voicemail/recording", RecordingSid=RECORDING_SID, RecordingUrl=url)
    assert answer.status_code == 400 and count(app, Voicemail) == 0


def test_a_recording_url_naming_another_recording_is_refused(app: Flask, caller: Caller) -> None:
    answer = caller.post(
        "/voice/voicemail/recording", RecordingSid="RE" + "5" * 32, RecordingUrl=RECORDING_URL
    )
    assert answer.status_code == 400 and count(app, Voicemail) == 0


def test_a_caller_on_hold_with_a_malformed_queue_id_keeps_hearing_music(app: Flask) -> None:
    twilio = Twilio(app.test_client())
    answer = twilio.post("/voice/queue/wait", QueueSid="QU-not-twilio")
    body = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "<Play" in body
    assert twiml_rules.problems(body, "queue_wait") == []


def test_a_request_without_a_call_is_refused_where_twilio_always_names_one(app: Flask) -> None:
    params = {"AccountSid": ACCOUNT_SID, "CallStatus": "completed"}
    status, body = post_captured(app, "/voice/status", params, params)
    assert status == 400 and "no CallSid" in body
