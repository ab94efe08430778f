"""The DSS's tables: operational intent and constraint references, subscriptions, USS
availability, reports.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dss_operational_intents",
        sa.Column("id", sa.String, primary_key=True),
        sa.Column("manager", sa.String, nullable=False, index=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("state", sa.String, nullable=False),
        sa.Column("ovn", sa.String, nullable=False),
        sa.Column("uss_base_url", sa.Text, nullable=False),
        sa.Column("subscription_id", sa.String),
        sa.Column("extents", sa.Text, nullable=False),
        sa.Column("updated_at_s", sa.Float, nullable=False),
    )
    op.create_table(
        "dss_constraints",
        sa.Column("id", sa.String, primary_key=True),
        sa.Column("manager", sa.String, nullable=False, index=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("ovn", sa.String, nullable=False),
        sa.Column("uss_base_url", sa.Text, nullable=False),
        sa.Column("extents", sa.Text, nullable=False),
        sa.Column("updated_at_s", sa.Float, nullable=False),
    )
    op.create_table(
        "dss_subscriptions",
        sa.Column("id", sa.String, primary_key=True),
        sa.Column("manager", sa.String, nullable=False, index=True),
        sa.Column("version", sa.String, nullable=False),
        sa.Column("notification_index", sa.Integer, nullable=False),
        sa.Column("uss_base_url", sa.Text, nullable=False),
        sa.Column("notify_for_operational_intents", sa.Integer, nullable=False),
        sa.Column("notify_for_constraints", sa.Integer, nullable=False),
        sa.Column("implicit", sa.Integer, nullable=False),
        sa.Column("extents", sa.Text, nullable=False),
        sa.Column("updated_at_s", sa.Float, nullable=False),
    )
    op.create_table(
        "dss_uss_availability",
        sa.Column("uss", sa.String, primary_key=True),
        sa.Column("availability", sa.String, nullable=False),
        sa.Column("version", sa.String, nullable=False),
    )
    op.create_table(
        "dss_reports",
        sa.Column("id", sa.String, primary_key=True),
        sa.Column("reporter", sa.String, nullable=False),
        sa.Column("at_s", sa.Float, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
    )


def downgrade() -> None:
    for table in ("dss_reports", "dss_uss_availability", "dss_subscriptions", "dss_constraints",
                  "dss_operational_intents"):
        op.drop_table(table)
