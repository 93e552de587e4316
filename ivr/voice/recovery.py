"""When a webhook fails: the apology and the safest next step, Twilio's fallback URL, quiet callbacks."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec

from flask import Response, request
from twilio.twiml.voice_response import VoiceResponse

from ivr.db import get_connection
from ivr.journey.answers import hand_off
from ivr.journey.machine import EventKind
from ivr.line import current_line
from ivr.logs import field
from ivr.prompts.catalog import Said
from ivr.voice import bp
from ivr.voice.steps import ANY_STEP, Moment, load_call, take_turn, url_for_twilio, xml
from ivr.voice.twiml import Speaker, safest_next_step
from ivr.voice.twiml import voicemail as voicemail_twiml

log = logging.getLogger(__name__)
P = ParamSpec("P")


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
        turn = hand_off(call, moment.facts, [Said("apology")])
        turn.event, turn.result = EventKind.ERROR_RECOVERED, f"{type(error).__name__}: " + turn.result
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


@bp.post("/fallback")
def fallback() -> Response:
    """Twilio's Fallback URL: our main answer failed or timed out. Needs no database to answer."""
    line = current_line()
    log.error(
        "Twilio used the fallback URL: error %s at %s",
        field(request.form.get("ErrorCode", "?")),
        field(request.form.get("ErrorUrl", "?").split("?")[0]),
    )
    moment = Moment(line)
    try:
        connection = get_connection()
        call = load_call(connection)
        if call is None:
            raise LookupError("no call record")
        call.used_fallback = True
        turn = hand_off(call, moment.facts, [Said("apology")])
        turn.event, turn.result = EventKind.FALLBACK, f"Twilio error {request.form.get('ErrorCode', '?')}"
        return take_turn(connection, call, turn, moment, call.state)
    except Exception as error:  # noqa: BLE001 - the database may be down: answer without it
        log.error("fallback without the database (%s)", type(error).__name__)
        rollback_quietly()
        return xml(safest_next_step(line, None, moment.status, url_for_twilio, ANY_STEP))
