"""The bench (issue #8): build a synthetic ledger once, then measure, in one run on the same
data, each figure beside its baseline, and write ``bench/RESULTS.md``.

    python -m bench.run --size 1m            # the reference run; --size 200k, --events N
    python -m bench.run --quick              # a few partnerships: what the test suite runs

PostgreSQL is included when ``--postgres URL`` or ``PLEDGER_TEST_POSTGRES_URL`` names a server
(the bench creates a database of its own there and drops it afterwards). Every Pledger figure
comes from the installed ``pledger`` command in a child process, as a user would run it; the
operating system reports each child's peak memory (``wait4``). The machine is often shared, so
figures are only ever read against the baseline measured beside them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import platform
import re
import shlex
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bench.generate import DEFAULT_ROUNDS, NOW, SIZES, one_partnership, sized, write_jsonl
from ledger.importer import usable_cpus

BENCH = Path(__file__).resolve().parent
SCAN = BENCH / "scan.py"
MEASURE = BENCH / "measure.py"
RESULTS = BENCH / "RESULTS.md"
TARGET_EVENTS = 1_000_000
#: Packages whose versions make a figure reproducible.
PACKAGES = (
    "pledger",
    "eventsourcing",
    "eventsourcing-sqlalchemy",
    "SQLAlchemy",
    "psycopg",
    "psycopg-binary",
    "pluggy",
    "click",
    "rich",
)
#: The issue's targets (for 1,000,000 events, SQLite, 2 cores); PostgreSQL has the same goals.
IMPORT_MIN_RATE = 20_000
AUDIT_MAX_RATIO = 2.5
JOBS_MIN_SPEEDUP = 1.8  # "near twice as fast": our reading, stated in every report
RSS_MAX_MB = 400
VERSION_MAX_MS = 150
HELP_MAX_MS = 250
PARTNERSHIP_MAX_S = 1.0


class BenchError(Exception):
    """A measurement could not be taken (a command failed): the bench stops and says which."""


# -- child processes ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Child:
    """One command run: wall time (start-up included), the peak RSS and the CPU seconds the
    kernel reports for it (``wait4``: its largest process and the CPU of all, waited-for
    descendants included) and, when sampled, the peak of its whole process tree's summed
    RSS."""

    wall: float
    maxrss_kb: int
    tree_kb: int
    code: int
    stdout: str
    stderr: str
    cpu: float = 0.0


def run_child(
    argv: Sequence[str],
    env: dict[str, str],
    cwd: Path,
    *,
    sample: bool = False,
    ok: Sequence[int] = (0,),
) -> Child:
    """Run ``argv`` to completion through the launcher ``bench/measure.py`` (which forks it
    from a small process, so its peak RSS is its own) and return what was measured; an exit
    code outside ``ok`` is a BenchError."""
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.TemporaryDirectory() as folder,
    ):
        result = Path(folder) / "measured.json"
        launcher = [sys.executable, str(MEASURE), str(result), *(["--sample"] if sample else [])]
        launched = subprocess.run(
            [*launcher, "--", *argv], stdout=out, stderr=err, env=env, cwd=cwd, check=False
        )
        out.seek(0)
        err.seek(0)
        stdout, stderr = (f.read().decode(errors="replace") for f in (out, err))
        if launched.returncode != 0 or not result.exists():
            raise BenchError(f"could not measure `{shlex.join(argv)}`: {stderr.strip()[-2000:]}")
        measured = json.loads(result.read_text(encoding="utf-8"))
    child = Child(
        float(measured["wall"]),
        int(measured["maxrss_kb"]),
        int(measured["tree_kb"]),
        int(measured["code"]),
        stdout,
        stderr,
        float(measured["cpu"]),
    )
    if child.code not in ok:
        raise BenchError(
            f"`{shlex.join(argv)}` exited {child.code}: {child.stderr.strip()[-2000:]}"
        )
    return child


# -- figures -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One line of the table: a Pledger figure beside its same-run baseline, the ratio between
    them, the target and whether it was met (``result`` is empty for figures without one)."""

    key: str
    measure: str
    database: str
    figure: str
    baseline: str
    ratio: str
    target: str
    result: str
    value: float
    baseline_value: float


@dataclass
class Report:
    """Everything a run measured, with the machine and versions it ran on."""

    command: str
    started: str
    events: int
    partnerships: int
    jsonl_bytes: int
    partnership_events: int
    seed: int
    rounds: int
    machine: dict[str, str]
    versions: dict[str, str]
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    plugins: list[str] = field(default_factory=list)
    findings: dict[str, int] = field(default_factory=dict)
    note: str = ""
    profile: dict[str, Any] = field(default_factory=dict)


def _rate(events: int, seconds: float) -> str:
    return f"{events / seconds:,.0f} ev/s ({seconds:.2f} s)"


def _mb(kb: int) -> float:
    return kb / 1024


def _up(ratio: float) -> str:
    """A ratio judged against a ceiling, rounded up: the figure shown never flatters."""
    return f"{math.ceil(round(ratio * 100, 6)) / 100:.2f}"


