"""Run one command and report what the kernel measured of it, from a small process.

    python bench/measure.py RESULT.json [--sample] -- COMMAND...

Why a separate launcher: on Linux a child's ``ru_maxrss`` starts from the resident size of the
process that forked it (``exec`` keeps the old memory's high-water mark), so a child forked by
the bench itself, which holds rows and reports, would inherit the bench's peak. Forked from
this launcher (stdlib only, ~10 MB), the figure is the command's own. The wall time is taken
here too, around the command alone; ``--sample`` adds the peak summed RSS of the command's
process tree (pool workers included), read from /proc every 100 ms.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable

PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def tree_rss_kb(root: int) -> int:
    """Summed RSS of ``root`` and its descendants, read from /proc."""
    total = 0
    for pid in _tree(root):
        try:
            with open(f"/proc/{pid}/statm", "rb") as statm:
                total += int(statm.read().split()[1]) * PAGE_KB
        except (OSError, IndexError, ValueError):
            continue
    return total


#: Whether the kernel lists each thread's children (CONFIG_PROC_CHILDREN).
LISTS_CHILDREN = os.path.exists(f"/proc/{os.getpid()}/task/{os.getpid()}/children")


def _tree(root: int) -> list[int]:
    """``root`` and its descendants: from each thread's list of children where the kernel
    keeps one (a few files a sample), else from every process's parent (all of /proc: ~85
    files, 1.4 ms a sample here, taken from the measured command when every core is busy)."""
    children_of = _listed_children if LISTS_CHILDREN else _children_from_parents()
    pids, todo = [], [root]
    while todo:
        pid = todo.pop()
        pids.append(pid)
        todo.extend(children_of(pid))
    return pids


def _listed_children(pid: int) -> list[int]:
    found: list[int] = []
    with contextlib.suppress(OSError):  # a process that just ended
        for task in os.scandir(f"/proc/{pid}/task"):
            with contextlib.suppress(OSError), open(f"{task.path}/children", "rb") as kids:
                found += [int(child) for child in kids.read().split()]
    return found


def _children_from_parents() -> Callable[[int], list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as stat:
                ppid = int(stat.read().rsplit(b")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    return lambda pid: children.get(pid, [])


class TreeSampler(threading.Thread):
    """The peak of a process tree's summed RSS, sampled every ``interval`` seconds."""

    def __init__(self, root: int, interval: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.root, self.interval, self.peak = root, interval, 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(self.interval):
            self.peak = max(self.peak, tree_rss_kb(self.root))

    def stop(self) -> int:
        self._stop_event.set()
        self.join()
        return self.peak


def measure(argv: list[str], sample: bool) -> dict[str, float | int]:
    """Run ``argv`` (stdout and stderr inherited) and return its wall time, exit code, peak
    RSS and CPU seconds (user and system) as ``wait4`` reports them (its own and those of the
    processes it waited for: a pool's workers) and, with ``sample``, the sampled peak of its
    tree."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv)
    sampler = TreeSampler(proc.pid) if sample else None
    if sampler:
        sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return {
        "wall": wall,
        "code": proc.returncode,
        "maxrss_kb": usage.ru_maxrss,
        "cpu": usage.ru_utime + usage.ru_stime,
        "tree_kb": sampler.stop() if sampler else 0,
    }


def main(args: list[str]) -> int:
    if len(args) < 3 or "--" not in args:
        print("usage: measure.py RESULT.json [--sample] -- COMMAND...", file=sys.stderr)
        return 2
    split = args.index("--")
    result, options, argv = args[0], args[1:split], args[split + 1 :]
    measured = measure(argv, "--sample" in options)
    with open(result, "w", encoding="utf-8") as out:
        json.dump(measured, out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
