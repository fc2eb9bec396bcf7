"""Small builders for tests: JSON Lines text and a founded partnership."""

from __future__ import annotations

import importlib
import importlib.util
import io
import json
import shutil
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

PID = "music-chain"


def line(
    type_: str,
    data: dict[str, Any],
    actor: str = "broker",
    on: str | None = "2026-03-01",
    partnership: str = PID,
    **extra: Any,
) -> dict[str, Any]:
    obj: dict[str, Any] = {"partnership": partnership, "type": type_, "actor": actor, "data": data}
    if on is not None:
        obj["occurred_on"] = on
    obj.update(extra)
    return obj


def jsonl(*objs: dict[str, Any]) -> io.BytesIO:
    return io.BytesIO("".join(json.dumps(o) + "\n" for o in objs).encode())


def founding(partnership: str = PID) -> list[dict[str, Any]]:
    """A partnership with a convenor (broker) and three key partners."""
    return [
        line(
            "PartnershipFounded",
            {"name": "Music chain", "purpose": "Train sound engineers", "scope": "national"},
            partnership=partnership,
        ),
        line(
            "PartnerJoined",
            {
                "partner": "ngo-sonar",
                "engagement": "key",
                "name": "Sonar",
                "sector": "civil-society",
            },
            partnership=partnership,
        ),
        line(
            "PartnerJoined",
            {"partner": "telco-x", "engagement": "key", "name": "Telco X", "sector": "private"},
            partnership=partnership,
        ),
        line(
            "PartnerJoined",
            {"partner": "ministry", "engagement": "key", "name": "Ministry", "sector": "public"},
            partnership=partnership,
        ),
    ]


def record_commitments(url: str, partnership: str, partner: str, count: int) -> int:
    """Worker for racing-writer tests: record ``count`` commitments, one write each."""
    from ledger.events import Draft
    from ledger.store import Ledger

    with Ledger(url) as ledger:
        for i in range(count):
            ledger.record(
                Draft(
                    partnership=partnership,
                    type="CommitmentMade",
                    actor=partner,
                    data={
                        "commitment": f"{partner}-{i}",
                        "partner": partner,
                        "kind": "money",
                        "description": "Seed funding",
                        "value": "100",
                        "currency": "EUR",
                    },
                )
            )
    return count


def reset_postgres(url: str) -> None:
    """Drop Pledger's tables so a test starts from an empty PostgreSQL database."""
    import sqlalchemy

    engine = sqlalchemy.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS pledger_events, pledger_tree_heads CASCADE")
    engine.dispose()


def shared_vector(name: str) -> Path:
    """A reference file of ``../shared/vectors`` (beside the repository). Without it a local run
    skips the test, saying so; under CI (``CI`` set) its absence is a failure, never a skip."""
    import os

    import pytest

    path = Path(__file__).resolve().parents[2] / "shared" / "vectors" / name
    if not path.is_file():
        message = f"no reference file at {path} (../shared/vectors beside the repository)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def pledger_executable() -> str:
    """The console script of this environment (the one beside the running interpreter)."""
    beside = Path(sys.executable).parent / "pledger"
    if beside.is_file():
        return str(beside)
    found = shutil.which("pledger")
    if found is None:  # pragma: no cover - the package is installed with its script
        raise AssertionError("no `pledger` console script beside the interpreter or on PATH")
    return found


BENCH = Path(__file__).resolve().parents[1] / "bench"


def bench_module(module: str) -> ModuleType:
    """``bench.<module>`` from the source tree. The root conftest keeps the root off
    ``sys.path`` (its ``ledger/`` lacks the installed subpackages), so load the package by
    path rather than put the root back."""
    if "bench" not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            "bench", BENCH / "__init__.py", submodule_search_locations=[str(BENCH)]
        )
        assert spec is not None and spec.loader is not None
        package = importlib.util.module_from_spec(spec)
        sys.modules["bench"] = package
        spec.loader.exec_module(package)
    return importlib.import_module(f"bench.{module}")