def _down(ratio: float) -> str:
    """A ratio judged against a floor, rounded down (1.7997 shows as 1.79, not 1.80)."""
    return f"{math.floor(round(ratio * 100, 6)) / 100:.2f}"


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def _ratios(figures: Sequence[float], baselines: Sequence[float]) -> list[float]:
    """Each round's figure over the baseline taken beside it in the same round."""
    return [figure / base for figure, base in zip(figures, baselines, strict=True)]


def _paired(figures: Sequence[float], baselines: Sequence[float]) -> float:
    """The median of the rounds' own ratios."""
    return _median(_ratios(figures, baselines))


def _rounds(figures: Sequence[float], baselines: Sequence[float]) -> str:
    """Each round's own ratio, for the reader to see the spread behind a median."""
    if len(figures) < 2:
        return ""
    return f" (rounds: {', '.join(f'{r:.2f}' for r in _ratios(figures, baselines))})"


def _median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


# -- the run -----------------------------------------------------------------------------------


@dataclass
class Context:
    """What every measurement shares: commands, environment, the data and its size."""

    pledger: str
    python: str
    env: dict[str, str]
    workdir: Path
    jsonl: Path
    events: int
    jobs: int
    repeat: int
    short_repeat: int
    startup_runs: int
    say: Callable[[str], None]


def _sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def _plain_pg(url: str) -> str:
    """The psycopg form of a SQLAlchemy PostgreSQL URL."""
    return re.sub(r"^postgresql\+\w+://", "postgresql://", url)


def mask(url: str) -> str:
    """A URL with any password hidden: what may be printed or written down."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)


def _import(ctx: Context, url: str, *options: str) -> Child:
    command = [ctx.pledger, "--db", url, "import", *options, str(ctx.jsonl)]
    child = run_child(command, ctx.env, ctx.workdir)
    if not child.stdout.startswith(f"imported {ctx.events} events"):
        raise BenchError(f"import of {ctx.jsonl} said: {child.stdout[:300]}")
    return child


def sqlite_bulk_insert(source: Path, target: Path) -> float:
    """Seconds to insert the stored rows of ``source`` into a fresh identical table (same DDL,
    same journal mode) with one ``executemany`` per chunk, in one transaction. Rows are read
    outside the timed part, a chunk at a time, so memory stays bounded."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target, isolation_level=None)
    try:
        dst.execute("PRAGMA journal_mode = WAL")
        ddl = src.execute(
            "SELECT sql FROM sqlite_master WHERE tbl_name = 'pledger_events' "
            "AND type IN ('table', 'index') AND sql IS NOT NULL ORDER BY type DESC"
        ).fetchall()
        for (statement,) in ddl:
            dst.execute(statement)
        rows = src.execute(
            "SELECT id, originator_id, originator_version, topic, state FROM pledger_events "
            "ORDER BY id"
        )
        insert = (
            "INSERT INTO pledger_events (id, originator_id, originator_version, topic, state) "
            "VALUES (?, ?, ?, ?, ?)"
        )
        elapsed = 0.0
        dst.execute("BEGIN")
        while chunk := rows.fetchmany(50_000):
            start = time.perf_counter()
            dst.executemany(insert, chunk)
            elapsed += time.perf_counter() - start
        start = time.perf_counter()
        dst.execute("COMMIT")
        elapsed += time.perf_counter() - start
    finally:
        src.close()
        dst.close()
    return elapsed


def postgres_bulk_insert(url: str) -> float:
    """As ``sqlite_bulk_insert``, on PostgreSQL: a fresh ``LIKE pledger_events INCLUDING ALL``
    table in the same database, psycopg ``executemany`` per chunk, one transaction; the table
    is dropped afterwards."""
    import psycopg

    info = _plain_pg(url)
    with psycopg.connect(info) as src, psycopg.connect(info) as dst:
        dst.execute("CREATE TABLE bench_bulk_insert (LIKE pledger_events INCLUDING ALL)")
        dst.commit()
        reader = src.cursor(name="bench_rows")
        reader.itersize = 5000
        reader.execute(
            "SELECT id, originator_id, originator_version, topic, state FROM pledger_events "
            "ORDER BY id"
        )
        insert = (
            "INSERT INTO bench_bulk_insert (id, originator_id, originator_version, topic, state) "
            "VALUES (%s, %s, %s, %s, %s)"
        )
        elapsed = 0.0
        with dst.cursor() as cursor:
            while chunk := reader.fetchmany(50_000):
                start = time.perf_counter()
                cursor.executemany(insert, chunk)
                elapsed += time.perf_counter() - start
        start = time.perf_counter()
        dst.commit()
        elapsed += time.perf_counter() - start
        reader.close()
        dst.execute("DROP TABLE bench_bulk_insert")
        dst.commit()
    return elapsed


def _scan(ctx: Context, url: str, events: int) -> Child:
    child = run_child([ctx.python, str(SCAN), url], ctx.env, ctx.workdir)
    counted = json.loads(child.stdout)["events"]
    if counted != events:
        raise BenchError(f"the plain scan read {counted} events, not {events}")
    return child


