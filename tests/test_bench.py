"""The bench (bench/, issue #8) runs here on a tiny ledger so that it cannot rot: every row of
its table is measured and positive, and the ledgers its generator builds import cleanly and
audit (findings, never a failure) on SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import time
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from ledger.audit import run_audit
from ledger.store import Ledger

from helpers import bench_module

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"


generate = bench_module("generate")
bench_run = bench_module("run")

#: Every type the generator claims to write (bench/generate.py's docstring).
CYCLE_TYPES = {
    "PartnershipFounded",
    "PhaseChanged",
    "StakeholderMapped",
    "StakeholderConsulted",
    "PartnerIdentified",
    "PartnerJoined",
    "PartnerEngagementChanged",
    "MeetingHeld",
    "AssessmentRecorded",
    "AssumptionDeclared",
    "DealBreakerDeclared",
    "PrincipleAdopted",
    "GroundRuleAgreed",
    "DecisionRuleSet",
    "CommunicationProtocolAgreed",
    "ReviewScheduleSet",
    "ReportingNeedDeclared",
    "ActivityPlanned",
    "ResourceNeeded",
    "IndicatorDefined",
    "RiskIdentified",
    "RiskMitigated",
    "AgreementDrafted",
    "AgreementSigned",
    "InformationShared",
    "CommitmentMade",
    "CommitmentRevised",
    "CommitmentFulfilled",
    "FulfilmentConfirmed",
    "ProgressReported",
    "DecisionProposed",
    "VoteCast",
    "DecisionTaken",
    "IndicatorMeasured",
    "IssueRaised",
    "IssueResolved",
    "ReviewOpened",
    "ReviewSubmitted",
    "ReviewConcluded",
    "ActionAgreed",
    "ActionCompleted",
    "SustainabilityChosen",
    "LearningShared",
    "PartnershipClosed",
}


def _lines(events: list[dict[str, object]]) -> list[str]:
    return [json.dumps(event, ensure_ascii=False) for event in events]


def test_generator_is_deterministic() -> None:
    first = _lines(list(generate.generate(3, seed=7)))
    assert first == _lines(list(generate.generate(3, seed=7)))
    assert first != _lines(list(generate.generate(3, seed=8)))
    # a partnership is the same whatever comes before it
    assert _lines(generate.partnership(2, 4, 7)) == first[-len(generate.partnership(2, 4, 7)) :]


def test_generator_event_mix() -> None:
    """The mix the generator claims: the whole cycle, commitments of both forms, about 230
    events of about 230 bytes per partnership, and the deliberate lapses."""
    events = list(generate.generate(40, seed=1))
    counts = Counter(event["type"] for event in events)
    assert set(counts) == CYCLE_TYPES
    assert counts["PartnershipFounded"] == 40
    assert 200 <= len(events) / 40 <= 250
    assert 200 <= sum(len(line) for line in _lines(events)) / len(events) <= 260
    by_partnership = Counter(
        event["partnership"] for event in events if event["type"] == "PartnerJoined"
    )
    assert len(by_partnership) == 40
    assert all(4 <= joined <= 8 for joined in by_partnership.values())
    sectors = {e["data"]["sector"] for e in events if "sector" in e["data"]}
    assert {"public", "private", "civil-society", "academic"} <= sectors
    assert counts["VoteCast"] > 3 * counts["DecisionTaken"]
    commitments = [e["data"] for e in events if e["type"] == "CommitmentMade"]
    money = [c for c in commitments if c["kind"] == "money"]
    in_kind = [c for c in commitments if c["kind"] != "money"]
    assert money and all({"value", "currency"} <= set(c) for c in money)
    assert in_kind and all({"quantity", "unit"} <= set(c) for c in in_kind)
    assert {c["kind"] for c in in_kind} >= {"people", "skills", "facilities"}
    # lapses: promises never kept, decisions never shared
    fulfilled = {
        (e["partnership"], e["data"]["commitment"])
        for e in events
        if e["type"] == "CommitmentFulfilled"
    }
    made = {
        (e["partnership"], e["data"]["commitment"]) for e in events if e["type"] == "CommitmentMade"
    }
    assert 0.7 * len(made) < len(fulfilled & made) < len(made)
    shared = {
        (e["partnership"], e["data"]["subject"]) for e in events if e["type"] == "InformationShared"
    }
    taken = {
        (e["partnership"], "decision:" + e["data"]["decision"])
        for e in events
        if e["type"] == "DecisionTaken"
    }
    assert 0.7 * len(taken) < len(shared & taken) < len(taken)
    assert max(event["occurred_on"] for event in events) <= generate.TODAY.isoformat()


def test_sizes_are_exact() -> None:
    assert sum(1 for _ in generate.sized(1000, seed=3)) == 1000
    big = generate.one_partnership(700, seed=3)
    assert len(big) == 700 and len({event["partnership"] for event in big}) == 1
    assert date.fromisoformat(big[-1]["occurred_on"]) <= generate.TODAY


def test_generated_ledger_imports_and_audits(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Strict validation accepts the generated ledger whole (one partnership cut short
    included), and the audit finds the lapses the generator leaves."""
    monkeypatch.setenv("PLEDGER_NOW", generate.NOW)
    path = tmp_path / "ledger.jsonl"
    count, size = generate.write_jsonl(path, generate.sized(1200, seed=5))
    assert count == 1200 and size > 0
    with Ledger(db_url) as ledger:
        written = ledger.import_file(path)
        assert sum(last - first + 1 for first, last in written.ranges().values()) == 1200
        report = run_audit(ledger)
    assert sum(audited.events for audited in report.partnerships) == 1200
    rules = {finding.rule for finding in report.findings}
    assert {"FT001", "TR002"} <= rules
    assert not any(rule.startswith("PL") for rule in rules)


