"""Shared fixtures: a fresh ledger on SQLite, and on PostgreSQL when
``PLEDGER_TEST_POSTGRES_URL`` is set (otherwise those tests skip, saying why)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers import reset_postgres

POSTGRES_URL = os.environ.get("PLEDGER_TEST_POSTGRES_URL")
NO_POSTGRES = "PLEDGER_TEST_POSTGRES_URL is not set (.ci/run sets it); PostgreSQL tests skip"


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A database of our own on the PostgreSQL server of ``PLEDGER_TEST_POSTGRES_URL``,
    created for this test session and dropped after it, so that concurrent runs (and the
    database's other users) never see each other's tables."""
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    import sqlalchemy
    from sqlalchemy.engine import make_url

    name = f"pledger_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = sqlalchemy.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(autouse=True)
def _fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests run at a known time unless they say otherwise; no env leaks in from the shell."""
    monkeypatch.setenv("PLEDGER_NOW", "2026-06-01T12:00:00Z")
    for name in ("PLEDGER_DB", "PLEDGER_ACTOR", "PLEDGER_KEY", "PLEDGER_KEY_PASSPHRASE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database URL, once for SQLite and once for PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ledger.db'}"
        return
    url = request.getfixturevalue("postgres_database")
    reset_postgres(url)
    yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'ledger.db'}"
