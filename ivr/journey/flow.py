"""The caller's journey from the first ring to the last word: the greeting, the menus' answers
(ivr.journey.menus), and the steps past the menus: the queue, voicemail, the call's end.

The flow never imports Flask, never reads the clock and never touches the database: a webhook loads
the call, feeds one event to `advance`, saves the call and renders the returned `Turn` as TwiML.
"""

from __future__ import annotations

from ivr.journey.answers import safety_notices
from ivr.journey.machine import CallRecord, EventKind, Outcome, State, Turn
from ivr.prompts.catalog import Said


def start(call: CallRecord) -> Turn:
    """A new call: greet, then the language menu."""
    call.state, call.attempts = State.LANGUAGE_MENU, 0
    greeting = [Said("greeting", language="en"), Said("greeting", language="es")]
    return Turn(
        State.LANGUAGE_MENU, greeting, event=EventKind.CALL_STARTED, result="greeting and language menu"
    )


def queue_left(call: CallRecord, queue_result: str, outside_phone: str | None = None) -> Turn:
    """The caller left the live queue: answered, hung up, chose voicemail, or the queue failed.

    A caller who chose voicemail on hold heard the safety notice there; one the queue failed may
    not have: they hear it before the recording (`outside_phone`: the route outside the facility).
    """
    if queue_result == "bridged":
        call.outcome = Outcome.ANSWERED
        return Turn(State.GOODBYE, event=EventKind.OPERATOR_FINISHED, result="answered by an operator")
    if queue_result == "hangup":
        call.outcome = Outcome.ABANDONED_IN_QUEUE
        return Turn(State.ENDED, event=EventKind.CALLER_HUNG_UP, result="hung up while waiting")
    if queue_result == "leave":
        return Turn(State.VOICEMAIL, event=EventKind.VOICEMAIL_CHOSEN, result="left the queue for voicemail")
    return Turn(
        State.VOICEMAIL,
        [Said("queue_unavailable"), *safety_notices(outside_phone)],
        event=EventKind.QUEUE_FAILED,
        result=f"queue result {queue_result}: voicemail",
    )


def voicemail_recorded(call: CallRecord, duration_seconds: int) -> Turn:
    if duration_seconds > 0:
        call.outcome = Outcome.VOICEMAIL
        return Turn(
            State.GOODBYE,
            [Said("voicemail_saved")],
            event=EventKind.VOICEMAIL_RECORDED,
            result="voicemail saved",
        )
    call.attempts += 1
    if call.attempts >= 2:
        # A second empty recording: thank the caller rather than loop; the call log shows it.
        call.outcome = Outcome.VOICEMAIL_EMPTY
        return Turn(
            State.GOODBYE,
            [Said("voicemail_not_heard")],
            event=EventKind.VOICEMAIL_EMPTY,
            result="no message twice: goodbye",
        )
    return Turn(
        State.VOICEMAIL,
        [Said("voicemail_not_heard")],
        event=EventKind.VOICEMAIL_EMPTY,
        result="no message: asked again",
    )


ABANDONED_IN = {
    State.QUEUED: Outcome.ABANDONED_IN_QUEUE,
    State.VOICEMAIL: Outcome.ABANDONED_IN_VOICEMAIL,
    State.GOODBYE: Outcome.COMPLETED,
}


def call_ended(call: CallRecord) -> Outcome:
    """Name what a hang-up was, from where the caller was when the call ended."""
    if call.outcome:
        return Outcome(call.outcome)
    return next(
        (outcome for state, outcome in ABANDONED_IN.items() if state == call.state), Outcome.ABANDONED_IN_MENU
    )
