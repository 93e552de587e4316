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
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, RowMapping, and_, bindparam, exists, or_, select, update

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


@contextmanager
def locked(engine: Engine) -> Iterator[Connection]:
    """A transaction for deciding: on SQLite it holds the write lock from its first read.

    SQLite's deferred transactions read first and fail at their first write when another writer
    went between (no waiting); BEGIN IMMEDIATE waits its turn for the lock instead. PostgreSQL's
    row locks are taken by the statements themselves.
    """
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            yield connection
        except BaseException:
            connection.rollback()
            raise


def decide(engine: Engine, queue_name: str, now: datetime, operator_id: int | None = None) -> list[Offer]:
    """Offer waiting callers to free operators (`operator_id` first, when given), one transaction each."""
    with engine.connect() as connection:
        free = connection.execute(FREE_OPERATORS, {"now": now}).all()
        waiting = set(connection.scalars(WAITING_POOLS, {"queue_name": queue_name}))
    offers: list[Offer] = []
    for operator in sorted(free, key=lambda row: row.user_id != operator_id):  # stable: the rest in order
        if len(offers) >= MAX_OFFERS_PER_RUN:
            break
        if not pools_served(spoken_languages(operator.languages), operator.takes_interpreter_calls) & waiting:
            continue
        offer = _offer_to(engine, queue_name, now, operator.user_id)
        if offer is not None:
            offers.append(offer)
    return offers


def _offer_to(engine: Engine, queue_name: str, now: datetime, operator_id: int) -> Offer | None:
    """The next caller this operator may take, offered to them; None if none (or they are taken)."""
    for _ in range(RETRIES):
        with locked(engine) as connection:
            operator = connection.execute(LOCK_OPERATOR, {"operator_id": operator_id, "now": now}).first()
            if operator is None:
                connection.rollback()
                return None  # not free, or another decider holds them: it will offer them a caller
            pools = pools_served(spoken_languages(operator.languages), operator.takes_interpreter_calls)
            parameters = {"queue_name": queue_name, "pools": [pool.value for pool in pools] or [""]}
            caller = connection.execute(NEXT_CALLER, parameters | queue.aging_moments(now)).mappings().first()
            if caller is None:
                connection.rollback()
                return None
            conference = "ivr-" + secrets.token_hex(12)
            inserted = connection.execute(
                call_store.insert_once(connection.dialect.name, CONNECTIONS),
                {"call_id": caller["call_id"], "operator_id": operator_id, "conference": conference}
                | {"offered_at": now},
            ).scalar()
            if inserted is None:
                # Another decider offered this caller (or this operator) between our reads: the
                # unique indexes refused the second offer. Let go and look again.
                connection.rollback()
                continue
            connection.execute(
                SET_OPERATOR,
                {"operator_id": operator_id, "state": OperatorState.ON_CALL, "since": now}
                | {"wrap_up_until": None},
            )
            connection.commit()
            return _offer(inserted, conference, operator._mapping, caller)
    return None


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


def make_available(engine: Engine, operator_id: int, now: datetime) -> bool:
    """The operator is ready for a caller; False (nothing changed) while they still hold one."""
    with locked(engine) as connection:
        holding = connection.scalar(
            select(CONNECTIONS.c.id).where(
                CONNECTIONS.c.operator_id == operator_id, CONNECTIONS.c.ended_at.is_(None)
            )
        )
        if holding is not None:
            connection.rollback()
            return False
        set_state(connection, operator_id, OperatorState.AVAILABLE, now)
        connection.commit()
        return True


def wrap_up_deadline(now: datetime, wrap_up_seconds: int) -> datetime:
    """When an operator wrapping up is offered callers again, notes finished or not."""
    return now + timedelta(seconds=wrap_up_seconds)
