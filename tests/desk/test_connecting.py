"""A caller in line reaches an operator through Twilio: the right REST requests, the whisper, the room."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask
from sqlalchemy import select

from ivr.devtools.twilio_api import Event, FakeTwilioApi
from ivr.models import Call, Connection, Operator, OperatorState, QueueEntry, Reach
from tests.conftest import PUBLIC_URL
from tests.desk.conftest import (
    NOW_TEXT,
    ClosingCaller,
    Leg,
    add_operator,
    connection_of,
    desk,
    fake_api,
    path_of,
)

T = TypeVar("T")


def spanish_detainee_reports_assault(app: Flask, call_sid: str = "CA" + "5" * 32) -> ClosingCaller:
    caller = ClosingCaller(app.test_client(), call_sid=call_sid)
    caller.call()
    caller.press("2")  # Spanish
    caller.press("1")  # assault: straight to the queue
    assert caller.verbs()[-1] == "Enqueue"
    return caller


def rung(api: FakeTwilioApi) -> Event:
    event = api.events.get_nowait()
    assert event.kind == "ring"
    return event


def row(app: Flask, model: type[T], **where: object) -> T:
    with app.extensions["ivr.db"]() as session:
        found = session.scalars(select(model).filter_by(**where)).one()
        session.expunge_all()
        return found


def test_a_caller_joining_rings_a_free_operator_who_speaks_their_language(
    app: Flask, api: FakeTwilioApi
) -> None:
    add_operator(app, "english", languages="en", state=OperatorState.AVAILABLE)
    spanish = add_operator(app, "spanish", languages="es", state=OperatorState.AVAILABLE)
    spanish_detainee_reports_assault(app)
    [ring] = api.requests
    assert (ring.method, ring.resource) == ("POST", "Calls.json")
    connection = row(app, Connection, operator_id=spanish)
    assert ring.data == {
        "To": f"client:operator-{spanish}",
        "From": "+18883514024",
        "Url": f"{PUBLIC_URL}/voice/connect/operator?connection={connection.id}",
        "Method": "POST",
        "StatusCallback": f"{PUBLIC_URL}/voice/connect/operator-status?connection={connection.id}",
        "StatusCallbackMethod": "POST",
        "StatusCallbackEvent": ["completed"],
        "Timeout": "20",
    }
    assert connection.operator_call_sid == rung(api).call_sid
    assert row(app, Operator, user_id=spanish).state == OperatorState.ON_CALL


def test_operator_hears_the_whisper_then_joins_the_room_and_the_caller_is_moved_in(
    app: Flask, api: FakeTwilioApi
) -> None:
    operator = add_operator(app, "ana", languages="es,en", state=OperatorState.AVAILABLE)
    caller = spanish_detainee_reports_assault(app)
    ring = rung(api)
    leg = Leg(app.test_client(), call_sid=ring.call_sid)
    whisper = leg.twiml(ring.url)
    said = [say.text for say in whisper.iter("Say")]
    assert said == [
        "Urgent call.",
        "The caller speaks Spanish.",
        "Caller: not given.",  # an urgent report is not asked who is calling
        "Calling about sexual or physical assault or abuse.",
    ]
    assert {say.get("language") for say in whisper.iter("Say")} == {"en-US"}
    redirect = whisper.find("Redirect")
    assert redirect is not None and path_of(redirect.text or "") == "/voice/connect/join"
    assert api.requests_to(r"^Calls/CA") == []  # the caller is not moved before the whisper ends

    room = leg.twiml(redirect.text or "")
    conference = room.find("Dial/Conference")
    assert conference is not None
    assert conference.get("endConferenceOnExit") == "true"
    assert path_of(conference.get("statusCallback") or "") == "/voice/connect/conference"
    [move] = api.requests_to(r"^Calls/CA")
    assert move.resource == f"Calls/{caller.call_sid}.json"
    assert move.data == {
        "Url": f"{PUBLIC_URL}/voice/connect/caller?connection={connection_of(ring.url)}",
        "Method": "POST",
    }

    moved = api.events.get_nowait()
    assert (moved.kind, moved.call_sid) == ("redirect", caller.call_sid)
    in_room = Leg(app.test_client(), call_sid=caller.call_sid).twiml(moved.url)
    joined = in_room.find("Dial/Conference")
    assert joined is not None and joined.text == conference.text
    assert [verb.tag for verb in in_room] == ["Dial", "Say", "Hangup"]  # goodbye when it is over
    call = row(app, Call, call_sid=caller.call_sid)
    entry = row(app, QueueEntry, call_id=call.id)
    assert call.outcome == "answered"
    assert entry.result == "bridged" and entry.left_at is not None
    connection = row(app, Connection, operator_id=operator)
    assert connection.result == "answered" and connection.ended_at is None


def in_the_room(app: Flask, api: FakeTwilioApi) -> tuple[int, Leg, ClosingCaller]:
    """A Spanish caller talking with operator Ana; returns the connection's id, Ana's leg, the caller."""
    add_operator(app, "ana", languages="es,en", state=OperatorState.AVAILABLE)
    caller = spanish_detainee_reports_assault(app)
    ring = rung(api)
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
        ConferenceSid="CF" + "c" * 32,
        FriendlyName="ivr-room",
    )
    return connection_id, leg, caller


def test_the_operator_adds_the_interpreter_service_to_the_room(app_at: Callable[..., Flask]) -> None:
    app = app_at(NOW_TEXT, IVR_INTERPRETER_NUMBER="+18005550199")
    api = fake_api(app)
    connection_id, _, _ = in_the_room(app, api)
    desk(app).add_interpreter(connection_id)
    [added] = api.requests_to(r"Participants\.json$")
    assert added.resource == f"Conferences/CF{'c' * 32}/Participants.json"
    assert added.data["To"] == "+18005550199"
    assert added.data["From"] == "+18883514024"
    assert added.data["Label"] == "interpreter"
    assert added.data["EndConferenceOnExit"] == "false"  # the interpreter leaving ends nothing


def test_a_transfer_dials_the_field_office_in_and_lets_the_operator_leave(
    app: Flask, api: FakeTwilioApi
) -> None:
    connection_id, leg, _ = in_the_room(app, api)
    desk(app).transfer_to_field_office(connection_id, "+12134367911")
    added, let_go = api.requests[-2:]
    assert added.data["To"] == "+12134367911" and added.data["Label"] == "field office"
    assert let_go.resource == f"Conferences/CF{'c' * 32}/Participants/{leg.call_sid}.json"
    assert let_go.data == {"EndConferenceOnExit": "false"}


def test_when_the_room_ends_the_operator_wraps_up_and_the_next_caller_is_chosen(
    app: Flask, api: FakeTwilioApi
) -> None:
    connection_id, leg, _ = in_the_room(app, api)
    desk(app).end_conversation(connection_id)
    assert api.requests[-1].resource == f"Conferences/CF{'c' * 32}.json"
    assert api.requests[-1].data == {"Status": "completed"}
    leg.twiml(
        f"/voice/connect/conference?connection={connection_id}",
        "callback",
        StatusCallbackEvent="conference-end",
        ConferenceSid="CF" + "c" * 32,
    )
    connection = row(app, Connection, id=connection_id)
    assert connection.ended_at is not None and connection.result == "answered"
    operator = row(app, Operator, user_id=connection.operator_id)
    assert operator.state == OperatorState.WRAPPING_UP
    assert operator.wrap_up_until is not None


def test_a_phone_operator_presses_a_key_to_take_the_call_and_silence_is_not_taking_it(
    app: Flask, api: FakeTwilioApi
) -> None:
    operator = add_operator(
        app, "phone", languages="es", reach=Reach.PHONE, address="+12025550143", state=OperatorState.AVAILABLE
    )
    caller = spanish_detainee_reports_assault(app)
    ring = rung(api)
    assert api.requests[0].data["To"] == "+12025550143"
    leg = Leg(app.test_client(), call_sid=ring.call_sid)
    whisper = leg.twiml(ring.url)
    gather = whisper.find("Gather")
    assert gather is not None and gather.get("numDigits") == "1"
    assert [say.text for say in gather.iter("Say")][-1] == "Press any key to take the call."
    fallthrough = whisper.find("Redirect")
    assert fallthrough is not None
    leg.twiml(fallthrough.text or "")  # nothing pressed: a voicemail box, or nobody
    state = row(app, Operator, user_id=operator)
    assert state.state == OperatorState.AWAY
    assert api.requests_to(rf"Calls/{caller.call_sid}") == []  # the caller never moved
    entry = row(app, QueueEntry, call_id=row(app, Call, call_sid=caller.call_sid).id)
    assert entry.left_at is None and entry.enqueued_at is not None


def test_access_token_lets_the_browser_receive_calls_as_the_operator(app: Flask) -> None:
    import dataclasses

    from twilio.jwt.access_token import AccessToken

    from ivr.desk.tokens import access_token

    settings = dataclasses.replace(
        app.config["IVR"],
        twilio_api_key="SK" + "1" * 32,
        twilio_api_secret="s" * 32,
        twilio_twiml_app_sid="AP" + "2" * 32,
    )
    token = AccessToken.from_jwt(access_token(settings, 42), "s" * 32)
    grants = token.payload["grants"]
    assert grants["identity"] == "operator-42"
    assert grants["voice"] == {"incoming": {"allow": True}, "outgoing": {"application_sid": "AP" + "2" * 32}}
    assert token.payload["iss"] == "SK" + "1" * 32 and token.payload["sub"] == "AC" + "0" * 32


def test_twilio_repeating_the_callers_way_into_the_room_gets_the_same_room_recorded_once(
    app: Flask, api: FakeTwilioApi
) -> None:
    connection_id, _, caller = in_the_room(app, api)
    again = Leg(app.test_client(), call_sid=caller.call_sid).twiml(
        f"/voice/connect/caller?connection={connection_id}"
    )
    conference = again.find("Dial/Conference")
    assert conference is not None and conference.text == row(app, Connection, id=connection_id).conference
    with app.extensions["ivr.db"]() as session:
        call = session.scalars(select(Call).where(Call.call_sid == caller.call_sid)).one()
        assert [event.result for event in call.events].count("answered by an operator") == 1


def test_twilio_repeating_the_operators_way_into_the_room_keeps_them_with_the_caller(
    app: Flask, api: FakeTwilioApi
) -> None:
    connection_id, leg, _ = in_the_room(app, api)
    moves = len(api.requests_to(r"^Calls/CA"))
    again = leg.twiml(f"/voice/connect/join?connection={connection_id}")
    assert again.find("Dial/Conference") is not None  # not "the caller hung up"
    assert len(api.requests_to(r"^Calls/CA")) == moves  # the caller is not moved again
