"""Urgent voicemails left while the line is closed: the supervisor on call is told at once, by SMS and email.

Polled every IVR_ALERT_POLL_SECONDS. Each voicemail's alerts are queued once (ivr/jobs/alerts.py)
and sent, failed ones retried. A message says only that an urgent voicemail is waiting and links to
it in the console: no number, no A-number, no words of the caller's.
"""

from __future__ import annotations

from sqlalchemy import select

from ivr.clock import EASTERN
from ivr.db import session_scope
from ivr.jobs import alerts
from ivr.jobs.context import Context
from ivr.jobs.on_call import load_supervisors
from ivr.jobs.outcome import Done
from ivr.models import AlertChannel, AlertKind, RunResult, Voicemail

# A voicemail in the console's list, where an operator or supervisor claims it to listen.
VOICEMAIL_PAGE = "/console/voicemails#voicemail-{id}"


def run(context: Context) -> Done:
    supervisors = load_supervisors(context.settings.jobs.on_call_path)
    now = context.now
    unqueued = 0
    with session_scope(context.app) as session:
        waiting = session.scalars(
            select(Voicemail).where(
                Voicemail.urgent.is_(True),
                Voicemail.left_after_hours.is_(True),
                Voicemail.supervisor_alerted_at.is_(None),
            )
        ).all()
        person = supervisors.on_call_on(now.astimezone(EASTERN).date())
        for voicemail in waiting:
            if person is None:
                unqueued += 1  # left unalerted: the next run tries again, the board shows it
                continue
            if person.sms:
                alerts.queue(
                    session, voicemail, AlertKind.URGENT_VOICEMAIL, AlertChannel.SMS, person.sms, now
                )
            if person.email:
                alerts.queue(
                    session, voicemail, AlertKind.URGENT_VOICEMAIL, AlertChannel.EMAIL, person.email, now
                )
            voicemail.supervisor_alerted_at = now  # its alerts are queued: sent below, or retried
    delivery = alerts.deliver(context, AlertKind.URGENT_VOICEMAIL, lambda v, _: message(context, v))
    summary = f"{len(waiting) - unqueued} new urgent voicemail(s); alerts {delivery}"
    if unqueued:
        return Done(
            RunResult.FAILED,
            f"{unqueued} urgent voicemail(s) and nobody on call: add [on_call] to "
            f"{context.settings.jobs.on_call_path}. {summary}",
        )
    return Done(RunResult.WARNING if delivery.failed else RunResult.OK, summary)


def message(context: Context, voicemail: Voicemail) -> tuple[str, str]:
    """The alert's subject and text: when, and where to listen; nothing about the caller."""
    left = voicemail.created_at
    if left.tzinfo is None:
        left = left.replace(tzinfo=context.now.tzinfo)
    when = left.astimezone(EASTERN).strftime("%a %b %d, %I:%M %p ET")
    link = context.console_url(VOICEMAIL_PAGE.format(id=voicemail.id))
    return (
        f"Urgent voicemail {voicemail.id} waiting (line closed)",
        f"DRIL line: an urgent voicemail was left {when} while the line was closed. "
        f"Listen and act on it in the console: {link}",
    )