def _scans_at_once(ctx: Context, url: str, count: int) -> float:
    """Wall seconds for ``count`` plain scans started together: how much this machine gives
    ``count`` processes of the plainest replay at once (cores, memory bandwidth, neighbours),
    the ceiling ``--jobs`` works under."""
    return _at_once(ctx, [[ctx.python, str(SCAN), url]] * count, "a plain scan", (0,))


def _audits_at_once(ctx: Context, url: str, count: int) -> float:
    """Wall seconds for ``count`` whole one-process audits started together: the ceiling of
    the audit's own work (it touches more memory than a scan) on this machine at this moment,
    which ``count`` processes sharing one audit can at best reach."""
    commands = [
        [ctx.pledger, "--db", url, "audit", "--all", "--jobs", "1", "--format", "json", "-o",
         str(ctx.workdir / f"together-{number}.json")]
        for number in range(count)
    ]  # fmt: skip
    return _at_once(ctx, commands, "an audit", (0, 1))


def _at_once(ctx: Context, commands: list[list[str]], what: str, ok: tuple[int, ...]) -> float:
    """Wall seconds from starting every command together to the end of the last."""
    started = time.perf_counter()
    children = [
        subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=ctx.env,
            cwd=ctx.workdir,
        )
        for command in commands
    ]
    errors = [child.communicate()[1] for child in children]  # waits for each, closing its pipe
    for child, error in zip(children, errors, strict=True):
        if child.returncode not in ok:
            raise BenchError(f"{what} failed: {error.decode(errors='replace')[-2000:]}")
    return time.perf_counter() - started


def _audit(
    ctx: Context, url: str, jobs: int, events: int, extra: Sequence[str] = ()
) -> tuple[Child, dict[str, Any]]:
    """``pledger audit`` with the JSON report written to a file (returned, parsed); exit 1
    (findings) is normal, 2 or 3 a failure."""
    out = ctx.workdir / f"audit-{jobs}.json"
    argv = [ctx.pledger, "--db", url, "audit", *extra, "--format", "json", "-o", str(out)]
    child = run_child([*argv, "--jobs", str(jobs)], ctx.env, ctx.workdir, sample=True, ok=(0, 1))
    audited = json.loads(out.read_text(encoding="utf-8"))
    counted = sum(p["events"] for p in audited["partnerships"])
    if counted != events:
        raise BenchError(f"the audit covered {counted} events, not {events}")
    out.unlink()
    return child, audited


