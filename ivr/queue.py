"""The live queue: who waits for an operator, in what order, and where each caller stands."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ivr.models import Call, QueueEntry

# Every five minutes of waiting raises a caller one priority level, so nobody waits forever
# behind a stream of more urgent calls (call-flow.md step 7).
AGING_SECONDS = 300


def effective_level(entry: QueueEntry, now: datetime) -> int:
    return _level(entry.priority, entry.enqueued_at, now)


def _level(priority: int, enqueued_at: datetime, now: datetime) -> int:
    waited = max((now - _aware(enqueued_at, now)).total_seconds(), 0)
    return max(1, priority - int(waited // AGING_SECONDS))


def _aware(moment: datetime, like: datetime) -> datetime:
    # SQLite hands back naive datetimes for timezone columns; they were stored as UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=like.tzinfo)


def order_key(entry: QueueEntry, now: datetime) -> tuple[int, datetime, int]:
    return _order(entry.priority, entry.enqueued_at, entry.id, now)


def _order(priority: int, enqueued_at: datetime, entry_id: int, now: datetime) -> tuple[int, datetime, int]:
    return _level(priority, enqueued_at, now), _aware(enqueued_at, now), entry_id


def join(session: Session, call: Call, queue_name: str, now: datetime) -> QueueEntry:
    """Put the caller in line once, however often Twilio repeats the request that sends them."""
    entry = call.queue_entry
    if entry is None:
        entry = QueueEntry(
            call=call,
            queue_name=queue_name,
            language=call.language,
            needs_interpreter=call.needs_interpreter,
            subject=call.subject,
            caller_type=call.caller_type,
            priority=call.priority or 3,
            enqueued_at=now,
        )
        session.add(entry)
    elif entry.left_at is not None:
        # Back in line after a failed hand-off: keep the original place.
        entry.left_at, entry.result = None, None
    return entry


def waiting(session: Session, queue_name: str) -> list[QueueEntry]:
    return list(
        session.scalars(
            select(QueueEntry).where(QueueEntry.queue_name == queue_name, QueueEntry.left_at.is_(None))
        )
    )


def in_order(session: Session, queue_name: str, now: datetime) -> list[QueueEntry]:
    """The waiting callers in the order operators take them."""
    return sorted(waiting(session, queue_name), key=lambda entry: order_key(entry, now))


def position_of(session: Session, entry: QueueEntry, now: datetime) -> int:
    # Asked by every caller's wait loop, with up to the queue's maximum waiting: read the three
    # columns the order needs rather than whole entries (half the CPU, no ORM objects).
    mine = order_key(entry, now)
    others = session.execute(
        select(QueueEntry.priority, QueueEntry.enqueued_at, QueueEntry.id).where(
            QueueEntry.queue_name == entry.queue_name,
            QueueEntry.left_at.is_(None),
            QueueEntry.id != entry.id,
        )
    )
    return 1 + sum(
        1 for priority, enqueued_at, entry_id in others if _order(priority, enqueued_at, entry_id, now) < mine
    )


def leave(entry: QueueEntry, result: str, now: datetime, wait_seconds: int | None = None) -> None:
    if entry.left_at is None:
        entry.left_at, entry.result = now, result
        if wait_seconds is None:
            wait_seconds = int((now - _aware(entry.enqueued_at, now)).total_seconds())
        entry.wait_seconds = wait_seconds


def typical_wait(session: Session, queue_name: str, now: datetime, window_seconds: int = 3600) -> int | None:
    """How long callers answered in the last hour waited, on average; None without such callers."""
    average = session.scalar(
        select(func.avg(QueueEntry.wait_seconds)).where(
            QueueEntry.queue_name == queue_name,
            QueueEntry.left_at >= now - timedelta(seconds=window_seconds),
            QueueEntry.result == "bridged",
        )
    )
    return None if average is None else int(average)


def estimated_minutes(typical: int | None, waited: int) -> int | None:
    """Minutes still to wait, rounded up; None when there is nothing honest to say."""
    if typical is None:
        return None
    return max(math.ceil((typical - waited) / 60), 1)
