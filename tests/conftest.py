"""Shared fixtures: a fresh ledger on SQLite, and on PostgreSQL when
``PLEDGER_TEST_POSTGRES_URL`` is set (otherwise those tests skip, saying why)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

POSTGRES_URL = os.environ.get("PLEDGER_TEST_POSTGRES_URL")
NO_POSTGRES = "PLEDGER_TEST_POSTGRES_URL is not set (.ci/run sets it); PostgreSQL tests skip"


def reset_postgres(url: str) -> None:
    """Drop Pledger's tables so each test starts from an empty PostgreSQL database."""
    import sqlalchemy

    engine = sqlalchemy.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS pledger_events CASCADE")
    engine.dispose()


@pytest.fixture(autouse=True)
def _fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests run at a known time unless they say otherwise; no env leaks in from the shell."""
    monkeypatch.setenv("PLEDGER_NOW", "2026-06-01T12:00:00Z")
    for name in ("PLEDGER_DB", "PLEDGER_ACTOR"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database URL, once for SQLite and once for PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ledger.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    reset_postgres(POSTGRES_URL)
    yield POSTGRES_URL
    reset_postgres(POSTGRES_URL)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'ledger.db'}"
