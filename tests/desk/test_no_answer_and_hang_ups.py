"""Nobody answers, somebody hangs up, Twilio refuses: the caller keeps their place, the record says so."""

from __future__ import annotations

from datetime import timedelta
from typing import TypeVar

from flask import Flask
from sqlalchemy import select

from ivr.calls.queue import load_waiting
from ivr.desk import connections
from ivr.devtools.twilio_api import FakeTwilioApi
from ivr.models import Call, Connection, Operator, OperatorState, QueueEntry
from tests.conftest import PUBLIC_URL, call_sid
from tests.desk.conftest import NOW, ClosingCaller, Leg, add_operator, add_waiting, connection_of, desk

T = TypeVar("T")


def row(app: Flask, model: type[T], **where: object) -> T:
    with app.extensions["ivr.db"]() as session:
        found = session.scalars(select(model).filter_by(**where)).one()
        session.expunge_all()
        return found


def position(app: Flask, call_sid: str) -> int:
    with app.extensions["ivr.webhook_engine"].connect() as connection:
        return load_waiting(connection, call_sid, NOW)[1]


def test_an_operator_who_does_not_answer_is_marked_away_and_the_caller_keeps_their_place(
    app: Flask, api: FakeTwilioApi
) -> None:
    add_waiting(app, call_sid("first"), priority=1, waited=30)
    add_waiting(app, call_sid("second"), priority=1, waited=10)
    slow = add_operator(app, "slow", state=OperatorState.AVAILABLE)
    desk(app).decide(NOW)
    ring = api.events.get_nowait()
    offered = row(app, Connection, operator_id=slow)
    assert row(app, Call, id=offered.call_id).call_sid == call_sid("first")
    # The offer changes nothing.
    assert position(app, call_sid("first")) == 1 and position(app, call_sid("second")) == 2

    # Twilio rang for IVR_RING_SECONDS, then reports no answer on the operator's leg.
    Leg(app.test_client(), call_sid=ring.call_sid).twiml(
        f"/voice/connect/operator-status?connection={offered.id}", "callback", CallStatus="no-answer"
    )
    assert row(app, Operator, user_id=slow).state == OperatorState.AWAY
    ended = row(app, Connection, id=offered.id)
    assert ended.result == "no_answer" and ended.ended_at is not None
    assert api.requests_to("^Calls/" + call_sid("first")) == []  # the caller was never moved
    assert position(app, call_sid("first")) == 1
    first = row(app, QueueEntry, call_id=offered.call_id)
    assert first.left_at is None and first.enqueued_at is not None

    # The next operator to go available gets the same caller: first in line still.
    ready = add_operator(app, "ready")
    assert desk(app).operator_available(ready, NOW + timedelta(seconds=25))
    assert row(app, Connection, operator_id=ready).call_id == offered.call_id


def test_a_caller_who_hangs_up_while_their_operator_rings_frees_the_operator(
    app: Flask, api: FakeTwilioApi
) -> None:
    operator = add_operator(app, "ana", state=OperatorState.AVAILABLE)
    caller = ClosingCaller(app.test_client(), call_sid="CA" + "7" * 32)
    caller.call()
    caller.press("1")
    caller.press("4")  # anything else
    caller.press("6")  # anything else: to the queue
    caller.press("4")
    ring = api.events.get_nowait()
    assert ring.kind == "ring"
    caller.leave_queue("hangup")
    cancel = api.requests[-1]
    assert (cancel.resource, cancel.data) == (f"Calls/{ring.call_sid}.json", {"Status": "canceled"})
    connection = row(app, Connection, operator_id=operator)
    assert connection.result == "caller_left" and connection.ended_at is not None
    assert row(app, Operator, user_id=operator).state == OperatorState.AVAILABLE
    call = row(app, Call, call_sid=caller.call_sid)
    assert row(app, QueueEntry, call_id=call.id).result == "hangup"
    caller.hang_up()
    assert row(app, Call, call_sid=caller.call_sid).outcome == "abandoned_in_queue"


def test_a_caller_who_hangs_up_while_the_operator_hears_the_whisper(app: Flask, api: FakeTwilioApi) -> None:
    operator = add_operator(app, "ana", state=OperatorState.AVAILABLE)
    add_waiting(app, call_sid("leaving"))
    desk(app).decide(NOW)
    ring = api.events.get_nowait()
    leg = Leg(app.test_client(), call_sid=ring.call_sid)
    whisper = leg.twiml(ring.url)
    Leg(app.test_client(), call_sid=call_sid("leaving")).twiml(
        "/voice/status", "callback", CallStatus="completed"
    )
    # The whisper over, the operator is told instead of joining an empty room.
    redirect = whisper.find("Redirect")
    assert redirect is not None
    told = leg.twiml(redirect.text or "")
    assert [say.text for say in told.iter("Say")] == [
        "The caller hung up before you were connected. You stay available."
    ]
    assert told.find("Dial") is None
    assert row(app, Connection, operator_id=operator).result == "caller_left"
    assert row(app, Operator, user_id=operator).state == OperatorState.AVAILABLE
    assert row(app, Call, call_sid=call_sid("leaving")).outcome == "abandoned_in_queue"


