"""Party keys: each party may register an Ed25519 public key, and its signed requests over /v1
are verified with it (issue 11).

Revision ID: 0004_party_keys
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_party_keys"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("parties") as batch:
        batch.add_column(sa.Column("public_key", sa.String, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("parties") as batch:
        batch.drop_column("public_key")
