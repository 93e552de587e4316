"""The voice webhooks: load the call by CallSid, feed one event to the flow, answer with TwiML.

Twilio may repeat any request. Every TwiML action carries the step it answers; a request for a
step the call has already taken gets the same answer again, so nothing is counted twice or skipped.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import ParamSpec
from urllib.parse import urlencode

from flask import Response, current_app, request
from sqlalchemy import Connection
from twilio.twiml.voice_response import VoiceResponse

from ivr import routing
from ivr.calls import queue, voicemail
from ivr.calls import store as call_store
from ivr.calls.store import StoredCall
from ivr.clock import line_now
from ivr.crypto import active_vault
from ivr.db import get_connection
from ivr.journey import flow
from ivr.journey.classifier import classify
from ivr.line import Line, current_line
from ivr.prompts.catalog import Said
from ivr.rules.hours import LineStatus
from ivr.voice import bp
from ivr.voice.twiml import Speaker, document, render, safest_next_step
from ivr.voice.twiml import voicemail as voicemail_twiml

log = logging.getLogger(__name__)
P = ParamSpec("P")

ANY_STEP = -1  # rendered when the database was unreachable: the next answer is taken as it comes
SENSITIVE_ENTRY = {flow.A_NUMBER_ENTRY, flow.A_NUMBER_CONFIRM, flow.FIELD_OFFICE_MENU}


def xml(response: VoiceResponse | str) -> Response:
    return Response(response if isinstance(response, str) else document(response), mimetype="text/xml")


def url_for_twilio(path: str, **query: object) -> str:
    base: str = current_app.config["IVR"].public_url
    return base + path + (f"?{urlencode(query)}" if query else "")


class Moment:
    """The time of this request and what follows from it: the line's status and the flow's facts."""

    def __init__(self, line: Line) -> None:
        self.line = line
        self.now: datetime = line_now(line.settings)
        self.status: LineStatus = line.schedule.status_at(self.now)
        self.facts = flow.Facts(
            line_open=self.status.is_open,
            offices=line.offices,
            classify=classify,
            confidence_threshold=line.settings.speech_confidence_threshold,
            heard_languages=line.heard_languages,
        )


def form_int(name: str) -> int:
    try:
        return int(request.form.get(name, "") or 0)
    except ValueError:
        return 0


def load_call(connection: Connection) -> StoredCall | None:
    return call_store.load(connection, request.form.get("CallSid", ""))


def answered_again(connection: Connection) -> Response:
    """A repeated request (or a second delivery that lost the race): the answer the call was given."""
    return xml(call_store.last_response(connection, request.form.get("CallSid", "")) or VoiceResponse())


def redacted(state: str, event: flow.Event) -> tuple[str, str | None]:
    """What the timeline keeps of an answer: menu keys as pressed; A-numbers, ZIPs and words redacted."""
    if event.kind == "speech":
        return "speech", f"[speech, {len(event.speech.split())} words]"
    if event.kind == "digits":
        if state in SENSITIVE_ENTRY and len(event.digits.strip("*#")) > 1:
            return "dtmf", f"[{len(event.digits.strip('*#'))} digits]"
        return "dtmf", event.digits
    return "none", None


def step_event(
    moment: Moment, step: int, from_state: str, event: str, result: str, input_kind: str, value: str | None
) -> dict[str, object]:
    """The call_events row of one step: when, from where, what happened, and the redacted input."""
    return {
        "at": moment.now,
        "step": step,
        "state": from_state,
        "event": event,
        "input_kind": input_kind,
        "value": value[:200] if value else None,
        "result": result[:60],
    }


def take_turn(
    connection: Connection,
    call: StoredCall,
    turn: flow.Turn,
    moment: Moment,
    from_state: str,
    input_kind: str = "system",
    value: str | None = None,
    lost: Callable[[], Response] | None = None,
) -> Response:
    """Record the step, act on where the caller now is, render and remember the answer.

    If another delivery took the step first, the caller gets that delivery's answer (or `lost()`).
    """
    step = call.step + 1
    if turn.state in (flow.QUEUED, flow.VOICEMAIL):
        # Handed to a person: the queue and voicemail take callers in routing's order.
        call.priority = routing.priority_of(call.subject, call.caller_type)
    if turn.state == flow.QUEUED:
        queue.join(call, moment.line.settings.queue_name, moment.now)
    call.state, call.step = turn.state, step
    answer = document(render(moment.line, call, turn, moment.facts, moment.status, url_for_twilio, step))
    # The writes go out together after rendering: SQLite's write lock is held for them alone.
    event = step_event(
        moment, step, from_state, turn.event or "system", turn.result or turn.state, input_kind, value
    )
    if not call_store.save(connection, call, answer=answer, event=event):
        return lost() if lost is not None else answered_again(connection)
    return xml(answer)


def recover(error: BaseException) -> Response:
    """After an error inside a call: apologise and take the safest next step, whatever still works."""
    log.error(
        "voice webhook %s failed with %s; caller sent to the safest next step\n%s",
        request.path,
        type(error).__name__,
        "".join(traceback.format_tb(error.__traceback__)),
    )
    line = current_line()
    moment = Moment(line)
    try:
        connection = get_connection()
        connection.rollback()
        call = load_call(connection)
        if call is None:
            raise LookupError("no call record")
        turn = flow.hand_off(call, moment.facts, [Said("apology")])
        turn.event, turn.result = "error_recovered", f"{type(error).__name__}: " + turn.result
        return take_turn(connection, call, turn, moment, call.state)
    except Exception as second:  # noqa: BLE001 - the caller must hear something whatever failed
        log.error("could not record the recovery either (%s)", type(second).__name__)
        rollback_quietly()
        return answer_without_record(moment)


def rollback_quietly() -> None:
    """Drop what a failed request wrote, if the database can still be reached at all."""
    try:
        get_connection().rollback()
    except Exception:  # noqa: BLE001, S110 - the database may be down: nothing is left to undo
        pass


def answer_without_record(moment: Moment) -> Response:
    """Answer from the request alone when the call's record cannot be had (database down or lost)."""
    line, response = moment.line, VoiceResponse()
    speaker = Speaker(line, None, url_for_twilio)
    if request.path == "/voice/queue/result":
        result = request.form.get("QueueResult", "error")
        if result == "hangup":
            return xml(response)
        if result == "bridged":
            speaker.say(response, Said("goodbye"))
            response.hangup()
            return xml(response)
        if result != "leave":
            speaker.say(response, Said("queue_unavailable"))
        voicemail_twiml(response, speaker, line, moment.status, None, url_for_twilio, ANY_STEP)
        return xml(response)
    if request.path == "/voice/voicemail/done":
        # Twilio keeps the recording and its callback makes the work item: thank the caller.
        heard = request.form.get("RecordingUrl") and not request.args.get("empty")
        speaker.say_all(
            response, [Said("voicemail_saved" if heard else "voicemail_not_heard"), Said("goodbye")]
        )
        response.hangup()
        return xml(response)
    return xml(safest_next_step(line, None, moment.status, url_for_twilio, ANY_STEP))


