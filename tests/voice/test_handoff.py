"""Open or closed, the caller reaches the queue or leaves a voicemail; nothing is lost or doubled."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from xml.etree import ElementTree

import pytest
from flask import Flask
from sqlalchemy import func, select

from ivr.calls.queue import RecentWaits, load_waiting
from ivr.config import PROJECT_ROOT
from ivr.journey.subjects import CallerType, Subject
from ivr.models import Call, QueueEntry, Voicemail
from ivr.routing import PRIORITIES, order_key, priority_of
from tests.conftest import PUBLIC_URL, Caller, the_call

STILL_IN_LINE = "You are still in line. Please stay on the line."


def report_assault(caller: Caller, language: str = "1") -> None:
    caller.call()
    caller.press(language)
    caller.press("1")  # abuse or an assault: the first option after the language


def count(app: Flask, model: type) -> int:
    with app.extensions["ivr.db"]() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.mark.parametrize(
    ("moment", "is_open"),
    [
        ("2026-11-30T07:59:59-05:00", False),
        ("2026-11-30T08:00:00-05:00", True),
        ("2026-11-30T19:59:59-05:00", True),
        ("2026-11-30T20:00:00-05:00", False),
        ("2026-11-28T10:00:00-05:00", False),  # a Saturday
        ("2026-07-03T10:00:00-04:00", False),  # Independence Day, observed on Friday
        # DST begins Sunday 2026-03-08: 8 a.m. EDT on Monday is 12:00 UTC.
        ("2026-03-09T11:59:59+00:00", False),
        ("2026-03-09T12:00:00+00:00", True),
        # DST ends Sunday 2026-11-01: 8 a.m. EST on Monday is 13:00 UTC.
        ("2026-11-02T12:59:59+00:00", False),
        ("2026-11-02T13:00:00+00:00", True),
        ("2026-11-03T00:59:59+00:00", True),  # 7:59:59 p.m. EST
        ("2026-11-03T01:00:00+00:00", False),
    ],
)
def test_hand_off_follows_the_hours(caller_at: Callable[..., Caller], moment: str, is_open: bool) -> None:
    caller = caller_at(moment)
    report_assault(caller)
    assert ("Enqueue" in caller.verbs()) is is_open
    assert ("Record" in caller.verbs()) is not is_open


def test_closed_on_a_holiday_says_which_and_when_the_line_opens(caller_at: Callable[..., Caller]) -> None:
    caller = caller_at("2026-11-26T10:00:00-05:00")  # Thanksgiving
    report_assault(caller)
    heard = caller.heard_text()
    assert "Today is Thanksgiving Day, a federal holiday." in heard
    assert "The line opens again on Friday, November 27, at 8 AM Eastern Time." in heard
    assert "You have 5 minutes. Press the pound key when you are finished." in heard


def test_closed_message_in_spanish_says_the_day_in_spanish(caller_at: Callable[..., Caller]) -> None:
    caller = caller_at("2026-07-03T10:00:00-04:00")
    report_assault(caller, language="2")
    heard = caller.heard_text()
    assert "Hoy es el Día de la Independencia, un día feriado federal." in heard
    assert "La línea vuelve a abrir el lunes, 6 de julio, a las 8 a.m., hora del Este." in heard


def test_closed_on_friday_night_opens_monday(caller_at: Callable[..., Caller]) -> None:
    caller = caller_at("2026-11-27T20:30:00-05:00")
    report_assault(caller)
    # One clock style in a sentence, and the hours are the schedule's (schedules/hours.toml).
    assert "Operators answer Monday to Friday, 8 AM to 8 PM Eastern Time" in caller.heard_text()
    assert "The line opens again on Monday, November 30, at 8 AM Eastern Time." in caller.heard_text()


def test_before_opening_the_line_opens_again_today(caller_at: Callable[..., Caller]) -> None:
    caller = caller_at("2026-11-30T06:30:00-05:00")  # a Monday, before 8
    report_assault(caller)
    assert "The line opens again today at 8 AM Eastern Time." in caller.heard_text()
    assert "on Monday, November 30" not in caller.heard_text()


def test_hours_changed_in_the_schedule_are_the_hours_callers_hear(
    caller_at: Callable[..., Caller], tmp_path: Path
) -> None:
    shipped = (PROJECT_ROOT / "schedules" / "hours.toml").read_text(encoding="utf-8")
    changed = tmp_path / "hours.toml"
    changed.write_text(shipped.replace('"08:00"', '"09:00"').replace('"20:00"', '"19:30"'), encoding="utf-8")
    caller = caller_at("2026-11-27T20:30:00-05:00", IVR_SCHEDULE=str(changed))
    report_assault(caller, language="2")
    heard = caller.heard_text()
    assert "de 9 a.m. a 7:30 p.m., hora del Este" in heard
    assert "La línea vuelve a abrir el lunes, 30 de noviembre, a las 9 a.m., hora del Este." in heard


def test_record_is_bounded_and_ends_with_pound(caller_at: Callable[..., Caller]) -> None:
    caller = caller_at("2026-11-28T10:00:00-05:00")
    report_assault(caller)
    assert caller.twiml is not None
    record = caller.twiml.find("Record")
    assert record is not None
    assert record.attrib["finishOnKey"] == "#"
    assert record.attrib["maxLength"] == "300"
    assert record.attrib["recordingStatusCallback"].endswith("/voice/voicemail/recording")


def test_a_voicemail_is_one_work_item_however_often_twilio_repeats(
    caller_at: Callable[..., Caller],
) -> None:
    caller = caller_at("2026-11-28T10:00:00-05:00")
    app = caller.client.application
    report_assault(caller)
    record_twiml = caller.twiml
    caller.record(seconds=42)
    assert "Your message was saved." in caller.heard_text()
    # Twilio repeats the recording callback and the Record action.
    url = f"https://api.twilio.com/2010-04-01/Accounts/AC{'0' * 32}/Recordings/RE{'4' * 32}"
    caller.recording_callback("/voice/voicemail/recording", "RE" + "4" * 32, url, 42)
    caller.recording_callback("/voice/voicemail/recording", "RE" + "4" * 32, url, 42)
    caller.twiml = record_twiml
    caller.record(seconds=42)
    assert "Your message was saved." in caller.heard_text()
    assert count(app, Voicemail) == 1
    with app.extensions["ivr.db"]() as session:
        voicemail = session.scalar(select(Voicemail))
        assert voicemail is not None
        assert (voicemail.subject, voicemail.priority, voicemail.urgent) == ("assault", 1, True)
        assert voicemail.left_after_hours and str(voicemail.work_on) == "2026-11-30"
        assert voicemail.duration_seconds == 42 and voicemail.language == "en"
    caller.hang_up()
    assert the_call(app, caller).outcome == "voicemail"


def test_silence_at_the_tone_is_asked_again_once(caller_at: Callable[..., Caller]) -> None:
    caller = caller_at("2026-11-28T10:00:00-05:00")
    report_assault(caller)
    assert caller.twiml is not None
    redirect = caller.twiml.find("Redirect")
    assert redirect is not None and redirect.text
    caller._answer(redirect.text)
    assert "I did not hear a message." in caller.heard_text()
    assert "Record" in caller.verbs()
    caller._answer(caller.twiml.find("Redirect").text)  # type: ignore[union-attr]
    assert caller.verbs()[-1] == "Hangup"


def test_recording_callback_without_a_call_record_still_keeps_the_message(app: Flask, caller: Caller) -> None:
    url = f"https://api.twilio.com/2010-04-01/Accounts/AC{'0' * 32}/Recordings/RE{'5' * 32}"
    caller.recording_callback("/voice/voicemail/recording", "RE" + "5" * 32, url, 30)
    assert count(app, Voicemail) == 1


def test_queue_entry_is_real_with_priority_and_position(app: Flask) -> None:
    general = Caller(app.test_client(), call_sid="CA" + "a" * 32)
    general.call()
    general.press("1")
    general.press("4")  # anything else
    general.press("6")  # another question
    general.press("4")  # anyone else
    urgent = Caller(app.test_client(), call_sid="CA" + "b" * 32)
    report_assault(urgent)
    general.wait_in_queue()
    assert "You are number 2 in line." in general.heard_text()
    assert "To leave a message instead, press 1 at any time." in general.heard_text()
    urgent.wait_in_queue()
    assert "You are number 1 in line." in urgent.heard_text()
    with app.extensions["ivr.db"]() as session:
        entries = {e.call.call_sid: e for e in session.scalars(select(QueueEntry))}
        assert entries[urgent.call_sid].priority == 1
        assert entries[general.call_sid].priority == 3
        assert entries[general.call_sid].last_position == 2


def test_enqueue_sets_an_explicit_max_size_and_a_wait_loop(caller: Caller) -> None:
    report_assault(caller)
    enqueue = caller.enqueue()
    assert enqueue.attrib["maxQueueSize"] == "200"
    assert enqueue.attrib["waitUrl"].endswith("/voice/queue/wait")
    caller.wait_in_queue()
    gather = caller.gather()
    assert gather.attrib["numDigits"] == "1"
    # The safety notice and the route outside first, then the place in line, then music (no dead air).
    assert [child.tag for child in gather] == ["Say", "Say", "Say", "Say", "Play"]
    assert caller.heard()[0].startswith("If you or someone else is in danger right now")


def test_the_safety_notice_is_said_on_the_first_hold_loop_only(caller: Caller) -> None:
    report_assault(caller)
    assert "in danger right now" not in caller.heard_text()  # not on the way: the caller is in line first
    caller.wait_in_queue()
    assert "in danger right now" in caller.heard_text()
    caller.wait_in_queue()
    assert "in danger right now" not in caller.heard_text()


def test_estimated_wait_comes_from_recently_answered_callers(app: Flask) -> None:
    answered = Caller(app.test_client(), call_sid="CA" + "c" * 32)
    report_assault(answered)
    answered.leave_queue("bridged", queue_time=400)
    waiting = Caller(app.test_client(), call_sid="CA" + "d" * 32)
    report_assault(waiting)
    waiting.wait_in_queue(queue_time=100)
    assert "You are number 1 in line. The wait is about 5 minutes." in waiting.heard_text()


def test_estimated_wait_is_read_again_once_a_minute(app: Flask) -> None:
    recent, opened = RecentWaits(), datetime.fromisoformat("2026-11-30T10:00:00-05:00")  # the app's clock
    with app.extensions["ivr.engine"].connect() as connection:
        assert recent.typical_wait(connection, "operators", opened) is None
        answered = Caller(app.test_client(), call_sid="CA" + "c" * 32)
        report_assault(answered)
        answered.leave_queue("bridged", queue_time=400)
        assert recent.typical_wait(connection, "operators", opened + timedelta(seconds=59)) is None
        assert recent.typical_wait(connection, "operators", opened + timedelta(seconds=60)) == 400


def test_no_estimate_without_recent_answers(caller: Caller) -> None:
    report_assault(caller)
    caller.wait_in_queue()
    assert "The wait is about" not in caller.heard_text()


def test_position_is_not_repeated_every_loop(caller: Caller) -> None:
    report_assault(caller)
    caller.wait_in_queue(queue_time=5)
    assert caller.heard()
    caller.wait_in_queue(queue_time=20)
    assert caller.heard() == [STILL_IN_LINE]  # no position again: only that they are still in line


def test_long_wait_offers_voicemail(app_at: Callable[..., Flask]) -> None:
    app = app_at("2026-11-30T10:00:00-05:00", IVR_MAX_QUEUE_WAIT="600")
    caller = Caller(app.test_client())
    report_assault(caller)
    caller.wait_in_queue(queue_time=650)
    assert "To leave a message now, press 1." in caller.heard_text()


def test_pressing_1_in_the_queue_leaves_a_voicemail(app: Flask, caller: Caller) -> None:
    report_assault(caller)
    enqueue = caller.enqueue()
    caller.wait_in_queue()
    caller._answer(caller.gather().attrib["action"], "queue_wait", Digits="1")
    assert caller.verbs() == ["Leave"]
    caller.twiml = enqueue_parent(enqueue)
    caller.leave_queue("leave")
    assert "You can leave a message." in caller.heard_text()
    assert "Our operators are not available" not in caller.heard_text()  # the line is open
    caller.record()
    caller.hang_up()
    call = the_call(app, caller)
    assert call.outcome == "voicemail"
    with app.extensions["ivr.db"]() as session:
        entry = session.scalar(select(QueueEntry))
        assert entry is not None and entry.result == "leave" and entry.left_at is not None


def enqueue_parent(enqueue):  # type: ignore[no-untyped-def]
    from xml.etree import ElementTree

    response = ElementTree.Element("Response")
    response.append(enqueue)
    return response


def test_answered_call_is_recorded_with_its_wait(app: Flask, caller: Caller) -> None:
    report_assault(caller)
    caller.leave_queue("bridged", queue_time=75)
    assert "Thank you for calling. Goodbye." in caller.heard()
    caller.hang_up()
    call = the_call(app, caller)
    assert call.outcome == "answered" and call.duration_seconds == 95
    with app.extensions["ivr.db"]() as session:
        entry = session.scalar(select(QueueEntry))
        assert entry is not None and entry.wait_seconds == 75


def test_full_queue_apologises_and_takes_a_message(caller: Caller) -> None:
    report_assault(caller)
    caller.leave_queue("queue-full")
    assert "we cannot connect you to an operator right now" in caller.heard_text()
    assert "Record" in caller.verbs()


@pytest.mark.parametrize(
    ("presses", "outcome"),
    [([], "abandoned_in_menu"), (["1"], "abandoned_in_menu"), (["1", "1"], "abandoned_in_queue")],
)
def test_hang_ups_are_recorded_as_what_they_are(
    app: Flask, caller: Caller, presses: list[str], outcome: str
) -> None:
    caller.call()
    for key in presses:
        caller.press(key)
    caller.hang_up()
    caller.hang_up()  # Twilio may repeat the status callback
    call = the_call(app, caller)
    assert call.outcome == outcome and call.final_status == "completed"


def test_hang_up_in_the_queue_leaves_the_queue(app: Flask, caller: Caller) -> None:
    report_assault(caller)
    caller.leave_queue("hangup")
    caller.hang_up()
    with app.extensions["ivr.db"]() as session:
        entry = session.scalar(select(QueueEntry))
        assert entry is not None and entry.result == "hangup"
    assert the_call(app, caller).outcome == "abandoned_in_queue"


def test_hang_up_in_voicemail(caller_at: Callable[..., Caller]) -> None:
    caller = caller_at("2026-11-28T10:00:00-05:00")
    report_assault(caller)
    caller.hang_up()
    assert the_call(caller.client.application, caller).outcome == "abandoned_in_voicemail"


def test_a_failed_recording_is_logged_as_an_error(caller: Caller, caplog: pytest.LogCaptureFixture) -> None:
    url = f"https://api.twilio.com/2010-04-01/Accounts/AC{'0' * 32}/Recordings/RE{'6' * 32}"
    caller._answer(
        "/voice/voicemail/recording",
        "callback",
        RecordingSid="RE" + "6" * 32,
        RecordingUrl=url,
        RecordingStatus="failed",
        RecordingDuration="0",
    )
    assert any(r.levelname == "ERROR" and "recording failed" in r.getMessage() for r in caplog.records)


def test_a_caller_waiting_long_enough_goes_ahead_of_more_urgent_newcomers(app: Flask) -> None:
    # Every five minutes of waiting raises a caller one level (call-flow.md step 7).
    now = datetime.fromisoformat("2026-11-30T10:00:00-05:00")
    waited = {"general, 11 min": (3, 660), "detained, 1 min": (2, 60), "urgent, now": (1, 0)}
    entries = {name: (priority, now - timedelta(seconds=s)) for name, (priority, s) in waited.items()}
    positions = queue_positions(app, now, entries)
    # Levels: 3 - 2 periods = 1, 2 - 0 = 2, 1: the general caller came first among level 1.
    assert positions == {"general, 11 min": 1, "urgent, now": 2, "detained, 1 min": 3}


def test_the_database_counts_positions_as_the_aging_rule_orders_them(app: Flask) -> None:
    # Many callers of every priority, some on the five-minute boundaries, some at the same instant,
    # some gone, some in another queue: each one's position is what routing.order_key says.
    every_priority = {priority_of(s, t) for s in [*Subject, None] for t in [*CallerType, None]}
    assert every_priority == set(PRIORITIES)  # the count covers every priority a caller can have
    rng, now = random.Random(7), datetime.fromisoformat("2026-11-30T10:00:00-05:00")
    entries: dict[str, tuple[int, datetime]] = {}
    for index in range(70):
        seconds = rng.choice([0, 299, 300, 301, 600, 900, 1200, rng.randrange(0, 1500)])
        entries[f"caller {index}"] = (rng.choice(PRIORITIES), now - timedelta(seconds=seconds))
    positions = queue_positions(app, now, entries, gone={"caller 3", "caller 9"}, elsewhere={"caller 5"})
    waiting = {
        name: order_key(priority, moment, index, now)
        for index, (name, (priority, moment)) in enumerate(entries.items(), start=1)
        if name not in {"caller 3", "caller 9", "caller 5"}
    }
    expected = {name: 1 + sum(other < key for other in waiting.values()) for name, key in waiting.items()}
    assert positions == expected
    assert sorted(positions.values()) == list(range(1, len(waiting) + 1))


def queue_positions(
    app: Flask,
    now: datetime,
    entries: dict[str, tuple[int, datetime]],
    gone: set[str] = frozenset(),  # type: ignore[assignment]
    elsewhere: set[str] = frozenset(),  # type: ignore[assignment]
) -> dict[str, int]:
    """Put callers in line (ids in the order given), then ask each waiting one's position."""
    with app.extensions["ivr.db"]() as session:
        for name, (priority, moment) in entries.items():
            call = Call(call_sid=name, started_at=moment, state="QUEUED", step=1)
            call.queue_entry = QueueEntry(
                queue_name="elsewhere" if name in elsewhere else "operators",
                priority=priority,
                enqueued_at=moment,
                left_at=now if name in gone else None,
            )
            session.add(call)
            session.flush()
        session.commit()
    positions = {}
    with app.extensions["ivr.webhook_engine"].connect() as connection:
        for name in entries:
            if name in gone or name in elsewhere:
                continue
            call, positions[name] = load_waiting(connection, name, now)
            assert call is not None and call.queue_entry is not None
    return positions


