"""Twilio's status callback: the call ended, with its duration, its final status and its outcome."""

from __future__ import annotations

from flask import Response, request
from twilio.twiml.voice_response import VoiceResponse

from ivr.calls import queue
from ivr.calls import store as call_store
from ivr.db import get_connection
from ivr.desk import after_response, caller_gone
from ivr.journey import flow
from ivr.journey.machine import EventKind, InputKind, State
from ivr.line import current_line
from ivr.voice import bp
from ivr.voice.recovery import callback
from ivr.voice.steps import Moment, form_int, load_call, step_event, xml


@bp.post("/status")
@callback
def status() -> Response:
    """The call ended: its duration, its final status, and what the hang-up was."""
    connection, moment = get_connection(), Moment(current_line())
    # A step taken by another request at the same moment makes the save give way: read again.
    for _ in range(3):
        call = load_call(connection)
        if call is None or call.ended_at is not None:
            return xml(VoiceResponse())
        call.final_status = request.form.get("CallStatus")
        call.duration_seconds = form_int("CallDuration")
        call.ended_at = moment.now
        waiting = call.queue_entry is not None and call.queue_entry.left_at is None
        if call.queue_entry is not None and waiting:
            queue.leave(call.queue_entry, "hangup", moment.now)
        call.outcome = flow.call_ended(call)
        event = step_event(
            moment,
            call.step + 1,
            call.state,
            EventKind.CALL_ENDED,
            call.outcome,
            InputKind.SYSTEM,
            call.final_status,
        )
        call.state, call.step = State.ENDED, call.step + 1
        if call_store.save(connection, call, event=event):
            if not waiting or call.id is None:
                return xml(VoiceResponse())
            # A caller who hung up while waiting: an operator being rung for them is free again.
            return after_response(xml(VoiceResponse()), caller_gone(call.id))
    raise RuntimeError("the call's end could not be recorded: its record kept changing")
