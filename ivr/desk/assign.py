"""Who takes whom: the caller an available operator gets, decided in one locked transaction.

Several web workers and processes decide at once (a caller joins in one worker while an operator
goes available in another). Each offer is one transaction that locks the operator's row and the
caller's queue entry (PostgreSQL: FOR UPDATE SKIP LOCKED, so two deciders take different rows
instead of waiting for each other; SQLite: BEGIN IMMEDIATE, its one write lock), then inserts the
connection and marks the operator. The partial unique indexes on open connections are the backstop:
an insert they refuse is given up and the decision tried again, never an error.

The order is the hold loop's (`ivr.calls.queue.in_line_order`, the position a caller hears), within
the pools the operator serves (`ivr.routing.pools_served`).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, RowMapping, and_, bindparam, exists, or_, select, update
from sqlalchemy.exc import OperationalError

from ivr.calls import queue
from ivr.calls import store as call_store
from ivr.calls.records import CALLS, QUEUE, table_of
from ivr.models import Connection as ConnectionModel
from ivr.models import Operator, OperatorState, User
from ivr.routing import pools_served, spoken_languages

OPERATORS = table_of(Operator)
USERS = table_of(User)
CONNECTIONS = table_of(ConnectionModel)

MAX_OFFERS_PER_RUN = 20  # a run offers at most this many callers; the next trigger offers the rest
RETRIES = 3  # an offer refused by the unique indexes (another decider won) is tried again this often


@dataclass(frozen=True)
class Offer:
    """A caller offered to an operator: what ringing them needs, and what the whisper says."""

    connection_id: int
    conference: str
    operator_id: int
    reach_by: str
    reach_address: str | None
    call_id: int
    call_sid: str
    language: str | None
    needs_interpreter: str | None
    caller_type: str | None
    subject: str | None
    priority: int


def _no_open_connection(column: Any) -> Any:
    return ~exists().where(CONNECTIONS.c.operator_id == column, CONNECTIONS.c.ended_at.is_(None))


# Free: available, or wrapping up past the longest wrap-up; active; holding no caller.
_FREE = and_(
    USERS.c.active.is_(True),
    or_(
        OPERATORS.c.state == OperatorState.AVAILABLE,
        and_(
            OPERATORS.c.state == OperatorState.WRAPPING_UP,
            OPERATORS.c.wrap_up_until <= bindparam("now"),
        ),
    ),
    _no_open_connection(OPERATORS.c.user_id),
)
_OPERATOR_COLUMNS = (
    OPERATORS.c.user_id,
    USERS.c.languages,
    USERS.c.takes_interpreter_calls,
    USERS.c.reach_by,
    USERS.c.reach_address,
)
# Longest free first: the operator who has waited longest for a caller gets the next one.
FREE_OPERATORS = (
    select(OPERATORS.c.user_id, USERS.c.languages, USERS.c.takes_interpreter_calls)
    .join(USERS, USERS.c.id == OPERATORS.c.user_id)
    .where(_FREE)
    .order_by(OPERATORS.c.since, OPERATORS.c.user_id)
)
LOCK_OPERATOR = (
    select(*_OPERATOR_COLUMNS)
    .join(USERS, USERS.c.id == OPERATORS.c.user_id)
    .where(OPERATORS.c.user_id == bindparam("operator_id"), _FREE)
    .with_for_update(of=OPERATORS, skip_locked=True)
)
# The operator's own row whatever their state, locked until the decision commits (waited for, not
# skipped: another decider holds it for a moment at most), with whether they hold a caller.
CLAIM_OPERATOR = (
    select(
        *_OPERATOR_COLUMNS,
        OPERATORS.c.state,
        _no_open_connection(OPERATORS.c.user_id).label("free_of_callers"),
    )
    .join(USERS, USERS.c.id == OPERATORS.c.user_id)
    .where(OPERATORS.c.user_id == bindparam("operator_id"), USERS.c.active.is_(True))
    .with_for_update(of=OPERATORS)
)
_LIVE_AND_UNOFFERED = (
    QUEUE.c.queue_name == bindparam("queue_name"),
    QUEUE.c.left_at.is_(None),
    CALLS.c.ended_at.is_(None),
    ~exists().where(CONNECTIONS.c.call_id == QUEUE.c.call_id, CONNECTIONS.c.ended_at.is_(None)),
)
# The pools someone waits in: operators serving none of them need not be asked.
WAITING_POOLS = (
    select(queue.sql_pool(QUEUE))
    .join(CALLS, CALLS.c.id == QUEUE.c.call_id)
    .where(*_LIVE_AND_UNOFFERED)
    .distinct()
)
# The first caller in line of the operator's pools whose call is live and offered to nobody.
NEXT_CALLER = (
    queue.in_line_order(QUEUE)
    .add_columns(
        CALLS.c.call_sid,
        QUEUE.c.language,
        QUEUE.c.needs_interpreter,
        QUEUE.c.caller_type,
        QUEUE.c.subject,
        QUEUE.c.priority,
    )
    .join(CALLS, CALLS.c.id == QUEUE.c.call_id)
    .where(*_LIVE_AND_UNOFFERED, queue.sql_pool(QUEUE).in_(bindparam("pools", expanding=True)))
    .limit(1)
    .with_for_update(of=QUEUE, skip_locked=True)
)
SET_OPERATOR = update(OPERATORS).where(OPERATORS.c.user_id == bindparam("operator_id"))
MARK_AVAILABLE = (
    update(OPERATORS)
    .where(OPERATORS.c.user_id == bindparam("operator_id"), _no_open_connection(OPERATORS.c.user_id))
    .values(state=OperatorState.AVAILABLE, since=bindparam("now"), wrap_up_until=None)
)


@contextmanager
def locked(engine: Engine) -> Iterator[Connection]:
    """A transaction for deciding: on SQLite it holds the write lock from its first read.

    SQLite's deferred transactions read first and fail at their first write when another writer
    went between (no waiting); BEGIN IMMEDIATE waits its turn for the lock instead. PostgreSQL's
    row locks are taken by the statements themselves.
    """
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            _begin_immediate(connection)
        try:
            yield connection
        except BaseException:
            connection.rollback()
            raise


# SQLite's own wait for a lock backs off (1, 2, 5, 10, 15, 20, 25, ... 100 ms between tries): against
# a worker that takes the lock again and again, a decision could wait 100 ms and more for a lock
# free most of the time. The desk asks every half millisecond instead, up to the engine's timeout.
LOCK_POLL_SECONDS = 0.0005
LOCK_TIMEOUT_SECONDS = 15.0


def _begin_immediate(connection: Connection) -> None:
    connection.exec_driver_sql("PRAGMA busy_timeout = 0")
    try:
        deadline = time.monotonic() + LOCK_TIMEOUT_SECONDS
        while True:
            try:
                connection.exec_driver_sql("BEGIN IMMEDIATE")
                return
            except OperationalError as error:
                if "locked" not in str(error.orig) or time.monotonic() > deadline:
                    raise
                connection.rollback()
                time.sleep(LOCK_POLL_SECONDS)
    finally:
        connection.exec_driver_sql(f"PRAGMA busy_timeout = {int(LOCK_TIMEOUT_SECONDS * 1000)}")


def decide(engine: Engine, queue_name: str, now: datetime, reads: Engine | None = None) -> list[Offer]:
    """Offer waiting callers to free operators, longest free first, one transaction each.

    Who is free and who waits are read first, without locks (on `reads`, when given: an engine in
    autocommit): the offer's own transaction checks both again under its locks.
    """
    with (reads or engine).connect() as connection:
        free = connection.execute(FREE_OPERATORS, {"now": now}).all()
        if not free:  # most often, when a caller joins: every operator is busy
            return []
        waiting = set(connection.scalars(WAITING_POOLS, {"queue_name": queue_name}))
    offers: list[Offer] = []
    for operator in free:
        if len(offers) >= MAX_OFFERS_PER_RUN:
            break
        if not pools_served(spoken_languages(operator.languages), operator.takes_interpreter_calls) & waiting:
            continue
        offer = _offer_to(engine, queue_name, now, operator.user_id)
        if offer is not None:
            offers.append(offer)
    return offers


class _Taken:
    """Another decider offered the caller (or the operator) between our reads."""


def _offer_to(engine: Engine, queue_name: str, now: datetime, operator_id: int) -> Offer | None:
    """The next caller this free operator may take, offered to them; None if none (or they are taken)."""
    for _ in range(RETRIES):
        with locked(engine) as connection:
            operator = connection.execute(LOCK_OPERATOR, {"operator_id": operator_id, "now": now}).first()
            if operator is None:
                connection.rollback()
                return None  # not free, or another decider holds them: it will offer them a caller
            offer = _offer_in(connection, queue_name, now, operator._mapping)
            if offer is None:
                connection.rollback()
                return None
            if isinstance(offer, _Taken):
                connection.rollback()
                continue
            connection.commit()
            return offer
    return None


def go_available(
    engine: Engine, queue_name: str, operator_id: int, now: datetime
) -> tuple[bool, Offer | None]:
    """The operator is ready: in the same transaction, the first caller they can take is offered them.

    (False, None) while they still hold a caller (nothing changes); (True, None) when nobody they
    can take is waiting (they are available); (True, offer) otherwise. One transaction, so that the
    time from their click to their phone ringing is a handful of statements.
    """
    for _ in range(RETRIES):
        with locked(engine) as connection:
            operator = connection.execute(CLAIM_OPERATOR, {"operator_id": operator_id}).first()
            if operator is None:  # a new operator's first time: their state row is made
                set_state(connection, operator_id, OperatorState.AVAILABLE, now)
                connection.commit()
                continue
            if not operator.free_of_callers:
                connection.rollback()
                return False, None
            offer = _offer_in(connection, queue_name, now, operator._mapping)
            if isinstance(offer, _Taken):
                connection.rollback()
                continue
            # Checked again in this statement: a decider that offered them a caller while we waited
            # for their row is seen by it (the row we locked was read before that offer).
            if (
                offer is None
                and not connection.execute(MARK_AVAILABLE, {"operator_id": operator_id, "now": now}).rowcount
            ):
                connection.rollback()
                return False, None
            connection.commit()
            return True, offer
    return False, None


def _offer_in(
    connection: Connection, queue_name: str, now: datetime, operator: RowMapping
) -> Offer | _Taken | None:
    """Offer the locked operator the first caller in line they can take, in the caller's transaction."""
    pools = pools_served(spoken_languages(operator["languages"]), operator["takes_interpreter_calls"])
    parameters = {"queue_name": queue_name, "pools": [pool.value for pool in pools] or [""]}
    caller = connection.execute(NEXT_CALLER, parameters | queue.aging_moments(now)).mappings().first()
    if caller is None:
        return None
    conference = "ivr-" + secrets.token_hex(12)
    inserted = connection.execute(
        call_store.insert_once(connection.dialect.name, CONNECTIONS),
        {"call_id": caller["call_id"], "operator_id": operator["user_id"], "conference": conference}
        | {"offered_at": now},
    ).scalar()
    if inserted is None:
        # The unique indexes refused a second open connection for the caller or the operator:
        # another decider went between our reads. The caller lets go and looks again.
        return _Taken()
    set_state(connection, operator["user_id"], OperatorState.ON_CALL, now)
    return _offer(inserted, conference, operator, caller)


