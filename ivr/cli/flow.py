"""`flask ivr flow`: the caller's journey as a table for supervisors."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from ivr.journey import flow


@click.command("flow")
@with_appcontext
def flow_command() -> None:
    """Print the caller's journey as a table: each menu, what it takes, its safe default."""
    rows = [("menu", "keys", "safe default"), *flow.describe()]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
