"""Table definitions (SQLAlchemy Core): one set for every door. Alembic migrations create
them (`deconfliction db upgrade`); code reads them from here. Volumes are stored in the
lossless codec of `store.codec`."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Float, ForeignKey, Integer, MetaData, String, Table, Text

metadata = MetaData()

parties = Table(
    "parties", metadata,
    Column("id", String, primary_key=True),
    Column("name", String, nullable=False, default=""),
    Column("public_key", String, nullable=True),
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
    Column("volumes", Text, nullable=False),
    Column("ovn", String, nullable=False, default=""),
    Column("uss_base_url", Text, nullable=False, default=""),  # "" = managed by this service
    Column("subscription_id", String),
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
    Column("state", String),
    Column("ovn", String),
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
    Column("delivered_at_s", Float),
)

subscriptions = Table(
    "subscriptions", metadata,
    Column("id", String, primary_key=True),
    Column("party", String, nullable=False, index=True),
    Column("version", String, nullable=False),
    Column("notification_index", Integer, nullable=False),
    Column("uss_base_url", Text, nullable=False),
    Column("notify_for_operational_intents", Integer, nullable=False),
    Column("notify_for_constraints", Integer, nullable=False),
    Column("implicit", Integer, nullable=False),
    Column("volumes", Text, nullable=False),
    Column("updated_at_s", Float, nullable=False),
)

uss_availability = Table(
    "uss_availability", metadata,
    Column("uss", String, primary_key=True),
    Column("availability", String, nullable=False),
    Column("version", String, nullable=False),
)

reports = Table(
    "reports", metadata,
    Column("id", String, primary_key=True),
    Column("reporter", String, nullable=False),
    Column("at_s", Float, nullable=False),
    Column("body", Text, nullable=False),
)

events = Table(
    "events", metadata,
    Column("party", String, primary_key=True),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("kind", String, nullable=False),
    Column("at_s", Float, nullable=False),
    Column("payload", Text, nullable=False),
    Column("deadline_s", Float),
)

webhooks = Table(
    "webhooks", metadata,
    Column("party", String, primary_key=True),
    Column("url", Text, nullable=False),
    Column("secret", String, nullable=False),
    Column("delivered_seq", Integer, nullable=False),
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

# -- the pool (several servers on one PostgreSQL database; present but unused on SQLite) ------

cell_locks = Table(
    "cell_locks", metadata,
    Column("cell", String, primary_key=True),
)
"""Lock rows, taken with SELECT ... FOR UPDATE and never updated. One chain orders every write,
so the cover is one cell, "*" (docs/deployment.md says why)."""

changes = Table(
    "changes", metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("at_s", Float, nullable=False),
    Column("keys", Text, nullable=False),
)
"""What each pool write transaction changed (keys per table): how the other servers catch up."""

leases = Table(
    "leases", metadata,
    Column("name", String, primary_key=True),
    Column("holder", String, nullable=False),
    Column("until_s", Float, nullable=False),
)
"""Work done by one server of the pool at a time (webhook delivery), claimed for a while."""
