"""The line's database: what the engine hands back, and the connection or session each request gets."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, datetime

import pytest
from flask import Flask, g
from psycopg._queries import MAX_CACHED_STATEMENT_LENGTH, MAX_CACHED_STATEMENT_PARAMS
from sqlalchemy import event, func, select, text
from sqlalchemy.orm import Session

from ivr.db import get_session
from ivr.journey.machine import State
from ivr.models import Call
from tests.conftest import Caller


def test_results_of_the_same_shape_keep_their_own_column_names(app: Flask) -> None:
    # On PostgreSQL the engine's cursor reuses the columns a result shape described before
    # (ivr.db.described_once_cursor): names and types are part of the shape.
    engine = app.extensions["ivr.engine"]
    with engine.connect() as connection:
        for _ in range(3):
            first = connection.execute(text("SELECT 1 AS step, 'x' AS state")).mappings().one()
            second = connection.execute(text("SELECT 2 AS attempts, 'y' AS language")).mappings().one()
            third = connection.execute(text("SELECT 'z' AS step, 3 AS state")).mappings().one()
            assert dict(first) == {"step": 1, "state": "x"}
            assert dict(second) == {"attempts": 2, "language": "y"}
            assert dict(third) == {"step": "z", "state": 3}
            assert connection.execute(text("SELECT 1 AS step WHERE false")).first() is None


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="psycopg's cache: PostgreSQL only")
def test_every_statement_of_a_call_is_one_psycopg_keeps_converted(app: Flask) -> None:
    # psycopg converts a statement's placeholders once and keeps it, unless the statement is over
    # 4 KB or has over 50 parameters: then it parses it again on every execution. The hold loop's
    # read once grew past 4 KB and spent more on that than on the rest of the read.
    sent: list[tuple[str, int]] = []

    def keep(_conn: object, _cursor: object, statement: str, parameters: object, *_: object) -> None:
        sent.append((statement, len(parameters) if isinstance(parameters, Mapping) else 0))

    engine = app.extensions["ivr.webhook_engine"]
    event.listen(engine, "before_cursor_execute", keep)
    try:
        caller = Caller(app.test_client())
        caller.call()
        # English, other reasons, case information, attorney, A-number, yes
        for digits in ("1", "4", "4", "3", "012345678#", "1"):
            caller.press(digits)
        caller.wait_in_queue(queue_time=5)
        caller.wait_in_queue(queue_time=40)
        caller.leave_queue("hangup")
        caller.hang_up()
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    assert any("queue_entries AS ahead" in statement for statement, _ in sent)  # the hold loop's read
    for statement, parameters in sent:
        assert len(statement.encode()) <= MAX_CACHED_STATEMENT_LENGTH, statement[:200]
        assert parameters <= MAX_CACHED_STATEMENT_PARAMS, statement[:200]


def test_a_page_has_one_session_for_its_request_closed_and_rolled_back_after(app: Flask) -> None:
    seen: list[Session] = []

    def page() -> str:
        session = get_session()
        assert get_session() is session  # the same session however often a page asks
        seen.append(session)
        session.add(Call(call_sid="CA" + "6" * 32, started_at=datetime.now(UTC), state=State.ENDED))
        session.flush()  # written, never committed
        assert session.in_transaction()
        return "ok"

    app.add_url_rule("/page", view_func=page)
    client = app.test_client()
    assert client.get("/page").status_code == 200
    assert client.get("/page").status_code == 200  # the same call again: the first was rolled back
    first, second = seen
    assert first is not second and not first.in_transaction() and not second.in_transaction()
    with app.extensions["ivr.db"]() as session:
        assert session.scalar(select(func.count()).select_from(Call)) == 0


def test_a_webhook_takes_the_connection_and_never_opens_a_session(app: Flask) -> None:
    opened: list[str] = []

    @app.teardown_request
    def note_what_was_opened(_error: BaseException | None) -> None:
        opened.extend(name for name in ("db_connection", "db_session") if name in g)

    caller = Caller(app.test_client())
    caller.call()
    caller.press("1")
    assert opened == ["db_connection", "db_connection"]
