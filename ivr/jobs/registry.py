"""The jobs, each with when it is due: the one list the scheduler and `flask ivr jobs` read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from ivr.clock import EASTERN
from ivr.config import Settings
from ivr.desk.desk import SWEEP_SECONDS
from ivr.jobs import (
    calendar_check,
    daily_summary,
    desk_review,
    journal_replay,
    retention,
    service_levels,
    stale_calls,
    urgent_alerts,
)
from ivr.jobs.context import Context
from ivr.jobs.outcome import Done


@dataclass(frozen=True)
class Job:
    """A job and its rhythm: `when` gives a period (every so long) or a time (daily, the line's zone)."""

    name: str
    description: str
    run: Callable[[Context], Done]
    when: Callable[[Settings], timedelta | time]
    hold_for: timedelta = timedelta(minutes=15)  # a run longer than this is taken to have died

    def rhythm(self, settings: Settings) -> str:
        when = self.when(settings)
        if isinstance(when, timedelta):
            return f"every {int(when.total_seconds())} s"
        return f"daily at {when:%H:%M} Eastern"

    def next_due(self, settings: Settings, after: datetime) -> datetime:
        """When the job is next due after a run at `after`."""
        when = self.when(settings)
        if isinstance(when, timedelta):
            # A little early, so a scheduler's next tick (exactly one period on) always finds it due.
            return after + when * 0.9
        local = after.astimezone(EASTERN)
        moment = datetime.combine(local.date(), when, tzinfo=EASTERN)
        if moment <= local:
            moment = datetime.combine(local.date() + timedelta(days=1), when, tzinfo=EASTERN)
        return moment.astimezone(UTC)  # stored as UTC: SQLite keeps no zone

    def first_due(self, settings: Settings, now: datetime) -> datetime:
        """A polling job is due at once; a daily one at its next time."""
        return now if isinstance(self.when(settings), timedelta) else self.next_due(settings, now)

    def trigger(self, settings: Settings) -> Any:
        """APScheduler's trigger for the rhythm."""
        from apscheduler.triggers.cron import CronTrigger
        from apscheduler.triggers.interval import IntervalTrigger

        when = self.when(settings)
        if isinstance(when, timedelta):
            return IntervalTrigger(seconds=int(when.total_seconds()))
        return CronTrigger(hour=when.hour, minute=when.minute, timezone=EASTERN)


def _seconds(count: int) -> Callable[[Settings], timedelta | time]:
    return lambda _: timedelta(seconds=count)


def _daily(at: time) -> Callable[[Settings], timedelta | time]:
    return lambda _: at


JOBS: tuple[Job, ...] = (
    Job(
        "urgent_alerts",
        "Alert the supervisor on call of urgent voicemails left while the line is closed (SMS, email)",
        urgent_alerts.run,
        lambda settings: timedelta(seconds=settings.jobs.alert_poll_seconds),
    ),
    Job(
        "service_levels",
        "Escalate voicemails not handled within their target, in business hours",
        service_levels.run,
        _seconds(300),
    ),
    Job(
        "stale_calls",
        "Close calls whose end Twilio never reported (asking Twilio first)",
        stale_calls.run,
        _seconds(60),
    ),
    Job(
        "desk_review",
        "Free operators whose wrap-up ran out; give up offers whose callbacks were lost",
        desk_review.run,
        _seconds(SWEEP_SECONDS),
    ),
    Job(
        "retention",
        "Delete personal data and recordings older than the retention period",
        retention.run,
        _daily(time(3, 0)),
        hold_for=timedelta(hours=2),
    ),
    Job(
        "daily_summary",
        "Email the supervisors the previous day's numbers",
        daily_summary.run,
        lambda settings: settings.jobs.daily_summary_at,
    ),
    Job(
        "calendar_check",
        "Warn of a calendar without holidays, or a closure some caller would not understand",
        calendar_check.run,
        _daily(time(6, 0)),
    ),
    Job(
        "journal_replay",
        "Deliver again the callbacks (voicemails, call ends) kept while the database was away",
        journal_replay.run,
        _seconds(60),
    ),
)


def job_named(name: str) -> Job | None:
    return next((job for job in JOBS if job.name == name), None)
