"""A step of a call as every webhook takes it: the request's moment, the turn recorded, the TwiML answer.

Twilio may repeat any request. Every TwiML action carries the step it answers; a request for a
step the call has already taken gets the same answer again, so nothing is counted twice or skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from urllib.parse import urlencode

from flask import Response, current_app, request
from sqlalchemy import Connection
from twilio.twiml.voice_response import VoiceResponse

from ivr import journal, routing
from ivr.calls import queue
from ivr.calls import store as call_store
from ivr.calls.records import StoredCall
from ivr.clock import line_now
from ivr.desk import after_response
from ivr.journey.classifier import classify
from ivr.journey.machine import Event, EventKind, Facts, Heard, InputKind, State, Turn
from ivr.line import Line
from ivr.rules.hours import LineStatus
from ivr.voice.twiml import document, render

ANY_STEP = -1  # rendered when the database was unreachable: the next answer is taken as it comes
SENSITIVE_ENTRY = {State.A_NUMBER_ENTRY, State.A_NUMBER_CONFIRM, State.FIELD_OFFICE_MENU}


def xml(response: VoiceResponse | str) -> Response:
    return Response(response if isinstance(response, str) else document(response), mimetype="text/xml")


def url_for_twilio(path: str, **query: object) -> str:
    base: str = current_app.config["IVR"].public_url
    return base + path + (f"?{urlencode(query)}" if query else "")


class Moment:
    """The time of this request and what follows from it: the line's status and the flow's facts."""

    def __init__(self, line: Line) -> None:
        self.line = line
        # A journalled callback delivered again happened when it first arrived (ivr.journal).
        self.now: datetime = journal.arrived_at() or line_now(line.settings)
        self.status: LineStatus = line.schedule.status_at(self.now)
        self.facts = Facts(
            line_open=self.status.is_open,
            offices=line.offices,
            classify=classify,
            confidence_threshold=line.settings.speech_confidence_threshold,
            words=line.words,
            languages=line.languages,
            heard_languages=line.heard_languages,
            outside_phone=line.outside_phone,
        )


def form_int(name: str) -> int:
    try:
        return int(request.form.get(name, "") or 0)
    except ValueError:
        return 0


def load_call(connection: Connection) -> StoredCall | None:
    return call_store.load(connection, request.form.get("CallSid", ""))


def answered_again(connection: Connection) -> Response:
    """A repeated request (or a second delivery that lost the race): the answer the call was given.

    A call that was never answered (its record made by a recording callback, say) has none to give
    again: that is an error, so the caller hears the apology and the safest next step, not silence.
    """
    answer = call_store.last_response(connection, request.form.get("CallSid", ""))
    if answer is None:
        raise LookupError("a repeated request for a call that was never answered")
    return xml(answer)


def redacted(state: str, event: Event) -> tuple[InputKind, str | None]:
    """What the timeline keeps of an answer: menu keys as pressed; A-numbers, ZIPs and words redacted."""
    if event.kind is Heard.SPEECH:
        # The recogniser's confidence is kept with the step: why the line believed the words or not.
        heard = "unknown" if event.confidence is None else f"{event.confidence:.2f}"
        return InputKind.SPEECH, f"[speech, {len(event.speech.split())} words, confidence {heard}]"
    if event.kind is Heard.DIGITS:
        if state in SENSITIVE_ENTRY and len(event.digits.strip("*#")) > 1:
            return InputKind.DTMF, f"[{len(event.digits.strip('*#'))} digits]"
        return InputKind.DTMF, event.digits
    return InputKind.NONE, None


def step_event(
    moment: Moment,
    step: int,
    from_state: str,
    event: EventKind,
    result: str,
    input_kind: InputKind,
    value: str | None,
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
    turn: Turn,
    moment: Moment,
    from_state: str,
    input_kind: InputKind = InputKind.SYSTEM,
    value: str | None = None,
    lost: Callable[[], Response] | None = None,
) -> Response:
    """Record the step, act on where the caller now is, render and remember the answer.

    If another delivery took the step first, the caller gets that delivery's answer (or `lost()`).
    """
    step = call.step + 1
    if turn.state in (State.QUEUED, State.VOICEMAIL):
        # Handed to a person: the queue and voicemail take callers in routing's order.
        call.priority = routing.priority_of(call.subject, call.caller_type)
    if turn.state == State.QUEUED:
        queue.join(call, moment.line.settings.queue_name, moment.now)
    call.state, call.step = turn.state, step
    answer = document(render(moment.line, call, turn, moment.facts, moment.status, url_for_twilio, step))
    # The writes go out together after rendering: SQLite's write lock is held for them alone.
    event = step_event(
        moment, step, from_state, turn.event or EventKind.SYSTEM, turn.result or turn.state, input_kind, value
    )
    if not call_store.save(connection, call, answer=answer, event=event):
        return lost() if lost is not None else answered_again(connection)
    if turn.state == State.QUEUED:
        # A caller in line: a free operator who can take them is rung, once the caller has the answer.
        return after_response(xml(answer), lambda desk, now: desk.caller_joined(now))
    return xml(answer)


def repeat_of_answered_step(call: StoredCall) -> bool:
    step = request.args.get("step", type=int)
    return step != ANY_STEP and step != call.step
