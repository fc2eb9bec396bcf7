"""A large import checked and hashed in several processes (``ledger.importer``) writes what a
one-process import writes: the same rows in the same order, the same tree heads, the same
first error, and nothing at all when it fails."""

from __future__ import annotations

import json
import os
import pickle
import sqlite3
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ledger import errors, importer
from ledger.cli.main import cli as main
from ledger.integrity import verify_ledger
from ledger.store import EVENTS_TABLE, Ledger, _as_uuid, sqlite_path

from helpers import bench_module, founding, pledger_executable

generate = bench_module("generate")

EVENTS = 1500


@pytest.fixture
def parallel(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every file, however small, is imported in parallel when jobs > 1."""
    monkeypatch.setattr(importer, "PARALLEL_MIN_BYTES", 0)


@pytest.fixture
def source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PLEDGER_NOW", generate.NOW)
    path = tmp_path / "source.jsonl"
    generate.write_jsonl(path, generate.sized(EVENTS, seed=7))
    return path


def _stored(ledger: Ledger) -> list[tuple[Any, ...]]:
    """Every row in insertion order; the random parts of a new fact (its id, hence its hash)
    left out."""
    query = (
        f"SELECT originator_id, originator_version, topic, state FROM {EVENTS_TABLE} ORDER BY id"
    )
    with ledger._rows(query) as rows:
        out = []
        for stream, version, topic, state in rows:
            fields = json.loads(bytes(state))
            del fields["event_id"], fields["hash"]
            out.append((_as_uuid(stream), version, topic, fields))
        return out


def _heads(ledger: Ledger, *, roots: bool = True) -> list[tuple[Any, ...]]:
    return [
        (h.partnership, h.size, h.recorded_at) + ((h.root, h.frontier) if roots else ())
        for h in ledger.tree_heads()
    ]


def _shards(lines: list[str]) -> dict[int, list[int]]:
    """Line numbers (from 1) of each of two workers' partnerships."""
    out: dict[int, list[int]] = {0: [], 1: []}
    for number, text in enumerate(lines, start=1):
        out[importer.shard_of(json.loads(text)["partnership"], 2)].append(number)
    return out


def _bad(text: str) -> str:
    obj = json.loads(text)
    obj["data"]["no_such_field"] = "x"
    return json.dumps(obj)


def test_writes_what_one_process_writes(
    source: Path, db_url: str, tmp_path: Path, parallel: None
) -> None:
    with Ledger(f"sqlite:///{tmp_path / 'serial.db'}") as serial:
        one = serial.import_file(source, jobs=1)
        expected, expected_heads = _stored(serial), _heads(serial, roots=False)
        restore = tmp_path / "restore.jsonl"
        restore.write_text("".join(serial.export_lines()), encoding="utf-8")
    with Ledger(db_url) as ledger:
        two = ledger.import_file(source, jobs=2)
        assert (two.count, two.ranges()) == (one.count, one.ranges())
        assert len(two.ranges()) > 4  # enough partnerships that both workers had some
        assert _stored(ledger) == expected
        assert _heads(ledger, roots=False) == expected_heads
        assert all(report.intact for report in verify_ledger(ledger))
    # restore lines carry ids and hashes: then every byte is the same
    restored = []
    for jobs in (1, 3):
        with Ledger(f"sqlite:///{tmp_path / f'restored-{jobs}.db'}") as ledger:
            ledger.import_file(restore, jobs=jobs)
            restored.append((ledger.stored_rows(), _heads(ledger), _order(ledger)))
    assert restored[0] == restored[1]


def _order(ledger: Ledger) -> list[tuple[Any, ...]]:
    query = f"SELECT originator_id, originator_version FROM {EVENTS_TABLE} ORDER BY id"
    with ledger._rows(query) as rows:
        return [(_as_uuid(stream), version) for stream, version in rows]


def test_continues_streams_already_stored(
    source: Path, db_url: str, tmp_path: Path, parallel: None
) -> None:
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    head, tail = tmp_path / "head.jsonl", tmp_path / "tail.jsonl"
    head.write_text("".join(lines[:700]), encoding="utf-8")
    tail.write_text("".join(lines[700:]), encoding="utf-8")
    with Ledger(f"sqlite:///{tmp_path / 'whole.db'}") as whole:
        whole.import_file(source, jobs=1)
        expected = _stored(whole)
    with Ledger(db_url) as ledger:
        ledger.import_file(head, jobs=1)
        written = ledger.import_file(tail, jobs=2)
        cut = json.loads(lines[700])["partnership"]
        assert written.ranges()[cut][0] > 1  # that partnership went on where it stopped
        assert _stored(ledger) == expected
        assert [h.size for h in ledger.tree_heads(cut)] == [
            written.ranges()[cut][0] - 1,
            written.ranges()[cut][1],
        ]
        assert all(report.intact for report in verify_ledger(ledger))


@pytest.mark.parametrize("first", [0, 1])
def test_the_first_bad_line_of_the_file_wins_and_nothing_is_written(
    source: Path, db_url: str, tmp_path: Path, parallel: None, first: int
) -> None:
    """Two bad lines in partnerships of different workers: whichever worker meets its own
    first, the error is the one a one-process import gives, and nothing is written."""
    lines = source.read_text(encoding="utf-8").splitlines()
    shards = _shards(lines)
    early = shards[first][len(shards[first]) // 3]
    late = next(n for n in shards[1 - first] if n > early + 200)
    lines[early - 1], lines[late - 1] = _bad(lines[early - 1]), _bad(lines[late - 1])
    broken = tmp_path / "broken.jsonl"
    broken.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with (
        Ledger(f"sqlite:///{tmp_path / 'serial.db'}") as serial,
        pytest.raises(errors.InvalidEvent) as one,
    ):
        serial.import_file(broken, jobs=1)
    with Ledger(db_url) as ledger:
        with pytest.raises(errors.InvalidEvent) as two:
            ledger.import_file(broken, jobs=2)
        assert str(two.value) == str(one.value)
        assert str(two.value).startswith(f"line {early}: ")
        assert (two.value.field, two.value.value) == ("no_such_field", "x")
        assert ledger.partnerships() == [] and ledger.tree_heads() == []


def test_a_line_no_worker_can_place_is_refused_once(
    source: Path, tmp_path: Path, sqlite_url: str, parallel: None
) -> None:
    """A line whose partnership only the strict parser could tell (here: not JSON) is read
    by every worker; the error is still the line's own."""
    lines = source.read_text(encoding="utf-8").splitlines()
    lines[900] = '{"partnership": "river-care-00000", "type": '
    broken = tmp_path / "broken.jsonl"
    broken.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with Ledger(sqlite_url) as ledger:
        with pytest.raises(errors.InvalidInput, match=r"^line 901: not valid JSON"):
            ledger.import_file(broken, jobs=2)
        assert ledger.partnerships() == []


def test_lines_orjson_cannot_read_still_reach_one_worker(
    tmp_path: Path, sqlite_url: str, parallel: None
) -> None:
    """A byte-order mark on the first line, or a number past 64 bits, send a line the
    strict way; it is placed once, by the worker of its partnership."""
    objs = founding("bom") + founding("big")
    lines = [json.dumps(obj) for obj in objs]
    lines[0] = "\ufeff" + lines[0]
    # the partnership named after a 70-bit number: the strict parser tells it
    lines.append(
        lines[-1].replace(
            '"partnership": "big"', '"x": 1180591620717411303424, "partnership": "big"'
        )
    )
    path = tmp_path / "odd.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with (
        Ledger(sqlite_url) as ledger,
        pytest.raises(errors.InvalidInput, match=f"^line {len(lines)}: .*x"),
    ):
        ledger.import_file(path, jobs=2)
    path.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")
    with Ledger(sqlite_url) as ledger:
        written = ledger.import_file(path, jobs=2)
        assert written.ranges() == {"bom": (1, len(founding())), "big": (1, len(founding()))}


def _fork_only(ledger: Ledger) -> None:
    if ledger.process_context().get_start_method() != "fork":
        pytest.skip("workers are spawned here: a patch in this process does not reach them")


def test_a_worker_that_fails_fails_the_import(
    source: Path, sqlite_url: str, parallel: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = importer.parse_line

    def failing(line: int, raw: bytes) -> Any:
        if line == 321:
            raise ZeroDivisionError("a bug")
        return real(line, raw)

    monkeypatch.setattr(importer, "parse_line", failing)
    with Ledger(sqlite_url) as ledger:
        _fork_only(ledger)
        with pytest.raises(
            RuntimeError, match=r"worker failed at line 321:(.|\n)*ZeroDivisionError"
        ):
            ledger.import_file(source, jobs=2)
        assert ledger.partnerships() == []


def test_a_worker_that_dies_fails_the_import(
    source: Path, sqlite_url: str, parallel: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = importer.parse_line

    def dying(line: int, raw: bytes) -> Any:
        if line == 321:
            os._exit(7)
        return real(line, raw)

    monkeypatch.setattr(importer, "parse_line", dying)
    with Ledger(sqlite_url) as ledger:
        _fork_only(ledger)
        with pytest.raises(RuntimeError, match=r"ended unexpectedly \(exit code 7\)"):
            ledger.import_file(source, jobs=2)
        assert ledger.partnerships() == []


def test_the_write_lock_is_held_before_any_worker_reads(sqlite_url: str) -> None:
    """Workers read the ledger as last committed: that must be what the import's own
    transaction sees, so it takes the write lock at once, not at its first insert."""
    with Ledger(sqlite_url) as ledger, ledger._write_session():
        path = sqlite_path(sqlite_url)
        assert path is not None
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        other.close()


def test_small_files_and_signed_imports_stay_in_one_process(
    source: Path, sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: Any) -> Any:
        raise AssertionError("imported in parallel")

    monkeypatch.setattr(importer, "import_in_parallel", refuse)
    assert source.stat().st_size < importer.PARALLEL_MIN_BYTES
    with Ledger(sqlite_url) as ledger:
        assert ledger.import_file(source, jobs=2).count == EVENTS
    monkeypatch.setattr(importer, "PARALLEL_MIN_BYTES", 0)

    class Signer:
        fingerprint = "SHA256:test"

        def sign(self, message: bytes) -> str:
            raise errors.InvalidInput("signing reached")

    with (
        Ledger(f"sqlite:///{tmp_path / 'signed.db'}") as ledger,
        pytest.raises(errors.InvalidInput, match="signing reached"),
    ):
        ledger.import_file(source, jobs=2, signer=Signer())


def test_progress_is_heard_in_bytes_up_to_the_whole_file(
    source: Path, sqlite_url: str, parallel: None
) -> None:
    heard: list[tuple[int, int]] = []
    with Ledger(sqlite_url) as ledger:
        ledger.import_file(source, jobs=2, progress=lambda done, total: heard.append((done, total)))
    total = source.stat().st_size
    assert heard[-1] == (total, total)
    assert len(heard) > 1 and all(t == total for _, t in heard)
    assert [d for d, _ in heard] == sorted(d for d, _ in heard)


@pytest.mark.parametrize(
    "error",
    [
        errors.InvalidEvent("CommitmentMade", "amount", {"x": [1]}, "must be a number"),
        errors.InvalidInput("not valid JSON"),
        errors.NotIntact("seq 3 of p cannot be read"),
        errors.SignatureError("X", "signature", "abc", "does not verify"),
    ],
)
def test_ledger_errors_cross_processes_whole(error: errors.LedgerError) -> None:
    error.at_line(12)
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is type(error)
    assert (str(back), back.args, back.line) == (str(error), error.args, 12)
    assert vars(back) == vars(error)


def test_cli_jobs(source: Path, sqlite_url: str, tmp_path: Path, parallel: None) -> None:
    runner = CliRunner()
    one = runner.invoke(
        main, ["--db", f"sqlite:///{tmp_path / 's.db'}", "import", "-j", "1", str(source)]
    )
    two = runner.invoke(main, ["--db", sqlite_url, "import", "--jobs", "2", str(source)])
    assert one.exit_code == two.exit_code == 0, two.output
    assert two.output == one.output and two.output.startswith(f"imported {EVENTS} events (")
    zero = runner.invoke(main, ["--db", sqlite_url, "import", "--jobs", "0", str(source)])
    assert zero.exit_code == 2 and "--jobs" in zero.output and "0" in zero.output
    sheet = tmp_path / "rows.csv"
    sheet.write_text("name\nx\n", encoding="utf-8")
    csv = runner.invoke(
        main, ["--db", sqlite_url, "import", "-j", "2", "--type", "PartnerJoined", str(sheet)]
    )
    assert csv.exit_code == 2 and "--jobs applies to JSON Lines" in csv.output


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rpartition(")")[2].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _running(pid: int) -> bool:
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")
def test_workers_end_when_the_import_is_killed(tmp_path: Path, sqlite_url: str) -> None:
    """Killed, the import leaves no worker behind: each holds only its own end of its pipe,
    so it sees the end at its next message."""
    path = tmp_path / "big.jsonl"
    generate.write_jsonl(path, generate.sized(24_000, seed=3))
    assert path.stat().st_size >= importer.PARALLEL_MIN_BYTES
    command = [pledger_executable(), "--db", sqlite_url, "import", "--jobs", "2", str(path)]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while len(children := _children(proc.pid)) < 2:
        assert proc.poll() is None and time.monotonic() < deadline, "no workers started"
        time.sleep(0.01)
    time.sleep(0.5)  # the workers are at work (or still waiting to start): either way
    proc.kill()
    proc.wait()
    deadline = time.monotonic() + 20
    while any(_running(child) for child in children):
        assert time.monotonic() < deadline, "a worker outlived the killed import"
        time.sleep(0.05)
    with Ledger(sqlite_url) as ledger:
        assert ledger.partnerships() == []
