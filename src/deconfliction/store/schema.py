"""Table definitions (SQLAlchemy Core). Alembic migrations create them; code reads them from here."""

from __future__ import annotations

from sqlalchemy import Column, Float, ForeignKey, Integer, MetaData, String, Table, Text

metadata = MetaData()

parties = Table(
    "parties", metadata,
    Column("id", String, primary_key=True),
    Column("name", String, nullable=False, default=""),
)

declarations = Table(
    "declarations", metadata,
    Column("id", String, primary_key=True),
    Column("party", String, ForeignKey("parties.id"), nullable=False),
    Column("kind", String, nullable=False),
    Column("priority", Integer, nullable=False),
    Column("version", Integer, nullable=False),
    Column("state", String, nullable=False),
    Column("declared_at_s", Float, nullable=False),
    Column("purpose", Text, nullable=False, default=""),
    Column("volumes", Text, nullable=False),  # JSON list of F3548 Volume4D
)

declaration_versions = Table(
    "declaration_versions", metadata,
    Column("id", String, primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("party", String, nullable=False),
    Column("kind", String, nullable=False),
    Column("priority", Integer, nullable=False),
    Column("declared_at_s", Float, nullable=False),
    Column("volumes", Text, nullable=False),
)

conflicts = Table(
    "conflicts", metadata,
    Column("a", String, primary_key=True),
    Column("b", String, primary_key=True),
    Column("a_version", Integer, nullable=False),
    Column("b_version", Integer, nullable=False),
    Column("detected_at_s", Float, nullable=False),
    Column("volumes", Text, nullable=False),  # JSON [{i, j, area_m2, altitude_m, time_s}]
)

late_notices = Table(
    "late_notices", metadata,
    Column("declaration_id", String, primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("notice_s", Float, nullable=False),
    Column("required_s", Float, nullable=False),
)

notices = Table(
    "notices", metadata,
    Column("id", String, primary_key=True),
    Column("to_party", String, nullable=False, index=True),
    Column("reason", String, nullable=False),
    Column("about", String, nullable=False, index=True),
    Column("about_version", Integer, nullable=False),
    Column("other", String),
    Column("sent_at_s", Float, nullable=False),
    Column("deadline_s", Float, nullable=False),
    Column("state", String, nullable=False, index=True),
    Column("acknowledged_at_s", Float),
    Column("escalated_at_s", Float),
)

ledger = Table(
    "ledger", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("at_s", Float, nullable=False),
    Column("actor", String, nullable=False),
    Column("kind", String, nullable=False),
    Column("payload", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

ledger_head = Table(
    "ledger_head", metadata,
    Column("id", Integer, primary_key=True),
    Column("seq", Integer, nullable=False),
    Column("hash", String(64), nullable=False),
)

# -- ASTM F3548-21 DSS (migration 0002) -------------------------------------------------------
# Extents are stored as JSON lists of F3548 Volume4D with times as POSIX seconds (lossless).

dss_operational_intents = Table(
    "dss_operational_intents", metadata,
    Column("id", String, primary_key=True),
    Column("manager", String, nullable=False, index=True),
    Column("version", Integer, nullable=False),
    Column("state", String, nullable=False),
    Column("ovn", String, nullable=False),
    Column("uss_base_url", Text, nullable=False),
    Column("subscription_id", String),
    Column("extents", Text, nullable=False),
    Column("updated_at_s", Float, nullable=False),
)

dss_constraints = Table(
    "dss_constraints", metadata,
    Column("id", String, primary_key=True),
    Column("manager", String, nullable=False, index=True),
    Column("version", Integer, nullable=False),
    Column("ovn", String, nullable=False),
    Column("uss_base_url", Text, nullable=False),
    Column("extents", Text, nullable=False),
    Column("updated_at_s", Float, nullable=False),
)

dss_subscriptions = Table(
    "dss_subscriptions", metadata,
    Column("id", String, primary_key=True),
    Column("manager", String, nullable=False, index=True),
    Column("version", String, nullable=False),
    Column("notification_index", Integer, nullable=False),
    Column("uss_base_url", Text, nullable=False),
    Column("notify_for_operational_intents", Integer, nullable=False),
    Column("notify_for_constraints", Integer, nullable=False),
    Column("implicit", Integer, nullable=False),
    Column("extents", Text, nullable=False),
    Column("updated_at_s", Float, nullable=False),
)

dss_uss_availability = Table(
    "dss_uss_availability", metadata,
    Column("uss", String, primary_key=True),
    Column("availability", String, nullable=False),
    Column("version", String, nullable=False),
)

dss_reports = Table(
    "dss_reports", metadata,
    Column("id", String, primary_key=True),
    Column("reporter", String, nullable=False),
    Column("at_s", Float, nullable=False),
    Column("body", Text, nullable=False),
)
