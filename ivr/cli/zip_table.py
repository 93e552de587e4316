"""`flask ivr zip-table`: write the ZIP codes' states and counties from the `zipcodes` package."""

from __future__ import annotations

import click

from ivr.rules.zip_codes import TABLE, read_table, rows_from_package, write_table


@click.command("zip-table")
def zip_table_command() -> None:
    """Write ivr/rules/zip_counties.tsv.gz from the zipcodes package (after upgrading it)."""
    rows = rows_from_package()
    changed = sum(1 for _ in set(rows) ^ set(read_table(TABLE))) if TABLE.exists() else len(rows)
    write_table(rows)
    click.echo(f"{TABLE}: {len(rows):,} ZIP codes, {changed:,} rows added or removed")
