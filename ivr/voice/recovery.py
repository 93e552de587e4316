"""When a webhook fails: the apology and the safest next step, Twilio's fallback URL, quiet callbacks."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec

from flask import Response, request
from twilio.twiml.voice_response import VoiceResponse

from ivr import journal
from ivr.db import (
    current_connection,
    database_unreachable,
    get_connection,
    mark_unreachable,
    recently_unreachable,
)
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

# Who hears a webhook's answer, by its view: a caller (the default), an operator, or nobody (a
# callback). Read where a request is refused before its view runs (ivr.voice.sids).
CALLBACK, OPERATOR = "callback", "operator"
AUDIENCES: dict[object, str] = {}  # view function: its audience


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
    kept = keep_what_would_be_lost(moment)
    if database_unreachable(error):
        # Asking the database again would only make the caller wait longer in silence.
        mark_unreachable()
        rollback_quietly()
        return answer_without_record(moment, kept)
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
        return answer_without_record(moment, kept)


def keep_what_would_be_lost(moment: Moment) -> bool:
    """Journal a failed request that carries what Twilio will not send again (ivr.journal).

    A caller's message reaches the line in the <Record> action as well as in its recording
    callback: either one kept makes the work item. Returns False only if it could not be kept.
    """
    if request.path in journal.JOURNALLED:
        return journal.keep_request(moment.now, request.path, request.form)
    recorded = request.form.get("RecordingSid") or request.form.get("RecordingUrl")
    if request.path == "/voice/voicemail/done" and recorded and not request.args.get("empty"):
        return journal.keep_request(moment.now, "/voice/voicemail/recording", request.form)
    return True


def rollback_quietly() -> None:
    """Drop what a failed request wrote on its connection, if it has one (never opens a new one)."""
    connection = current_connection()
    if connection is None:
        return
    try:
        connection.rollback()
    except Exception:  # noqa: BLE001, S110 - the database may be down: nothing is left to undo
        pass


def answer_without_record(moment: Moment, kept: bool = True) -> Response:
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
        # The message is journalled (ivr.journal) and Twilio keeps the recording: thank the caller.
        # Only if not even the journal could keep it, say that something went wrong: the log names
        # the RecordingSid, so the message can still be fetched from Twilio.
        heard = request.form.get("RecordingUrl") and not request.args.get("empty")
        said = "voicemail_not_heard" if not heard else "voicemail_saved" if kept else "apology"
        speaker.say_all(response, [Said(said), Said("goodbye")])
        response.hangup()
        return xml(response)
    return xml(safest_next_step(line, None, moment.status, url_for_twilio, ANY_STEP, queue=queue_usable()))


def queue_usable() -> bool:
    """Whether a caller sent to the queue now can be seen by the operators' desk.

    The desk chooses callers from the database: one put in Twilio's queue while it is away would
    wait unseen. While this worker finds it away, the safest next step is voicemail, journalled.
    """
    return not recently_unreachable()


def caller_facing(handler: Callable[P, Response]) -> Callable[P, Response]:
    """Never answer a caller with a 500: any error becomes an apology and the safest next step."""

    @wraps(handler)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> Response:
        try:
            return handler(*args, **kwargs)
        except Exception as error:  # noqa: BLE001
            if journal.replaying():
                raise  # a journalled callback delivered again: replay decides what to do with it
            return recover(error)

    return wrapper


def callback(handler: Callable[P, Response]) -> Callable[P, Response]:
    """Status and recording callbacks: an error is logged loudly and answered with empty TwiML."""

    @wraps(handler)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> Response:
        try:
            return handler(*args, **kwargs)
        except Exception as error:  # noqa: BLE001
            if journal.replaying():
                raise  # a journalled callback delivered again: replay decides what to do with it
            rollback_quietly()
            if database_unreachable(error):
                mark_unreachable()
            log.error(
                "callback %s for CallSid=%s RecordingSid=%s failed with %s\n%s",
                request.path,
                request.form.get("CallSid", "?")[:40],
                request.form.get("RecordingSid", "-")[:40],
                type(error).__name__,
                "".join(traceback.format_tb(error.__traceback__)),
            )
            if not keep_what_would_be_lost(Moment(current_line())):
                # Neither the database nor the journal took it: ask Twilio to send it again.
                return Response(status=503)
            return xml(VoiceResponse())

    AUDIENCES[wrapper] = CALLBACK
    return wrapper


@bp.post("/fallback")
def fallback() -> Response:
    """Twilio's Fallback URL: our main answer failed or timed out. Answers without the database at all.

    Twilio comes here when the line did not answer in time, most often because the database did
    not: asking it again would leave the caller in silence once more.
    """
    line = current_line()
    log.error(
        "Twilio used the fallback URL for CallSid=%s: error %s at %s",
        field(request.form.get("CallSid", "?")),
        field(request.form.get("ErrorCode", "?")),
        field(request.form.get("ErrorUrl", "?").split("?")[0]),
    )
    moment = Moment(line)
    return xml(safest_next_step(line, None, moment.status, url_for_twilio, ANY_STEP, queue=queue_usable()))
