"""Calls whose end Twilio never reported (a lost status callback, an outage) are closed.

A call still open IVR_STALE_CALL_MINUTES after it began is asked about at Twilio first, where the
line has an account: one Twilio says is still in progress is left alone; otherwise it is closed with
Twilio's final status if known, its outcome "unknown" unless one was already recorded, and its
queue entry closed, so it no longer makes later callers "number 2". (The operators' side of lost
callbacks is the desk review's job: ivr/jobs/desk_review.py.)
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import insert, select, update

from ivr.db import session_scope
from ivr.desk.twilio_rest import describe
from ivr.jobs.context import Context
from ivr.jobs.outcome import Done
from ivr.journey.machine import EventKind, InputKind, Outcome, State
from ivr.models import Call, CallEvent, QueueEntry, RunResult

log = logging.getLogger(__name__)

LIVE_AT_TWILIO = frozenset({"queued", "ringing", "in-progress"})
QUEUE_RESULT = "unknown"  # a queue entry closed without knowing how the caller left


def run(context: Context) -> Done:
    now = context.now
    cutoff = now - timedelta(minutes=context.settings.jobs.stale_call_minutes)
    with session_scope(context.app) as session:
        stale = session.execute(
            select(Call.id, Call.call_sid, Call.step, Call.state, Call.outcome).where(
                Call.ended_at.is_(None), Call.started_at < cutoff
            )
        ).all()
    closed = live = 0
    for call_id, call_sid, step, state, outcome in stale:
        final_status, duration = twilio_status(context, call_sid)
        if final_status in LIVE_AT_TWILIO:
            live += 1
            continue
        with session_scope(context.app) as session:
            # Only if no webhook has moved the call on meanwhile: its own end wins over ours.
            changed = (
                session.connection()
                .execute(
                    update(Call)
                    .where(Call.id == call_id, Call.ended_at.is_(None), Call.step == step)
                    .values(
                        ended_at=now,
                        state=State.ENDED,
                        step=step + 1,
                        outcome=outcome or Outcome.UNKNOWN,
                        final_status=final_status,
                        duration_seconds=duration,
                    )
                )
                .rowcount
            )
            if changed != 1:
                continue
            session.execute(
                insert(CallEvent).values(
                    call_id=call_id,
                    at=now,
                    step=step + 1,
                    state=state,
                    event=EventKind.CALL_ENDED,
                    input_kind=InputKind.SYSTEM,
                    value=final_status,
                    result=(outcome or Outcome.UNKNOWN)[:60],
                )
            )
            session.execute(
                update(QueueEntry)
                .where(QueueEntry.call_id == call_id, QueueEntry.left_at.is_(None))
                .values(left_at=now, result=QUEUE_RESULT)
            )
        closed += 1
    return Done(RunResult.OK, f"{closed} stale call(s) closed; {live} still in progress at Twilio")


def twilio_status(context: Context, call_sid: str) -> tuple[str | None, int | None]:
    """Twilio's status and duration of a call, or (None, None) without an account or an answer."""
    if not context.has_twilio_account:
        return None, None
    try:
        call = context.twilio().calls(call_sid).fetch()
    except Exception as error:  # noqa: BLE001 - closed anyway, as if there were no account
        log.warning("could not ask Twilio about stale call %s: %s", call_sid, describe(error))
        return None, None
    duration = getattr(call, "duration", None)
    return str(call.status), int(duration) if duration not in (None, "") else None
