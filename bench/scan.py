"""The plain scan: the floor any replay pays. Reads every stored event in stream order and
parses its state with ``json.loads``, nothing else (no envelopes, no validation, no rules).

Run as its own process (``python bench/scan.py URL``), like the audit it is the baseline of, so
both figures include interpreter start-up and the operating system reports each one's memory.
Prints one JSON line: events read and the seconds the scan itself took.
"""

from __future__ import annotations

import json
import re
import sys
import time

QUERY = (
    "SELECT originator_id, originator_version, topic, state FROM pledger_events "
    "ORDER BY originator_id, originator_version"
)


def scan(url: str) -> int:
    """Read and parse every event of the ledger at ``url`` (SQLAlchemy-style URL)."""
    if url.startswith("sqlite:///"):
        return _scan_sqlite(url.removeprefix("sqlite:///"))
    return _scan_postgres(re.sub(r"^postgresql\+\w+://", "postgresql://", url))


def _scan_sqlite(path: str) -> int:
    import sqlite3

    count = 0
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        for _, _, _, state in conn.execute(QUERY):
            json.loads(state)
            count += 1
    finally:
        conn.close()
    return count


def _scan_postgres(conninfo: str) -> int:
    import psycopg

    count = 0
    with psycopg.connect(conninfo) as conn:
        cursor = conn.cursor(name="pledger_bench_scan")  # server-side, like ledger.streams()
        cursor.itersize = 2000
        cursor.execute(QUERY)
        for _, _, _, state in cursor:
            json.loads(state)
            count += 1
    return count


def main(argv: list[str]) -> int:
    start = time.perf_counter()
    count = scan(argv[0])
    print(json.dumps({"events": count, "seconds": time.perf_counter() - start}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
