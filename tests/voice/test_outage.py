"""Nothing is lost while the database is away: callbacks journalled, replayed once when it is back.

A line whose database is down is the app built on a PostgreSQL address nothing listens on; the same
line back up is the test app, sharing its journal file. tests/faults/ does the same to a real
PostgreSQL server, stopped and hung mid-call.
"""

from __future__ import annotations

import logging
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from flask import Flask
from sqlalchemy import select

from ivr import create_app, journal
from ivr.models import Call, CallEvent, QueueEntry, Voicemail
from tests.conftest import PUBLIC_URL, Caller, settings_env
from tests.menu_walk import reach_a_person

OPEN, CLOSED = "2026-11-30T10:00:00-05:00", "2026-11-28T23:00:00-05:00"


def down_line(up: Flask, journal_path: Path | None = None, moment: str = OPEN) -> Flask:
    """The line `up` with its database down (nothing listens on port 9), sharing its journal and keys."""
    env = settings_env(
        Path("/nonexistent"),
        DATABASE_URL="postgresql+psycopg://ivr@127.0.0.1:9/ivr",
        IVR_FIXED_TIME=moment,
        IVR_JOURNAL=str(journal_path or journal_path_of(up)),
        IVR_DATA_KEY=",".join(up.config["IVR"].data_keys),
    )
    return create_app(env)


def journal_path_of(app: Flask) -> Path:
    return journal.journal_of(app).path


def voicemails(app: Flask) -> list[Voicemail]:
    with app.extensions["ivr.db"]() as session:
        found = list(session.scalars(select(Voicemail).order_by(Voicemail.id)))
        session.expunge_all()
        return found