@pytest.mark.slow
def test_bench_quick_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The whole bench on the tiny size, into a temporary folder (never bench/RESULTS.md);
    PostgreSQL too when PLEDGER_TEST_POSTGRES_URL is set."""
    results = tmp_path / "RESULTS.md"
    args = bench_run.parse_args(
        ["--quick", "--results", str(results), "--workdir", str(tmp_path / "work")]
    )
    report = bench_run.execute(args)
    databases = ["sqlite"] + (["postgresql"] if os.environ.get("PLEDGER_TEST_POSTGRES_URL") else [])
    per_database = {
        "sqlite": ("import", "import_serial", "audit", "audit_jobs", "rss", "rss_jobs"),
        "postgresql": ("import", "audit", "audit_jobs", "rss", "rss_jobs"),
    }
    expected = [f"{db}.{name}" for db in databases for name in per_database[db]] + [
        "partnership",
        "startup.version",
        "startup.help",
    ]
    assert [row.key for row in report.rows] == expected
    for row in report.rows:
        assert row.value > 0 and row.baseline_value > 0, row
        assert row.result in ("PASS", "MISS"), row
    printed = capsys.readouterr().out
    written = results.read_text(encoding="utf-8")
    for row in report.rows:
        assert row.measure in written
    pooled = next(row for row in report.rows if row.key == "sqlite.audit_jobs")
    ceiling = re.search(r"2 plain scans at once: ([0-9.]+)x the throughput of one", pooled.baseline)
    assert ceiling and float(ceiling[1]) > 0, pooled.baseline
    audits = re.search(r"2 audits --jobs 1 at once: ([0-9.]+)x", pooled.baseline)
    assert audits and float(audits[1]) > 0, pooled.baseline
    assert re.search(r"\(\d+% of what 2 audits at once gave\)", pooled.ratio), pooled.ratio
    busy = re.search(
        r"([0-9.]+) of 2 cores busy \(--jobs 1: ([0-9.]+)\) for ([0-9.]+)x the CPU time",
        pooled.ratio,
    )
    assert busy, pooled.ratio
    assert 0 < float(busy[1]) <= 2.05 and 0 < float(busy[2]) <= 1.05 and float(busy[3]) > 0
    assert "Pledger bench: 700 events" in printed and f"wrote {results}" in printed
    for fact in ("CPU:", "RAM:", "Python", "SQLite", "pledger 0.", "700 events"):
        assert fact in written
    assert "- Pledger's byte code: compiled before timing" in written
    assert report.events == 700 and report.partnerships >= 3
    assert {"FT001"} <= set(report.findings)
    assert "## Where the time went" in written
    stages = report.profile["audit"]["stages"]
    assert set(stages) >= {"plain scan (baseline)", "read events", "fold views", "run every rule"}
    assert all(seconds > 0 for seconds in stages.values())
    shares = report.profile["import"]["shares"]
    assert 0.99 < sum(shares.values()) < 1.01 and all(0 <= v <= 1 for v in shares.values())


def test_bench_masks_passwords() -> None:
    url = "postgresql+psycopg://bench:s3cret@db.example.org:5432/x"
    assert bench_run.mask(url) == "postgresql+psycopg://bench:***@db.example.org:5432/x"


def test_ratios_are_the_median_of_each_rounds_own_ratio() -> None:
    """A figure and its baseline are paired by round: a slow minute that hits one round's
    audit and the next round's scan must not show up as a ratio no round had."""
    audits, scans = [10.0, 30.0, 12.0], [5.0, 10.0, 4.0]  # rounds: 2.0, 3.0, 3.0
    assert bench_run._paired(audits, scans) == 3.0  # the medians' ratio would be 12/5 = 2.4
    assert bench_run._rounds(audits, scans) == " (rounds: 2.00, 3.00, 3.00)"
    assert bench_run._rounds([10.0], [5.0]) == ""  # one run: nothing to spread
    with pytest.raises(ValueError):
        bench_run._paired([1.0, 2.0], [1.0])


