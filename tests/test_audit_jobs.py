"""Auditing many partnerships (issue #8): the bulk read path, ``--jobs`` (a process pool) and
progress. Whatever the path, the report is the same."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import cast

import pytest
from click.testing import CliRunner

from ledger.audit import run_audit
from ledger.cli.main import cli
from ledger.errors import InvalidInput
from ledger.manager import get_plugin_manager
from ledger.store import Ledger

from helpers import founding, jsonl, line

PLUGIN = """
from ledger import hookimpl, rule


@rule("XX001", name="many-commitments", principle="follow-through", severity="warning")
def many_commitments(view, ctx):
    \"\"\"More than five commitments.\"\"\"
    if len(view.commitments) > 5:
        yield ctx.finding(f"partnership:{view.partnership}", f"{len(view.commitments)}")


@hookimpl
def pledger_rules():
    return [many_commitments]
"""


def partnership(pid: str, n: int) -> list[dict[str, object]]:
    """A founded partnership with ``n`` money commitments, every third one overdue, and a
    decision taken without a rationale: findings from several rules."""
    objs = founding(pid)
    for i in range(n):
        data = {
            "commitment": f"c-{i}",
            "partner": "telco-x",
            "kind": "money",
            "description": f"Grant {i}",
            "value": f"{1000 + i}",
            "currency": "EUR",
            "due": "2026-04-01" if i % 3 == 0 else "2026-12-01",
        }
        objs.append(line("CommitmentMade", data, actor="telco-x", partnership=pid))
    objs.append(
        line(
            "DecisionProposed",
            {"decision": "d-1", "title": "Logo", "proposer": "ngo-sonar"},
            partnership=pid,
        )
    )
    objs.append(line("DecisionTaken", {"decision": "d-1", "outcome": "adopted"}, partnership=pid))
    return objs


@pytest.fixture
def many(db_url: str) -> str:
    with Ledger(db_url) as ledger:
        for k in range(7):
            ledger.import_jsonl(jsonl(*partnership(f"p-{k}", 3 + k)))
    return db_url


def test_the_bulk_read_gives_every_stream_as_stored(many: str) -> None:
    with Ledger(many) as ledger:
        streams = dict(ledger.streams())
        assert sorted(streams) == ledger.partnerships()
        for pid, events in streams.items():
            assert events == ledger.stream(pid)


@pytest.mark.parametrize("jobs", [1, 2])
def test_jobs_give_the_same_report_and_report_progress(many: str, jobs: int) -> None:
    with Ledger(many) as ledger:
        pm = get_plugin_manager()
        alone = run_audit(ledger, pm=pm)
        heard: list[tuple[int, int]] = []
        pooled = run_audit(
            ledger, pm=pm, jobs=jobs, progress=lambda done, total: heard.append((done, total))
        )
    assert pooled.to_json() == alone.to_json()
    assert [p.id for p in pooled.partnerships] == [f"p-{k}" for k in range(7)]
    assert {f.rule for f in pooled.findings} >= {"FT001", "TR001"}
    assert heard[-1] == (7, 7)
    assert [done for done, _ in heard] == sorted(done for done, _ in heard)


def test_a_parallel_audit_prepares_each_findings_json_where_it_was_made(
    many: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With ``prepare``, every finding comes back with its JSON text written by the process
    that audited it, and the JSON report is written from those texts, byte for byte the
    report of a plain audit."""
    from ledger import formats

    with Ledger(many) as ledger:
        pm = get_plugin_manager()
        alone = formats.json_report(run_audit(ledger, pm=pm))
        pooled = run_audit(ledger, pm=pm, jobs=2, prepare=formats.prepare_json)
    assert pooled.findings and all("_json_text" in vars(f) for f in pooled.findings)
    monkeypatch.setattr(formats, "_finding_text", lambda finding: pytest.fail("written again"))
    assert formats.json_report(pooled) == alone


