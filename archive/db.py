"""SQLAlchemy declarative base shared by every model of eOffice.

The base lives in ``archive`` (the lowest stateful package) so that plain
Python code, the CLI and background jobs use the same models without Flask.
A naming convention keeps Alembic constraint names stable across SQLite and
PostgreSQL.
"""
from __future__ import annotations

import sqlite3
from datetime import datetime, timezone

from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """Aware UTC now; stored times are UTC, shown in Vietnam time (+07:00)."""
    return datetime.now(timezone.utc)


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def sqlite_engine_options() -> dict:
    """SQLite settings for many threads and several processes on one file.

    ``isolation_level='IMMEDIATE'`` makes the driver open write transactions
    with ``BEGIN IMMEDIATE``: a writer waits (busy timeout) for the write lock
    instead of failing when it upgrades a read lock, so numbering under
    concurrent registrations stays gap-free without retries.
    """
    return {"connect_args": {"timeout": 30, "isolation_level": "IMMEDIATE",
                             "check_same_thread": False}}


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """Every SQLite connection: WAL (readers never block the writer), foreign keys on."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()


def engine_options_for(url: str) -> dict:
    if is_sqlite(url):
        return sqlite_engine_options()
    # PostgreSQL's JIT compiles the register's COUNT/ORDER BY plans at 100k rows for
    # 300+ ms per query; short OLTP queries never win it back (bench/RESULTS.md).
    return {"pool_pre_ping": True, "connect_args": {"options": "-c jit=off"}}
