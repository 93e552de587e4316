"""An urgent voicemail left while the line is closed reaches the supervisor on call at once, by SMS
and by email, with a link and nothing about the caller; a failed send is retried, never dropped."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from ivr.jobs import urgent_alerts
from ivr.models import Alert, Role, RunResult, Voicemail
from tests.conftest import PUBLIC_URL
from tests.jobs.conftest import (
    A_NUMBER,
    CALLER_NUMBER,
    ON_CALL_EMAIL,
    ON_CALL_SMS,
    WORDS,
    Mailbox,
    add_call,
    context,
)
from tests.jobs.twilio_stand_in import TwilioForJobs
from tests.signing_in import add_person, sign_in

SATURDAY_NIGHT = datetime.fromisoformat("2026-11-28T21:30:00-05:00")


def personal_data_in(text: str) -> list[str]:
    found = [value for value in (CALLER_NUMBER, CALLER_NUMBER[2:], A_NUMBER) if value in text]
    return found + [word for word in WORDS.split() if len(word) > 4 and word.lower() in text.lower()]


def alerts(app: Flask) -> list[Alert]:
    with app.extensions["ivr.db"]() as session:
        return list(session.scalars(select(Alert).order_by(Alert.channel)))


def test_an_urgent_voicemail_on_a_saturday_night_reaches_the_supervisor_on_call_without_personal_data(
    jobs_app: Callable[..., Flask], smtp: tuple[Mailbox, int], twilio_api: TwilioForJobs
) -> None:
    app = jobs_app()
    _, voicemail_id = add_call(app, SATURDAY_NIGHT, voicemail=True, urgent=True)

    done = urgent_alerts.run(context(app, twilio_api))

    assert done.result == RunResult.OK, done.summary
    link = f"{PUBLIC_URL}/console/voicemails#voicemail-{voicemail_id}"
    [sms] = twilio_api.messages()
    assert sms["To"] == ON_CALL_SMS and sms["From"] == "+18883514024"
    assert link in sms["Body"] and "urgent voicemail" in sms["Body"]
    mailbox, _ = smtp
    [email] = mailbox.to(ON_CALL_EMAIL)
    body = Mailbox.text(email)
    assert link in body
    for text in (sms["Body"], body, email["Subject"]):
        assert personal_data_in(text) == []


def test_each_urgent_voicemail_is_alerted_once_however_often_the_job_looks(
    jobs_app: Callable[..., Flask], smtp: tuple[Mailbox, int], twilio_api: TwilioForJobs
) -> None:
    app = jobs_app()
    add_call(app, SATURDAY_NIGHT, voicemail=True, urgent=True)
    for later in range(3):
        urgent_alerts.run(context(app, twilio_api, timedelta(seconds=30 * later)))
    assert len(twilio_api.messages()) == 1
    assert len(smtp[0].messages) == 1


def test_voicemails_left_while_open_or_not_urgent_wait_for_the_operators(
    jobs_app: Callable[..., Flask], smtp: tuple[Mailbox, int], twilio_api: TwilioForJobs
) -> None:
    app = jobs_app()
    add_call(app, SATURDAY_NIGHT, "CA" + "1" * 32, voicemail=True, urgent=True, after_hours=False)
    add_call(app, SATURDAY_NIGHT, "CA" + "2" * 32, voicemail=True, urgent=False)
    urgent_alerts.run(context(app, twilio_api))
    assert twilio_api.messages() == [] and smtp[0].messages == []


def test_a_failed_send_is_retried_with_backoff_and_shown_on_the_board_until_it_goes(
    jobs_app: Callable[..., Flask], twilio_api: TwilioForJobs, smtp: tuple[Mailbox, int]
) -> None:
    app = jobs_app(IVR_ALERT_FAILING_AFTER="2")
    _, voicemail_id = add_call(app, SATURDAY_NIGHT, voicemail=True, urgent=True)
    twilio_api.fail_next(r"^Messages\.json$", 500, times=2)

    first = urgent_alerts.run(context(app, twilio_api))
    assert first.result == RunResult.WARNING
    assert len(smtp[0].messages) == 1  # the email went; the SMS waits for its retry
    [email_alert, sms_alert] = alerts(app)
    assert sms_alert.sent_at is None and sms_alert.attempts == 1 and not sms_alert.failing

    urgent_alerts.run(context(app, twilio_api, timedelta(seconds=10)))  # before its backoff: not tried
    assert len(twilio_api.requests) == 1
    urgent_alerts.run(context(app, twilio_api, timedelta(seconds=31)))  # tried again, fails again
    assert len(twilio_api.requests) == 2
    sms_alert = alerts(app)[1]
    assert sms_alert.attempts == 2 and sms_alert.failing and sms_alert.sent_at is None

    supervisor = add_person(app, "sara.supervisor@example.gov", role=Role.SUPERVISOR)
    browser = app.test_client()
    assert sign_in(browser, supervisor.email).status_code == 302
    board = browser.get("/dashboard/").get_data(as_text=True)
    assert "Alerts to the supervisor on call keep failing" in board
    assert f"#voicemail-{voicemail_id}" in board

    urgent_alerts.run(context(app, twilio_api, timedelta(minutes=5)))  # the third try goes
    assert [m["To"] for m in twilio_api.messages()] == [ON_CALL_SMS] * 3
    assert alerts(app)[1].sent_at is not None and not alerts(app)[1].failing
    assert "keep failing" not in browser.get("/dashboard/").get_data(as_text=True)
    assert len(smtp[0].messages) == 1  # the email was never sent twice


def test_with_nobody_on_call_the_voicemail_is_kept_unalerted_and_the_run_says_why(
    jobs_app: Callable[..., Flask], twilio_api: TwilioForJobs, tmp_path: Path
) -> None:
    empty = tmp_path / "nobody.toml"
    empty.write_text("# nobody yet\n", encoding="utf-8")
    app = jobs_app(IVR_ON_CALL=str(empty))
    add_call(app, SATURDAY_NIGHT, voicemail=True, urgent=True)
    done = urgent_alerts.run(context(app, twilio_api))
    assert done.result == RunResult.FAILED
    assert f"nobody on call: add [on_call] to {empty}" in done.summary
    with app.extensions["ivr.db"]() as session:
        assert session.scalars(select(Voicemail.supervisor_alerted_at)).all() == [None]