def bench_database(
    ctx: Context,
    label: str,
    url: str,
    baseline: Callable[[], float],
    serial_url: str | None = None,
) -> tuple[list[Row], dict[str, Any]]:
    """Import, then the plain scan and the audit with 1 and ``ctx.jobs`` processes, on one
    database; ``baseline`` inserts the imported rows again, plainly, and returns its time.
    With ``serial_url`` (an empty database), the import is also timed in one process there.
    Returns the rows and the last audit's report."""
    key = label.lower()
    ctx.say(f"{label}: importing {ctx.events:,} events with `pledger import`")
    importing = _import(ctx, url)
    imported = importing.wall
    ctx.say(f"{label}: the same rows by plain bulk insert")
    bulk = baseline()
    serial = None
    if serial_url is not None:
        ctx.say(f"{label}: importing {ctx.events:,} events with `pledger import --jobs 1`")
        serial = _import(ctx, serial_url, "--jobs", "1")
    scans: list[Child] = []
    solo: list[Child] = []
    pooled: list[Child] = []
    together: list[float] = []
    audits_together: list[float] = []
    for number in range(ctx.repeat):
        suffix = f" ({number + 1}/{ctx.repeat})" if ctx.repeat > 1 else ""
        ctx.say(f"{label}: plain scan{suffix}")
        scans.append(_scan(ctx, url, ctx.events))
        ctx.say(f"{label}: pledger audit --all --jobs 1{suffix}")
        solo.append(_audit(ctx, url, 1, ctx.events, ["--all"])[0])
        ctx.say(f"{label}: pledger audit --all --jobs {ctx.jobs}{suffix}")
        child, audited = _audit(ctx, url, ctx.jobs, ctx.events, ["--all"])
        pooled.append(child)
        ctx.say(f"{label}: {ctx.jobs} plain scans at once{suffix}")
        together.append(_scans_at_once(ctx, url, ctx.jobs))
        ctx.say(f"{label}: {ctx.jobs} audits --jobs 1 at once{suffix}")
        audits_together.append(_audits_at_once(ctx, url, ctx.jobs))
    runs = "1 run" if ctx.repeat == 1 else f"median of {ctx.repeat}"
    n = ctx.events
    scan_walls = [c.wall for c in scans]
    solo_walls = [c.wall for c in solo]
    pooled_walls = [c.wall for c in pooled]
    scan_s, solo_s, pooled_s = _median(scan_walls), _median(solo_walls), _median(pooled_walls)
    scan_kb = max(c.maxrss_kb for c in scans)
    solo_kb = max(c.maxrss_kb for c in solo)
    pooled_kb = max(c.maxrss_kb for c in pooled)
    pooled_tree_kb = max(max(c.tree_kb, c.maxrss_kb) for c in pooled)
    # each ratio is the median of the runs' own ratios: a figure and its baseline taken a
    # minute apart share that minute's machine, which drifts by a fifth over a long bench
    audit_ratio = _paired(solo_walls, scan_walls)
    speedup = _paired(solo_walls, pooled_walls)
    pooled_ratio = _paired(pooled_walls, scan_walls)
    # jobs scans' (audits') work over their wall time
    ceiling = ctx.jobs * _paired(scan_walls, together)
    audit_ceiling = ctx.jobs * _paired(solo_walls, audits_together)
    # the speedup is the cores kept busy over the CPU time it took: the first is the pool's
    # doing, the second mostly the machine's (two busy cores slow each other)
    busy = _median([c.cpu / c.wall for c in pooled])
    solo_busy = _median([c.cpu / c.wall for c in solo])
    cpu_ratio = _paired([c.cpu for c in pooled], [c.cpu for c in solo])
    goal = "" if key == "sqlite" else " (goal)"
    rows = [
        Row(
            f"{key}.import",
            f"import (default --jobs: {usable_cpus()} processes), events/s (1 run)",
            label,
            f"{_rate(n, imported)}; peak RSS {_mb(importing.maxrss_kb):.0f} MB",
            f"plain executemany insert of the same rows: {_rate(n, bulk)}",
            f"{imported / bulk:.1f}x the insert time",
            f">= {IMPORT_MIN_RATE:,} ev/s{goal}",
            _verdict(n / imported >= IMPORT_MIN_RATE),
            n / imported,
            n / bulk,
        ),
    ]
    if serial is not None:
        rows.append(
            Row(
                f"{key}.import_serial",
                "import --jobs 1 (one process), events/s (1 run)",
                label,
                f"{_rate(n, serial.wall)}; peak RSS {_mb(serial.maxrss_kb):.0f} MB",
                f"plain executemany insert of the same rows: {_rate(n, bulk)}",
                f"{serial.wall / bulk:.1f}x the insert time; the default is "
                f"{serial.wall / imported:.2f}x faster",
                f">= {IMPORT_MIN_RATE:,} ev/s{goal}",
                _verdict(n / serial.wall >= IMPORT_MIN_RATE),
                n / serial.wall,
                n / bulk,
            )
        )
    rows += [
        Row(
            f"{key}.audit",
            f"full audit --jobs 1, events/s ({runs})",
            label,
            _rate(n, solo_s),
            f"plain scan: {_rate(n, scan_s)}",
            f"{_up(audit_ratio)}x the scan time{_rounds(solo_walls, scan_walls)}",
            f"<= {AUDIT_MAX_RATIO}x the scan time{goal}",
            _verdict(audit_ratio <= AUDIT_MAX_RATIO),
            n / solo_s,
            n / scan_s,
        ),
        Row(
            f"{key}.audit_jobs",
            f"full audit --jobs {ctx.jobs}, events/s ({runs})",
            label,
            _rate(n, pooled_s),
            f"audit --jobs 1: {_rate(n, solo_s)}; plain scan: {_rate(n, scan_s)}; "
            f"{ctx.jobs} plain scans at once: {ceiling:.2f}x the throughput of one; "
            f"{ctx.jobs} audits --jobs 1 at once: {audit_ceiling:.2f}x",
            f"{_down(speedup)}x faster than --jobs 1{_rounds(solo_walls, pooled_walls)} "
            f"({speedup / audit_ceiling:.0%} of what "
            f"{ctx.jobs} audits at once gave); {pooled_ratio:.2f}x the scan time; "
            f"{busy:.2f} of {ctx.jobs} cores busy (--jobs 1: {solo_busy:.2f}) "
            f"for {cpu_ratio:.2f}x the CPU time of --jobs 1",
            f">= {JOBS_MIN_SPEEDUP}x faster than --jobs 1{goal}",
            _verdict(speedup >= JOBS_MIN_SPEEDUP),
            n / pooled_s,
            n / solo_s,
        ),
        Row(
            f"{key}.rss",
            "peak RSS, audit --jobs 1",
            label,
            f"{_mb(solo_kb):.0f} MB",
            f"plain scan: {_mb(scan_kb):.0f} MB",
            f"{solo_kb / scan_kb:.1f}x",
            f"< {RSS_MAX_MB} MB{goal}",
            _verdict(_mb(solo_kb) < RSS_MAX_MB),
            _mb(solo_kb),
            _mb(scan_kb),
        ),
        Row(
            f"{key}.rss_jobs",
            f"peak RSS, audit --jobs {ctx.jobs} (largest process; all processes)",
            label,
            f"{_mb(pooled_kb):.0f} MB; {_mb(pooled_tree_kb):.0f} MB",
            f"plain scan: {_mb(scan_kb):.0f} MB",
            f"{pooled_kb / scan_kb:.1f}x; {pooled_tree_kb / scan_kb:.1f}x",
            f"< {RSS_MAX_MB} MB per process{goal}",
            _verdict(_mb(pooled_kb) < RSS_MAX_MB),
            _mb(pooled_kb),
            _mb(scan_kb),
        ),
    ]
    return rows, audited


