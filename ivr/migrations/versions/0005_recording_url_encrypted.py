"""Voicemails' recording URLs are encrypted at rest like the rest of a caller's data

Revision ID: 0005
Revises: 0004

The column stays text; its values become Fernet tokens under the newest IVR_DATA_KEY. A value that
already decrypts is left as it is, so the migration can be run again after a partial run.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from ivr.crypto import Vault, active_vault

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

voicemails = sa.table("voicemails", sa.column("id", sa.Integer), sa.column("recording_url", sa.Text))


def vault() -> Vault:
    try:
        return active_vault()
    except RuntimeError:
        raise RuntimeError(
            "Migration 0005 encrypts recording URLs with IVR_DATA_KEY: run it through the app, "
            "`flask --app app ivr db upgrade`, not Alembic's own command."
        ) from None


def readable(keys: Vault, value: str) -> bool:
    try:
        keys.decrypt(value)
        return True
    except ValueError:
        return False


def upgrade() -> None:
    keys, connection = vault(), op.get_bind()
    rows = connection.execute(
        sa.select(voicemails.c.id, voicemails.c.recording_url).where(voicemails.c.recording_url.is_not(None))
    ).all()
    for row in rows:
        if not readable(keys, row.recording_url):
            connection.execute(
                voicemails.update()
                .where(voicemails.c.id == row.id)
                .values(recording_url=keys.encrypt(row.recording_url))
            )


def downgrade() -> None:
    keys, connection = vault(), op.get_bind()
    rows = connection.execute(
        sa.select(voicemails.c.id, voicemails.c.recording_url).where(voicemails.c.recording_url.is_not(None))
    ).all()
    for row in rows:
        if readable(keys, row.recording_url):
            connection.execute(
                voicemails.update()
                .where(voicemails.c.id == row.id)
                .values(recording_url=keys.decrypt(row.recording_url))
            )
