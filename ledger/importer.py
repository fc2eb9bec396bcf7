"""A large JSON Lines import on every usable core.

Each event is checked against its own partnership's stream and nothing else, so an import
can be cut by partnership. Every worker process reads the whole file, picks each line's
partnership out cheaply (``orjson``), and takes the lines of the partnerships that hash to
it: those it parses strictly and places in their streams (fields, validation, canonical leaf,
hash, stored row) with the very code a one-process import runs (``Ledger._place_line``).
This process holds the write transaction from before any worker reads the ledger until the
end; it merges the workers' rows back into the file's order and inserts them. So the rows,
their order, the tree heads and the errors (the file's first bad line) are those of a
one-process import, and the import is still all or nothing.
"""

from __future__ import annotations

import contextlib
import heapq
import os
import sys
import traceback
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson

from ledger.canonical import format_time
from ledger.catalogue import Catalogue
from ledger.errors import LedgerError
from ledger.events import now, parse_line, read_lines
from ledger.merkle import Frontier
from ledger.store import BATCH_SIZE, Ledger, OpenStream, Written

#: Files smaller than this are imported in one process: starting workers would cost more.
PARALLEL_MIN_BYTES = 4 * 2**20
#: A worker sends its rows this many at a time, or sooner once they hold this many bytes.
CHUNK = 1000
CHUNK_BYTES = 256 * 1024
#: The line number of a worker's last message, so that it is merged after all its rows.
_LAST = sys.maxsize

#: What a worker sends, in lists: (line, offset after it, partnership, seq, row) per event;
#: last (line, 0, None, kind, what): "done" and its frontiers, "error" and the LedgerError of
#: that line, or "crash" and a traceback.
Item = tuple[int, int, Any, Any, Any]


def usable_cpus() -> int:
    """The cores this process may run on (its affinity, where the platform tells it)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


def shard_of(partnership: str, shards: int) -> int:
    """The worker a partnership's lines go to: the same in every process (``hash`` of a
    str differs between processes)."""
    return zlib.crc32(partnership.encode("utf-8", "surrogatepass")) % shards


def import_in_parallel(
    ledger: Ledger,
    path: Path,
    jobs: int,
    progress: Callable[[int, int], None] | None = None,
) -> Written:
    """Import ``path`` into ``ledger`` with ``jobs`` worker processes (see the module)."""
    clock = format_time(now())
    total = path.stat().st_size
    context = ledger.process_context()
    forked = context.get_start_method() == "fork"
    workers: list[tuple[Any, Any]] = []
    try:
        for shard in range(jobs):
            here, there = context.Pipe()
            # a forked worker closes the ends this process keeps (its own and those made for
            # the workers before it): else, this process killed, it would wait for ever
            keep = [conn.fileno() for _, conn in workers] + [here.fileno()] if forked else []
            process = context.Process(
                target=_work,
                args=(
                    (ledger.url, ledger.catalogue, ledger.require_signatures),
                    str(path),
                    (shard, jobs),
                    clock,
                    there,
                    keep,
                ),
                name=f"pledger-import-{shard}",
                daemon=True,
            )
            process.start()
            there.close()
            workers.append((process, here))
        for process, conn in workers:  # each opens the ledger before anything is locked
            message = _receive(process, conn)
            if message != "ready":
                _raise(message[-1])
        return _merge_and_write(ledger, workers, clock, total, progress)
    finally:
        for _, conn in workers:
            conn.close()  # a worker still waiting to start or to send sees the end and stops
        for process, _ in workers:
            process.join(timeout=5)
            if process.is_alive():  # pragma: no cover - a worker stuck past the end
                process.terminate()
                process.join()


def _merge_and_write(
    ledger: Ledger,
    workers: list[tuple[Any, Any]],
    clock: str,
    total: int,
    progress: Callable[[int, int], None] | None,
) -> Written:
    written = Written()
    frontiers: dict[str, Frontier] = {}
    locked: set[str] = set()
    with ledger._write_session() as session:
        for _, conn in workers:
            conn.send("go")  # the write lock is held: what the workers read cannot change
        merged = heapq.merge(*(_items(process, conn) for process, conn in workers), key=_line)
        batch = []
        for item in merged:
            _, offset, pid, seq, row = item
            if pid is None:
                frontiers.update(_raise(item))
                continue
            if pid not in locked:
                ledger._lock_stream(session, pid)
                locked.add(pid)
            written.note(pid, seq)
            batch.append(row)
            if len(batch) >= BATCH_SIZE:
                ledger._insert(session, batch)
                batch = []
                if progress is not None:
                    progress(offset, total)
        if batch:
            ledger._insert(session, batch)
        for pid in written.ranges():
            ledger._record_head(session, pid, frontiers[pid], clock)
    if progress is not None:
        progress(total, total)
    return written


def _line(item: Item) -> int:
    return item[0]


def _raise(last: Item) -> Any:
    """What a worker's last item holds when it is done; raised when it is an error."""
    line, _, _, kind, what = last
    if kind == "error":
        raise what
    if kind == "crash":
        raise RuntimeError(f"an import worker failed at line {line}:\n{what}")
    return what


