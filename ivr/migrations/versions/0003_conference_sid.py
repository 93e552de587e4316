"""Connections remember Twilio's conference SID, to add an interpreter or a field office to it

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 09:00:00.000000

"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0003"
down_revision: Union[str, Sequence[str], None] = "0002"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("connections", schema=None) as batch_op:
        batch_op.add_column(sa.Column("conference_sid", sa.String(length=64), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("connections", schema=None) as batch_op:
        batch_op.drop_column("conference_sid")