def bench_partnership(ctx: Context, events: int, seed: int) -> list[Row]:
    """One large partnership audited through the CLI, start-up included, against the plain
    scan of the same rows in a fresh interpreter."""
    stream = one_partnership(events, seed)
    pid = stream[0]["partnership"]
    path = ctx.workdir / "partnership.jsonl"
    write_jsonl(path, stream)
    url = _sqlite_url(ctx.workdir / "partnership.db")
    ctx.say(f"one partnership of {events:,} events: import, then audit -P {pid}")
    run_child([ctx.pledger, "--db", url, "import", str(path)], ctx.env, ctx.workdir)
    audits: list[float] = []
    scans: list[float] = []
    for _ in range(ctx.short_repeat):
        scans.append(_scan(ctx, url, events).wall)
        audits.append(_audit(ctx, url, 1, events, ["-P", pid])[0].wall)
    audit_s, scan_s = _median(audits), _median(scans)
    runs = f"median of {ctx.short_repeat}, best {min(audits):.2f} s"
    return [
        Row(
            "partnership",
            f"audit of one {events:,}-event partnership via the CLI, wall with start-up",
            "SQLite",
            f"{audit_s:.2f} s ({runs})",
            f"python start-up + plain scan: {scan_s:.2f} s (best {min(scans):.2f} s)",
            f"{audit_s / scan_s:.1f}x",
            f"< {PARTNERSHIP_MAX_S:.0f} s (for 5,000 events)",
            _verdict(audit_s < PARTNERSHIP_MAX_S),
            audit_s,
            scan_s,
        )
    ]


def bench_startup(ctx: Context) -> tuple[list[Row], str]:
    """``pledger --version`` and ``--help`` against ``python -c pass``, runs interleaved so
    that noise falls on all three alike. Returns the rows and what --version printed."""
    commands = {
        "python": [ctx.python, "-c", "pass"],
        "version": [ctx.pledger, "--version"],
        "help": [ctx.pledger, "--help"],
    }
    walls: dict[str, list[float]] = {name: [] for name in commands}
    printed = ""
    ctx.say(f"start-up: {ctx.startup_runs} runs each of --version, --help, python -c pass")
    for _ in range(ctx.startup_runs):
        for name, argv in commands.items():
            child = run_child(argv, ctx.env, ctx.workdir)
            walls[name].append(child.wall)
            if name == "version":
                printed = child.stdout.strip()
    base = _median(walls["python"])
    rows = []
    for name, limit in (("version", VERSION_MAX_MS), ("help", HELP_MAX_MS)):
        median = _median(walls[name])
        rows.append(
            Row(
                f"startup.{name}",
                f"pledger --{name} (median of {ctx.startup_runs})",
                "-",
                f"{median * 1000:.0f} ms (best {min(walls[name]) * 1000:.0f} ms)",
                f"python -c pass: {base * 1000:.0f} ms (best {min(walls['python']) * 1000:.0f} ms)",
                f"{median / base:.1f}x",
                f"< {limit} ms",
                _verdict(median * 1000 < limit),
                median * 1000,
                base * 1000,
            )
        )
    return rows, printed


# -- machine and versions ----------------------------------------------------------------------


def _proc_field(path: str, name: str) -> str:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(name):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def _loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def machine() -> dict[str, str]:
    """The machine as /proc and the platform describe it."""
    cpus = os.cpu_count() or 0
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cpus
    mem = _proc_field("/proc/meminfo", "MemTotal")
    mem_gib = f"{int(mem.split()[0]) / 1024 / 1024:.1f} GiB" if mem != "unknown" else mem
    return {
        "CPU": _proc_field("/proc/cpuinfo", "model name"),
        "Cores": f"{cpus} logical CPUs ({usable} usable by this process)",
        "RAM": mem_gib,
        "OS": platform.platform(),
        "Load average at start (1, 5, 15 min)": _loadavg(),
    }


