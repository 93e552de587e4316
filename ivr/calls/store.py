"""One call's record on the webhook path: read, changed by the flow and saved with a few statements.

Every webhook reads one call, changes a few of its fields and logs one step. Under load the ORM's
identity map and unit of work cost more than all the rest of a request (tests/bench/README.md), so the
webhooks use Core statements on the models' own tables: the schema keeps one source, `ivr.models`.

Twilio may deliver a request twice, even at the same moment to two workers. A step is claimed by
updating the call only where its step is still the one that was read, so exactly one delivery takes
it; the other is told so and answers with what the first one said.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Connection,
    Executable,
    Insert,
    RowMapping,
    Select,
    Table,
    bindparam,
    exists,
    insert,
    select,
    true,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError

from ivr.calls.records import CALL_FIELDS, CALLS, ENTRY_FIELDS, EVENTS, QUEUE, StoredCall, StoredEntry

LOAD_CALL = (
    select(
        *(CALLS.c[name] for name in CALL_FIELDS),
        *(QUEUE.c[name].label(f"entry_{name}") for name in ENTRY_FIELDS),
    )
    .select_from(CALLS.outerjoin(QUEUE, QUEUE.c.call_id == CALLS.c.id))
    .where(CALLS.c.call_sid == bindparam("call_sid"))
)
LAST_RESPONSE = select(CALLS.c.last_response).where(CALLS.c.call_sid == bindparam("call_sid"))
# Statements are built once: the columns to SET or INSERT come from each execution's parameters,
# so a request pays for neither building nor compiling them (SQLAlchemy caches the compiled form).
UPDATE_CALL = update(CALLS).where(CALLS.c.id == bindparam("_call_id"))
CLAIM_STEP = UPDATE_CALL.where(CALLS.c.step == bindparam("_read_step"))
INSERT_EVENT = insert(EVENTS)
INSERT_ENTRY = insert(QUEUE).returning(QUEUE.c.id)
UPDATE_ENTRY = update(QUEUE).where(QUEUE.c.id == bindparam("_entry_id"))


def load(connection: Connection, call_sid: str) -> StoredCall | None:
    """The call Twilio names by CallSid, with its queue entry; None if the line has no record of it."""
    row = first_read(connection, LOAD_CALL, {"call_sid": call_sid})
    return None if row is None else from_row(row)


def first_read(
    connection: Connection, statement: Executable, parameters: dict[str, Any]
) -> RowMapping | None:
    """The first row of a request's first read: LOAD_CALL, or a statement with its columns and more."""
    try:
        result = connection.execute(statement, parameters)
    except DBAPIError as error:
        # The database dropped the pooled connection (a restart, a failover): the pool discards
        # it and every older one, and this first read of the request is tried once more.
        if not error.connection_invalidated:
            raise
        connection.rollback()
        result = connection.execute(statement, parameters)
    return result.mappings().first()


def from_row(row: RowMapping) -> StoredCall:
    """The call (and its queue entry) in a row of LOAD_CALL's columns."""
    call = StoredCall.read({name: row[name] for name in CALL_FIELDS})
    if row["entry_id"] is not None:
        call.queue_entry = StoredEntry.read({name: row[f"entry_{name}"] for name in ENTRY_FIELDS})
    return call


def last_response(connection: Connection, call_sid: str) -> str | None:
    """The TwiML the call was last answered with, for a request Twilio repeats."""
    return connection.scalar(LAST_RESPONSE, {"call_sid": call_sid})


@functools.cache
def insert_once(dialect_name: str, table: Table) -> Insert:
    """INSERT ... RETURNING id that does nothing, and returns no row, where a unique key holds one."""
    if dialect_name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing().returning(table.c.id)
    return sqlite.insert(table).on_conflict_do_nothing().returning(table.c.id)


def save(
    connection: Connection,
    call: StoredCall,
    *,
    answer: str | None = None,
    event: Mapping[str, Any] | None = None,
) -> bool:
    """Write the call's changes, its queue entry's and the step's event, and commit them together.

    Returns False, with nothing written, if another delivery of the same request took the step
    first (or inserted the same new call): the caller should answer as that delivery did.
    """
    values = call.changes()
    if answer is not None:
        values["last_response"] = answer
    if connection.dialect.name == "postgresql":
        return save_in_one_statement(connection, call, values, event)
    if call.id is None:
        call_id = connection.execute(insert_once(connection.dialect.name, CALLS), values).scalar()
        if call_id is None:
            connection.rollback()
            return False
        call.id = call_id
    elif values:
        # A new step is claimed only from the step that was read: one delivery of a request wins.
        if "step" in values:
            updated = connection.execute(
                CLAIM_STEP, values | {"_call_id": call.id, "_read_step": call.read_step}
            )
        else:
            updated = connection.execute(UPDATE_CALL, values | {"_call_id": call.id})
        if updated.rowcount != 1:
            connection.rollback()
            return False
    entry = call.queue_entry
    if entry is not None:
        save_entry(connection, entry, call.id)
    if event is not None:
        connection.execute(INSERT_EVENT, {"call_id": call.id, **event})
    connection.commit()
    call.saved()
    if entry is not None:
        entry.saved()
    return True


