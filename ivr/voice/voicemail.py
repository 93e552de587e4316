"""Voicemail: the caller's message recorded (the <Record> action) and kept (its recording callback)."""

from __future__ import annotations

import logging

from flask import Response, request
from sqlalchemy import Connection
from twilio.twiml.voice_response import VoiceResponse

from ivr.calls import store as call_store
from ivr.calls import voicemail
from ivr.calls.records import StoredCall
from ivr.db import get_connection
from ivr.journey import flow
from ivr.journey.machine import InputKind, Outcome, State
from ivr.line import current_line
from ivr.voice import bp
from ivr.voice.recovery import callback, caller_facing
from ivr.voice.steps import (
    ANY_STEP,
    Moment,
    answered_again,
    form_int,
    load_call,
    repeat_of_answered_step,
    take_turn,
    xml,
)

log = logging.getLogger(__name__)

UNTIL_A_MESSAGE_ARRIVES = (None, Outcome.VOICEMAIL_EMPTY, Outcome.ABANDONED_IN_VOICEMAIL)


@bp.post("/voicemail/done")
@caller_facing
def voicemail_done() -> Response:
    """The caller finished recording (or said nothing): save the message, thank them."""
    connection, moment = get_connection(), Moment(current_line())
    call = load_call(connection)
    if call is None:
        raise LookupError("a voicemail for a call with no record")
    recording_sid = voicemail.recording_sid_from(
        request.form.get("RecordingUrl"), request.form.get("RecordingSid")
    )
    if repeat_of_answered_step(call) or thanked_already(call):
        late = call.ended_at is not None and not request.args.get("empty")
        if late and recording_sid and form_int("RecordingDuration") > 0:
            # Twilio reported the call's end before this action: the message is kept all the same.
            keep_message(connection, call, recording_sid, form_int("RecordingDuration"), moment)
        return answered_again(connection)
    duration = 0 if request.args.get("empty") else form_int("RecordingDuration")
    if recording_sid and duration > 0:
        # Written with the step below, in one transaction: the message and its step land together.
        voicemail.record(
            connection,
            call,
            recording_sid,
            request.form.get("RecordingUrl"),
            duration,
            moment.line.schedule,
            moment.now,
        )
    else:
        duration = 0
    from_state = call.state
    turn = flow.voicemail_recorded(call, duration)
    return take_turn(connection, call, turn, moment, from_state, InputKind.SYSTEM, f"{duration} s")


def thanked_already(call: StoredCall) -> bool:
    """A <Record> rendered while the database was away carries no step (ANY_STEP): Twilio's retry of
    its action is known by the message already taken and the caller already thanked."""
    step = request.args.get("step", type=int)
    return step == ANY_STEP and call.state == State.GOODBYE and call.outcome == Outcome.VOICEMAIL


@bp.post("/voicemail/recording")
@callback
def voicemail_recording() -> Response:
    """Twilio's recording callback: the message becomes a work item, once, even with no call record."""
    status = request.form.get("RecordingStatus", "completed")
    if status != "completed":
        # "absent" is silence; anything else is a caller's message Twilio could not keep: say so loudly.
        level = logging.WARNING if status == "absent" else logging.ERROR
        log.log(
            level,
            "recording %s for CallSid=%s RecordingSid=%s",
            status[:20],
            request.form.get("CallSid", "?")[:40],
            request.form.get("RecordingSid", "-")[:40],
        )
        return xml(VoiceResponse())
    connection, moment = get_connection(), Moment(current_line())
    recording_sid = voicemail.recording_sid_from(
        request.form.get("RecordingUrl"), request.form.get("RecordingSid")
    )
    if not recording_sid:
        call_sid = request.form.get("CallSid", "?")[:40]
        log.error("recording callback with no recording id: CallSid=%s", call_sid)
        return xml(VoiceResponse())
    call = load_call(connection) or call_with_no_record(connection, moment)
    keep_message(connection, call, recording_sid, form_int("RecordingDuration"), moment)
    return xml(VoiceResponse())


def keep_message(
    connection: Connection, call: StoredCall, recording_sid: str, duration: int, moment: Moment
) -> None:
    """The caller's message as a work item (once per recording), and the call's outcome with it."""
    voicemail.record(
        connection,
        call,
        recording_sid,
        request.form.get("RecordingUrl"),
        duration or None,
        moment.line.schedule,
        moment.now,
    )
    # Twilio may end the call (status callback) before it reports the recording: "hung up while
    # recording" was only how it looked until the message arrived.
    if duration > 0 and call.outcome in UNTIL_A_MESSAGE_ARRIVES:
        call.outcome = Outcome.VOICEMAIL
    # The outcome is not a step: no other request can lose it, so this save cannot be refused.
    call_store.save(connection, call)


def call_with_no_record(connection: Connection, moment: Moment) -> StoredCall:
    """A record for a call the line lost (it failed to save), so its caller's message is kept."""
    call = StoredCall.new(request.form.get("CallSid", ""), moment.now, State.ENDED)
    if call_store.save(connection, call):
        return call
    # Another callback for the same call made it at the same moment: use that one.
    made = load_call(connection)
    if made is None:
        raise LookupError("the call's record could neither be made nor found")
    return made
