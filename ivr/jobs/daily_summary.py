"""Each morning, the previous day's numbers by email to the supervisors: counts only, no personal data."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ivr.clock import EASTERN
from ivr.db import session_scope
from ivr.jobs.context import Context
from ivr.jobs.on_call import load_supervisors
from ivr.jobs.outcome import Done
from ivr.models import Alert, Call, QueueEntry, RunResult, Voicemail


def run(context: Context) -> Done:
    supervisors = load_supervisors(context.settings.jobs.on_call_path)
    day = context.now.astimezone(EASTERN).date() - timedelta(days=1)
    with session_scope(context.app) as session:
        text = summary(session, day, context.now)
    if not supervisors.emails:
        return Done(
            RunResult.FAILED,
            f"nobody to send the summary to: add [supervisors] email to {context.settings.jobs.on_call_path}",
        )
    context.send_email(list(supervisors.emails), f"DRIL line: the numbers for {day:%A %B %d, %Y}", text)
    return Done(RunResult.OK, f"summary of {day} sent to {len(supervisors.emails)} address(es)")


def summary(session: Session, day: date, now: datetime) -> str:
    """The day's numbers as a short plain-text email."""
    # Bounds in the zone the line's clock gives (UTC live), as the times were stored.
    start = datetime.combine(day, time(0), tzinfo=EASTERN).astimezone(now.tzinfo)
    end = start + timedelta(days=1)
    calls = session.execute(
        select(Call.outcome, func.count())
        .where(Call.started_at >= start, Call.started_at < end)
        .group_by(Call.outcome)
    ).all()
    by_outcome = {outcome or "still open": count for outcome, count in calls}
    queue = session.execute(
        select(func.count(), func.avg(QueueEntry.wait_seconds), func.max(QueueEntry.wait_seconds)).where(
            QueueEntry.enqueued_at >= start, QueueEntry.enqueued_at < end, QueueEntry.result == "bridged"
        )
    ).one()
    voicemails = session.execute(
        select(func.count(), func.count().filter(Voicemail.urgent.is_(True))).where(
            Voicemail.created_at >= start, Voicemail.created_at < end
        )
    ).one()
    still_open = session.scalar(select(func.count()).where(Voicemail.closed_at.is_(None))) or 0
    failing = (
        session.scalar(select(func.count()).where(Alert.sent_at.is_(None), Alert.failing.is_(True))) or 0
    )
    lines = [
        f"The line's numbers for {day:%A %B %d, %Y} (Eastern time).",
        "",
        f"Calls: {sum(by_outcome.values())}",
        *(f"  {outcome.replace('_', ' ')}: {count}" for outcome, count in sorted(by_outcome.items())),
        f"Callers connected to an operator: {queue[0]}",
        f"  average wait: {round(queue[1] or 0)} s; longest: {queue[2] or 0} s",
        f"Voicemails left: {voicemails[0]} (urgent: {voicemails[1]})",
        f"Voicemails not yet closed, all days: {still_open}",
    ]
    if failing:
        lines.append(f"Alerts to supervisors that keep failing: {failing} (see the dashboard)")
    return "\n".join(lines) + "\n"