def save_entry(connection: Connection, entry: StoredEntry, call_id: int | None = None) -> None:
    """Write a queue entry's changes (or insert a new one); the caller commits."""
    values = entry.changes()
    if entry.id is None:
        entry.call_id = call_id
        values["call_id"] = call_id
        entry.id = connection.execute(INSERT_ENTRY, values).scalar_one()
    elif values:
        connection.execute(UPDATE_ENTRY, values | {"_entry_id": entry.id})


# --- PostgreSQL: every write of a request in one statement ------------------------------------
#
# On PostgreSQL each statement is a network round trip, and BEGIN and COMMIT are two more. The
# webhook's connection runs in autocommit (ivr.db, "ivr.webhook_engine"), and the call's update, its
# queue entry and the step's event go out as one statement of data-modifying CTEs: one round
# trip instead of five, atomic as any single statement is. SQLite has no such CTEs, and no round
# trips to save: it takes the path above.


@dataclass(frozen=True)
class _Shape:
    """Which writes a save makes: the statement for each shape is built once."""

    new_call: bool
    call_columns: frozenset[str]
    claim: bool
    entry: str | None  # "new", "changed" or None
    entry_columns: frozenset[str]
    event: bool


EVENT_COLUMNS = ("at", "step", "state", "event", "input_kind", "value", "result")


def save_in_one_statement(
    connection: Connection, call: StoredCall, values: dict[str, Any], event: Mapping[str, Any] | None
) -> bool:
    entry = call.queue_entry
    entry_values = entry.changes() if entry is not None else {}
    entry_values.pop("call_id", None)  # a new entry takes the call's id inside the statement
    shape = _Shape(
        new_call=call.id is None,
        call_columns=frozenset(values),
        claim=call.id is not None and "step" in values,
        entry=None if entry is None else "new" if entry.id is None else "changed" if entry_values else None,
        entry_columns=frozenset(entry_values),
        event=event is not None,
    )
    parameters: dict[str, Any] = {"_call_id": call.id, "_read_step": call.read_step}
    parameters |= {f"c_{name}": value for name, value in values.items()}
    parameters |= {f"q_{name}": value for name, value in entry_values.items()}
    parameters["_entry_id"] = entry.id if entry is not None else None
    parameters |= {f"e_{name}": value for name, value in (event or {}).items()}
    saved = connection.execute(_one_statement(shape), parameters).first()
    # A no-op on the webhooks' connections, made in autocommit (ivr.db); any other connection
    # (a job's, a test's) must not lose what it wrote when it goes back to the pool.
    if saved is None:
        connection.rollback()
        return False  # another delivery took the step (or made the call) first; nothing written
    connection.commit()
    call.id = saved.call_id
    call.saved()
    if entry is not None:
        if entry.id is None:
            entry.id, entry.call_id = saved.entry_id, call.id
        entry.saved()
    return True


def _binds(table: Table, prefix: str, names: frozenset[str]) -> dict[str, Any]:
    return {name: bindparam(prefix + name, type_=table.c[name].type) for name in sorted(names)}


@functools.cache
def _one_statement(shape: _Shape) -> Select[Any]:
    """WITH saved_call AS (INSERT|UPDATE|SELECT ... RETURNING id), saved_entry AS (...),
    logged AS (INSERT INTO call_events ...) SELECT the ids: no row when the step was not claimed."""
    if shape.new_call:
        saved_call = (
            postgresql.insert(CALLS)
            .values(_binds(CALLS, "c_", shape.call_columns))
            .on_conflict_do_nothing()
            .returning(CALLS.c.id)
            .cte("saved_call")
        )
    elif shape.call_columns:
        where = [CALLS.c.id == bindparam("_call_id")]
        if shape.claim:
            where.append(CALLS.c.step == bindparam("_read_step"))
        saved_call = (
            update(CALLS)
            .where(*where)
            .values(_binds(CALLS, "c_", shape.call_columns))
            .returning(CALLS.c.id)
            .cte("saved_call")
        )
    else:
        saved_call = select(CALLS.c.id).where(CALLS.c.id == bindparam("_call_id")).cte("saved_call")
    query = select(saved_call.c.id.label("call_id"))
    if shape.entry == "new":
        columns = _binds(QUEUE, "q_", shape.entry_columns)
        saved_entry = (
            insert(QUEUE)
            .from_select(["call_id", *columns], select(saved_call.c.id, *columns.values()))
            .returning(QUEUE.c.id)
            .cte("saved_entry")
        )
        query = query.add_columns(saved_entry.c.id.label("entry_id")).select_from(
            saved_call.outerjoin(saved_entry, true())
        )
    elif shape.entry == "changed":
        changed = (
            update(QUEUE)
            .where(QUEUE.c.id == bindparam("_entry_id"), exists(select(saved_call.c.id)))
            .values(_binds(QUEUE, "q_", shape.entry_columns))
            .returning(QUEUE.c.id)
            .cte("saved_entry")
        )
        query = query.add_cte(changed)
    if shape.event:
        columns = _binds(EVENTS, "e_", frozenset(EVENT_COLUMNS))
        logged = (
            insert(EVENTS)
            .from_select(["call_id", *columns], select(saved_call.c.id, *columns.values()))
            .returning(EVENTS.c.id)
            .cte("logged")
        )
        query = query.add_cte(logged)
    return query