def source_digest() -> str:
    """A digest of the source tree's Python files (ledger/, cli/, plugins/): the version
    number does not move while the code is being optimised, this does."""
    root = BENCH.parent
    digest = hashlib.sha256()
    for folder in ("ledger", "cli", "plugins"):
        for path in sorted((root / folder).rglob("*.py")):
            digest.update(path.relative_to(root).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def versions(postgres_url: str | None) -> dict[str, str]:
    found = {
        "Python": f"{platform.python_version()} ({platform.python_implementation()})",
        "SQLite": sqlite3.sqlite_version,
    }
    if postgres_url:
        import psycopg

        with psycopg.connect(_plain_pg(postgres_url)) as conn:
            row = conn.execute("SHOW server_version").fetchone()
        found["PostgreSQL"] = str(row[0]) if row else "unknown"
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    found["source digest (sha256 of ledger/, cli/, plugins/ *.py)"] = source_digest()
    return found


def byte_compile() -> str:
    """Byte-compile Pledger's modules where they are installed, as ``pip install`` does, and
    say so. An editable checkout run with PYTHONDONTWRITEBYTECODE=1 (set on the development
    machines) compiles every module it imports from source on every start, which no
    installed Pledger does: that added 13 ms to ``--version``, 27 ms to ``--help`` and about
    40 ms to an audit's start-up."""
    import compileall
    import importlib.util

    folders = []
    for package in ("ledger", "ledger.cli", "ledger.plugins"):
        spec = importlib.util.find_spec(package)
        folders += list(spec.submodule_search_locations or []) if spec else []
    compiled = all(compileall.compile_dir(folder, quiet=2) for folder in folders)
    setting = "PYTHONDONTWRITEBYTECODE is set" if sys.dont_write_bytecode else "bytecode written"
    return f"{'compiled' if compiled else 'NOT all compiled'} before timing ({setting})"


# -- PostgreSQL --------------------------------------------------------------------------------


@contextmanager
def postgres_database(server_url: str) -> Iterator[str]:
    """A database of the bench's own on the server of ``server_url``, dropped afterwards."""
    import psycopg

    name = f"pledger_bench_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(_plain_pg(server_url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        parts = urlsplit(server_url)
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(_plain_pg(server_url), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# -- output ------------------------------------------------------------------------------------

COLUMNS = ("Measure", "Database", "Pledger", "Baseline (same run, same data)", "Ratio")
COLUMNS_END = ("Target", "Result")


def print_table(report: Report) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Pledger bench: {report.events:,} events, {report.started}")
    for name in (*COLUMNS, *COLUMNS_END):
        table.add_column(name, overflow="fold")
    for row in report.rows:
        style = {"PASS": "green", "MISS": "red"}.get(row.result, "")
        result = f"[{style}]{row.result}[/{style}]" if style else row.result
        table.add_row(
            row.measure, row.database, row.figure, row.baseline, row.ratio, row.target, result
        )
    Console(width=200).print(table)


def profile_stages(ctx: Context, db: Path) -> dict[str, Any]:
    """Run ``bench/stages.py`` in a process of its own on the SQLite ledger and its file."""
    result = ctx.workdir / "profile.json"
    subprocess.run(
        [ctx.python, str(BENCH / "stages.py"), str(db), str(ctx.jsonl), str(result)],
        check=True,
        env=ctx.env,
    )
    found: dict[str, Any] = json.loads(result.read_text(encoding="utf-8"))
    return found


def where_the_time_went(profile: dict[str, Any]) -> list[str]:
    """The profile as a section of RESULTS.md: each stage beside the plain scan."""
    if not profile:
        return []
    audit, imported = profile["audit"], profile["import"]
    scan = audit["stages"]["plain scan (baseline)"]
    lines = [
        "",
        "## Where the time went",
        "",
        f"Audit of the first {audit['partnerships']:,} partnerships ({audit['events']:,} events), "
        "CPU seconds (best of two, `bench/stages.py`), each stage against the plain scan of "
        "the same rows:",
        "",
        "| stage | CPU s | x scan |",
        "|---|---|---|",
    ]
    total = 0.0
    for stage, seconds in audit["stages"].items():
        lines.append(f"| {stage} | {seconds:.3f} | {seconds / scan:.2f} |")
        if stage != "plain scan (baseline)":
            total += seconds
    lines.append(f"| **the audit (all but the scan)** | {total:.3f} | {total / scan:.2f} |")
    slowest = ", ".join(f"{rule} {seconds:.3f} s" for rule, seconds in audit["slowest_rules"])
    lines += ["", f"Slowest rules: {slowest}.", ""]
    lines += [
        f"Import of the file's first {imported['events']:,} events under `cProfile`, each "
        "stage's share (a profiler slows small functions most, so shares, not seconds):",
        "",
        "| stage | share |",
        "|---|---|",
    ]
    for stage, share in imported["shares"].items():
        lines.append(f"| {stage} | {share:.0%} |")
    return lines


def markdown(report: Report) -> str:
    """RESULTS.md: what was measured, on what, each figure beside its baseline."""
    lines = ["# Pledger bench results", ""]
    if report.note:
        lines += [f"> **{report.note}**", ""]
    per = report.jsonl_bytes / report.events
    lines += [
        f"Run {report.started} with `{report.command}`.",
        "",
        f"Ledger: {report.events:,} events in {report.partnerships:,} partnerships "
        f"(synthetic, `bench/generate.py`, seed {report.seed}, {report.rounds} rounds; "
        f"JSON Lines {report.jsonl_bytes / 1e6:.1f} MB, {per:.0f} bytes per event); "
        f"plus one partnership of {report.partnership_events:,} events.",
    ]
    if report.events != TARGET_EVENTS:
        lines += [
            "",
            f"The targets of issue #8 are set for {TARGET_EVENTS:,} events; this run has "
            f"{report.events:,}, so its PASS/MISS only indicate.",
        ]
    lines += ["", "## Machine", ""]
    lines += [f"- {name}: {value}" for name, value in report.machine.items()]
    lines += ["", "## Versions", ""]
    lines += [f"- {name} {value}" for name, value in report.versions.items()]
    if report.plugins:
        lines += [f"- audit plugins loaded: {', '.join(report.plugins)}"]
    lines += ["", "## Figures", ""]
    header = (*COLUMNS, *COLUMNS_END)
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in report.rows:
        cells = (
            row.measure,
            row.database,
            row.figure,
            row.baseline,
            row.ratio,
            row.target,
            f"**{row.result}**" if row.result else "",
        )
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    if report.findings:
        found = ", ".join(f"{rule} {n}" for rule, n in sorted(report.findings.items()))
        lines += ["", f"Findings of the full audit (the generator's deliberate lapses): {found}."]
    lines += where_the_time_went(report.profile)
    lines += ["", "## How these were measured", ""]
    lines += [f"- {note}" for note in report.notes]
    return "\n".join(lines) + "\n"


# -- main --------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run",
        description="Build a synthetic ledger and measure Pledger against same-run baselines.",
    )
    parser.add_argument("--size", choices=sorted(SIZES), default="1m", help="default: 1m")
    parser.add_argument("--events", type=int, help="exactly this many events (wins over --size)")
    parser.add_argument("--quick", action="store_true", help="tiny ledger, few repeats (tests)")
    parser.add_argument("--rounds", type=int, default=DEFAULT_ROUNDS)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=2, help="processes of the parallel audit")
    parser.add_argument("--partnership-events", type=int, help="default 5000 (--quick: 300)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each large measurement")
    parser.add_argument("--startup-runs", type=int, help="default 10 (--quick: 2)")
    parser.add_argument("--postgres", metavar="URL", help="default: $PLEDGER_TEST_POSTGRES_URL")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--workdir", type=Path, help="default: a temporary folder, removed")
    parser.add_argument("--results", type=Path, default=RESULTS, help="default: bench/RESULTS.md")
    parser.add_argument("--note", default="", help="a line written at the top of RESULTS.md")
    parser.add_argument("--pledger", help="the pledger command (default: next to this Python)")
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    return args


