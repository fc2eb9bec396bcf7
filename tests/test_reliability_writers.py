"""Many writers at once, and a writer that cannot win (issue #9, item 1), on SQLite and on
PostgreSQL (``db_url``).

Racing writers are separate processes (``spawn``) that write through the library
(``Ledger.record``), released together by a barrier: 8 processes each record 200
commitments into one partnership, then into 8 different partnerships. Every commitment lands
exactly once, seq runs 1..n without a gap, one tree head per write, and ``verify`` is intact.

A writer that exhausts its retries gets a ``ConflictError`` that names the cause and says
nothing was written, and nothing was: not an event, not a tree head.
"""

from __future__ import annotations

import multiprocessing
import sqlite3
import time
import traceback
from collections import Counter
from typing import Any

import pytest
import sqlalchemy
from click.testing import CliRunner

import ledger.store
from ledger.cli.main import cli
from ledger.errors import ConflictError
from ledger.events import Draft
from ledger.integrity import verify_ledger
from ledger.store import WRITE_ATTEMPTS, Ledger

from helpers import PID, founding, jsonl, line, record_commitments

WRITERS = 8
EACH = 200
#: The eight writing partners of the one-partnership race: founding()'s three key partners
#: and five more that join.
PARTNERS = ("ngo-sonar", "telco-x", "ministry", "p-4", "p-5", "p-6", "p-7", "p-8")
RACE_TIMEOUT_S = 900


def _writer(url: str, partnership: str, partner: str, count: int, start: Any, out: Any) -> None:
    """A racing writer: wait for the others, then record ``count`` commitments."""
    try:
        start.wait(timeout=120)
        began = time.monotonic()
        written = record_commitments(url, partnership, partner, count)
        out.put((partner, partnership, written, time.monotonic() - began, None))
    except BaseException:
        out.put((partner, partnership, 0, 0.0, traceback.format_exc()))
        raise


def race(url: str, jobs: list[tuple[str, str]]) -> dict[tuple[str, str], float]:
    """Run one writer process per (partnership, partner), all released at once; return each
    writer's time. Fails with the writer's traceback if one fails."""
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Barrier(len(jobs))
    out = ctx.Queue()
    procs = [
        ctx.Process(target=_writer, args=(url, pid, partner, EACH, start, out))
        for pid, partner in jobs
    ]
    for proc in procs:
        proc.start()
    results = []
    try:
        deadline = time.monotonic() + RACE_TIMEOUT_S
        for _ in jobs:
            results.append(out.get(timeout=max(1.0, deadline - time.monotonic())))
    finally:
        for proc in procs:
            proc.join(timeout=30)
            if proc.is_alive():  # only ours: the processes this test started
                proc.kill()
                proc.join()
    errors = [r[4] for r in results if r[4] is not None]
    assert not errors, errors[0]
    assert sorted((r[1], r[0], r[2]) for r in results) == sorted(
        (pid, partner, EACH) for pid, partner in jobs
    )
    assert [p.exitcode for p in procs] == [0] * len(procs)
    return {(r[1], r[0]): r[3] for r in results}


def joined(partner: str) -> dict[str, Any]:
    return line(
        "PartnerJoined",
        {"partner": partner, "engagement": "active", "name": partner.upper(), "sector": "other"},
    )


def assert_clean_stream(ledger: Ledger, pid: str, before: int, writers: tuple[str, ...]) -> None:
    """``before`` founding events, then exactly EACH commitments of each writer, in each
    writer's own order; seq 1..n without gap; one tree head per write; verify intact."""
    stream = ledger.stream(pid)
    assert [e.seq for e in stream] == list(range(1, before + len(writers) * EACH + 1))
    made = [e for e in stream if e.type == "CommitmentMade"]
    assert len(made) == len(writers) * EACH == len(stream) - before
    ids = [e.data["commitment"] for e in made]
    assert len(set(ids)) == len(ids)
    assert Counter(e.actor for e in made) == dict.fromkeys(writers, EACH)
    for partner in writers:
        own = [int(e.data["commitment"].rsplit("-", 1)[1]) for e in made if e.actor == partner]
        assert own == list(range(EACH)), f"{partner}'s commitments out of order"
    heads = [h.size for h in ledger.tree_heads(pid)]
    assert heads == [before, *range(before + 1, len(stream) + 1)]
    (report,) = verify_ledger(ledger, [pid])
    assert report.intact, report.problems[:3]
    assert report.size == len(stream)


