"""The pool: several servers on one PostgreSQL database.

- `cell_locks`: lock rows (SELECT ... FOR UPDATE, never updated); the one cell "*".
- `changes`: the keys each write transaction changed, so other servers catch up their cache.
- `leases`: work one server does at a time (webhook delivery).

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    locks = op.create_table("cell_locks", sa.Column("cell", sa.String, primary_key=True))
    op.bulk_insert(locks, [{"cell": "*"}])
    op.create_table(
        "changes",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("at_s", sa.Float, nullable=False),
        sa.Column("keys", sa.Text, nullable=False),
    )
    op.create_table(
        "leases",
        sa.Column("name", sa.String, primary_key=True),
        sa.Column("holder", sa.String, nullable=False),
        sa.Column("until_s", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("leases")
    op.drop_table("changes")
    op.drop_table("cell_locks")
