"""A command that needs the database stops with what to do when it cannot serve (not a traceback)."""

from __future__ import annotations

import click
from flask import current_app


def database_ready() -> None:
    """Stop with the administrator's next step if the database is unreachable or not migrated."""
    from ivr.health import database_problems

    problems = database_problems(current_app.extensions["ivr.engine"], driver_detail=True)
    if problems:
        raise click.ClickException("; ".join(problems))
