"""One model: the engine's and the DSS's rows become one set of tables.

- `declarations` (and `declaration_versions`) gain the F3548 fields (ovn, uss_base_url,
  subscription_id; state and ovn per version) and take in every operational intent and
  constraint reference of `dss_operational_intents` / `dss_constraints` (their manager becomes
  a party); the engine's volumes move from the F3548 wire form (times rounded to ms) to the
  lossless codec.
- `dss_subscriptions`, `dss_uss_availability`, `dss_reports` become `subscriptions`,
  `uss_availability`, `reports`; `notices` gains `delivered_at_s`; new `events` (each party's
  stream, the outbox) and `webhooks`.
- `conflicts` is dropped: conflicts are a function of the declarations in force.
- The ledger is not rewritten: one entry is appended that records the migration and its counts,
  so the chain stays valid and the change of the state tables is itself on record.

Revision ID: 0003
Revises: 0002
"""

import json
import secrets
import time

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _wire_to_lossless(text: str) -> str:
    from deconfliction.geo import parse_volume4d
    from deconfliction.store.codec import encode_volume

    return json.dumps([encode_volume(parse_volume4d(v, "volume", check_shape=False)) for v in json.loads(text)])


def upgrade() -> None:
    bind = op.get_bind()
    with op.batch_alter_table("declarations") as batch:
        batch.add_column(sa.Column("ovn", sa.String, nullable=False, server_default=""))
        batch.add_column(sa.Column("uss_base_url", sa.Text, nullable=False, server_default=""))
        batch.add_column(sa.Column("subscription_id", sa.String))
    with op.batch_alter_table("declaration_versions") as batch:
        batch.add_column(sa.Column("state", sa.String))
        batch.add_column(sa.Column("ovn", sa.String))
    with op.batch_alter_table("notices") as batch:
        batch.add_column(sa.Column("delivered_at_s", sa.Float))

    engine_rows = bind.execute(sa.text("SELECT id, volumes FROM declarations")).fetchall()
    for row in engine_rows:
        bind.execute(sa.text("UPDATE declarations SET volumes = :v, ovn = :o WHERE id = :i"),
                     {"v": _wire_to_lossless(row.volumes), "o": secrets.token_urlsafe(24), "i": row.id})
    for row in bind.execute(sa.text("SELECT id, version, volumes FROM declaration_versions")).fetchall():
        bind.execute(sa.text("UPDATE declaration_versions SET volumes = :v WHERE id = :i AND version = :n"),
                     {"v": _wire_to_lossless(row.volumes), "i": row.id, "n": row.version})

    known = {r.id for r in bind.execute(sa.text("SELECT id FROM declarations"))}
    intents = bind.execute(sa.text("SELECT * FROM dss_operational_intents")).fetchall()
    constraints = bind.execute(sa.text("SELECT * FROM dss_constraints")).fetchall()
    clash = sorted(known & ({r.id for r in intents} | {r.id for r in constraints}))
    if clash:
        raise RuntimeError(f"ids used both by the engine and the DSS, resolve before migrating: {clash}")
    parties = {r.id for r in bind.execute(sa.text("SELECT id FROM parties"))}
    for manager in sorted(({r.manager for r in intents} | {r.manager for r in constraints}) - parties):
        bind.execute(sa.text("INSERT INTO parties (id, name) VALUES (:i, '')"), {"i": manager})
    insert = sa.text(
        "INSERT INTO declarations (id, party, kind, priority, version, state, declared_at_s, purpose, volumes, ovn,"
        " uss_base_url, subscription_id) VALUES (:id, :party, :kind, 0, :version, :state, :at, '', :volumes, :ovn,"
        " :url, :sub)")
    insert_version = sa.text(
        "INSERT INTO declaration_versions (id, version, party, kind, priority, declared_at_s, volumes, state, ovn)"
        " VALUES (:id, :version, :party, :kind, 0, :at, :volumes, :state, :ovn)")
    for kind, rows in (("operation", intents), ("constraint", constraints)):
        for r in rows:
            values = {"id": r.id, "party": r.manager, "kind": kind, "version": r.version,
                      "state": getattr(r, "state", "Accepted"), "at": r.updated_at_s, "volumes": r.extents,
                      "ovn": r.ovn, "url": r.uss_base_url, "sub": getattr(r, "subscription_id", None)}
            bind.execute(insert, values)
            bind.execute(insert_version, values)

    op.rename_table("dss_subscriptions", "subscriptions")
    with op.batch_alter_table("subscriptions") as batch:
        batch.drop_index("ix_dss_subscriptions_manager")
        batch.alter_column("manager", new_column_name="party")
        batch.alter_column("extents", new_column_name="volumes")
    op.create_index("ix_subscriptions_party", "subscriptions", ["party"])
    op.rename_table("dss_uss_availability", "uss_availability")
    op.rename_table("dss_reports", "reports")
    op.drop_table("dss_operational_intents")
    op.drop_table("dss_constraints")
    op.drop_table("conflicts")
    op.create_table(
        "events",
        sa.Column("party", sa.String, primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("kind", sa.String, nullable=False),
        sa.Column("at_s", sa.Float, nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("deadline_s", sa.Float),
    )
    op.create_table(
        "webhooks",
        sa.Column("party", sa.String, primary_key=True),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("secret", sa.String, nullable=False),
        sa.Column("delivered_seq", sa.Integer, nullable=False),
    )
    _record(bind, {"migration": "0003_one_model", "engine_declarations": len(engine_rows),
                   "operational_intents": len(intents), "constraints": len(constraints)})


def _record(bind: sa.engine.Connection, payload: dict) -> None:
    """Append one ledger entry, unless the ledger is empty (a fresh database has nothing to account for)."""
    from deconfliction.store import ledger_repo

    if ledger_repo.head(bind) is not None:
        ledger_repo.append(bind, at_s=time.time(), actor="operator", kind="migrated", payload=payload)


def downgrade() -> None:
    raise NotImplementedError("0003 merges two models into one; restore a backup to go back")
