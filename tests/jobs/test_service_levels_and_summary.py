"""Voicemails past their target in business hours are escalated to the supervisors; each morning
the supervisors get the previous day's numbers; neither carries personal data."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from flask import Flask

from ivr.jobs import daily_summary, service_levels
from ivr.jobs.service_levels import open_seconds
from ivr.models import Role, RunResult
from tests.jobs.conftest import SUPERVISORS, Mailbox, add_call, context
from tests.jobs.test_urgent_alerts import personal_data_in
from tests.jobs.twilio_stand_in import TwilioForJobs
from tests.signing_in import add_person, sign_in

FRIDAY_7PM = datetime.fromisoformat("2026-11-27T19:00:00-05:00")


def test_business_hours_skip_the_weekend(jobs_app: Callable[..., Flask]) -> None:
    schedule = jobs_app().extensions["ivr.line"].schedule
    monday = datetime.fromisoformat("2026-11-30T08:30:00-05:00")
    assert open_seconds(schedule, FRIDAY_7PM, monday) == 1.5 * 3600  # Friday 7-8 PM, Monday 8-8:30 AM


def test_an_urgent_voicemail_from_friday_evening_is_late_on_monday_morning_in_business_hours(
    jobs_app: Callable[..., Flask], smtp: tuple[Mailbox, int], twilio_api: TwilioForJobs
) -> None:
    mailbox = smtp[0]
    monday_830 = jobs_app("2026-11-30T08:30:00-05:00", IVR_VOICEMAIL_TARGET_HOURS="1=2,2=8,3=16")
    _, voicemail_id = add_call(monday_830, FRIDAY_7PM - timedelta(minutes=2), voicemail=True, urgent=True)
    assert service_levels.run(context(monday_830, twilio_api)).summary.startswith("0 voicemail")
    assert mailbox.messages == []  # 1.5 business hours of 2: not late, though 61 hours have passed

    service_levels.run(context(monday_830, twilio_api, timedelta(hours=1)))
    [email] = mailbox.to(SUPERVISORS)
    assert f"#voicemail-{voicemail_id}" in Mailbox.text(email) and "2 business hours" in Mailbox.text(email)
    assert personal_data_in(Mailbox.text(email)) == []
    service_levels.run(context(monday_830, twilio_api, timedelta(hours=2)))
    assert len(mailbox.messages) == 1  # escalated once

    supervisor = add_person(monday_830, "sara.supervisor@example.gov", role=Role.SUPERVISOR)
    browser = monday_830.test_client()
    assert sign_in(browser, supervisor.email).status_code == 302
    board = browser.get("/dashboard/").get_data(as_text=True)
    assert f"#voicemail-{voicemail_id}" in board


def test_the_daily_summary_gives_yesterdays_numbers_without_personal_data(
    jobs_app: Callable[..., Flask], smtp: tuple[Mailbox, int], twilio_api: TwilioForJobs
) -> None:
    app = jobs_app("2026-11-30T07:00:00-05:00")
    sunday = datetime.fromisoformat("2026-11-29T15:00:00-05:00")
    add_call(app, sunday, "CA" + "1" * 32, voicemail=True, urgent=True)
    add_call(app, sunday + timedelta(hours=1), "CA" + "2" * 32, voicemail=True)
    add_call(app, sunday - timedelta(days=2), "CA" + "3" * 32)  # Friday: not counted

    done = daily_summary.run(context(app, twilio_api))

    assert done.result == RunResult.OK
    [email] = smtp[0].to(SUPERVISORS)
    text = Mailbox.text(email)
    assert "Sunday November 29, 2026" in email["Subject"]
    assert "Calls: 2\n" in text and "  voicemail: 2\n" in text
    assert "Voicemails left: 2 (urgent: 1)" in text
    assert personal_data_in(text) == []
