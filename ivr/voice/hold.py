"""On hold for an operator: the wait loop Twilio repeats, a key pressed while waiting, the queue's result."""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import Response, request
from twilio.twiml.voice_response import VoiceResponse

from ivr.calls import queue
from ivr.calls import store as call_store
from ivr.db import database_unreachable, get_connection, mark_unreachable
from ivr.desk import after_response, caller_gone
from ivr.journey import flow
from ivr.journey.answers import safety_notices
from ivr.journey.machine import EventKind, InputKind, State
from ivr.line import current_line
from ivr.prompts.catalog import Said
from ivr.prompts.hold_music import HOLD_MUSIC
from ivr.voice import bp, connect
from ivr.voice.recovery import caller_facing, rollback_quietly
from ivr.voice.steps import (
    Moment,
    answered_again,
    form_int,
    load_call,
    repeat_of_answered_step,
    step_event,
    take_turn,
    url_for_twilio,
    xml,
)
from ivr.voice.twiml import Speaker, document

log = logging.getLogger(__name__)


@bp.post("/queue/wait")
def queue_wait() -> Response:
    """The hold loop: position now and then, a key for voicemail, silence between; Twilio repeats it."""
    line = current_line()
    settings = line.settings
    response = VoiceResponse()
    try:
        connection, moment = get_connection(), Moment(line)
        call, position = queue.load_waiting(connection, request.form.get("CallSid", ""), moment.now)
        entry = call.queue_entry if call else None
        speaker = Speaker(line, call.language if call else None, url_for_twilio)
        if entry is not None:
            last = entry.last_announced_at
            if last is not None and last.tzinfo is None:
                last = last.replace(tzinfo=moment.now.tzinfo)
            due = last is None or moment.now - last >= timedelta(seconds=settings.queue_announce_seconds)
            # Between the intervals a caller hears only news: a place better than the one they
            # were last told.
            announce = due or position < (entry.last_position or position + 1)
        else:
            position, announce = max(form_int("QueuePosition"), 1), True
        gather = response.gather(
            num_digits=1, action=url_for_twilio("/voice/queue/choice"), method="POST", timeout=1
        )
        told = None
        if entry is None or entry.last_announced_at is None:
            # The first words on hold, before any music: the safety notice, which every caller hears
            # (kept off the way to the queue so that an urgent caller is in line sooner).
            speaker.say_all(gather, safety_notices(line.outside_phone))
        if announce:
            if form_int("QueueTime") >= settings.max_queue_wait_seconds:
                speaker.say(gather, Said("queue_long_wait"))
            else:
                said, told = [Said("queue_position", {"position": position})], position
                typical = None
                if entry is not None:
                    typical = line.recent_waits.typical_wait(connection, settings.queue_name, moment.now)
                minutes = queue.estimated_minutes(typical, form_int("QueueTime"))
                if minutes is not None:
                    said.append(Said("queue_estimated_wait", {"minutes": minutes}))
                speaker.say_all(gather, [*said, Said("queue_voicemail_option")])
        else:
            speaker.say(gather, Said("queue_still_in_line"))
        # Music, not silence, until Twilio asks again: a silent line sounds like a dropped call.
        gather.play(url_for_twilio("/audio/" + HOLD_MUSIC))
        if entry is not None:
            # Kept: Twilio's queue, that the caller is still on the line (ivr.calls.queue,
            # SEEN_WITHIN_SECONDS), and what they were told, when.
            entry.queue_sid = request.form.get("QueueSid")
            queue.seen(entry, moment.now)
            if announce:
                entry.last_announced_at = moment.now
            if told is not None:
                entry.last_position = told
            call_store.save_entry(connection, entry)
            connection.commit()
    except Exception as error:  # noqa: BLE001 - keep the caller's place in line whatever failed
        rollback_quietly()
        if database_unreachable(error):
            mark_unreachable()
        log.error("queue wait failed with %s; caller kept waiting", type(error).__name__)
        response = VoiceResponse()
        response.play(url_for_twilio("/audio/" + HOLD_MUSIC))
    return xml(response)


@bp.post("/queue/choice")
def queue_choice() -> Response:
    """A key pressed while waiting: 1 leaves the queue for voicemail; anything else keeps the place."""
    response = VoiceResponse()
    if request.form.get("Digits") == "1":
        response.leave()
        return xml(response)
    try:
        call = load_call(get_connection())
        Speaker(current_line(), call.language if call else None, url_for_twilio).say(
            response, Said("not_an_option")
        )
    except Exception as error:  # noqa: BLE001
        log.error("queue choice could not load the call (%s)", type(error).__name__)
    response.redirect(url_for_twilio("/voice/queue/wait"), method="POST")
    return xml(response)


@bp.post("/queue/result")
@caller_facing
def queue_result() -> Response:
    connection, moment = get_connection(), Moment(current_line())
    result = request.form.get("QueueResult", "error")
    call = load_call(connection)
    if call is None:
        raise LookupError("a queue result for a call with no record")
    if repeat_of_answered_step(call):
        return answered_again(connection)
    if result == "redirected":
        # Moved out of the queue to an operator (ivr.desk): the answer is the operator's room.
        into_room = connect.redirected_into_room(call)
        if into_room is not None:
            return into_room
    if call.queue_entry is not None:
        queue.leave(call.queue_entry, result, moment.now, form_int("QueueTime") or None)
    from_state = call.state
    turn = flow.queue_left(call, result, moment.line.outside_phone)
    if turn.state == State.ENDED:
        # The caller hung up: nobody hears the answer, but it is kept, empty, so that Twilio
        # repeating this request gets the same answer (not the queue's from the step before).
        call.state, call.step = turn.state, call.step + 1
        event = step_event(
            moment, call.step, from_state, turn.event or EventKind.SYSTEM, turn.result, InputKind.SYSTEM, None
        )
        if not call_store.save(connection, call, answer=document(VoiceResponse()), event=event):
            return answered_again(connection)
        # An operator being rung for this caller is free again.
        return after_response(xml(VoiceResponse()), caller_gone(call.id or 0))
    return take_turn(connection, call, turn, moment, from_state, value=result)
