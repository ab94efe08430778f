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
