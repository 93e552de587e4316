"""A caller connected to an operator: the operator's leg (whisper, then the room), the caller's way in,
and Twilio's callbacks about both legs and the conference.

Every URL carries the connection's id (`?connection=`), signed with the rest of the URL. What these
webhooks answer never waits on Twilio's REST API: moving the caller, ringing the next operator and
the like are done after the answer is sent (`ivr.desk.after_response`).
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec

from flask import Response, current_app, request
from twilio.twiml.voice_response import Gather, VoiceResponse

from ivr.calls import queue
from ivr.calls import store as call_store
from ivr.calls.records import StoredCall
from ivr.db import get_connection
from ivr.desk import after_response, connections, current_desk, current_whisper
from ivr.desk.connections import CALLER_LEFT, Live
from ivr.desk.twilio_rest import (
    CALLER_JOINS,
    CONFERENCE_EVENTS,
    OPERATOR_ANSWERED,
    OPERATOR_DECLINED,
    OPERATOR_JOINS,
    OPERATOR_LEG_STATUS,
    OPERATOR_TOLD_CALLER_LEFT,
    PARTICIPANT_STATUS,
    Urls,
)
from ivr.journey import flow
from ivr.journey.answers import hand_off
from ivr.journey.machine import EventKind, InputKind
from ivr.line import current_line
from ivr.logs import field
from ivr.models import Reach
from ivr.prompts.catalog import Said
from ivr.voice import bp
from ivr.voice.recovery import AUDIENCES, OPERATOR, callback, caller_facing, rollback_quietly
from ivr.voice.steps import Moment, load_call, step_event, take_turn, url_for_twilio, xml
from ivr.voice.twiml import Speaker, document

log = logging.getLogger(__name__)
P = ParamSpec("P")
ACCEPT_SECONDS = 8  # a phone operator has this long after the whisper to press a key
CONFERENCE_EVENTS_WANTED = "start end join leave"


def _route(path: str) -> str:
    return path.removeprefix(bp.url_prefix or "")


def connection_id() -> int:
    value = request.args.get("connection", type=int)
    if value is None:
        raise LookupError("a connection webhook without its connection")
    return value


def urls() -> Urls:
    return Urls(current_app.config["IVR"].public_url)


def operator_says(parent: VoiceResponse | Gather, sentence: str) -> None:
    """Say an operator's sentence in English, with the line's English voice."""
    voice = current_line().phrasebook.voices["en"]
    parent.say(sentence, voice=voice.voice, language=voice.say_language)


def operator_facing(handler: Callable[P, Response]) -> Callable[P, Response]:
    """The operator's leg never gets a 500: an error is an apology and a hang-up; the caller keeps
    their place in line (they were not moved), and the leg's status callback ends the offer."""

    @wraps(handler)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> Response:
        try:
            return handler(*args, **kwargs)
        except Exception as error:  # noqa: BLE001
            rollback_quietly()
            log.error(
                "operator webhook %s failed with %s\n%s",
                request.path,
                type(error).__name__,
                "".join(traceback.format_tb(error.__traceback__)),
            )
            return operator_apology()

    AUDIENCES[wrapper] = OPERATOR
    return wrapper


def operator_apology() -> Response:
    """The operator's leg could not be served: sorry, and the call ends (the caller keeps waiting)."""
    response = VoiceResponse()
    operator_says(response, current_whisper().say("whisper_sorry"))
    response.hangup()
    return xml(response)


def caller_left_answer(live: Live | None) -> Response:
    """Tell the operator the caller has gone; end the offer after the answer if it is still open."""
    response = VoiceResponse()
    operator_says(response, current_whisper().say("whisper_caller_left"))
    response.hangup()
    answer = xml(response)
    if live is not None and live.open:
        after_response(answer, lambda desk, now: desk.caller_not_reached(live, CALLER_LEFT, now))
    return answer


@bp.post(_route(OPERATOR_ANSWERED))
@operator_facing
def operator_answered() -> Response:
    """The operator picked up: the whisper (who calls), then into the room; a phone presses a key first."""
    live = current_desk().operator_answered(connection_id(), Moment(current_line()).now)
    if live is None or not live.open or not live.caller_waiting:
        return caller_left_answer(live)
    said = current_whisper().of(live.language, live.needs_interpreter, live.caller_type, live.subject)
    response = VoiceResponse()
    if live.reach_by == Reach.BROWSER:
        for sentence in said:
            operator_says(response, sentence)
        response.redirect(urls().of(OPERATOR_JOINS, live.id), method="POST")
        return xml(response)
    # A phone or SIP address may be answered by a voicemail box: only a person pressing a key
    # takes the caller out of the queue.
    gather = response.gather(
        num_digits=1, action=urls().of(OPERATOR_JOINS, live.id), method="POST", timeout=ACCEPT_SECONDS
    )
    for sentence in [*said, current_whisper().say("whisper_accept")]:
        operator_says(gather, sentence)
    response.redirect(urls().of(OPERATOR_DECLINED, live.id), method="POST")
    return xml(response)


