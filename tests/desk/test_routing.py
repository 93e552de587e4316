"""Who an operator gets: the line's order (priority, aging, who came first), in the languages they take."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from ivr.calls.queue import load_waiting
from ivr.desk import assign
from ivr.models import Call, Connection, QueueEntry
from ivr.routing import Pool, order_key, pool_of, pools_served
from tests.desk.conftest import NOW, add_operator, add_waiting


def test_each_caller_belongs_to_the_pool_of_operators_who_can_take_them() -> None:
    assert pool_of("en", None) is Pool.ENGLISH
    assert pool_of("es", None) is Pool.SPANISH
    assert pool_of("pt", "pt") is Pool.INTERPRETER
    assert pool_of(None, "other") is Pool.INTERPRETER
    assert pool_of(None, None) is Pool.UNCHOSEN  # heard English and Spanish, chose neither


def test_operators_serve_their_languages_and_interpreter_calls_only_when_flagged() -> None:
    assert pools_served(["en"], False) == {Pool.ENGLISH, Pool.UNCHOSEN}
    assert pools_served(["es", "en"], False) == {Pool.ENGLISH, Pool.SPANISH, Pool.UNCHOSEN}
    assert pools_served(["es"], True) == {Pool.SPANISH, Pool.UNCHOSEN, Pool.INTERPRETER}
    assert pools_served([], True) == {Pool.INTERPRETER}
    assert pools_served(["pt"], False) == set()  # a language without operators of its own


def offered(app: Flask, operator_id: int) -> str | None:
    """The call an operator was just offered (its CallSid), or None."""
    with app.extensions["ivr.db"]() as session:
        found = session.scalar(
            select(Call.call_sid)
            .join(Connection, Connection.call_id == Call.id)
            .where(Connection.operator_id == operator_id, Connection.ended_at.is_(None))
        )
        return found


def take_next(app: Flask, operator_id: int) -> str | None:
    """The operator goes available; the caller they are offered leaves the line (a call taken)."""
    engine = app.extensions["ivr.engine"]
    ready, _ = assign.go_available(engine, "operators", operator_id, NOW)
    assert ready
    taken = offered(app, operator_id)
    with app.extensions["ivr.db"]() as session:
        for connection in session.scalars(select(Connection).where(Connection.ended_at.is_(None))):
            connection.ended_at, connection.result = NOW, "answered"
            entry = session.scalar(select(QueueEntry).where(QueueEntry.call_id == connection.call_id))
            assert entry is not None
            entry.left_at, entry.result = NOW, "bridged"
        session.commit()
    return taken


def test_spanish_callers_go_to_spanish_speaking_operators_only(app: Flask) -> None:
    add_waiting(app, "CA-es", language="es")
    english = add_operator(app, "english", languages="en")
    assert take_next(app, english) is None
    spanish = add_operator(app, "spanish", languages="es")
    assert take_next(app, spanish) == "CA-es"


def test_other_languages_go_only_to_operators_flagged_for_interpreter_calls(app: Flask) -> None:
    add_waiting(app, "CA-ht", language="ht", needs_interpreter="ht", priority=1, waited=600)
    add_waiting(app, "CA-en", language="en", priority=3)
    bilingual = add_operator(app, "bilingual", languages="en,es")
    assert take_next(app, bilingual) == "CA-en"  # the urgent Haitian Creole caller is not theirs
    flagged = add_operator(app, "flagged", languages="en", interpreter=True)
    assert take_next(app, flagged) == "CA-ht"


def test_a_caller_who_chose_no_language_goes_to_english_or_spanish_operators(app: Flask) -> None:
    add_waiting(app, "CA-none", language=None)
    spanish = add_operator(app, "spanish", languages="es")
    assert take_next(app, spanish) == "CA-none"


@pytest.mark.parametrize("seed", [3, 11])
def test_operators_take_callers_in_the_order_the_hold_loop_tells_them(app: Flask, seed: int) -> None:
    # Mixed priorities, languages and waits (some across the five-minute aging steps): each operator
    # gets the first caller in line among the pools they serve, and that caller had just been
    # told they were number 1 (the position and the decision follow one rule).
    rng = random.Random(seed)
    kinds = [("en", None), ("es", None), ("pt", "pt"), (None, None)]
    waiting: dict[str, tuple[Pool, tuple[object, ...]]] = {}
    for index in range(36):
        language, interpreter = rng.choice(kinds)
        priority, waited = (
            rng.choice([1, 2, 3]),
            rng.choice([0, 60, 299, 300, 301, 650, 1000, rng.randrange(1500)]),
        )
        call_sid = f"CA-{index:02d}"
        call_id = add_waiting(
            app, call_sid, priority=priority, waited=waited, language=language, needs_interpreter=interpreter
        )
        entry_id = call_id  # one entry per call, made in the same order
        key = order_key(priority, NOW - timedelta(seconds=waited), entry_id, NOW)
        waiting[call_sid] = (pool_of(language, interpreter), key)
    operators = [
        add_operator(app, "en", languages="en"),
        add_operator(app, "es", languages="es"),
        add_operator(app, "interpreter", languages="", interpreter=True),
        add_operator(app, "both", languages="en,es"),
    ]
    serves = {
        operators[0]: {Pool.ENGLISH, Pool.UNCHOSEN},
        operators[1]: {Pool.SPANISH, Pool.UNCHOSEN},
        operators[2]: {Pool.INTERPRETER},
        operators[3]: {Pool.ENGLISH, Pool.SPANISH, Pool.UNCHOSEN},
    }
    for turn in range(60):
        operator = operators[turn % len(operators)]
        theirs = sorted((key, sid) for sid, (pool, key) in waiting.items() if pool in serves[operator])
        expected = theirs[0][1] if theirs else None
        if expected is not None:
            with app.extensions["ivr.webhook_engine"].connect() as connection:
                assert load_waiting(connection, expected, NOW)[1] == 1, expected
        assert take_next(app, operator) == expected, f"turn {turn}"
        waiting.pop(expected or "", None)
    assert waiting == {}
