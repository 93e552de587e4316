"""The line's database engine: what it hands back is what was asked, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Mapping

import pytest
from flask import Flask
from psycopg._queries import MAX_CACHED_STATEMENT_LENGTH, MAX_CACHED_STATEMENT_PARAMS
from sqlalchemy import event, text

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
        for digits in ("1", "3", "7", "012345678#", "1"):  # English, attorney, case, A-number, yes
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
