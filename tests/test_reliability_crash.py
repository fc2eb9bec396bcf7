"""Crashes (issue #9, item 2): a process killed with SIGKILL in the middle of a write leaves
the ledger exactly as it was, on SQLite and on PostgreSQL.

* ``pledger import`` of 100,000 events into a ledger that already holds some, killed once while
  it holds the write lock and checks the events, once while it has written (uncommitted) rows:
  ``verify`` intact, row counts, tree heads and export bytes unchanged; the same import then
  succeeds.
* ``record``: killed just before its commit (everything written, commit pending), and killed at
  arbitrary moments while recording in a loop (one process, and one console script per
  record): ``verify`` intact and every stored event whole, gap-free and as recorded.
* ``export -o FILE``: killed while writing; the target is absent or the previous complete
  version, never a partial file, and what is left behind are hidden ``.FILE.*`` temp files.

The killed programs are the installed ``pledger`` console script, or a Python process that
runs the same click command in a loop (``python -m ledger.cli.main`` has no ``__main__``).
"""

from __future__ import annotations

import io
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ledger.integrity import verify_ledger
from ledger.store import Ledger, TreeHead, sqlite_path

from helpers import founding, line, pledger_executable

TOTAL = 100_000  # events in the killed import
CONTINUED = ["amber-pact", "birch-pact", "cedar-pact"]  # in the ledger before the import
NEW = ["delta-pact", "elm-pact"]  # founded by the import
SEED_EXTRA = 6  # events each continued partnership holds beyond its founding
WRITTEN_ENOUGH = 16 * 1024 * 1024  # uncommitted bytes that show a writer is mid-insert
WAIT_S = 600.0


# -- processes ---------------------------------------------------------------------------------


@dataclass
class Proc:
    """A child process whose output goes to files (no pipe can fill up and stall it)."""

    popen: subprocess.Popen[bytes]
    out: Path
    err: Path

    @classmethod
    def start(cls, args: list[str], folder: Path, name: str) -> Proc:
        out, err = folder / f"{name}.out", folder / f"{name}.err"
        with out.open("wb") as stdout, err.open("wb") as stderr:
            popen = subprocess.Popen(
                args, stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr, env=dict(os.environ)
            )
        return cls(popen, out, err)

    def alive(self) -> bool:
        return self.popen.poll() is None

    def describe(self) -> str:
        return (
            f"exit {self.popen.returncode}; stdout {self.out.read_text()[-500:]!r}; "
            f"stderr {self.err.read_text()[-2000:]!r}"
        )

    def kill(self) -> None:
        """SIGKILL, and make sure it was the signal, not a normal end, that stopped it."""
        assert self.alive(), f"the process ended before it could be killed: {self.describe()}"
        self.popen.send_signal(signal.SIGKILL)
        self.popen.wait(timeout=60)
        assert self.popen.returncode == -signal.SIGKILL, self.describe()

    def stop(self) -> int:
        """SIGKILL it if it still runs; its exit code either way. For processes killed at
        arbitrary moments, which may end normally just before the signal lands."""
        if self.alive():
            self.popen.send_signal(signal.SIGKILL)
        code = self.popen.wait(timeout=60)
        assert code in (0, -signal.SIGKILL), self.describe()
        return code

    def finish(self, timeout: float = WAIT_S) -> int:
        try:
            return self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()
            raise

    def cleanup(self) -> None:
        if self.alive():
            self.popen.kill()
        self.popen.wait()


@pytest.fixture
def procs() -> Iterator[list[Proc]]:
    """Every process a test starts; any still running at the end is killed and reaped."""
    started: list[Proc] = []
    yield started
    for proc in started:
        proc.cleanup()


def wait_for(condition: Callable[[], bool], proc: Proc, what: str, poll: float = 0.005) -> None:
    """Poll ``condition`` while ``proc`` runs; fail if it ends first or time runs out."""
    deadline = time.monotonic() + WAIT_S
    while not condition():
        if not proc.alive():
            pytest.fail(f"the process ended before {what}: {proc.describe()}")
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting until {what}")
        time.sleep(poll)


# -- looking at a database from outside the writer ----------------------------------------------