# -- racing writers ------------------------------------------------------------------------


@pytest.mark.slow
def test_eight_writers_into_one_partnership(db_url: str) -> None:
    with Ledger(db_url) as ledger:
        ledger.import_jsonl(jsonl(*founding(), *(joined(p) for p in PARTNERS[3:])))
    began = time.monotonic()
    times = race(db_url, [(PID, partner) for partner in PARTNERS])
    elapsed = time.monotonic() - began
    with Ledger(db_url) as ledger:
        assert ledger.partnerships() == [PID]
        assert_clean_stream(ledger, PID, 4 + 5, PARTNERS)
    print(f"\n{WRITERS}x{EACH} into one partnership: {elapsed:.1f}s "
          f"(slowest writer {max(times.values()):.1f}s)")  # fmt: skip


@pytest.mark.slow
def test_eight_writers_into_eight_partnerships(db_url: str) -> None:
    pids = [f"p-{i}" for i in range(1, WRITERS + 1)]
    with Ledger(db_url) as ledger:
        ledger.import_jsonl(jsonl(*(event for pid in pids for event in founding(pid))))
    began = time.monotonic()
    times = race(db_url, [(pid, "telco-x") for pid in pids])
    elapsed = time.monotonic() - began
    with Ledger(db_url) as ledger:
        assert ledger.partnerships() == pids
        for pid in pids:
            assert_clean_stream(ledger, pid, 4, ("telco-x",))
        assert all(r.intact for r in verify_ledger(ledger))
    print(f"\n{WRITERS}x{EACH} into {WRITERS} partnerships: {elapsed:.1f}s "
          f"(slowest writer {max(times.values()):.1f}s)")  # fmt: skip


# -- a writer that exhausts its retries ------------------------------------------------------

PHASE = Draft(partnership=PID, type="PhaseChanged", actor="broker", data={"phase": "planning"})
COMMITMENTS = [
    line("CommitmentMade", {"commitment": f"c-{i}", "partner": "telco-x", "kind": "money",
                            "description": "Funds", "value": 10, "currency": "EUR"},
         actor="telco-x")
    for i in range(3)
]  # fmt: skip


def snapshot(url: str) -> tuple[list[str], list[Any], list[Any]]:
    """What a failed write must leave alone: the export, the tree heads, the raw rows."""
    with Ledger(url) as ledger:
        lines = list(ledger.export_lines())
        heads = ledger.tree_heads()
        rows = ledger.stored_rows()
    return lines, heads, rows


