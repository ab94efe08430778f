"""Persistence: the SQLite default (PostgreSQL later) behind `Database`, with Alembic migrations."""

from .database import Database, sqlite_url

__all__ = ["Database", "sqlite_url"]