def conference(live: Live, response: VoiceResponse) -> None:
    """The room: it ends when the operator leaves (until a transfer says otherwise) or the caller does."""
    dial = response.dial()
    dial.conference(
        live.conference,
        start_conference_on_enter=True,
        end_conference_on_exit=True,
        beep="false",
        status_callback=urls().of(CONFERENCE_EVENTS, live.id),
        status_callback_method="POST",
        status_callback_event=CONFERENCE_EVENTS_WANTED,
    )


@bp.post(_route(OPERATOR_JOINS))
@operator_facing
def operator_joins() -> Response:
    """The operator heard the whisper: into the room, and the caller is moved there after this answer."""
    live = connections.load(current_desk().reads, connection_id())
    if live is None or not (live.in_room or live.open and live.caller_waiting):
        return caller_left_answer(live)
    response = VoiceResponse()
    conference(live, response)
    if live.in_room:
        return xml(response)  # Twilio repeated this request: the caller is there already
    return after_response(xml(response), lambda desk, now: desk.move_caller(live.id, now))


@bp.post(_route(OPERATOR_DECLINED))
@operator_facing
def operator_declined() -> Response:
    """No key after the whisper: the operator is marked away; the caller never moved."""
    offered = connection_id()
    response = VoiceResponse()
    operator_says(response, current_whisper().say("whisper_not_taken"))
    response.hangup()
    return after_response(xml(response), lambda desk, now: desk.operator_declined(offered, now))


@bp.post(_route(OPERATOR_TOLD_CALLER_LEFT))
@operator_facing
def operator_told_caller_left() -> Response:
    return caller_left_answer(None)


@bp.post(_route(CALLER_JOINS))
@caller_facing
def caller_joins() -> Response:
    """The caller, moved out of the queue: into the operator's room, recorded as answered."""
    connection, moment, desk = get_connection(), Moment(current_line()), current_desk()
    call = load_call(connection)
    if call is None:
        raise LookupError("a caller moved to an operator with no record of the call")
    live = connections.load(desk.reads, connection_id())
    ours = live is not None and live.call_id == call.id
    arrived = ours and live is not None and connections.caller_in_room(desk.engine, live.id)
    if ours:  # as it is now: in the room (just now, or Twilio repeated this request), or ended
        live = connections.load(desk.reads, connection_id())
    if live is None or not ours or not live.in_room:
        # The operator left before the caller arrived: back in line, in the same place.
        turn = hand_off(call, moment.facts)
        turn.result = "operator gone before the caller arrived; " + turn.result
        return take_turn(connection, call, turn, moment, call.state)
    answer = caller_in_room_answer(call, live)
    if not arrived:
        return xml(answer)  # a repeated request: the same room, recorded once
    if call.queue_entry is not None:
        queue.leave(call.queue_entry, "bridged", moment.now)
    from_state = call.state
    turn = flow.queue_left(call, "bridged")
    call.state, call.step = turn.state, call.step + 1
    event = step_event(
        moment, call.step, from_state, turn.event or EventKind.SYSTEM, turn.result, InputKind.SYSTEM, None
    )
    # Saved with the answer, which a repeated request gets again (a lost race changes nothing here).
    call_store.save(connection, call, answer=answer, event=event)
    return xml(answer)


def caller_in_room_answer(call: StoredCall, live: Live) -> str:
    """The caller's TwiML: the room, then goodbye in their language when the conversation is over."""
    response = VoiceResponse()
    conference(live, response)
    Speaker(current_line(), call.language, url_for_twilio).say(response, Said("goodbye"))
    response.hangup()
    return document(response)


def redirected_into_room(call: StoredCall) -> Response | None:
    """A queue result of `redirected` for a caller being moved to an operator: the room's TwiML.

    Twilio may report the move out of the queue to the Enqueue's action before the caller's call
    requests the room: the answer must send them to the room, not to voicemail.
    """
    if call.id is None:
        return None
    live = connections.open_for_call(current_desk().reads, call.id)
    return None if live is None else xml(caller_in_room_answer(call, live))


@bp.post(_route(OPERATOR_LEG_STATUS))
@callback
def operator_leg_status() -> Response:
    """The operator's leg ended: rung out, busy, failed, declined, or hung up after the call."""
    offered, status = connection_id(), request.form.get("CallStatus", "")
    return after_response(
        xml(VoiceResponse()), lambda desk, now: desk.operator_leg_ended(offered, status, now)
    )


@bp.post(_route(CONFERENCE_EVENTS))
@callback
def conference_events() -> Response:
    """The room started (its SID kept, for adding participants) or ended (the operator wraps up)."""
    offered = connection_id()
    event = request.form.get("StatusCallbackEvent", "")
    room = request.form.get("ConferenceSid", "")
    return after_response(
        xml(VoiceResponse()), lambda desk, now: desk.conference_event(offered, event, room, now)
    )


@bp.post(_route(PARTICIPANT_STATUS))
@callback
def participant_status() -> Response:
    """An interpreter's or field office's leg ended; only logged (no number, only its label)."""
    log.info(
        "connection %s: %s leg %s",
        connection_id(),
        field(request.args.get("label", "added")),
        field(request.form.get("CallStatus", "?")),
    )
    return xml(VoiceResponse())
