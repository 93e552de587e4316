"""Voicemails not handled within their target are escalated to the supervisors, by email and on the board.

A target is in the line's business hours (schedules/hours.toml), per priority
(IVR_VOICEMAIL_TARGET_HOURS): a message left on Friday night is not late on Saturday.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from ivr.db import session_scope
from ivr.jobs import alerts
from ivr.jobs.context import Context
from ivr.jobs.on_call import load_supervisors
from ivr.jobs.outcome import Done
from ivr.jobs.urgent_alerts import VOICEMAIL_PAGE
from ivr.models import Alert, AlertChannel, AlertKind, RunResult, Voicemail
from ivr.rules.hours import Schedule


def open_seconds(schedule: Schedule, start: datetime, end: datetime) -> float:
    """The seconds the line is open between `start` and `end`."""
    total, moment = 0.0, start
    while moment < end:
        status = schedule.status_at(moment)
        if status.is_open and status.closes_at is not None:
            until = min(status.closes_at, end)
            total += (until - moment).total_seconds()
            moment = until
        elif status.next_opening is not None:
            moment = status.next_opening
        else:
            break
    return total


def target_hours(context: Context, priority: int) -> float:
    targets = dict(context.settings.jobs.voicemail_target_hours)
    return targets.get(priority, max(targets.values()))


def run(context: Context) -> Done:
    supervisors = load_supervisors(context.settings.jobs.on_call_path)
    now, schedule = context.now, context.line.schedule
    soonest = min(hours for _, hours in context.settings.jobs.voicemail_target_hours)
    late = 0
    with session_scope(context.app) as session:
        escalated = select(Alert.voicemail_id).where(Alert.kind == AlertKind.SERVICE_LEVEL)
        candidates = session.scalars(
            select(Voicemail).where(
                Voicemail.closed_at.is_(None),
                Voicemail.purged_at.is_(None),
                Voicemail.created_at <= now - timedelta(hours=soonest),  # not late yet in any case
                Voicemail.id.not_in(escalated),
            )
        ).all()
        for voicemail in candidates:
            created = voicemail.created_at
            created = created if created.tzinfo else created.replace(tzinfo=now.tzinfo)
            if open_seconds(schedule, created, now) < target_hours(context, voicemail.priority) * 3600:
                continue
            late += 1
            for email in supervisors.emails:
                alerts.queue(session, voicemail, AlertKind.SERVICE_LEVEL, AlertChannel.EMAIL, email, now)
    delivery = alerts.deliver(context, AlertKind.SERVICE_LEVEL, lambda v, _: message(context, v))
    summary = f"{late} voicemail(s) newly past their target; escalations {delivery}"
    if late and not supervisors.emails:
        return Done(
            RunResult.FAILED,
            f"{summary}; nobody to tell: add [supervisors] email to {context.settings.jobs.on_call_path}",
        )
    return Done(RunResult.WARNING if delivery.failed else RunResult.OK, summary)


def message(context: Context, voicemail: Voicemail) -> tuple[str, str]:
    hours = target_hours(context, voicemail.priority)
    link = context.console_url(VOICEMAIL_PAGE.format(id=voicemail.id))
    return (
        f"Voicemail {voicemail.id} past its service level",
        f"Voicemail {voicemail.id} (priority {voicemail.priority}) has not been handled within its "
        f"target of {hours:g} business hours. Open it in the console: {link}",
    )
