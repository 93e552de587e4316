"""Is the line's database there and migrated? For /healthz and the web process's start-up check.

The newest revision is read from the migration files themselves, not through Alembic: a web worker
never imports Alembic (~11 MB, tests/devtools/test_web_imports.py). A test checks that this reading
agrees with Alembic's.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

from flask import Blueprint, Flask, Response, current_app
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

VERSIONS = Path(__file__).resolve().parent / "migrations" / "versions"
_REVISION = re.compile(r"^revision\b[^=\n]*=\s*[\"'](\w+)[\"']", re.MULTILINE)
_DOWN_REVISION = re.compile(r"^down_revision\b[^=\n]*=(.*)$", re.MULTILINE)
UPGRADE = "run `flask --app app ivr db upgrade`"

bp = Blueprint("health", __name__)


def newest_revisions() -> frozenset[str]:
    """The head revision(s) of the migrations shipped with this code (one, unless a merge is due)."""
    revisions, parents = _revisions()
    return revisions - parents


@functools.cache
def _revisions() -> tuple[frozenset[str], frozenset[str]]:
    """Every revision shipped with this code, and those a later one follows."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in VERSIONS.glob("*.py"):
        source = path.read_text()
        revision = _REVISION.search(source)
        down = _DOWN_REVISION.search(source)
        if revision is None:
            continue
        revisions.add(revision[1])
        if down is not None:
            parents.update(re.findall(r"[\"'](\w+)[\"']", down[1]))
    return frozenset(revisions), frozenset(parents)


def database_problems(engine: Engine, driver_detail: bool = False) -> list[str]:
    """What keeps the line from working with this database, in words an administrator acts on.

    `driver_detail` adds the driver's reason (refused, unknown host, password refused): for the
    administrator starting the line, not for /healthz, which anyone who reaches the line may read.
    """
    try:
        with engine.connect() as connection:
            if not engine.dialect.has_table(connection, "alembic_version"):
                return [f"the database has no tables yet: {UPGRADE}"]
            found = set(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())
    except SQLAlchemyError as error:
        # The driver's first line says why; the URL itself is never printed: it may hold the password.
        reason = type(error).__name__
        if driver_detail:
            first_line = (str(getattr(error, "orig", None) or error).strip().splitlines() or [""])[0]
            reason += f": {first_line[:200]}"
        return [f"the database cannot be reached ({reason}): check DATABASE_URL and that the server runs"]
    expected = newest_revisions()
    if found == expected:
        return []
    have = ", ".join(sorted(found)) or "none"
    if found - _revisions()[0]:
        # Newer than this code, or a branch it does not know: upgrading would not help.
        return [
            f"the database is at revision {have}, which this code does not know (it expects "
            f"{', '.join(sorted(expected))}): deploy the code that migrated it, or restore a backup"
        ]
    return [f"the database is at revision {have}, this code needs {', '.join(sorted(expected))}: {UPGRADE}"]


@bp.get("/healthz")
def healthz() -> Response:
    """The database reached and migrated: 200, or 503 with what is wrong (no personal data)."""
    problems = database_problems(current_app.extensions["ivr.webhook_engine"])
    body = {"status": "ok" if not problems else "unavailable", "problems": problems}
    response = Response(json.dumps(body) + "\n", status=503 if problems else 200, mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
