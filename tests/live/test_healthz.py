"""/healthz: the database reached and migrated, or what is wrong; no sign-in, no personal data."""

from __future__ import annotations

import json
from pathlib import Path

from alembic.script import ScriptDirectory
from flask import Flask

from ivr import create_app, db
from ivr.health import newest_revisions
from tests.conftest import settings_env

# The newest migration, whichever it is when these run.
NEWEST = ", ".join(sorted(newest_revisions()))


def test_a_migrated_line_is_healthy(app: Flask) -> None:
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "problems": []}
    assert response.headers["Cache-Control"] == "no-store"


def test_a_database_behind_the_code_is_unhealthy_and_says_how_to_mend_it(tmp_path: Path) -> None:
    app = create_app(settings_env(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'behind.sqlite3'}"))
    db.upgrade(app, "0002")

    response = app.test_client().get("/healthz")

    assert response.status_code == 503
    assert json.loads(response.data) == {
        "status": "unavailable",
        "problems": [
            f"the database is at revision 0002, this code needs {NEWEST}: "
            "run `flask --app app ivr db upgrade`"
        ],
    }
    db.dispose(app)


def test_an_unreachable_database_is_named_without_its_address(tmp_path: Path) -> None:
    app = create_app(settings_env(tmp_path, DATABASE_URL="postgresql+psycopg://line:secret@127.0.0.1:9/ivr"))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    (problem,) = response.json["problems"]
    assert problem.startswith("the database cannot be reached (OperationalError)")
    assert "127.0.0.1" not in problem and "secret" not in problem


def test_the_newest_revision_read_from_the_files_is_alembics() -> None:
    scripts = ScriptDirectory(str(db.MIGRATIONS))
    assert newest_revisions() == frozenset(scripts.get_heads())
