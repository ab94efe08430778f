"""The engine's tables: parties, declarations and their versions, conflicts, notices, ledger.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "parties",
        sa.Column("id", sa.String, primary_key=True),
        sa.Column("name", sa.String, nullable=False),
    )
    op.create_table(
        "declarations",
        sa.Column("id", sa.String, primary_key=True),
        sa.Column("party", sa.String, sa.ForeignKey("parties.id"), nullable=False),
        sa.Column("kind", sa.String, nullable=False),
        sa.Column("priority", sa.Integer, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("state", sa.String, nullable=False),
        sa.Column("declared_at_s", sa.Float, nullable=False),
        sa.Column("purpose", sa.Text, nullable=False),
        sa.Column("volumes", sa.Text, nullable=False),
    )
    op.create_table(
        "declaration_versions",
        sa.Column("id", sa.String, primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("party", sa.String, nullable=False),
        sa.Column("kind", sa.String, nullable=False),
        sa.Column("priority", sa.Integer, nullable=False),
        sa.Column("declared_at_s", sa.Float, nullable=False),
        sa.Column("volumes", sa.Text, nullable=False),
    )
    op.create_table(
        "conflicts",
        sa.Column("a", sa.String, primary_key=True),
        sa.Column("b", sa.String, primary_key=True),
        sa.Column("a_version", sa.Integer, nullable=False),
        sa.Column("b_version", sa.Integer, nullable=False),
        sa.Column("detected_at_s", sa.Float, nullable=False),
        sa.Column("volumes", sa.Text, nullable=False),
    )
    op.create_table(
        "late_notices",
        sa.Column("declaration_id", sa.String, primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("notice_s", sa.Float, nullable=False),
        sa.Column("required_s", sa.Float, nullable=False),
    )
    op.create_table(
        "notices",
        sa.Column("id", sa.String, primary_key=True),
        sa.Column("to_party", sa.String, nullable=False, index=True),
        sa.Column("reason", sa.String, nullable=False),
        sa.Column("about", sa.String, nullable=False, index=True),
        sa.Column("about_version", sa.Integer, nullable=False),
        sa.Column("other", sa.String),
        sa.Column("sent_at_s", sa.Float, nullable=False),
        sa.Column("deadline_s", sa.Float, nullable=False),
        sa.Column("state", sa.String, nullable=False, index=True),
        sa.Column("acknowledged_at_s", sa.Float),
        sa.Column("escalated_at_s", sa.Float),
    )
    op.create_table(
        "ledger",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("at_s", sa.Float, nullable=False),
        sa.Column("actor", sa.String, nullable=False),
        sa.Column("kind", sa.String, nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_table(
        "ledger_head",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    for table in ("ledger_head", "ledger", "notices", "late_notices", "conflicts",
                  "declaration_versions", "declarations", "parties"):
        op.drop_table(table)