def test_between_intervals_a_waiting_caller_hears_only_a_better_place(app: Flask) -> None:
    general = Caller(app.test_client(), call_sid="CA" + "e" * 32)
    general.call()
    general.press("1")
    general.press("4")
    general.press("6")
    general.press("4")
    urgent = Caller(app.test_client(), call_sid="CA" + "f" * 32)
    report_assault(urgent)
    general.wait_in_queue(queue_time=5)
    assert "You are number 2 in line." in general.heard_text()
    urgent.wait_in_queue(queue_time=5)
    urgent.leave_queue("bridged")
    general.wait_in_queue(queue_time=20)
    assert "You are number 1 in line." in general.heard_text()  # news: they moved up
    latecomer = Caller(app.test_client(), call_sid="CA" + "9" * 32)
    report_assault(latecomer)
    general.wait_in_queue(queue_time=25)
    assert general.heard() == [STILL_IN_LINE]  # pushed back by an urgent call: no news to tell
    latecomer.leave_queue("bridged")
    general.wait_in_queue(queue_time=30)
    assert general.heard() == [STILL_IN_LINE]  # number 1 again: they were told that already


def test_a_schedule_open_on_saturday_makes_the_prompts_check_ask_for_new_wording(
    caller_at: Callable[..., Caller], tmp_path: Path, app: Flask
) -> None:
    assert app.extensions["ivr.line"].hours_problems() == []
    shipped = (PROJECT_ROOT / "schedules" / "hours.toml").read_text(encoding="utf-8")
    changed = tmp_path / "hours.toml"
    saturday = (
        'friday    = { open = "08:00", close = "20:00" }\nsaturday  = { open = "10:00", close = "14:00" }'
    )
    changed.write_text(
        shipped.replace('friday    = { open = "08:00", close = "20:00" }', saturday), encoding="utf-8"
    )
    caller = caller_at("2026-11-27T20:30:00-05:00", IVR_SCHEDULE=str(changed))
    problems = caller.client.application.extensions["ivr.line"].hours_problems()
    assert len(problems) == 1 and "opening_hours" in problems[0]