def test_twilio_refusing_to_move_a_caller_who_just_hung_up_tells_the_operator(
    app: Flask, api: FakeTwilioApi
) -> None:
    operator = add_operator(app, "ana", state=OperatorState.AVAILABLE)
    add_waiting(app, call_sid("just-gone"))
    desk(app).decide(NOW)
    ring = api.events.get_nowait()
    leg = Leg(app.test_client(), call_sid=ring.call_sid)
    redirect = leg.twiml(ring.url).find("Redirect")
    assert redirect is not None
    api.fail_next("^Calls/" + call_sid("just-gone"), 400, 21220)
    leg.twiml(redirect.text or "")
    told = api.requests[-1]
    assert told.resource == f"Calls/{ring.call_sid}.json"
    assert told.data["Url"] == f"{PUBLIC_URL}/voice/connect/gone?connection={connection_of(ring.url)}"
    assert row(app, Connection, operator_id=operator).result == "caller_left"
    assert row(app, Operator, user_id=operator).state == OperatorState.AVAILABLE
    gone = row(app, Call, call_sid=call_sid("just-gone"))
    assert row(app, QueueEntry, call_id=gone.id).result == "hangup"  # not offered again


def test_a_caller_twilio_failed_to_move_for_another_reason_is_offered_again_in_place(
    app: Flask, api: FakeTwilioApi
) -> None:
    operator = add_operator(app, "ana", state=OperatorState.AVAILABLE)
    add_waiting(app, call_sid("still-here"))
    desk(app).decide(NOW)
    ring = api.events.get_nowait()
    leg = Leg(app.test_client(), call_sid=ring.call_sid)
    redirect = leg.twiml(ring.url).find("Redirect")
    assert redirect is not None
    api.fail_next("^Calls/" + call_sid("still-here"), 503, 20500, "Service unavailable")
    leg.twiml(redirect.text or "")
    with app.extensions["ivr.db"]() as session:
        offers = session.scalars(select(Connection).order_by(Connection.id)).all()
        assert [(offer.operator_id, offer.result) for offer in offers] == [
            (operator, "failed"),
            (operator, None),
        ]
    assert api.requests[-1].resource == "Calls.json"  # rung again for the same caller


def test_an_operator_twilio_cannot_ring_is_marked_away_and_the_next_one_is_rung(
    app: Flask, api: FakeTwilioApi
) -> None:
    unreachable = add_operator(
        app, "unreachable", state=OperatorState.AVAILABLE, since=NOW - timedelta(minutes=9)
    )
    reachable = add_operator(app, "reachable", state=OperatorState.AVAILABLE)
    add_waiting(app, call_sid("waiting"))
    api.fail_next(r"^Calls\.json$", 400, 13223, "Dial: Invalid phone number format")
    desk(app).decide(NOW)
    assert [request.data["To"] for request in api.requests_to(r"^Calls\.json$")] == [
        f"client:operator-{unreachable}",
        f"client:operator-{reachable}",
    ]
    assert row(app, Operator, user_id=unreachable).state == OperatorState.AWAY
    assert row(app, Connection, operator_id=unreachable).result == "failed"
    assert row(app, Connection, operator_id=reachable).ended_at is None


def test_an_offer_whose_callbacks_were_lost_is_given_up_and_the_operator_marked_away(
    app: Flask, api: FakeTwilioApi
) -> None:
    operator = add_operator(app, "ana", state=OperatorState.AVAILABLE)
    add_waiting(app, call_sid("waiting"))
    desk(app).decide(NOW)
    later = NOW + timedelta(seconds=app.config["IVR"].ring_seconds + 61)
    desk(app).sweep(later)
    assert row(app, Operator, user_id=operator).state == OperatorState.AWAY
    assert row(app, Connection, operator_id=operator).result == "no_answer"
    assert api.requests[-1].data == {"Status": "canceled"}


def test_a_queue_result_of_redirected_sends_the_moved_caller_to_the_room_not_to_voicemail(
    app: Flask, api: FakeTwilioApi
) -> None:
    add_operator(app, "ana", languages="en", state=OperatorState.AVAILABLE)
    caller = ClosingCaller(app.test_client(), call_sid="CA" + "8" * 32)
    caller.call()
    caller.press("1")
    caller.press("1")
    ring = api.events.get_nowait()
    leg = Leg(app.test_client(), call_sid=ring.call_sid)
    redirect = leg.twiml(ring.url).find("Redirect")
    assert redirect is not None
    leg.twiml(redirect.text or "")
    answer = caller.leave_queue("redirected")
    conference = answer.find("Dial/Conference")
    assert conference is not None
    assert (
        conference.text == connections.load(app.extensions["ivr.engine"], connection_of(ring.url)).conference
    )  # type: ignore[union-attr]
    assert answer.find("Record") is None


def test_an_operator_whose_wrap_up_ran_out_is_offered_the_next_caller(app: Flask, api: FakeTwilioApi) -> None:
    wrap_up = app.config["IVR"].wrap_up_seconds
    operator = add_operator(app, "ana", state=OperatorState.WRAPPING_UP)
    with app.extensions["ivr.db"]() as session:
        state = session.get(Operator, operator)
        assert state is not None
        state.wrap_up_until = NOW + timedelta(seconds=wrap_up)
        session.commit()
    add_waiting(app, call_sid("waiting"))
    assert desk(app).review(NOW + timedelta(seconds=wrap_up - 1)) == []  # still writing notes
    [offer] = desk(app).review(NOW + timedelta(seconds=wrap_up))
    assert offer.operator_id == operator
    assert row(app, Operator, user_id=operator).state == OperatorState.ON_CALL
