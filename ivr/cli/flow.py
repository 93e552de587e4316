"""`flask ivr flow`: the caller's journey as a table for supervisors."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from ivr.journey.declared import describe
from ivr.line import current_line


@click.command("flow")
@with_appcontext
def flow_command() -> None:
    """Print the caller's journey as a table: each menu, its prompt, what it takes, its safe default.

    The table is made from the menus' declaration (ivr/journey/menus.py), never typed by hand.
    """
    rows = [("menu", "prompt", "keys and words", "safe default"), *describe(current_line().languages)]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