class Probe:
    """Reads a ledger's database behind the writer's back: committed rows, whether a writer
    holds the write lock, and how many bytes of not-yet-committed rows it has written (the
    SQLite WAL file, the PostgreSQL table's size)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.path = sqlite_path(url)
        self.engine: Any = None
        if self.path is None:
            import sqlalchemy

            self.engine = sqlalchemy.create_engine(url, isolation_level="AUTOCOMMIT")

    def close(self) -> None:
        if self.engine is not None:
            self.engine.dispose()

    def _query(self, sql: str) -> Any:
        if self.path is not None:
            with sqlite3.connect(self.path, timeout=30) as conn:
                value = conn.execute(sql).fetchone()[0]
            conn.close()
            return value
        with self.engine.connect() as conn:
            return conn.exec_driver_sql(sql).scalar()

    def committed(self) -> int:
        return int(self._query("SELECT count(*) FROM pledger_events"))

    def locked(self) -> bool:
        """Whether another process holds the ledger's write lock right now."""
        if self.path is not None:
            conn = sqlite3.connect(self.path, timeout=0, isolation_level=None)
            try:
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("ROLLBACK")
                return False
            except sqlite3.OperationalError as exc:
                if "locked" in str(exc) or "busy" in str(exc):
                    return True
                raise
            finally:
                conn.close()
        return bool(
            self._query(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND pid <> pg_backend_pid() AND database = "
                "(SELECT oid FROM pg_database WHERE datname = current_database())"
            )
        )

    def written(self) -> int:
        """Bytes the database holds beyond its committed pages (SQLite: the WAL file; for
        PostgreSQL: the events table, which grows with uncommitted rows too)."""
        if self.path is not None:
            wal = Path(f"{self.path}-wal")
            return wal.stat().st_size if wal.exists() else 0
        return int(self._query("SELECT pg_relation_size('pledger_events')"))

    def settle(self) -> None:
        """Wait until the killed writer's server session is gone (PostgreSQL notices a dead
        client on its own; its locks go with it)."""
        if self.engine is None:
            return
        deadline = time.monotonic() + 60
        while self._query(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        ):
            assert time.monotonic() < deadline, "the killed writer's session did not end"
            time.sleep(0.05)


@pytest.fixture
def probe(db_url: str) -> Iterator[Probe]:
    found = Probe(db_url)
    yield found
    found.close()


@dataclass(frozen=True)
class Snapshot:
    """Everything a killed writer must leave unchanged."""

    export: bytes
    rows: int
    heads: tuple[TreeHead, ...]
    verified: tuple[tuple[str, int, str], ...]


def snapshot(url: str) -> Snapshot:
    with Ledger(url) as ledger:
        reports = verify_ledger(ledger)
        problems = [p.as_dict() for r in reports for p in r.problems]
        assert not problems, problems
        return Snapshot(
            export="".join(ledger.export_lines()).encode("utf-8"),
            rows=len(ledger.stored_rows()),
            heads=tuple(ledger.tree_heads()),
            verified=tuple((r.partnership, r.size, r.root) for r in reports),
        )


def import_objects(url: str, objs: list[dict[str, Any]]) -> None:
    data = "".join(json.dumps(o) + "\n" for o in objs).encode()
    with Ledger(url) as ledger:
        ledger.import_jsonl(io.BytesIO(data))


# -- 1. a killed import of 100,000 events -----------------------------------------------------


def seed_objects() -> list[dict[str, Any]]:
    """Three partnerships, founded and with a few events each."""
    objs = []
    for pid in CONTINUED:
        objs += founding(pid)
        objs += [
            line("PrincipleAdopted", {"principle": f"seed {i}"}, partnership=pid)
            for i in range(SEED_EXTRA)
        ]
    return objs