def test_the_bench_times_pledger_byte_compiled_as_installed() -> None:
    """``pip install`` byte-compiles; an editable checkout under PYTHONDONTWRITEBYTECODE=1
    would compile its modules on every start, so the bench compiles them first."""
    import importlib.util

    import ledger.cli.main
    import ledger.formats
    import ledger.plugins.equity

    modules = (ledger.formats, ledger.cli.main, ledger.plugins.equity)
    cached = [Path(importlib.util.cache_from_source(str(m.__file__))) for m in modules]
    for path in cached:
        path.unlink(missing_ok=True)
    said = bench_run.byte_compile()
    assert said.startswith("compiled before timing"), said
    assert all(path.is_file() for path in cached), cached


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="reads Linux's /proc")
def test_the_rss_sampler_finds_the_whole_process_tree() -> None:
    """The sampler walks the kernel's lists of children (cheap enough not to slow a command
    that keeps every core busy); it must find what a scan of every process's parent finds,
    grandchildren included, and sum their memory."""
    import subprocess
    import sys

    measure = bench_module("measure")
    if not measure.LISTS_CHILDREN:
        pytest.skip("this kernel keeps no lists of children (CONFIG_PROC_CHILDREN)")
    # grandparent (python) -> parent (python) -> child (sleep): the walk must go two deep
    parent = "import subprocess; subprocess.run(['sleep', '30'])"
    grandparent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import subprocess, sys; subprocess.run([sys.executable, '-c', {parent!r}])",
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        for _ in range(200):  # until the child runs
            tree = measure._tree(grandparent.pid)
            if len(tree) == 3:
                break
            time.sleep(0.025)
        assert len(tree) == 3, tree
        listed = measure.LISTS_CHILDREN
        try:  # the same tree from every process's parent, as on a kernel without the lists
            measure.LISTS_CHILDREN = False
            assert sorted(measure._tree(grandparent.pid)) == sorted(tree)
        finally:
            measure.LISTS_CHILDREN = listed
        each = [int(Path(f"/proc/{pid}/statm").read_text().split()[1]) for pid in tree]
        page_kb = os.sysconf("SC_PAGE_SIZE") // 1024
        # all three wait, so their memory holds still: a few pages of slack for the reads between
        assert abs(measure.tree_rss_kb(grandparent.pid) - sum(each) * page_kb) <= 64
    finally:
        for pid in measure._tree(grandparent.pid)[::-1]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        grandparent.wait()