def run(app: Flask, *args: str) -> Result:
    result = app.test_cli_runner().invoke(args=["ivr", "journal", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def test_a_voicemail_left_while_the_database_is_down_becomes_one_work_item(app: Flask) -> None:
    down = down_line(app)
    caller = Caller(down.test_client(), call_sid="CA" + "5" * 32)
    caller.call()
    assert "Record" in caller.verbs()  # no operator can see a caller while the database is away
    caller.record(seconds=25, recording_sid="RE" + "5" * 32)
    assert "Thank you. Your message was saved." in caller.heard_text()

    kept = journal_path_of(app)
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert "5555550123" not in kept.read_text()  # the caller's number is never journalled
    assert "2 waiting to be replayed, 0 put aside" in run(app, "status").output

    assert "2 replayed, 0 put aside, 0 left" in run(app, "replay").output
    assert "0 replayed" in run(app, "replay").output  # a second replay changes nothing
    [message] = voicemails(app)
    assert message.recording_sid == "RE" + "5" * 32 and message.duration_seconds == 25
    assert kept.stat().st_size == 0


def test_a_call_that_ends_while_the_database_is_down_leaves_the_queue_when_it_is_back(
    app: Flask, caller: Caller
) -> None:
    reach_a_person(caller)
    caller.enqueue()
    # The database goes away; Twilio reports the hang-up to a worker that cannot reach it.
    down = Caller(down_line(app).test_client(), call_sid=caller.call_sid)
    down.hang_up(duration=80)
    assert journal.replay(app).applied == 1
    with app.extensions["ivr.db"]() as session:
        call = session.scalar(select(Call))
        entry = session.scalar(select(QueueEntry))
        assert call is not None and call.duration_seconds == 80 and call.ended_at is not None
        assert entry is not None and entry.result == "hangup"


def test_replay_starts_on_its_own_after_a_webhook_that_reached_the_database(app: Flask) -> None:
    down = Caller(down_line(app).test_client(), call_sid="CA" + "6" * 32)
    down.call()
    down.record(recording_sid="RE" + "6" * 32)
    # The database is back: the next caller's request, once answered, replays what was kept.
    caller = Caller(app.test_client())
    response = caller.post("/voice/incoming")
    response.close()
    assert [message.recording_sid for message in voicemails(app)] == ["RE" + "6" * 32]


def test_a_full_disk_still_answers_the_caller_and_says_so_loudly(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    # /dev/full: every write fails with "no space left on device", as on a full disk.
    down = down_line(app, Path("/dev/full"), CLOSED)
    caller = Caller(down.test_client(), call_sid="CA" + "7" * 32)
    with caplog.at_level(logging.ERROR):
        caller.call()
        assert "Record" in caller.verbs()
        record = caller.twiml.find("Record") if caller.twiml is not None else None
        assert record is not None
        # Neither the database nor the journal took the recording: Twilio is asked to send it again.
        refused = caller.post(
            record.attrib["recordingStatusCallback"],
            RecordingSid="RE" + "7" * 32,
            RecordingUrl=f"https://api.twilio.com/2010-04-01/Accounts/AC{'0' * 32}/Recordings/RE{'7' * 32}",
            RecordingStatus="completed",
            RecordingDuration="20",
        )
        assert refused.status_code == 503
        caller._answer(
            record.attrib["action"],
            RecordingUrl=f"https://api.twilio.com/2010-04-01/Accounts/AC{'0' * 32}/Recordings/RE{'7' * 32}",
            RecordingDuration="20",
            RecordingSid="RE" + "7" * 32,
        )
    assert "We are sorry, something went wrong on our side." in caller.heard()
    assert "Thank you. Your message was saved." not in caller.heard_text()
    assert f"RecordingSid=RE{'7' * 32}" in caplog.text and "could not be journalled" in caplog.text
    assert "5555550123" not in caplog.text


def test_a_status_callback_before_the_record_action_keeps_the_message(
    caller_at: Caller, app_at: object
) -> None:
    caller = caller_at(CLOSED)  # type: ignore[operator]
    reach_a_person(caller)
    assert "Record" in caller.verbs()
    assert caller.twiml is not None
    record = caller.twiml.find("Record")
    assert record is not None
    # Twilio reports the end of the call first, and the recording callback never comes.
    caller.hang_up(duration=40)
    url = f"https://api.twilio.com/2010-04-01/Accounts/AC{'0' * 32}/Recordings/RE{'8' * 32}"
    caller._answer(
        record.attrib["action"], RecordingUrl=url, RecordingDuration="20", RecordingSid="RE" + "8" * 32
    )
    caller._answer(
        record.attrib["action"], RecordingUrl=url, RecordingDuration="20", RecordingSid="RE" + "8" * 32
    )
    app = caller.client.application
    [message] = voicemails(app)
    assert message.recording_sid == "RE" + "8" * 32
    with app.extensions["ivr.db"]() as session:
        call = session.scalar(select(Call))
        assert call is not None and call.outcome == "voicemail"


def test_a_callback_its_webhook_refuses_is_put_aside_and_replay_goes_on(app: Flask) -> None:
    kept = journal.journal_of(app)
    kept.path.parent.mkdir(parents=True, exist_ok=True)
    kept.path.write_bytes(b"not json\n")
    down = Caller(down_line(app).test_client(), call_sid="CA" + "9" * 32)
    down.call()
    down.record(recording_sid="RE" + "9" * 32)
    replayed = journal.replay(app)
    assert (replayed.applied, replayed.rejected, replayed.left) == (2, 1, 0)
    assert len(voicemails(app)) == 1
    assert "0 waiting to be replayed, 1 put aside" in run(app, "status").output
    assert PUBLIC_URL not in kept.rejected_path.read_text()


def test_callers_whose_end_was_never_reported_are_not_counted_ahead(app_at: Callable[..., Flask]) -> None:
    # Three callers wait at 10:00; the database goes away, their calls end, and nobody hears of it.
    before = app_at("2026-11-30T10:00:00-05:00")
    for n in range(3):
        reach_a_person(Caller(before.test_client(), call_sid=f"CA{n:032d}"))
    # Five minutes later, a new caller in line is first: nobody is holding before them.
    after = app_at("2026-11-30T10:05:00-05:00")
    newcomer = Caller(after.test_client(), call_sid="CA" + "e" * 32)
    reach_a_person(newcomer)
    newcomer.wait_in_queue()
    assert "You are number 1 in line." in newcomer.heard_text()
    # One of the three is still there after all: their hold loop asks, and they count again.
    still_there = Caller(after.test_client(), call_sid=f"CA{1:032d}")
    still_there.twiml = newcomer.twiml
    still_there.last_enqueue = newcomer.last_enqueue
    still_there.wait_in_queue()
    assert "You are number 1 in line." in still_there.heard_text()
    # The newcomer's next announcement, a minute later, is honest again.
    newcomer.client = app_at("2026-11-30T10:06:00-05:00").test_client()
    newcomer.wait_in_queue(queue_time=60)
    assert "You are number 2 in line." in newcomer.heard_text()


def test_a_record_action_rendered_during_the_outage_and_retried_after_it_is_applied_once(app: Flask) -> None:
    caller = Caller(app.test_client(), call_sid="CA" + "a" * 32)
    caller.call()
    # The database goes away mid-call: the next answer, rendered without it, carries no step.
    down = Caller(down_line(app).test_client(), call_sid=caller.call_sid)
    down.call()
    assert down.twiml is not None and "Record" in down.verbs()
    record = down.twiml.find("Record")
    assert record is not None and "step=-1" in record.attrib["action"]
    # It is back when the caller finishes, and Twilio delivers the action twice.
    sid = "RE" + "a" * 32
    url = f"https://api.twilio.com/2010-04-01/Accounts/AC{'0' * 32}/Recordings/{sid}"
    for _ in range(2):
        caller._answer(record.attrib["action"], RecordingUrl=url, RecordingDuration="30", RecordingSid=sid)
        assert "Thank you. Your message was saved." in caller.heard_text()
    assert len(voicemails(app)) == 1
    with app.extensions["ivr.db"]() as session:
        recorded = session.scalars(select(CallEvent.event).where(CallEvent.event == "voicemail_recorded"))
        assert len(list(recorded)) == 1


def test_replay_with_the_database_still_away_keeps_everything_and_says_what_to_do(app: Flask) -> None:
    down = down_line(app)
    caller = Caller(down.test_client(), call_sid="CA" + "b" * 32)
    caller.call()
    caller.record(recording_sid="RE" + "b" * 32)
    result = down.test_cli_runner().invoke(args=["ivr", "journal", "replay"])
    assert result.exit_code != 0
    assert "0 replayed, 0 put aside, 2 left" in result.output and "DATABASE_URL" in result.output
    assert "2 waiting to be replayed" in run(app, "status").output
    assert "2 replayed" in run(app, "replay").output


def test_the_scheduler_replays_what_the_journal_kept_when_no_call_comes_to_do_it(app: Flask) -> None:
    down = down_line(app)
    caller = Caller(down.test_client(), call_sid="CA" + "6" * 32)
    caller.call()
    caller.record(seconds=30, recording_sid="RE" + "6" * 32)
    assert voicemails(app) == []

    ran = app.test_cli_runner().invoke(args=["ivr", "jobs", "run", "journal_replay"])
    assert ran.exit_code == 0, ran.output
    assert "2 callback(s) replayed, 0 put aside, 0 left" in ran.output
    [message] = voicemails(app)
    assert message.recording_sid == "RE" + "6" * 32
