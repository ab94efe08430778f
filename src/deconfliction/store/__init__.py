"""Persistence: the SQLite default (PostgreSQL later) behind `Database`, with Alembic migrations."""

from . import engine_repo, ledger_repo
from .database import Database, sqlite_url

__all__ = ["Database", "engine_repo", "ledger_repo", "sqlite_url"]