def _pledger_command(explicit: str | None) -> str:
    if explicit:
        return explicit
    beside = Path(sys.executable).parent / "pledger"
    found = str(beside) if beside.exists() else shutil.which("pledger")
    if not found:
        raise BenchError("no `pledger` command next to this Python or on PATH (pip install .)")
    return found


def run(args: argparse.Namespace, say: Callable[[str], None] | None = None) -> Report:
    """Measure everything once and return the report (nothing is printed or written)."""
    say = say or (lambda message: print(f"bench: {message}", file=sys.stderr, flush=True))
    size = "tiny" if args.quick else args.size
    events = args.events or SIZES[size]
    partnership_events = args.partnership_events or (300 if args.quick else 5000)
    postgres = (
        None if args.no_postgres else (args.postgres or os.environ.get("PLEDGER_TEST_POSTGRES_URL"))
    )
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in ("PLEDGER_DB", "PLEDGER_ACTOR", "PLEDGER_KEY", "PLEDGER_KEY_PASSPHRASE")
    }
    env["PLEDGER_NOW"] = NOW
    own_workdir = args.workdir is None
    workdir = Path(tempfile.mkdtemp(prefix="pledger-bench-")) if own_workdir else args.workdir
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        return _run_in(args, say, events, partnership_events, postgres, env, workdir.resolve())
    finally:
        if own_workdir:
            shutil.rmtree(workdir, ignore_errors=True)


def _run_in(
    args: argparse.Namespace,
    say: Callable[[str], None],
    events: int,
    partnership_events: int,
    postgres: str | None,
    env: dict[str, str],
    workdir: Path,
) -> Report:
    report = Report(
        command=mask(shlex.join(["python", "-m", "bench.run", *args.argv])),
        started=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        events=events,
        partnerships=0,
        jsonl_bytes=0,
        partnership_events=partnership_events,
        seed=args.seed,
        rounds=args.rounds,
        machine=machine(),
        versions={**versions(postgres), "Pledger's byte code:": byte_compile()},
        note=args.note,
    )
    for stale in ("ledger.db", "bulk-insert.db", "partnership.db"):  # a --workdir used before
        for suffix in ("", "-wal", "-shm", "-journal"):
            (workdir / f"{stale}{suffix}").unlink(missing_ok=True)
    jsonl = workdir / "ledger.jsonl"
    say(f"generating {events:,} events into {jsonl}")
    started = time.perf_counter()
    seen: set[str] = set()

    def counted() -> Iterator[dict[str, Any]]:
        for event in sized(events, args.rounds, args.seed):
            seen.add(event["partnership"])
            yield event

    count, report.jsonl_bytes = write_jsonl(jsonl, counted())
    generated = time.perf_counter() - started
    report.partnerships = len(seen)
    ctx = Context(
        pledger=_pledger_command(args.pledger),
        python=sys.executable,
        env=env,
        workdir=workdir,
        jsonl=jsonl,
        events=count,
        jobs=args.jobs,
        repeat=args.repeat,
        short_repeat=1 if args.quick else 3,
        startup_runs=args.startup_runs or (2 if args.quick else 10),
        say=say,
    )
    db = workdir / "ledger.db"
    serial_db = workdir / "serial-import.db"
    rows, audited = bench_database(
        ctx,
        "SQLite",
        _sqlite_url(db),
        lambda: sqlite_bulk_insert(db, workdir / "bulk-insert.db"),
        _sqlite_url(serial_db),
    )
    for path in serial_db.parent.glob(serial_db.name + "*"):
        path.unlink()
    report.rows += rows
    report.plugins = [f"{p['name']} {p['version']}" for p in audited.get("plugins", [])]
    for finding in audited.get("findings", []):
        report.findings[finding["rule"]] = report.findings.get(finding["rule"], 0) + 1
    say("profiling the audit's and the import's stages")
    report.profile = profile_stages(ctx, db)
    for leftover in (db, workdir / "bulk-insert.db"):
        for path in (leftover, Path(f"{leftover}-wal"), Path(f"{leftover}-shm")):
            path.unlink(missing_ok=True)
    if postgres:
        with postgres_database(postgres) as url:
            report.rows += bench_database(
                ctx, "PostgreSQL", url, lambda: postgres_bulk_insert(url)
            )[0]
    report.rows += bench_partnership(ctx, partnership_events, args.seed)
    startup, printed = bench_startup(ctx)
    report.rows += startup
    report.versions["`pledger --version` prints:"] = printed
    report.machine["Load average at end (1, 5, 15 min)"] = _loadavg()
    report.notes += _notes(ctx, generated, postgres, partnership_events)
    return report