def act(pid: str, i: int) -> dict[str, Any]:
    """The i-th generated new fact of a founded partnership (varied, always valid)."""
    kind = i % 3
    if kind == 0:
        partner = ("ngo-sonar", "telco-x", "ministry")[i // 3 % 3]
        data = {
            "commitment": f"c-{i}",
            "partner": partner,
            "kind": "money",
            "description": f"Commitment {i} — €",
            "value": f"{i}.50",
            "currency": "EUR",
        }
        return line("CommitmentMade", data, actor=partner, partnership=pid)
    if kind == 1:
        return line(
            "PrincipleAdopted", {"principle": "equity", "text": f"note {i}"}, partnership=pid
        )
    data = {"decision": f"d-{i}", "title": f"Decision {i}", "proposer": "telco-x"}
    return line("DecisionProposed", data, partnership=pid)


def write_big_import(path: Path) -> dict[str, tuple[int, int]]:
    """``TOTAL`` new facts: the three seeded partnerships continued, two new ones founded,
    interleaved line by line. Returns the seq range each partnership gets."""
    per = TOTAL // (len(CONTINUED) + len(NEW))
    streams: dict[str, list[dict[str, Any]]] = {}
    for pid in CONTINUED + NEW:
        head = founding(pid) if pid in NEW else []
        streams[pid] = head + [act(pid, i) for i in range(per - len(head))]
    with path.open("w", encoding="utf-8") as out:
        for group in zip(*streams.values(), strict=True):
            for obj in group:
                out.write(json.dumps(obj) + "\n")
    first = {pid: 1 if pid in NEW else 4 + SEED_EXTRA + 1 for pid in streams}
    return {pid: (first[pid], first[pid] + per - 1) for pid in streams}


@pytest.mark.slow
def test_a_killed_import_of_100000_events_leaves_the_ledger_as_it_was(
    db_url: str, tmp_path: Path, probe: Probe, procs: list[Proc]
) -> None:
    import_objects(db_url, seed_objects())
    before = snapshot(db_url)
    assert before.rows == len(CONTINUED) * (4 + SEED_EXTRA)
    big = tmp_path / "big.jsonl"
    ranges = write_big_import(big)
    command = [pledger_executable(), "--db", db_url, "import", str(big)]

    # Killed while it holds the write lock (checking the events, or starting to write them).
    proc = Proc.start(command, tmp_path, "import-1")
    procs.append(proc)
    wait_for(probe.locked, proc, "the import holds the write lock")
    proc.kill()
    probe.settle()
    assert snapshot(db_url) == before

    # Killed while it has written a good part of its rows, none of them committed.
    baseline = probe.written()
    proc = Proc.start(command, tmp_path, "import-2")
    procs.append(proc)
    wait_for(lambda: probe.written() - baseline >= WRITTEN_ENOUGH, proc, "rows are written")
    assert probe.committed() == before.rows  # demonstrably in the middle: nothing committed
    proc.kill()
    probe.settle()
    assert snapshot(db_url) == before

    # The same import then succeeds, whole.
    proc = Proc.start(command, tmp_path, "import-3")
    procs.append(proc)
    assert proc.finish() == 0, proc.describe()
    detail = ", ".join(f"{pid} {a}-{b}" for pid, (a, b) in ranges.items())
    assert proc.out.read_text() == f"imported {TOTAL} events ({detail})\n"
    assert probe.committed() == before.rows + TOTAL
    with Ledger(db_url) as ledger:
        last_heads = {h.partnership: h.size for h in ledger.tree_heads()}
        assert last_heads == {pid: b for pid, (_, b) in ranges.items()}
        reports = verify_ledger(ledger, NEW)  # the continued streams are 3 x 20,000 events
        assert [(r.partnership, r.intact, r.size) for r in reports] == [
            (pid, True, ranges[pid][1]) for pid in NEW
        ]


# -- 2. a killed record ------------------------------------------------------------------------

RECORD_LOOP = r"""
import sys
from ledger.cli.main import cli

url, pid, prefix, start = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
pause_marker = sys.argv[5] if len(sys.argv) > 5 else None
if pause_marker:
    # Stop inside the write transaction, just before its COMMIT, once rows are inserted.
    import time
    import sqlalchemy
    from sqlalchemy import event

    @event.listens_for(sqlalchemy.engine.Engine, "before_cursor_execute")
    def _wrote(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("INSERT INTO PLEDGER_"):
            conn.info["pledger_wrote"] = True

    @event.listens_for(sqlalchemy.engine.Engine, "commit")
    def _pause(conn):
        if conn.info.pop("pledger_wrote", False):
            open(pause_marker, "w").close()
            time.sleep(3600)

i = start
while True:
    try:
        cli(
            ["--db", url, "record", "CommitmentMade", "-P", pid, "--actor", "ngo-sonar",
             f"commitment={prefix}-{i}", "partner=ngo-sonar", "kind=money",
             f"description=Commitment {prefix}-{i}", f"value={i}", "currency=EUR"],
            prog_name="pledger",
            standalone_mode=False,
        )
    except SystemExit as exc:
        if exc.code:
            raise
    i += 1
"""

PID = "music-chain"


def record_args(url: str, ident: str, value: int) -> list[str]:
    return [
        "--db",
        url,
        "record",
        "CommitmentMade",
        "-P",
        PID,
        "--actor",
        "ngo-sonar",
        f"commitment={ident}",
        "partner=ngo-sonar",
        "kind=money",
        f"description=Commitment {ident}",
        f"value={value}",
        "currency=EUR",
    ]


def recorded_commitments(url: str) -> list[str]:
    """The commitments of music-chain, checked whole: seq gap-free, verify intact, every
    event exactly as its recorder asked (ids ``PREFIX-VALUE``)."""
    with Ledger(url) as ledger:
        reports = verify_ledger(ledger)
        assert [(r.partnership, r.intact) for r in reports] == [(PID, True)], [
            r.as_dict() for r in reports
        ]
        events = ledger.stream(PID)
        heads = ledger.tree_heads(PID)
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert heads[-1].size == len(events)
    idents = []
    for event in events[4:]:
        ident = event.data["commitment"]
        value = ident.rsplit("-", 1)[1]
        assert event.type == "CommitmentMade" and event.actor == "ngo-sonar"
        assert dict(event.data) == {
            "commitment": ident,
            "partner": "ngo-sonar",
            "kind": "money",
            "description": f"Commitment {ident}",
            "value": value,
            "currency": "EUR",
        }
        idents.append(ident)
    assert len(set(idents)) == len(idents)
    return idents


def test_a_record_killed_just_before_its_commit_leaves_nothing(
    db_url: str, tmp_path: Path, probe: Probe, procs: list[Proc]
) -> None:
    import_objects(db_url, founding())
    before = snapshot(db_url)
    marker = tmp_path / "in-transaction"
    args = [sys.executable, "-c", RECORD_LOOP, db_url, PID, "k", "1", str(marker)]
    proc = Proc.start(args, tmp_path, "record")
    procs.append(proc)
    wait_for(marker.exists, proc, "the record has inserted its rows and is about to commit")
    assert probe.committed() == before.rows  # written, not committed
    assert probe.locked()
    proc.kill()
    probe.settle()
    assert snapshot(db_url) == before
    # The lock went with the process: the next record goes through at once, as seq 5.
    from click.testing import CliRunner

    from ledger.cli.main import cli

    result = CliRunner().invoke(cli, record_args(db_url, "k-1", 1))
    assert result.exit_code == 0, result.output
    assert "as seq 5 " in result.stdout
    assert recorded_commitments(db_url) == ["k-1"]


@pytest.mark.slow
def test_records_killed_at_any_moment_leave_only_whole_events(
    db_url: str, tmp_path: Path, probe: Probe, procs: list[Proc]
) -> None:
    import_objects(db_url, founding())
    # One process recording in a loop, killed after a few records at varying moments.
    start = 0
    for round_, delay in enumerate([0.0, 0.003, 0.007, 0.013, 0.021, 0.034]):
        count = probe.committed()
        args = [sys.executable, "-c", RECORD_LOOP, db_url, PID, "loop", str(start)]
        proc = Proc.start(args, tmp_path, f"loop-{round_}")
        procs.append(proc)
        wait_for(lambda n=count: probe.committed() >= n + 3, proc, "three records are in")
        time.sleep(delay)
        proc.kill()
        probe.settle()
        idents = recorded_commitments(db_url)
        values = [int(i.rsplit("-", 1)[1]) for i in idents]
        assert values == list(range(len(values)))  # none lost, none half, none twice
        start = len(values)
    assert len(idents) >= 6 * 3

    # The console script, one record per process, killed at moments spread over its run.
    timed = Proc.start([pledger_executable(), *record_args(db_url, "cli-0", 0)], tmp_path, "cli")
    procs.append(timed)
    began = time.monotonic()
    assert timed.finish() == 0, timed.describe()
    duration = time.monotonic() - began
    expected = ["cli-0"]
    for n, fraction in enumerate([0.3, 0.5, 0.7, 0.8, 0.85, 0.9, 0.95, 1.0], start=1):
        proc = Proc.start(
            [pledger_executable(), *record_args(db_url, f"cli-{n}", n)], tmp_path, f"cli-{n}"
        )
        procs.append(proc)
        time.sleep(duration * fraction)
        proc.stop()
        probe.settle()
        idents = [i for i in recorded_commitments(db_url) if i.startswith("cli-")]
        if f"cli-{n}" in idents:
            expected.append(f"cli-{n}")
        assert idents == expected
    # The ledger takes the next record as if nothing happened.
    proc = Proc.start(
        [pledger_executable(), *record_args(db_url, "cli-99", 99)], tmp_path, "cli-99"
    )
    procs.append(proc)
    assert proc.finish() == 0, proc.describe()
    assert [i for i in recorded_commitments(db_url) if i.startswith("cli-")] == [
        *expected,
        "cli-99",
    ]


# -- 3. a killed export -o FILE ---------------------------------------------------------------

EXPORT_EVENTS = 10_000


def temp_files(folder: Path, name: str) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.name != name)


