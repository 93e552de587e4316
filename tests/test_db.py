"""The line's database engine: what it hands back is what was asked, on SQLite and PostgreSQL."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import text


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
