"""`flask ivr keys rotate`: encrypt every stored value anew with the newest IVR_DATA_KEY.

IVR_DATA_KEY lists the keys newest first: the first encrypts, all decrypt. A new key put first
protects what is written from then on; what was written before stays under the old keys until this
command encrypts it anew, after which the old keys can be removed. The callers' keyed fingerprints
follow the newest key too, and are computed anew from the numbers here.

Safe while the line runs (after its restart with the new key first): each row is written only if
it still holds what was read, so a webhook's newer write is never overwritten; a row that changed
meanwhile was written with the newest key by the line itself, and is counted, not touched.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import Column, Connection, Engine, RowMapping, Table, Text, select, type_coerce, update

from ivr.cli.ready import database_ready
from ivr.crypto import Encrypted, Vault, active_vault
from ivr.models import Base

# A column whose keyed fingerprint is stored beside it: computed anew with the newest key.
FINGERPRINTED = {("calls", "caller_number"): "caller_fingerprint"}
ANEW, NEWEST, UNREADABLE, CHANGED = "anew", "newest", "unreadable", "changed"


@click.group("keys", cls=AppGroup)
def keys_group() -> None:
    """The keys that encrypt callers' data at rest (IVR_DATA_KEY)."""


@keys_group.command("rotate")
@click.option("--batch", default=500, show_default=True, help="Rows read and written per transaction.")
@with_appcontext
def keys_rotate(batch: int) -> None:
    """Encrypt every stored value anew with the newest key, so the older keys can be removed."""
    database_ready()
    counts: Counter[tuple[str, str]] = Counter()
    engine: Engine = current_app.extensions["ivr.engine"]
    for table, columns in encrypted_tables():
        rotate_table(engine, table, columns, batch, counts)
        for column in columns:
            name = f"{table.name}.{column.name}"
            fingerprints = FINGERPRINTED.get((table.name, column.name))
            click.echo(
                f"{name}: {counts[name, ANEW]} encrypted anew, {counts[name, NEWEST]} already under the "
                "newest key" + (f" ({fingerprints} computed anew with them)" if fingerprints else "")
            )
    unreadable = sum(count for (_, kind), count in counts.items() if kind == UNREADABLE)
    changed = sum(count for (_, kind), count in counts.items() if kind == CHANGED)
    if unreadable:
        raise click.ClickException(
            f"{unreadable} values cannot be decrypted with any key in IVR_DATA_KEY: add the key that "
            "encrypted them (after the newest) and run `flask --app app ivr keys rotate` again."
        )
    if changed:
        raise click.ClickException(
            f"{changed} rows changed while they were being encrypted anew (by the line, with the newest "
            "key): run `flask --app app ivr keys rotate` again to be sure of the rest."
        )
    click.echo("Every value is under the newest key: the older keys can be removed from IVR_DATA_KEY.")


def encrypted_tables() -> Iterator[tuple[Table, list[Column[Any]]]]:
    """Each table with encrypted columns, and those columns, from the models (the one source)."""
    for table in Base.metadata.sorted_tables:
        columns = [column for column in table.columns if isinstance(column.type, Encrypted)]
        if columns:
            yield table, columns


def rotate_table(
    engine: Engine, table: Table, columns: list[Column[Any]], batch: int, counts: Counter[tuple[str, str]]
) -> None:
    """The table's rows in batches of `batch`, by id, each batch in its own transaction."""
    vault, last_id = active_vault(), 0
    # Read and written as stored (Text), past the column type that decrypts and encrypts.
    stored = [type_coerce(column, Text).label(column.name) for column in columns]
    while True:
        with engine.begin() as connection:
            rows = connection.execute(
                select(table.c.id, *stored).where(table.c.id > last_id).order_by(table.c.id).limit(batch)
            ).all()
            for row in rows:
                rotate_row(connection, vault, table, columns, row._mapping, counts)
        if len(rows) < batch:
            return
        last_id = rows[-1].id


def rotate_row(
    connection: Connection,
    vault: Vault,
    table: Table,
    columns: list[Column[Any]],
    row: RowMapping,
    counts: Counter[tuple[str, str]],
) -> None:
    values: dict[str, object] = {}
    for column in columns:
        name, token = f"{table.name}.{column.name}", row[column.name]
        if token is None:
            continue
        try:
            anew = vault.rotated(token)
        except ValueError:
            counts[name, UNREADABLE] += 1
            continue
        counts[name, NEWEST if anew is None else ANEW] += 1
        if anew is not None:
            values[column.name] = type_coerce(anew, Text)
            fingerprint = FINGERPRINTED.get((table.name, column.name))
            if fingerprint is not None:
                values[fingerprint] = vault.fingerprint(vault.decrypt(token))
    if not values:
        return
    # Written only if the row still holds what was read: the line's newer write wins.
    unchanged = [type_coerce(column, Text) == row[column.name] for column in columns if row[column.name]]
    written = connection.execute(update(table).where(table.c.id == row["id"], *unchanged).values(values))
    if written.rowcount != 1:
        counts[table.name, CHANGED] += 1