def assert_only_hidden_temps(folder: Path, name: str) -> list[Path]:
    """Besides the target, the folder holds only hidden ``.NAME.*`` temp files."""
    leftovers = temp_files(folder, name)
    for path in leftovers:
        assert re.fullmatch(rf"\.{re.escape(name)}\..+", path.name), path.name
    return leftovers


def kill_mid_export(
    command: list[str],
    folder: Path,
    target: Path,
    previous: bytes | None,
    full_size: int,
    procs: list[Proc],
    name: str,
) -> None:
    """Start the export, wait until its temp file holds part of the output, kill it. All along,
    the target is absent (no previous export) or exactly the previous complete one."""
    known = set(temp_files(folder, target.name))

    def target_unchanged() -> None:
        if previous is None:
            assert not target.exists()
        else:
            assert target.read_bytes() == previous

    def partly_written() -> bool:
        target_unchanged()
        fresh = [p for p in temp_files(folder, target.name) if p not in known]
        return any(0 < p.stat().st_size < full_size for p in fresh if p.exists())

    proc = Proc.start(command, folder.parent, name)
    procs.append(proc)
    wait_for(partly_written, proc, "the export has written part of its temp file", poll=0.002)
    proc.kill()
    target_unchanged()
    fresh = [p for p in assert_only_hidden_temps(folder, target.name) if p not in known]
    assert fresh and all(p.stat().st_size < full_size for p in fresh)  # the partial output