def test_a_call_ended_before_its_recording_is_reported_is_still_a_voicemail(
    caller_at: Callable[..., Caller],
) -> None:
    caller = caller_at("2026-11-28T10:00:00-05:00")
    app = caller.client.application
    report_assault(caller)
    assert caller.twiml is not None
    record = caller.twiml.find("Record")
    assert record is not None
    # The caller hangs up after speaking: Twilio's status callback comes first, then the recording's.
    caller.hang_up()
    assert the_call(app, caller).outcome == "abandoned_in_voicemail"
    url = f"https://api.twilio.com/2010-04-01/Accounts/AC{'0' * 32}/Recordings/RE{'6' * 32}"
    caller.recording_callback(record.attrib["recordingStatusCallback"], "RE" + "6" * 32, url, 25)
    assert the_call(app, caller).outcome == "voicemail"
    assert count(app, Voicemail) == 1


def test_a_repeated_hang_up_in_the_queue_gets_the_same_empty_answer(caller: Caller) -> None:
    report_assault(caller)
    action = caller.enqueue().attrib["action"]
    first = caller.leave_queue("hangup")
    assert first.find("*") is None  # nothing to say to nobody
    # Twilio repeats the request: the same (empty) answer, not the queue's from the step before.
    again = caller._answer(action, QueueResult="hangup", QueueSid="QU" + "3" * 32, QueueTime="40")
    assert ElementTree.tostring(again) == ElementTree.tostring(first)


def test_between_announcements_the_caller_hears_they_are_still_in_line_and_music(
    app: Flask, caller: Caller
) -> None:
    caller.call()
    caller.press("2")
    caller.press("1")
    caller.wait_in_queue()
    assert "Usted es el número 1 en la fila." in caller.heard_text()
    caller.wait_in_queue()  # moments later: nothing new to announce
    gather = caller.gather()
    assert [child.tag for child in gather] == ["Say", "Play"]
    assert caller.heard() == ["Sigue en la fila. Por favor, no cuelgue."]
    music = gather.find("Play")
    assert music is not None and music.text
    served = app.test_client().get(music.text.removeprefix(PUBLIC_URL))
    assert served.status_code == 200 and served.mimetype == "audio/wav" and len(served.data) > 100_000
    served.close()
