"""Many deciders at once (threads, and processes as gunicorn's workers are): no caller goes to two
operators, no operator gets two callers, and the callers taken are the first in line."""

from __future__ import annotations

import multiprocessing
import os
import threading
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from ivr.db import make_engine
from ivr.desk import assign
from ivr.models import Call, Connection, OperatorState
from ivr.routing import order_key
from tests.desk.conftest import NOW, add_operator, add_waiting

pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"),
    reason="row locks taken by concurrent deciders: PostgreSQL only (SQLite lets one writer in at a time)",
)


def decide_in_a_process(database_url: str, start: Any, results: Any, rounds: int) -> None:
    """A worker process deciding, as a webhook does when a caller joins; puts the offers it made."""
    engine = make_engine(database_url)
    start.wait(60)
    try:
        results.put(sum(len(assign.decide(engine, "operators", NOW)) for _ in range(rounds)))
    except Exception as error:  # noqa: BLE001 - reported by the test
        results.put(repr(error))
    finally:
        engine.dispose()


def test_concurrent_deciders_never_double_book_a_caller_or_an_operator(app: Flask) -> None:
    # 60 callers of every priority, all waits; 24 operators who take anyone, going available at
    # once in 8 threads while 4 threads and 2 processes decide for joining callers.
    for index in range(60):
        add_waiting(
            app,
            f"CA-{index:02d}",
            priority=1 + index % 3,
            waited=(index * 37) % 900,
            language=("en", "es", None)[index % 3],
        )
    operators = [
        add_operator(app, f"op{index}", languages="en,es", state=OperatorState.OFFLINE) for index in range(24)
    ]
    engine = app.extensions["ivr.engine"]
    errors: list[BaseException] = []
    barrier = threading.Barrier(12 + 1)

    def go_available(mine: list[int]) -> None:
        try:
            barrier.wait()
            for operator_id in mine:
                assign.go_available(engine, "operators", operator_id, NOW)
        except BaseException as error:  # noqa: BLE001 - reported by the test
            errors.append(error)

    def caller_joins() -> None:
        try:
            barrier.wait()
            for _ in range(5):
                assign.decide(engine, "operators", NOW)
        except BaseException as error:  # noqa: BLE001 - reported by the test
            errors.append(error)

    threads = [threading.Thread(target=go_available, args=(operators[i::8],)) for i in range(8)]
    threads += [threading.Thread(target=caller_joins) for _ in range(4)]
    context = multiprocessing.get_context("spawn")
    start, results = context.Event(), context.Queue()
    url = app.config["IVR"].database_url
    processes = [
        context.Process(target=decide_in_a_process, args=(url, start, results, 10)) for _ in range(2)
    ]
    for process in processes:
        process.start()
    for thread in threads:
        thread.start()
    barrier.wait()
    start.set()
    for thread in threads:
        thread.join(timeout=120)
    made = [results.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=30)
    assert all(isinstance(count, int) for count in made), made
    assert errors == []

    with app.extensions["ivr.db"]() as session:
        open_offers = session.execute(
            select(Connection.call_id, Connection.operator_id).where(Connection.ended_at.is_(None))
        ).all()
        assert session.scalar(select(func.count()).select_from(Connection)) == len(open_offers)
        taken = {call_id for call_id, _ in open_offers}
        assert len(taken) == len(open_offers)  # no caller offered twice
        assert len({operator for _, operator in open_offers}) == len(open_offers)  # nor an operator
        assert len(open_offers) == len(operators)  # every operator got a caller
        # ... and the callers taken are the first 24 in line (priority raised by waiting, then age).
        calls = session.execute(select(Call.id, Call.priority, Call.started_at)).all()

    first_in_line = sorted(calls, key=lambda call: order_key(call.priority, call.started_at, call.id, NOW))
    assert taken == {call.id for call in first_in_line[: len(operators)]}
