"""`flask ivr journal`: callbacks kept while the database was away (ivr/journal.py), shown and replayed."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from ivr import journal

journal_group = AppGroup("journal", help="Callbacks kept in the local journal while the database was away.")


@journal_group.command("status")
def status_command() -> None:
    """How many callbacks wait to be replayed, and how many were put aside."""
    kept = journal.journal_of(current_app)
    waiting, rejected = kept.status()
    click.echo(f"{kept.path}: {waiting} waiting to be replayed, {rejected} put aside")
    if rejected:
        click.echo(f"Put aside (their webhook refused them): {kept.rejected_path}; each line says why.")
    if waiting and not rejected:
        click.echo("Run `flask --app app ivr journal replay` once the database is back.")


@journal_group.command("replay")
def replay_command() -> None:
    """Deliver the kept callbacks to their webhooks again, in order; each is applied once."""
    replayed = journal.replay(current_app)
    if replayed.skipped:
        raise click.ClickException("Another worker is replaying the journal now: try again in a minute.")
    click.echo(f"{replayed.applied} replayed, {replayed.rejected} put aside, {replayed.left} left")
    if replayed.left:
        raise click.ClickException(
            "The database could not take the rest: check DATABASE_URL and that the server is up, then run "
            "`flask --app app ivr journal replay` again."
        )
