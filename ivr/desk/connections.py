"""A connection's life in the database: offered, answered, the caller in the room, ended.

Each change is one short transaction on the desk's engine (`ivr.desk.assign.locked`). Twilio may
deliver a callback twice, or two callbacks may race (the operator's leg ends as the conference
does): every change says which state it comes from, so the second one changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, RowMapping, bindparam, select, update

from ivr.calls.records import CALLS, QUEUE
from ivr.desk.assign import CONNECTIONS, OPERATORS, USERS, locked, set_state
from ivr.models import OperatorState

ANSWERED = "answered"  # the caller reached the room: they talked (the result, once ended, too)
NO_ANSWER = "no_answer"  # the operator did not pick up, or did not take the call after the whisper
CALLER_LEFT = "caller_left"  # the caller hung up before reaching the room
FAILED = "failed"  # Twilio could not ring the operator, or refused to move the caller


@dataclass(frozen=True)
class Live:
    """A connection with what the webhooks and the console need of its call and its operator."""

    id: int
    call_id: int
    call_sid: str
    operator_id: int
    conference: str
    conference_sid: str | None
    operator_call_sid: str | None
    offered_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    result: str | None
    reach_by: str
    language: str | None
    needs_interpreter: str | None
    caller_type: str | None
    subject: str | None
    priority: int | None
    caller_waiting: bool  # still in the queue: neither gone nor in the room

    @property
    def open(self) -> bool:
        return self.ended_at is None

    @property
    def in_room(self) -> bool:
        """The caller reached the conference and the connection has not ended."""
        return self.open and self.result == ANSWERED


LOAD = (
    select(
        CONNECTIONS,
        CALLS.c.call_sid,
        CALLS.c.ended_at.label("call_ended_at"),
        QUEUE.c.left_at,
        QUEUE.c.language,
        QUEUE.c.needs_interpreter,
        QUEUE.c.caller_type,
        QUEUE.c.subject,
        QUEUE.c.priority,
        USERS.c.reach_by,
    )
    .join(CALLS, CALLS.c.id == CONNECTIONS.c.call_id)
    .outerjoin(QUEUE, QUEUE.c.call_id == CONNECTIONS.c.call_id)
    .join(USERS, USERS.c.id == CONNECTIONS.c.operator_id)
)
UPDATE = update(CONNECTIONS).where(CONNECTIONS.c.id == bindparam("_id"))


def _live(row: RowMapping) -> Live:
    return Live(
        id=row["id"],
        call_id=row["call_id"],
        call_sid=row["call_sid"],
        operator_id=row["operator_id"],
        conference=row["conference"],
        conference_sid=row["conference_sid"],
        operator_call_sid=row["operator_call_sid"],
        offered_at=row["offered_at"],
        answered_at=row["answered_at"],
        ended_at=row["ended_at"],
        result=row["result"],
        reach_by=row["reach_by"],
        language=row["language"],
        needs_interpreter=row["needs_interpreter"],
        caller_type=row["caller_type"],
        subject=row["subject"],
        priority=row["priority"],
        caller_waiting=row["left_at"] is None and row["call_ended_at"] is None,
    )


def load(engine: Engine, connection_id: int) -> Live | None:
    with engine.connect() as connection:
        row = connection.execute(LOAD.where(CONNECTIONS.c.id == connection_id)).mappings().first()
    return None if row is None else _live(row)


def open_for_call(engine: Engine, call_id: int) -> Live | None:
    """The connection a caller is offered in or talking through, if any."""
    with engine.connect() as connection:
        row = (
            connection.execute(LOAD.where(CONNECTIONS.c.call_id == call_id, CONNECTIONS.c.ended_at.is_(None)))
            .mappings()
            .first()
        )
    return None if row is None else _live(row)


def open_for_operator(engine: Engine, operator_id: int) -> Live | None:
    """The caller an operator is being connected to or talking with (the console's call screen)."""
    with engine.connect() as connection:
        row = (
            connection.execute(
                LOAD.where(CONNECTIONS.c.operator_id == operator_id, CONNECTIONS.c.ended_at.is_(None))
            )
            .mappings()
            .first()
        )
    return None if row is None else _live(row)


def note(engine: Engine, connection_id: int, **values: object) -> bool:
    """Record facts about an open connection (its operator's CallSid, the room's SID, when answered).

    Only columns still empty are filled: a repeated callback changes nothing. False if it has ended.
    """
    with locked(engine) as connection:
        statement = UPDATE.where(CONNECTIONS.c.ended_at.is_(None))
        for name in values:
            statement = statement.where(CONNECTIONS.c[name].is_(None))
        updated = connection.execute(statement, {"_id": connection_id} | values).rowcount
        connection.commit()
    return bool(updated)


def caller_in_room(engine: Engine, connection_id: int) -> bool:
    """The caller reached the conference: the connection is answered. False if it ended first."""
    return note(engine, connection_id, result=ANSWERED)


def end(
    engine: Engine,
    connection_id: int,
    result: str,
    now: datetime,
    operator_state: OperatorState,
    wrap_up_until: datetime | None = None,
) -> Live | None:
    """End an open connection with `result` and put its operator in `operator_state`.

    The result a connection already has (answered) is kept. Returns the connection as it was, or
    None when it had already ended: whoever ended it first set the operator's state.
    """
    with locked(engine) as connection:
        row = connection.execute(LOAD.where(CONNECTIONS.c.id == connection_id)).mappings().first()
        if row is None or row["ended_at"] is not None:
            connection.rollback()
            return None
        connection.execute(UPDATE, {"_id": connection_id, "ended_at": now, "result": row["result"] or result})
        set_state(connection, row["operator_id"], operator_state, now, wrap_up_until)
        connection.commit()
    return _live(row)


LEAVE_LINE = (
    update(QUEUE)
    .where(QUEUE.c.call_id == bindparam("_call_id"), QUEUE.c.left_at.is_(None))
    .values(left_at=bindparam("left_at"), result=bindparam("result"))
)


def left_line(engine: Engine, call_id: int, result: str, now: datetime) -> None:
    """The caller is out of the queue (Twilio says their call is over), as the hold loop records it."""
    with locked(engine) as connection:
        connection.execute(LEAVE_LINE, {"_call_id": call_id, "left_at": now, "result": result})
        connection.commit()


EXPIRED = select(CONNECTIONS.c.id).where(
    CONNECTIONS.c.ended_at.is_(None),
    CONNECTIONS.c.answered_at.is_(None),
    CONNECTIONS.c.offered_at < bindparam("before"),
)


def unanswered_since(engine: Engine, before: datetime) -> list[int]:
    """Open connections offered before `before` and never answered: their callbacks were lost."""
    with engine.connect() as connection:
        return list(connection.scalars(EXPIRED, {"before": before}))


def ring_deadline(now: datetime, ring_seconds: int) -> datetime:
    """Offers older than this have rung out: Twilio's status callback should have said so."""
    # A margin past the ring timeout: Twilio reports no-answer a little after it, and its queue
    # of outgoing calls (one per second by default) may start the ring late.
    return now - timedelta(seconds=ring_seconds + 60)


STATES = select(OPERATORS.c.state).where(OPERATORS.c.user_id == bindparam("operator_id"))


def operator_state(engine: Engine, operator_id: int) -> str | None:
    with engine.connect() as connection:
        return connection.scalar(STATES, {"operator_id": operator_id})
