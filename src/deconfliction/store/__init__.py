"""Persistence: SQLite by default behind `Database`, one set of tables, Alembic migrations."""

from . import ledger_repo, repo
from .database import Database, sqlite_url

__all__ = ["Database", "ledger_repo", "repo", "sqlite_url"]
