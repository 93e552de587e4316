"""A call whose end Twilio never reported is closed after the configured time, its queue entry too,
its outcome unknown; Twilio is asked first, and a call it says is still going is left alone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import select

from ivr.jobs import stale_calls
from ivr.models import Call, CallEvent, QueueEntry, RunResult
from tests.jobs.conftest import add_call, context
from tests.jobs.twilio_stand_in import TwilioForJobs

NOW = "2026-11-30T14:00:00-05:00"
LOST = "CA" + "1" * 32  # three hours ago, its status callback lost
TALKING = "CA" + "2" * 32  # three hours ago, still on the line at Twilio
RECENT = "CA" + "3" * 32  # an hour ago


def calls(app: Flask) -> dict[str, Call]:
    with app.extensions["ivr.db"]() as session:
        return {call.call_sid: call for call in session.scalars(select(Call))}


def test_a_call_whose_end_was_never_reported_is_closed_with_twilios_status_and_an_unknown_outcome(
    jobs_app: Callable[..., Flask], twilio_api: TwilioForJobs
) -> None:
    app = jobs_app(NOW, IVR_STALE_CALL_MINUTES="120")
    now = datetime.fromisoformat(NOW)
    lost_id, _ = add_call(app, now - timedelta(hours=3), LOST, ended=False, queued=True)
    add_call(app, now - timedelta(hours=3), TALKING, ended=False)
    add_call(app, now - timedelta(hours=1), RECENT, ended=False, queued=True)
    twilio_api.call_status[LOST] = {"status": "completed", "duration": "412"}
    twilio_api.call_status[TALKING] = {"status": "in-progress"}

    done = stale_calls.run(context(app, twilio_api))

    assert done.result == RunResult.OK
    assert done.summary.startswith("1 stale call(s) closed; 1 still in progress")
    found = calls(app)
    lost = found[LOST]
    assert lost.ended_at is not None and lost.outcome == "unknown" and lost.state == "ended"
    assert lost.final_status == "completed" and lost.duration_seconds == 412
    assert found[TALKING].ended_at is None and found[RECENT].ended_at is None
    fetched = sorted(r.resource for r in twilio_api.requests if r.method == "GET")
    assert fetched == [f"Calls/{LOST}.json", f"Calls/{TALKING}.json"]  # the recent call is not asked about
    with app.extensions["ivr.db"]() as session:
        waiting = session.execute(select(QueueEntry.call_id, QueueEntry.left_at, QueueEntry.result)).all()
        by_call = {call_id: (left_at, result) for call_id, left_at, result in waiting}
        assert by_call[lost_id][0] is not None and by_call[lost_id][1] == "unknown"
        assert [left for call_id, (left, _) in by_call.items() if call_id != lost_id] == [None]
        [event] = session.scalars(select(CallEvent).where(CallEvent.call_id == lost_id)).all()
        assert (event.event, event.result, event.input_kind) == ("call_ended", "unknown", "system")


def test_a_stale_call_twilio_cannot_tell_about_is_closed_all_the_same(
    jobs_app: Callable[..., Flask], twilio_api: TwilioForJobs
) -> None:
    app = jobs_app(NOW)
    add_call(app, datetime.fromisoformat(NOW) - timedelta(hours=5), LOST, ended=False, queued=True)
    twilio_api.fail_next(r"^Calls/", 503)
    stale_calls.run(context(app, twilio_api))
    lost = calls(app)[LOST]
    assert lost.ended_at is not None and lost.outcome == "unknown" and lost.final_status is None


def test_a_stale_call_that_left_a_voicemail_keeps_its_outcome(
    jobs_app: Callable[..., Flask], twilio_api: TwilioForJobs
) -> None:
    app = jobs_app(NOW)
    call_id, _ = add_call(
        app, datetime.fromisoformat(NOW) - timedelta(hours=5), LOST, ended=False, voicemail=True
    )
    with app.extensions["ivr.db"]() as session:
        call = session.get(Call, call_id)
        assert call is not None
        call.outcome = "voicemail"
        session.commit()
    stale_calls.run(context(app, twilio_api))
    assert calls(app)[LOST].outcome == "voicemail" and calls(app)[LOST].ended_at is not None