@pytest.fixture
def workers_only(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """This process claims no piece of a parallel audit, so its workers audit everything
    (else, on a small ledger, it may finish before they start); returns what they sent."""
    import os

    import ledger.audit

    parent = os.getpid()
    claim = ledger.audit._Claims.next
    unspooled = ledger.audit._unspooled
    sent: list[object] = []

    def next_piece(self: ledger.audit._Claims) -> object:
        return None if os.getpid() == parent else claim(self)

    def received(what: ledger.audit.Sent) -> list[object]:
        if what is not None:
            sent.append(what if isinstance(what, str) else list(what))
        return unspooled(what)  # type: ignore[return-value]

    monkeypatch.setattr(ledger.audit._Claims, "next", next_piece)
    monkeypatch.setattr(ledger.audit, "_unspooled", received)
    return sent


def test_workers_hand_their_results_over_in_files_and_leave_none_behind(
    many: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, workers_only: list[object]
) -> None:
    """A worker writes each piece's results to a file in a private folder for this process
    to read (a pipe made it wait); the files and the folder are gone when the audit ends,
    and when it fails."""
    import tempfile

    import ledger.audit

    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    with Ledger(many) as led:
        alone = run_audit(led)
        pooled = run_audit(led, jobs=2)
        assert pooled.to_json() == alone.to_json()
        read = [Path(cast("str", path)) for path in workers_only]
        assert read and all(path.parent.parent == temp for path in read)
        assert list(temp.iterdir()) == []

        def failing(*args: object) -> None:
            raise RuntimeError("disk on fire")

        monkeypatch.setattr(ledger.audit, "_unspooled", failing)
        with pytest.raises(RuntimeError, match="disk on fire"):
            run_audit(led, jobs=2)
    assert list(temp.iterdir()) == []


@pytest.mark.parametrize("where", ["file", "folder"])
def test_results_come_back_through_the_pool_when_no_file_can_be_written(
    many: str, monkeypatch: pytest.MonkeyPatch, where: str, workers_only: list[object]
) -> None:
    """A full disk (no room for a worker's file, or for the folder) slows a parallel audit
    down; it does not fail it."""
    import tempfile

    import ledger.audit

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    if where == "file":  # a forked worker inherits the patch
        if sys.platform != "linux":
            pytest.skip("workers fork only on Linux")
        fork = __import__("multiprocessing").get_context("fork")
        monkeypatch.setattr(
            ledger.audit, "_worker_context", lambda led: (led.release_connections(), fork)[1]
        )
        monkeypatch.setattr(ledger.audit, "_spooled", full)
    else:
        monkeypatch.setattr(tempfile, "TemporaryDirectory", full)
    with Ledger(many) as led:
        alone = run_audit(led)
        pooled = run_audit(led, jobs=2)
    assert pooled.to_json() == alone.to_json()
    assert workers_only and all(isinstance(sent, list) for sent in workers_only)


def test_closed_claims_give_no_more_pieces() -> None:
    """When this process fails, it claims every piece left, so workers stop at once instead
    of auditing the rest of the ledger for nothing."""
    import multiprocessing

    from ledger.audit import _Claims

    claims = _Claims(multiprocessing.get_context("spawn"), ["a", "b", "c"])
    assert claims.next() == "a"
    claims.close()
    assert claims.next() is None


def test_spooled_results_come_back_as_they_went(tmp_path: Path) -> None:
    import pickle
    from typing import Any

    from ledger.audit import AuditedPartnership, _spooled, _unspooled
    from ledger.rules import Finding

    finding = Finding("FT001", "n", "p", "error", "p-1", "partnership:p-1", None, "m", (3, 4))
    results = [(AuditedPartnership("p-1", 7, "ab"), [finding])]
    path = _spooled(results, str(tmp_path), "piece")
    assert _unspooled(path) == results and not Path(path).exists()
    assert _unspooled(results) == results  # sent through the pipe
    assert _unspooled(None) == []
    unpicklable: list[Any] = [(AuditedPartnership("p-1", 7, "ab"), [lambda: 1])]
    with pytest.raises((pickle.PicklingError, AttributeError)):  # a half-written file goes
        _spooled(unpicklable, str(tmp_path), "bad")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("beside_a_thread", [False, True])
def test_workers_fork_when_alone_and_spawn_beside_another_thread(
    many: str, beside_a_thread: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fork copies only the calling thread, so workers are forked only from a process
    running no other (a progress bar runs one); either way the report is the same, and the
    ledger, whose connections were released for the fork, still reads afterwards."""
    import threading

    import ledger.audit

    chosen: list[str] = []
    choose = ledger.audit._worker_context

    def recorded(led: Ledger) -> object:
        context = choose(led)
        chosen.append(context.get_start_method())
        return context

    monkeypatch.setattr(ledger.audit, "_worker_context", recorded)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait, daemon=True)
    with Ledger(many) as led:
        pm = get_plugin_manager()
        alone = run_audit(led, pm=pm)
        if beside_a_thread:
            other.start()
        try:
            pooled = run_audit(led, pm=pm, jobs=2)
        finally:
            stop.set()
        again = run_audit(led, pm=pm)
    assert pooled.to_json() == alone.to_json() == again.to_json()
    expected = "spawn" if beside_a_thread or sys.platform != "linux" else "fork"
    assert chosen == [expected]


def test_the_cli_audits_in_two_processes_with_plugins_loaded_by_name(
    many: str, tmp_path: Path
) -> None:
    plugin = tmp_path / "many_rules.py"
    plugin.write_text(PLUGIN, encoding="utf-8")
    runner = CliRunner()
    base = ["--db", many, "-p", str(plugin), "audit", "--all", "--format", "json"]
    one = runner.invoke(cli, base)
    two = runner.invoke(cli, [*base, "--jobs", "2"])
    assert one.exit_code == two.exit_code == 1, (one.output, two.output)
    assert json.loads(two.stdout) == json.loads(one.stdout)
    assert sum(f["rule"] == "XX001" for f in json.loads(two.stdout)["findings"]) == 4
    assert two.stderr == ""  # no progress bar when stderr is not a terminal


def test_bad_jobs_are_refused(many: str) -> None:
    result = CliRunner().invoke(cli, ["--db", many, "audit", "--all", "--jobs", "0"])
    assert result.exit_code == 2
    assert "--jobs" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_plugins_registered_in_code_cannot_cross_to_workers(many: str) -> None:
    class InCode:
        pass

    pm = get_plugin_manager()
    pm.register(InCode(), name="in-code")
    with Ledger(many) as ledger, pytest.raises(InvalidInput, match="registered in code"):
        run_audit(ledger, pm=pm, jobs=2)


ONLY_HERE = """
import os

from ledger import hookimpl, rule


@rule("XX002", name="only-here", principle="equity", severity="info")
def only_here(view, ctx):
    \"\"\"A rule its plugin gives only in the process that started the audit.\"\"\"
    return ()


@hookimpl
def pledger_rules():
    return [only_here] if os.getpid() == int(os.environ["PLEDGER_TEST_AUDIT_PARENT"]) else []
"""


def test_a_worker_that_cannot_run_the_rules_fails_the_audit_with_a_clear_error(
    many: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Workers load the plugins again; if a rule does not load there, the audit stops with one
    clear error rather than a report missing that rule's findings for the workers' share."""
    import os

    plugin = tmp_path / "only_here.py"
    plugin.write_text(ONLY_HERE, encoding="utf-8")
    monkeypatch.setenv("PLEDGER_TEST_AUDIT_PARENT", str(os.getpid()))
    pm = get_plugin_manager([str(plugin)])
    with Ledger(many) as ledger:
        assert "XX002" in run_audit(ledger, pm=pm).rules  # in one process it runs
        with pytest.raises(InvalidInput, match="XX002 did not load in a worker"):
            run_audit(ledger, pm=pm, jobs=2)


@pytest.mark.parametrize("n", [1, 2, 3, 8])
def test_shards_cut_the_ledger_into_disjoint_whole_partnerships(many: str, n: int) -> None:
    with Ledger(many) as ledger:
        everything = dict(ledger.streams())
        pieces = [dict(ledger.streams((k, n))) for k in range(n)]
        assert ledger.count_partnerships() == len(everything) == 7
    assert sum(len(piece) for piece in pieces) == len(everything)
    merged = {pid: events for piece in pieces for pid, events in piece.items()}
    assert merged == everything


def test_a_terminal_gets_a_progress_bar_and_a_pipe_none(many: str, tmp_path: Path) -> None:
    """Long commands draw a rich progress bar on stderr when it is a terminal (a pty here)
    and nothing at all when it is a pipe; stdout carries the report either way."""
    import os
    import pty
    import subprocess

    from helpers import pledger_executable

    args = [pledger_executable(), "--db", many, "audit", "--all", "--format", "json"]
    report = tmp_path / "report.json"
    leader, follower = pty.openpty()
    try:
        proc = subprocess.Popen([*args, "-o", str(report)], stderr=follower)
        os.close(follower)
        drawn = b""
        while True:  # read as it draws, so the bar never waits on a full pty
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the other end is closed: all is read
                break
            if not chunk:
                break
            drawn += chunk
        assert proc.wait(timeout=120) == 1
    finally:
        os.close(leader)
    assert b"Auditing" in drawn
    piped = subprocess.run(args, capture_output=True, timeout=120)
    assert piped.stderr == b""
    assert json.loads(piped.stdout) == json.loads(report.read_text(encoding="utf-8"))


def test_an_audit_leaves_the_garbage_collector_as_it_found_it(
    many: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The audit runs the collector rarely (AUDIT_GC_THRESHOLDS), then restores it, even when
    the audit fails."""
    import gc

    import ledger.audit

    seen: list[tuple[tuple[int, ...], int]] = []

    def failing(*args: object) -> None:
        seen.append((gc.get_threshold(), gc.get_freeze_count()))
        raise RuntimeError("disk on fire")

    before = gc.get_threshold()
    monkeypatch.setattr(ledger.audit, "_audit_one", failing)
    with Ledger(many) as led, pytest.raises(RuntimeError, match="disk on fire"):
        run_audit(led)
    assert seen[0][0] == ledger.audit.AUDIT_GC_THRESHOLDS and seen[0][1] > 0
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_the_report_leaves_the_audit_in_the_collectors_oldest_generation(many: str) -> None:
    """What the audit kept goes to the oldest generation without being traced, so the first
    young collection after a large audit does not trace every finding."""
    import gc

    with Ledger(many) as led:
        report = run_audit(led)
    assert report.findings
    oldest = {id(obj) for obj in gc.get_objects(generation=2)}
    assert id(report.findings[0]) in oldest and id(report.partnerships[0]) in oldest
    assert gc.get_freeze_count() == 0


@pytest.mark.parametrize("jobs", [2, 3, 8])
def test_the_shards_of_a_parallel_audit_cover_every_stream_id_once(jobs: int) -> None:
    """Shards are ranges of stream ids, the last quarter finer; together they must cover the
    whole id space, each id in exactly one (else a partnership is audited twice, or never)."""
    from fractions import Fraction
    from itertools import pairwise

    from ledger.audit import _shards

    ranges = sorted((Fraction(k, n), Fraction(k + 1, n)) for k, n in _shards(jobs))
    assert ranges[0][0] == 0 and ranges[-1][1] == 1
    assert all(end == start for (_, end), (start, _) in pairwise(ranges))
    sizes = [end - start for start, end in ranges]
    assert len(ranges) > jobs * 8 and sizes[-1] < sizes[0]