def _offer(connection_id: int, conference: str, operator: RowMapping, caller: RowMapping) -> Offer:
    return Offer(
        connection_id=connection_id,
        conference=conference,
        operator_id=operator["user_id"],
        reach_by=operator["reach_by"],
        reach_address=operator["reach_address"],
        call_id=caller["call_id"],
        call_sid=caller["call_sid"],
        language=caller["language"],
        needs_interpreter=caller["needs_interpreter"],
        caller_type=caller["caller_type"],
        subject=caller["subject"],
        priority=caller["priority"],
    )


# --- The operator's state ----------------------------------------------------------------------


def set_state(
    connection: Connection,
    operator_id: int,
    state: OperatorState,
    now: datetime,
    wrap_up_until: datetime | None = None,
) -> None:
    """Put the operator in `state` from now (their row made on first use); the caller commits."""
    values = {"state": state, "since": now, "wrap_up_until": wrap_up_until}
    updated = connection.execute(SET_OPERATOR, {"operator_id": operator_id} | values)
    if updated.rowcount == 0:
        connection.execute(OPERATORS.insert(), {"user_id": operator_id} | values)


def wrap_up_deadline(now: datetime, wrap_up_seconds: int) -> datetime:
    """When an operator wrapping up is offered callers again, notes finished or not."""
    return now + timedelta(seconds=wrap_up_seconds)
