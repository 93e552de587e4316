"""The live queue: who waits for an operator, in what order, and where each caller stands."""

from __future__ import annotations

import functools
import math
import operator
from datetime import datetime, timedelta

from sqlalchemy import (
    ColumnElement,
    Connection,
    FromClause,
    Integer,
    ScalarSelect,
    Select,
    String,
    bindparam,
    case,
    func,
    literal_column,
    or_,
    select,
    tuple_,
)

from ivr.calls import store as call_store
from ivr.calls.records import QUEUE, StoredCall, StoredEntry
from ivr.routing import AGING_SECONDS, PRIORITIES, Pool, aware


def join(call: StoredCall, queue_name: str, now: datetime) -> StoredEntry:
    """Put the caller in line once, however often Twilio repeats the request that sends them."""
    entry = call.queue_entry
    if entry is None:
        entry = call.queue_entry = StoredEntry(
            call_id=call.id,
            queue_name=queue_name,
            language=call.language,
            needs_interpreter=call.needs_interpreter,
            subject=call.subject,
            caller_type=call.caller_type,
            priority=call.priority or 3,
            enqueued_at=now,
            seen_at=now,
        )
    elif entry.left_at is not None:
        # Back in line after a failed hand-off: keep the original place.
        entry.left_at, entry.result, entry.seen_at = None, None, now
    return entry


def load_waiting(connection: Connection, call_sid: str, now: datetime) -> tuple[StoredCall | None, int]:
    """The call and its place in line (1 + the callers ahead in `ivr.routing.order_key`'s order), in one read.

    Only callers of the caller's pool (`ivr.routing.pool_of`) are counted: the operators who can
    take this caller take every one of those first (`ivr.desk.assign` chooses in this order), and
    callers of other pools wait for other operators. Every waiting caller's hold loop asks it, with
    up to the queue's maximum (200) waiting: the database counts the callers ahead in the same
    statement that reads the call, one round trip.
    """
    parameters = {"call_sid": call_sid} | aging_moments(now)
    row = call_store.first_read(connection, _WAITING_CALL, parameters)
    if row is None:
        return None, 1
    return call_store.from_row(row), 1 + int(row["ahead"] or 0)


_PERIODS = range(1, max(PRIORITIES) + 1)
# A waiting caller's hold loop asks every round (about 20 s: the hold music's 14 s and what is
# said). An entry not seen for three rounds is a call whose end the line never heard of (a status
# callback lost in an outage): it is not counted ahead of anyone, nor offered to an operator, until
# its hold loop asks again. The stale call itself is closed by a job, not here.
SEEN_WITHIN_SECONDS = 75
# Written every other round or so, not each: a round that tells the caller nothing writes nothing.
SEEN_REFRESH_SECONDS = 25


def aging_moments(now: datetime) -> dict[str, datetime]:
    """The parameters of the line's order: `waited_n` (now less n aging periods) for `sql_level`,
    and `seen_since` (now less SEEN_WITHIN_SECONDS) for `still_on_the_line`."""
    moments = {f"waited_{n}": now - timedelta(seconds=n * AGING_SECONDS) for n in _PERIODS}
    moments["seen_since"] = now - timedelta(seconds=SEEN_WITHIN_SECONDS)
    return moments


def seen(entry: StoredEntry, now: datetime) -> None:
    """The caller's hold loop asked: they are still on the line (written when SEEN_REFRESH_SECONDS old)."""
    if entry.seen_at is None or (now - aware(entry.seen_at, now)).total_seconds() >= SEEN_REFRESH_SECONDS:
        entry.seen_at = now


def still_on_the_line(entries: FromClause) -> ColumnElement[bool]:
    """The entry's hold loop asked within SEEN_WITHIN_SECONDS (or the entry predates the tracking).

    A filter on rows the index has already found (queue, not left): it changes no plan."""
    return or_(entries.c.seen_at.is_(None), entries.c.seen_at >= bindparam("seen_since"))


def sql_level(entries: FromClause) -> ColumnElement[int]:
    """`ivr.routing.level` in SQL, without date arithmetic: periods waited are counted against moments
    computed in Python (the `waited_n` parameters, now - n periods), the same in SQLite and
    PostgreSQL. Priorities go up to max(PRIORITIES), so more periods than that change nothing.
    The numbers are written into the SQL: as parameters they would cost more than the count."""
    one, zero = literal_column("1", Integer), literal_column("0", Integer)
    periods = [case((entries.c.enqueued_at <= bindparam(f"waited_{n}"), one), else_=zero) for n in _PERIODS]
    aged = functools.reduce(operator.sub, periods, entries.c.priority)
    return case((aged < one, one), else_=aged)


def sql_pool(entries: FromClause) -> ColumnElement[str]:
    """`ivr.routing.pool_of` in SQL: the pool of each entry's caller (the names written in the SQL)."""

    def written(pool: Pool) -> ColumnElement[str]:
        return literal_column(f"'{pool.value}'", String)

    return case(
        (entries.c.needs_interpreter.is_not(None), written(Pool.INTERPRETER)),
        (entries.c.language.in_([written(Pool.ENGLISH), written(Pool.SPANISH)]), entries.c.language),
        else_=written(Pool.UNCHOSEN),
    )


def _ahead() -> ScalarSelect[int]:
    """How many callers `ivr.routing.order_key` puts before the call's entry in its queue.

    Compared as rows, (level, enqueued_at, id), each level is written once: the statement stays
    under the 4 KB up to which psycopg keeps a statement's conversion instead of parsing it again.
    """
    mine, other = QUEUE, QUEUE.alias("ahead")
    return (
        select(func.count())
        .select_from(other)
        .where(
            other.c.queue_name == mine.c.queue_name,
            other.c.left_at.is_(None),
            other.c.id != mine.c.id,
            still_on_the_line(other),
            sql_pool(other) == sql_pool(mine),
            tuple_(sql_level(other), other.c.enqueued_at, other.c.id)
            < tuple_(sql_level(mine), mine.c.enqueued_at, mine.c.id),
        )
        .correlate(QUEUE)
        .scalar_subquery()
    )


_WAITING_CALL = call_store.LOAD_CALL.add_columns(_ahead().label("ahead"))


def in_line_order(queue: FromClause) -> Select[tuple[int, int]]:
    """The waiting entries (id, call id) of `:queue_name`, first in line first: the desk chooses from it.

    The same order the hold loop counts positions in (`_ahead`): aged level, then who came first.
    Needs the parameters of `aging_moments`; the caller adds its own conditions. Entries whose hold
    loop has not asked lately (`still_on_the_line`) are left out.
    """
    return (
        select(queue.c.id, queue.c.call_id)
        .where(
            queue.c.queue_name == bindparam("queue_name"), queue.c.left_at.is_(None), still_on_the_line(queue)
        )
        .order_by(sql_level(queue), queue.c.enqueued_at, queue.c.id)
    )


def leave(entry: StoredEntry, result: str, now: datetime, wait_seconds: int | None = None) -> None:
    if entry.left_at is None:
        entry.left_at, entry.result = now, result
        if wait_seconds is None:
            wait_seconds = int((now - aware(entry.enqueued_at, now)).total_seconds())
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