def caller_facing(handler: Callable[P, Response]) -> Callable[P, Response]:
    """Never answer a caller with a 500: any error becomes an apology and the safest next step."""

    @wraps(handler)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> Response:
        try:
            return handler(*args, **kwargs)
        except Exception as error:  # noqa: BLE001
            return recover(error)

    return wrapper


def callback(handler: Callable[P, Response]) -> Callable[P, Response]:
    """Status and recording callbacks: an error is logged loudly and answered with empty TwiML."""

    @wraps(handler)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> Response:
        try:
            return handler(*args, **kwargs)
        except Exception as error:  # noqa: BLE001
            rollback_quietly()
            log.error(
                "callback %s failed with %s\n%s",
                request.path,
                type(error).__name__,
                "".join(traceback.format_tb(error.__traceback__)),
            )
            return xml(VoiceResponse())

    return wrapper


def repeat_of_answered_step(call: StoredCall) -> bool:
    step = request.args.get("step", type=int)
    return step != ANY_STEP and step != call.step


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
        flow.LANGUAGE_MENU,
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
    if repeat_of_answered_step(call) or call.state not in flow.MENUS:
        return answered_again(connection)
    event = flow.Event.from_gather(
        request.form.get("Digits"), request.form.get("SpeechResult"), request.form.get("Confidence")
    )
    from_state = call.state
    turn = flow.advance(call, event, moment.facts)
    return take_turn(connection, call, turn, moment, from_state, *redacted(from_state, event))


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
        gather.pause(length=15)
        if entry is not None:
            # Kept: Twilio's queue and what the caller was told, when. A loop that tells nothing
            # writes nothing (two loops of three, at the usual interval).
            entry.queue_sid = request.form.get("QueueSid")
            if announce:
                entry.last_announced_at = moment.now
            if told is not None:
                entry.last_position = told
            call_store.save_entry(connection, entry)
            connection.commit()
    except Exception as error:  # noqa: BLE001 - keep the caller's place in line whatever failed
        rollback_quietly()
        log.error("queue wait failed with %s; caller kept waiting", type(error).__name__)
        response = VoiceResponse()
        response.pause(length=10)
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
    if call.queue_entry is not None:
        queue.leave(call.queue_entry, result, moment.now, form_int("QueueTime") or None)
    from_state = call.state
    turn = flow.queue_left(call, result)
    if turn.state == flow.ENDED:
        # The caller hung up: nobody hears an answer, so none is kept.
        call.state, call.step = turn.state, call.step + 1
        event = step_event(moment, call.step, from_state, turn.event, turn.result, "system", None)
        if not call_store.save(connection, call, event=event):
            return answered_again(connection)
        return xml(VoiceResponse())
    return take_turn(connection, call, turn, moment, from_state, value=result)


