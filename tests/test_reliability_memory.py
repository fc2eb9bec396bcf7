"""Import streams its input (issue #9): a 100 MB file is imported with memory that does not
grow with the file. Peak RSS is read from the operating system (``wait4``'s rusage of the
child), and compared with the peak of a command that imports nothing, measured in the same
test, so the interpreter and its libraries are not counted as the import's."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import founding, line, pledger_executable

FILE_BYTES = 100_000_000
#: Most of each event is a long text, so the file is big while the partnerships' validation
#: state (ids and dates, not texts) stays small: what is measured is the streaming.
PADDING = "x" * 1800
#: Growth allowed over the baseline, as a share of the file: a reader that held the file
#: would need more than all of it; a streaming one needs a few percent.
MAX_GROWTH = 0.2


def write_big_file(path: Path) -> int:
    """New facts, 2,004 per partnership, until the file holds ``FILE_BYTES``; returns the
    number of events."""
    size = events = 0
    with path.open("w", encoding="utf-8") as out:
        for p in range(1000):
            pid = f"big-{p:03d}"
            objs = founding(pid) + [
                line("PrincipleAdopted", {"principle": f"p{i}", "text": PADDING}, partnership=pid)
                for i in range(2000)
            ]
            for obj in objs:
                text = json.dumps(obj) + "\n"
                out.write(text)
                size += len(text)
                events += 1
            if size >= FILE_BYTES:
                return events
    raise AssertionError("unreachable")  # pragma: no cover


#: Forks and waits from a small process of its own: on Linux a child's ``ru_maxrss`` starts
#: from the high-water mark of the process that forked it (``exec`` keeps it), so forked by
#: pytest, which has grown by then, it would report pytest's peak, not the command's.
LAUNCHER = """
import os, subprocess, sys
proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(proc.pid, 0)
print(os.waitstatus_to_exitcode(status), usage.ru_maxrss * 1024)
"""


def measure(args: list[str]) -> int:
    """Peak RSS (bytes) of ``pledger ARGS``, from the kernel's rusage of that one child
    (Linux reports KiB)."""
    out = subprocess.run(
        [sys.executable, "-c", LAUNCHER, pledger_executable(), *args],
        capture_output=True,
        text=True,
        check=True,
    )
    code, peak = out.stdout.split()
    assert code == "0", (args, out.stderr)
    return int(peak)


@pytest.mark.slow
def test_a_100_mb_import_streams(db_url: str, tmp_path: Path) -> None:
    big = tmp_path / "big.jsonl"
    events = write_big_file(big)
    size = big.stat().st_size
    assert size >= FILE_BYTES
    baseline = measure(["--db", db_url, "init"])
    peak = measure(["--db", db_url, "import", str(big)])
    growth = peak - baseline
    assert growth < MAX_GROWTH * size, (
        f"importing {size:,} bytes took RSS from {baseline:,} to {peak:,} bytes"
    )
    # the interpreter and its libraries are most of it (about 65 MB here); the import adds
    # a few percent of the file
    assert peak < 0.8 * size
    out = subprocess.run(
        [pledger_executable(), "--db", db_url, "log", "-P", "big-000", "--format", "json"],
        capture_output=True,
        check=True,
    )
    assert out.stdout.count(b'"seq"') == 2004
    counted = subprocess.run(
        [pledger_executable(), "--db", db_url, "verify", "--all", "--format", "json"],
        capture_output=True,
        check=True,
    )
    report = json.loads(counted.stdout)
    assert sum(p["size"] for p in report["partnerships"]) == events
