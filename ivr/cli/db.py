"""`flask ivr db`: create or migrate the line's database."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from ivr import db


@click.group("db", cls=AppGroup)
def db_group() -> None:
    """The line's database."""


@db_group.command("upgrade")
@with_appcontext
def db_upgrade() -> None:
    """Create or migrate the database schema to the newest revision."""
    db.upgrade(current_app)
    click.echo("Database is up to date.")
