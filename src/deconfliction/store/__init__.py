"""Persistence: SQLite by default (PostgreSQL for a pool) behind `Database`, one set of tables,
Alembic migrations."""

from . import ledger_repo, pool, repo
from .database import Database, database_url, sqlite_url

__all__ = ["Database", "database_url", "ledger_repo", "pool", "repo", "sqlite_url"]