def _notes(
    ctx: Context, generated: float, postgres: str | None, partnership_events: int
) -> list[str]:
    runs = "a single run" if ctx.repeat == 1 else f"the median of {ctx.repeat} runs"
    notes = [
        f"Generating the JSON Lines file took {generated:.1f} s (not part of any figure).",
        "The import and the bulk insert run once; scans and audits are "
        f"{runs} each, in the order scan, audit --jobs 1, audit --jobs {ctx.jobs}, "
        f"{ctx.jobs} plain scans at once, {ctx.jobs} audits --jobs 1 at once; the database "
        "files are in the page cache for all of them alike. "
        f"Short ones are the median of {ctx.short_repeat} (the {partnership_events:,}-event "
        "partnership) or "
        f"{ctx.startup_runs} interleaved runs (start-up), best shown beside; PASS/MISS is "
        "judged on the median.",
        "Every Pledger figure is the wall time of the installed `pledger` command in a child "
        "process, start-up included (`pledger import FILE`: one transaction, validation and "
        "hashing included; `pledger audit --all --format json -o FILE`, all installed rules, "
        f"as of {NOW[:10]} (`PLEDGER_NOW`); exit 1 for findings is expected).",
        "Import baseline: the rows `pledger import` stored, read back and inserted into a fresh "
        "table of the same definition (same indexes; SQLite in WAL mode like Pledger) with "
        "plain `executemany` in one transaction; only the inserts and the commit are timed.",
        "Audit baseline: the plain scan (`bench/scan.py`, its own process, so start-up is in "
        "both): every stored row in (stream, version) order and `json.loads` of its state, "
        "nothing else; on PostgreSQL through a psycopg server-side cursor.",
        "Peak RSS: `ru_maxrss` from `wait4` for each command (its largest process, waited-for "
        "descendants included), forked from a small launcher (`bench/measure.py`) so that no "
        "high-water mark is inherited from the bench; for the parallel audit also the summed "
        "RSS of the whole process tree, sampled every 100 ms from /proc (a sample can miss a "
        "short peak). Wall times are taken by the launcher around the command alone.",
        f"`--jobs {ctx.jobs}` is judged 'near twice as fast' at >= {JOBS_MIN_SPEEDUP}x the "
        "speed of `--jobs 1` (our reading of the issue). Beside it, the ceiling the machine "
        f"gave at that moment: {ctx.jobs} plain scans started together, their work over their "
        "wall time (1 scan's time x "
        f"{ctx.jobs} / the wall time of all {ctx.jobs}), and the same for {ctx.jobs} whole "
        "`audit --jobs 1` runs started together (each its own report, nothing shared: the "
        "most a pool of processes sharing one audit could reach); the judgement uses neither. "
        "The cores busy are the CPU seconds of all of a run's processes over its wall time; "
        "the speedup is that share against --jobs 1's over the CPU time against --jobs 1's.",
        "Ratios are the figure over its baseline: only they compare across runs on a shared "
        "machine; the absolute figures hold for this machine at this load. With repeats, a "
        "ratio is the median of each round's own ratio (the figure over the baseline taken "
        "beside it, a minute apart), not the ratio of two medians that may come from "
        "different minutes.",
    ]
    if postgres:
        notes.append(
            "PostgreSQL ran in a database created for the run and dropped after it; its goals "
            "are the SQLite targets, reported beside them."
        )
    else:
        notes.append(
            "PostgreSQL was not measured (no --postgres URL or PLEDGER_TEST_POSTGRES_URL)."
        )
    return notes


def execute(args: argparse.Namespace) -> Report:
    """Measure, print the table and write the results file: the whole command."""
    report = run(args)
    print_table(report)
    args.results.write_text(markdown(report), encoding="utf-8")
    print(f"wrote {args.results}")
    return report


def main(argv: Sequence[str] | None = None) -> int:
    try:
        execute(parse_args(argv))
    except BenchError as exc:
        print(f"bench: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
