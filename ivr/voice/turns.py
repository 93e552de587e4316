"""A call's menus: the call comes in (/incoming) and each menu's answer moves it on (/gather)."""

from __future__ import annotations

from flask import Response, request
from sqlalchemy import Connection

from ivr.calls.records import StoredCall
from ivr.crypto import active_vault
from ivr.db import get_connection
from ivr.journey import flow
from ivr.journey.machine import Event, State
from ivr.journey.menus import MENUS, advance
from ivr.line import current_line
from ivr.voice import bp
from ivr.voice.recovery import caller_facing
from ivr.voice.steps import (
    Moment,
    answered_again,
    load_call,
    redacted,
    repeat_of_answered_step,
    take_turn,
)


@bp.post("/incoming")
@caller_facing
def incoming() -> Response:
    connection, moment = get_connection(), Moment(current_line())
    # Nearly every call is new: it is inserted without a read first. Its CallSid is unique, so a
    # repeat of this request (or a record made without it) is found when the insert gives way.
    caller = request.form.get("From") or None
    call = StoredCall.new(
        request.form.get("CallSid", ""),
        moment.now,
        State.LANGUAGE_MENU,
        caller_number=caller,
        caller_fingerprint=active_vault().fingerprint(caller) if caller else None,
        line_number=request.form.get("To"),
    )
    return take_turn(
        connection, call, flow.start(call), moment, "incoming", lost=lambda: known_call(connection, moment)
    )


def known_call(connection: Connection, moment: Moment) -> Response:
    """/incoming for a CallSid the line has: answered as before, or started if it never was."""
    call = load_call(connection)
    if call is None:
        # The insert gave way to a record that is now gone: never answer with silence.
        raise LookupError("a new call's record could neither be made nor found")
    if call.step > 0:
        return answered_again(connection)
    return take_turn(connection, call, flow.start(call), moment, "incoming")


@bp.post("/gather")
@caller_facing
def gather() -> Response:
    connection, moment = get_connection(), Moment(current_line())
    call = load_call(connection)
    if call is None:
        raise LookupError("a menu answer for a call with no record")
    if repeat_of_answered_step(call) or call.state not in MENUS:
        return answered_again(connection)
    event = Event.from_gather(
        request.form.get("Digits"), request.form.get("SpeechResult"), request.form.get("Confidence")
    )
    from_state = call.state
    turn = advance(call, event, moment.facts)
    return take_turn(connection, call, turn, moment, from_state, *redacted(from_state, event))