@bp.post("/voicemail/done")
@caller_facing
def voicemail_done() -> Response:
    """The caller finished recording (or said nothing): save the message, thank them."""
    connection, moment = get_connection(), Moment(current_line())
    call = load_call(connection)
    if call is None:
        raise LookupError("a voicemail for a call with no record")
    if repeat_of_answered_step(call):
        return answered_again(connection)
    recording_sid = voicemail.recording_sid_from(
        request.form.get("RecordingUrl"), request.form.get("RecordingSid")
    )
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
    return take_turn(connection, call, turn, moment, from_state, "system", f"{duration} s")


@bp.post("/voicemail/recording")
@callback
def voicemail_recording() -> Response:
    """Twilio's recording callback: the message becomes a work item, once, even with no call record."""
    status = request.form.get("RecordingStatus", "completed")
    if status != "completed":
        # "absent" is silence; anything else is a caller's message Twilio could not keep: say so loudly.
        level = logging.WARNING if status == "absent" else logging.ERROR
        log.log(level, "recording %s for call %s", status, request.form.get("CallSid", "?"))
        return xml(VoiceResponse())
    connection, moment = get_connection(), Moment(current_line())
    recording_sid = voicemail.recording_sid_from(
        request.form.get("RecordingUrl"), request.form.get("RecordingSid")
    )
    if not recording_sid:
        log.error("recording callback without a recording id")
        return xml(VoiceResponse())
    call = load_call(connection) or call_with_no_record(connection, moment)
    voicemail.record(
        connection,
        call,
        recording_sid,
        request.form.get("RecordingUrl"),
        form_int("RecordingDuration") or None,
        moment.line.schedule,
        moment.now,
    )
    if form_int("RecordingDuration") > 0 and call.outcome in (None, "voicemail_empty"):
        call.outcome = "voicemail"
    # The outcome is not a step: no other request can lose it, so this save cannot be refused.
    call_store.save(connection, call)
    return xml(VoiceResponse())


def call_with_no_record(connection: Connection, moment: Moment) -> StoredCall:
    """A record for a call the line lost (it failed to save), so its caller's message is kept."""
    call = StoredCall.new(request.form.get("CallSid", ""), moment.now, flow.ENDED)
    if not call_store.save(connection, call):
        # Another callback for the same call made it at the same moment: use that one.
        call = load_call(connection)
        if call is None:
            raise LookupError("the call's record could neither be made nor found")
    return call


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
        if call.queue_entry is not None and call.queue_entry.left_at is None:
            queue.leave(call.queue_entry, "hangup", moment.now)
        call.outcome = flow.call_ended(call)
        event = step_event(
            moment, call.step + 1, call.state, "call_ended", call.outcome, "system", call.final_status
        )
        call.state, call.step = flow.ENDED, call.step + 1
        if call_store.save(connection, call, event=event):
            return xml(VoiceResponse())
    raise RuntimeError("the call's end could not be recorded: its record kept changing")


@bp.post("/fallback")
def fallback() -> Response:
    """Twilio's Fallback URL: our main answer failed or timed out. Needs no database to answer."""
    line = current_line()
    log.error(
        "Twilio used the fallback URL: error %s at %s",
        request.form.get("ErrorCode", "?"),
        request.form.get("ErrorUrl", "?").split("?")[0],
    )
    moment = Moment(line)
    try:
        connection = get_connection()
        call = load_call(connection)
        if call is None:
            raise LookupError("no call record")
        call.used_fallback = True
        turn = flow.hand_off(call, moment.facts, [Said("apology")])
        turn.event, turn.result = "fallback", f"Twilio error {request.form.get('ErrorCode', '?')}"
        return take_turn(connection, call, turn, moment, call.state)
    except Exception as error:  # noqa: BLE001 - the database may be down: answer without it
        log.error("fallback without the database (%s)", type(error).__name__)
        rollback_quietly()
        return xml(safest_next_step(line, None, moment.status, url_for_twilio, ANY_STEP))
