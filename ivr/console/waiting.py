"""The line now: callers waiting by language and priority (counts, longest wait), voicemails waiting.

Counts and waits only: no caller's personal data. Polled every few seconds, redrawn when a count
or a longest wait (to the minute) changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app, render_template
from flask.typing import ResponseReturnValue
from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from ivr.auth import role_required
from ivr.clock import line_now
from ivr.console import bp
from ivr.console.polling import key_of, unchanged
from ivr.console.words import PRIORITIES, duration, language_name, named
from ivr.db import get_session
from ivr.models import Call, QueueEntry, Role, Voicemail
from ivr.routing import aware


@dataclass(frozen=True)
class Waiting:
    """Callers of one language (or needing one interpreter) at one priority."""

    language: str
    interpreter: bool
    priority: str
    count: int
    longest: str
    longest_minutes: int


@dataclass(frozen=True)
class Voicemails:
    """Voicemails nobody has claimed yet."""

    waiting: int
    urgent_after_hours: int
    urgent: int


@dataclass(frozen=True)
class LineNow:
    callers: list[Waiting]
    voicemails: Voicemails

    @property
    def total(self) -> int:
        return sum(group.count for group in self.callers)

    @property
    def key(self) -> str:
        shown = [
            (group.language, group.priority, group.count, group.longest_minutes) for group in self.callers
        ]
        return key_of(shown, self.voicemails)


def line_now_of(db: Session, queue_name: str, now: datetime) -> LineNow:
    rows = db.execute(
        select(
            QueueEntry.language,
            QueueEntry.needs_interpreter,
            QueueEntry.priority,
            func.count(),
            func.min(QueueEntry.enqueued_at),
        )
        .join(Call, Call.id == QueueEntry.call_id)
        .where(QueueEntry.queue_name == queue_name, QueueEntry.left_at.is_(None), Call.ended_at.is_(None))
        .group_by(QueueEntry.language, QueueEntry.needs_interpreter, QueueEntry.priority)
        .order_by(QueueEntry.priority, QueueEntry.language, QueueEntry.needs_interpreter)
    ).all()
    callers = []
    for language, interpreter, priority, count, first in rows:
        longest = now - aware(first, now)
        callers.append(
            Waiting(
                language=language_name(interpreter or language),
                interpreter=interpreter is not None,
                priority=named(PRIORITIES, priority),
                count=count,
                longest=duration(longest),
                longest_minutes=int(longest.total_seconds() // 60),
            )
        )
    unclaimed = and_(Voicemail.closed_at.is_(None), Voicemail.claimed_by.is_(None))
    waiting, urgent_after_hours, urgent = db.execute(
        select(
            func.count(),
            func.count().filter(Voicemail.urgent.is_(True), Voicemail.left_after_hours.is_(True)),
            func.count().filter(Voicemail.urgent.is_(True)),
        ).where(unclaimed)
    ).one()
    return LineNow(callers, Voicemails(waiting, urgent_after_hours, urgent))


def the_line_now(db: Session, now: datetime) -> LineNow:
    return line_now_of(db, current_app.config["IVR"].queue_name, now)


@bp.get("/line")
@role_required(Role.OPERATOR)
def line_part() -> ResponseReturnValue:
    """The line now, polled: 204 while the counts and waits shown still hold."""
    line = the_line_now(get_session(), line_now(current_app.config["IVR"]))
    if unchanged(line.key):
        return "", 204
    return render_template("console/_line_now.html", line=line)
