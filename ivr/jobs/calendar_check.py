"""Daily: warn the supervisors when the hours file has no holidays for the coming year, or a closure
coming up that some caller would not hear in their language (the check `check-hours` makes)."""

from __future__ import annotations

from datetime import date, timedelta

from ivr.clock import EASTERN
from ivr.jobs.context import Context
from ivr.jobs.on_call import load_supervisors
from ivr.jobs.outcome import Done
from ivr.line import closure_problems
from ivr.models import RunResult
from ivr.rules.hours import Schedule

AHEAD_DAYS = 365


def days_off_ahead(schedule: Schedule, today: date) -> int:
    """Holidays and closures in the coming year."""
    closed = {
        closure.first_day + timedelta(days=offset)
        for closure in schedule.closures
        for offset in range((closure.last_day - closure.first_day).days + 1)
    }
    days = (today + timedelta(days=offset) for offset in range(AHEAD_DAYS))
    return sum(1 for day in days if day in closed or schedule.holiday_on(day))


def warnings(context: Context) -> list[str]:
    schedule = context.line.schedule
    today = context.now.astimezone(EASTERN).date()
    found = []
    if days_off_ahead(schedule, today) == 0:
        found.append(
            f"{schedule.path}: no holiday or closure in the coming year: set [holidays] calendar = "
            '"us_federal", or add each day off as a [[closure]].'
        )
    return found + closure_problems(schedule, context.line.audio, today)


def run(context: Context) -> Done:
    found = warnings(context)
    if not found:
        return Done(RunResult.OK, "the calendar has holidays for the coming year; every closure is spoken")
    supervisors = load_supervisors(context.settings.jobs.on_call_path)
    sent = ""
    if supervisors.emails:
        context.send_email(
            list(supervisors.emails),
            "DRIL line: the hours file needs attention",
            "The line's calendar check found:\n\n" + "\n\n".join(found) + "\n",
        )
        sent = f"; sent to {len(supervisors.emails)} address(es)"
    return Done(RunResult.WARNING, " | ".join(found) + sent)