@pytest.mark.slow
def test_a_killed_export_leaves_no_partial_file_under_the_target_name(
    db_url: str, tmp_path: Path, procs: list[Proc]
) -> None:
    pids = ["alpha", "beta", "gamma", "delta"]
    per = EXPORT_EVENTS // len(pids)
    objs = []
    for pid in pids:
        objs += founding(pid) + [act(pid, i) for i in range(per - 4)]
    import_objects(db_url, objs)
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / "ledger.jsonl"
    command = [pledger_executable(), "--db", db_url, "export", "-o", str(target)]
    with Ledger(db_url) as ledger:
        first = "".join(ledger.export_lines()).encode("utf-8")

    # No previous export: killed mid-write, the target does not exist.
    kill_mid_export(command, folder, target, None, len(first), procs, "export-1")
    assert not target.exists()

    # A complete export, then more events, then a killed export: the old file stays, whole.
    proc = Proc.start(command, tmp_path, "export-2")
    procs.append(proc)
    assert proc.finish() == 0, proc.describe()
    assert target.read_bytes() == first
    import_objects(db_url, [act("alpha", per + i) for i in range(30)])
    with Ledger(db_url) as ledger:
        second = "".join(ledger.export_lines()).encode("utf-8")
    assert second != first
    kill_mid_export(command, folder, target, first, len(second), procs, "export-3")
    assert target.read_bytes() == first

    # The next export replaces it whole; the killed runs' temp files are all hidden.
    proc = Proc.start(command, tmp_path, "export-4")
    procs.append(proc)
    assert proc.finish() == 0, proc.describe()
    assert target.read_bytes() == second
    assert len(assert_only_hidden_temps(folder, target.name)) == 2
