"""The live queue: who waits for an operator, in what order, and where each caller stands."""

from __future__ import annotations

import functools
import math
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Connection, Select, and_, bindparam, false, func, or_, select, true

from ivr.call_store import QUEUE, StoredCall, StoredEntry
from ivr.flow import PRIORITIES

# Every five minutes of waiting raises a caller one priority level, so nobody waits forever
# behind a stream of more urgent calls (call-flow.md step 7).
AGING_SECONDS = 300


def _level(priority: int, enqueued_at: datetime, now: datetime) -> int:
    waited = max((now - _aware(enqueued_at, now)).total_seconds(), 0)
    return max(1, priority - int(waited // AGING_SECONDS))


def _aware(moment: datetime, like: datetime) -> datetime:
    # SQLite hands back naive datetimes for timezone columns; they were stored as UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=like.tzinfo)


def order_key(
    priority: int, enqueued_at: datetime, entry_id: int, now: datetime
) -> tuple[int, datetime, int]:
    """Where a caller stands: aged priority level first, then who came first."""
    return _level(priority, enqueued_at, now), _aware(enqueued_at, now), entry_id


def join(call: StoredCall, queue_name: str, now: datetime) -> StoredEntry:
    """Put the caller in line once, however often Twilio repeats the request that sends them."""
    entry = call.queue_entry
    if entry is None:
        entry = call.queue_entry = StoredEntry.new(
            call_id=call.id,
            queue_name=queue_name,
            language=call.language,
            needs_interpreter=call.needs_interpreter,
            subject=call.subject,
            caller_type=call.caller_type,
            priority=call.priority or 3,
            enqueued_at=now,
        )
    elif entry.left_at is not None:
        # Back in line after a failed hand-off: keep the original place.
        entry.left_at, entry.result = None, None
    return entry


def position_of(connection: Connection, entry: StoredEntry, now: datetime) -> int:
    """1 + the callers waiting ahead of this one in `order_key`'s order, counted by the database.

    Asked by every caller's wait loop, with up to the queue's maximum (200) waiting.
    """
    level = _level(entry.priority, entry.enqueued_at, now)
    parameters = {"queue_name": entry.queue_name, "entry_id": entry.id, "enqueued_at": entry.enqueued_at}
    parameters |= {f"waited_{n}": now - timedelta(seconds=n * AGING_SECONDS) for n in _PERIODS}
    return 1 + int(connection.scalar(_count_ahead(level), parameters) or 0)


_PERIODS = range(1, max(PRIORITIES) + 1)


@functools.cache
def _count_ahead(level: int) -> Select[tuple[int]]:
    """Count the entries `order_key` puts before one at `level`, without date arithmetic in SQL.

    An entry of priority p waiting k whole periods is at level max(1, p - k), and k >= n exactly
    when it was enqueued at or before now - n periods (the `waited_n` parameters). So for each
    priority the levels are ranges of enqueued_at, compared with moments computed in Python: the
    same in SQLite and PostgreSQL, and served by the ix_queue_waiting index.
    """

    def waited(periods: int) -> ColumnElement[bool]:
        return true() if periods <= 0 else QUEUE.c.enqueued_at <= bindparam(f"waited_{periods}")

    lower: list[ColumnElement[bool]] = []  # entries at a level before this one
    same: list[ColumnElement[bool]] = []  # entries at this level, before it if they came first
    for priority in PRIORITIES:
        of_priority = QUEUE.c.priority == priority
        if level > 1:  # max(1, p - k) < level  <=>  k >= p - level + 1
            lower.append(and_(of_priority, waited(priority - level + 1)))
            if priority >= level:  # max(1, p - k) == level  <=>  k == p - level
                same.append(and_(of_priority, waited(priority - level), ~waited(priority - level + 1)))
        else:  # max(1, p - k) == 1  <=>  k >= p - 1
            same.append(and_(of_priority, waited(priority - 1)))
    mine = bindparam("enqueued_at", type_=QUEUE.c.enqueued_at.type)
    came_first = or_(
        QUEUE.c.enqueued_at < mine, and_(QUEUE.c.enqueued_at == mine, QUEUE.c.id < bindparam("entry_id"))
    )
    return (
        select(func.count())
        .select_from(QUEUE)
        .where(
            QUEUE.c.queue_name == bindparam("queue_name"),
            QUEUE.c.left_at.is_(None),
            QUEUE.c.id != bindparam("entry_id"),
            or_(false(), *lower, and_(or_(false(), *same), came_first)),
        )
    )


def leave(entry: StoredEntry, result: str, now: datetime, wait_seconds: int | None = None) -> None:
    if entry.left_at is None:
        entry.left_at, entry.result = now, result
        if wait_seconds is None:
            wait_seconds = int((now - _aware(entry.enqueued_at, now)).total_seconds())
        entry.wait_seconds = wait_seconds


def typical_wait(
    connection: Connection, queue_name: str, now: datetime, window_seconds: int = 3600
) -> int | None:
    """How long callers answered in the last hour waited, on average; None without such callers."""
    average = connection.scalar(
        select(func.avg(QUEUE.c.wait_seconds)).where(
            QUEUE.c.queue_name == queue_name,
            QUEUE.c.left_at >= now - timedelta(seconds=window_seconds),
            QUEUE.c.result == "bridged",
        )
    )
    return None if average is None else int(average)


class RecentWaits:
    """`typical_wait`, read from the database at most once a minute per worker and queue.

    Every waiting caller's announcement asks for it, in a surge hundreds a minute, and an hour's
    average moves slowly: a caller hears "about 5 minutes" from a figure up to a minute old.
    """

    def __init__(self, refresh_seconds: int = 60) -> None:
        self.refresh = timedelta(seconds=refresh_seconds)
        self._known: dict[str, tuple[datetime, int | None]] = {}

    def typical_wait(self, connection: Connection, queue_name: str, now: datetime) -> int | None:
        known = self._known.get(queue_name)
        if known is not None and timedelta(0) <= now - known[0] < self.refresh:
            return known[1]
        average = typical_wait(connection, queue_name, now)
        self._known[queue_name] = (now, average)
        return average


def estimated_minutes(typical: int | None, waited: int) -> int | None:
    """Minutes still to wait, rounded up; None when there is nothing honest to say."""
    if typical is None:
        return None
    return max(math.ceil((typical - waited) / 60), 1)