def _receive(process: Any, conn: Any) -> Any:
    try:
        return conn.recv()
    except EOFError:
        process.join(timeout=5)  # its end of the pipe closed as it exited: reap it
        raise RuntimeError(
            f"import worker {process.name} ended unexpectedly (exit code {process.exitcode})"
        ) from None


def _items(process: Any, conn: Any) -> Iterator[Item]:
    """A worker's items in the order it sent them (ascending lines), to its last."""
    while True:
        items: list[Item] = _receive(process, conn)
        yield from items
        if items and items[-1][2] is None:
            return


def _partnership_of(raw: bytes) -> str | None:
    """The partnership a line names, read quickly; None when only the strict parser can
    tell (bad JSON, a number orjson refuses, no text where the id goes...)."""
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    pid = obj.get("partnership") if isinstance(obj, dict) else None
    return pid if isinstance(pid, str) else None


def _work(
    opening: tuple[str, Catalogue, bool],
    path: str,
    shard: tuple[int, int],
    clock: str,
    conn: Any,
    inherited: list[int],
) -> None:
    """A worker: place the lines of its partnerships and send their rows (see the module).
    ``inherited`` are the parent's ends of the pipes, which a forked worker holds too."""
    for fd in inherited:
        os.close(fd)
    url, catalogue, require_signatures = opening
    mine, shards = shard
    items: list[Item] = []
    line = 0
    try:
        ledger = Ledger(
            url, create=False, catalogue=catalogue, require_signatures=require_signatures
        )
        conn.send("ready")
        if conn.recv() != "go":  # pragma: no cover - the protocol has one message
            return
        streams: dict[str, OpenStream] = {}
        held = 0
        with open(path, "rb") as stream:
            for line, raw in read_lines(stream):
                pid = _partnership_of(raw)
                draft = None
                if pid is None:
                    draft = parse_line(line, raw)
                    pid = draft.partnership
                if shard_of(pid, shards) != mine:
                    continue
                if draft is None:
                    draft = parse_line(line, raw)
                envelope, row = ledger._place_line(None, streams, line, draft, clock, None)
                items.append((line, stream.tell(), pid, envelope.seq, row))
                held += len(row[3])
                if len(items) >= CHUNK or held >= CHUNK_BYTES:
                    conn.send(items)
                    items, held = [], 0
        frontiers = {pid: frontier for pid, (_, frontier, _) in streams.items()}
        items.append((_LAST, 0, None, "done", frontiers))
    except (EOFError, BrokenPipeError):  # this process gave up: nobody is listening
        return
    except LedgerError as exc:
        items.append((exc.line or line, 0, None, "error", exc))
    except BaseException:  # a bug: reported whole, at the line it met
        items.append((line, 0, None, "crash", traceback.format_exc()))
    with contextlib.suppress(OSError):  # BrokenPipeError: this process gave up meanwhile
        conn.send(items)