@pytest.fixture
def founded(db_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    with Ledger(db_url) as ledger:
        ledger.import_jsonl(jsonl(*founding()))
    monkeypatch.setattr("ledger.store.time.sleep", lambda _s: None)  # the back-off
    return db_url


def write(ledger: Ledger, how: str) -> Any:
    if how == "record":
        return ledger.record(PHASE)
    return ledger.import_jsonl(jsonl(*COMMITMENTS))


def assert_nothing_written(url: str, before: Any) -> None:
    assert snapshot(url) == before
    with Ledger(url) as ledger:
        (report,) = verify_ledger(ledger, [PID])
        assert report.intact and report.size == 4
        # ...and the ledger still takes the next write, at the next seq.
        assert ledger.record(PHASE).seq == 5
        assert [h.size for h in ledger.tree_heads(PID)] == [4, 5]


@pytest.mark.parametrize("how", ["record", "import"])
@pytest.mark.parametrize(
    "cause",
    [
        sqlalchemy.exc.IntegrityError(
            "INSERT", {}, Exception("duplicate key value violates unique constraint")
        ),
        sqlalchemy.exc.OperationalError(
            "INSERT", {}, Exception("could not serialize access due to concurrent update")
        ),
    ],
    ids=["integrity", "operational"],
)
def test_a_writer_that_always_loses_the_insert_gets_a_clear_error_and_writes_nothing(
    founded: str, monkeypatch: pytest.MonkeyPatch, how: str, cause: Exception
) -> None:
    before = snapshot(founded)
    attempts = []

    def always_lose(self: Any, session: Any, rows: Any) -> None:
        attempts.append([version for _, version, _, _ in rows])
        raise cause

    with Ledger(founded) as ledger:
        monkeypatch.setattr(Ledger, "_insert", always_lose)
        with pytest.raises(ConflictError) as info:
            write(ledger, how)
        monkeypatch.undo()
    message = str(info.value)
    assert f"gave up after {WRITE_ATTEMPTS} attempts" in message
    assert str(cause.orig) in message  # the cause, named
    assert message.endswith("nothing was written")
    assert "\n" not in message
    assert len(attempts) == WRITE_ATTEMPTS
    assert all(seqs == attempts[0] for seqs in attempts)
    assert attempts[0] == ([5] if how == "record" else [5, 6, 7])
    assert_nothing_written(founded, before)


def test_a_writer_whose_insert_always_collides_in_the_unique_index_writes_nothing(
    founded: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real conflict, not a raised one: every attempt's events are inserted twice, so the
    database's unique (stream, version) index refuses the write, attempt after attempt."""
    before = snapshot(founded)
    real_insert = Ledger._insert
    attempts = []

    def collide(self: Ledger, session: Any, rows: Any) -> None:
        attempts.append(len(rows))
        real_insert(self, session, rows)
        real_insert(self, session, rows)

    with Ledger(founded) as ledger:
        monkeypatch.setattr(Ledger, "_insert", collide)
        with pytest.raises(ConflictError, match="nothing was written") as info:
            ledger.record(PHASE)
        monkeypatch.undo()
    assert "unique" in str(info.value).lower()  # the database's own words
    assert attempts == [1] * WRITE_ATTEMPTS
    assert_nothing_written(founded, before)


def test_the_record_command_reports_a_lost_write_in_one_line(
    founded: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(founded)

    def always_lose(self: Any, session: Any, rows: Any) -> None:
        raise sqlalchemy.exc.IntegrityError(
            "INSERT", {}, Exception("duplicate key value violates unique constraint")
        )

    monkeypatch.setattr(Ledger, "_insert", always_lose)
    result = CliRunner().invoke(cli, ["--db", founded, "record", "PhaseChanged", "phase=planning",
                                      "-P", PID, "--actor", "broker"])  # fmt: skip
    monkeypatch.undo()
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output
    assert result.stderr.startswith(f"error: gave up after {WRITE_ATTEMPTS} attempts")
    assert "duplicate key" in result.stderr and "nothing was written" in result.stderr
    assert_nothing_written(founded, before)


class LockHolder:
    """Another process's long write: holds the database's write lock (SQLite) or the
    partnership's advisory lock (PostgreSQL) until released."""

    def __init__(self, url: str) -> None:
        self.url = url
        if url.startswith("sqlite"):
            self.conn: Any = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
            self.conn.execute("BEGIN IMMEDIATE")
            return
        self.engine = sqlalchemy.create_engine(url)
        self.conn = self.engine.connect()
        self.conn.execute(
            sqlalchemy.text("SELECT pg_advisory_lock(:k)"), {"k": ledger.store._lock_key(PID)}
        )

    def release(self) -> None:
        if self.url.startswith("sqlite"):
            self.conn.rollback()
            self.conn.close()
            return
        self.conn.close()
        self.engine.dispose()


def _quick_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    """Pledger's SQLite connection set-up with a 50 ms lock wait instead of 30 s."""
    dbapi_connection.isolation_level = None
    dbapi_connection.execute("PRAGMA busy_timeout = 50")
    dbapi_connection.execute("PRAGMA journal_mode = WAL")


def test_a_writer_locked_out_longer_than_it_waits_gets_a_conflict_error(
    founded: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another writer holds the lock past the wait (shortened here: 30 s on SQLite and
    LOCK_TIMEOUT_S on PostgreSQL in real use): each attempt times out, and after the last
    one the writer gets a ConflictError naming the lock, not a raw driver error."""
    monkeypatch.setattr(ledger.store, "_sqlite_connect", _quick_sqlite_connect)
    monkeypatch.setattr(ledger.store, "LOCK_TIMEOUT_S", 0.05)
    before = snapshot(founded)
    holder = LockHolder(founded)
    try:
        with Ledger(founded) as writer, pytest.raises(ConflictError) as info:
            writer.record(PHASE)
    finally:
        holder.release()
    message = str(info.value)
    assert f"gave up after {WRITE_ATTEMPTS} attempts" in message
    assert "lock" in message and message.endswith("nothing was written")
    assert_nothing_written(founded, before)
