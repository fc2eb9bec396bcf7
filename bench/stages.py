"""Where the time goes: the audit and the import cut into their stages, measured on the bench's
own data, for the "Where the time went" section of ``bench/RESULTS.md``.

    python bench/stages.py LEDGER.db LEDGER.jsonl RESULT.json

Run as its own process (the bench's timings stay clean of it). The audit is cut with the
CPU clock (``time.process_time``, best of two, so other processes on a busy machine count
less): the plain scan beside reading the events, folding the views, each rule and the
checkpoint, over the first ``AUDIT_PARTNERSHIPS`` partnerships, with the collector set as the
audit sets it. The import is profiled with ``cProfile`` on the first ``IMPORT_EVENTS`` events
into a fresh database; a profiler slows small functions more than big ones, so only each
stage's share of the whole is reported.
"""

from __future__ import annotations

import cProfile
import itertools
import json
import pstats
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

AUDIT_PARTNERSHIPS = 200
IMPORT_EVENTS = 20_000
#: Import stages: a label and the functions whose cumulative time it is, as cProfile names
#: them: (file suffix, function name); the driver's own methods are filed under "~".
IMPORT_STAGES = (
    ("read and parse the JSON lines", (("ledger/events.py", "read_drafts"),)),
    ("check fields (catalogue)", (("ledger/catalogue.py", "parse_data"),)),
    ("check against the stream (validation fold)", (("ledger/state.py", "admit"),)),
    ("canonical leaf and SHA-256", (("ledger/canonical.py", "envelope_leaf"),
                                    ("ledger/canonical.py", "leaf_bytes"),
                                    ("ledger/canonical.py", "leaf_hash"))),
    ("stored row (the mapper's bytes)", (("ledger/store.py", "stored_row_state"),
                                         ("ledger/store.py", "stored_state"))),
    ("freeze the event's data", (("ledger/events.py", "freeze"),)),
    ("Merkle frontier", (("ledger/merkle.py", "append"),)),
    ("insert (executemany) and commit", (
        ("ledger/store.py", "_insert"),
        ("~", "<method 'commit' of 'sqlite3.Connection' objects>"),
    )),
)  # fmt: skip


def _best(run: Callable[[], Any], times: int = 2) -> float:
    """The least CPU time of ``times`` runs, each with the collector set as the audit sets it
    (``rare_collections``), so that every stage is measured as it runs in an audit."""
    from ledger.audit import rare_collections

    best = float("inf")
    for _ in range(times):
        with rare_collections():
            started = time.process_time()
            run()
            best = min(best, time.process_time() - started)
    return best


def audit_stages(db: Path) -> dict[str, Any]:
    """CPU seconds of each stage of an audit of the first partnerships of ``db``."""
    from ledger.audit import _checkpoint, _Job, _run
    from ledger.config import Config
    from ledger.events import now
    from ledger.manager import collect_rules, get_plugin_manager
    from ledger.store import Ledger
    from ledger.view import PartnershipView

    ledger = Ledger(f"sqlite:///{db}", create=False)
    streams = list(itertools.islice(ledger.streams(), AUDIT_PARTNERSHIPS))
    events = sum(len(stream) for _, stream in streams)

    def scan() -> None:  # the same rows: the first events in stream order
        with sqlite3.connect(db) as conn:
            query = "SELECT state FROM pledger_events ORDER BY originator_id, originator_version"
            for (state,) in itertools.islice(conn.execute(query), events):
                json.loads(state)

    def read() -> None:  # the audit's own read: one ordered pass
        for _ in itertools.islice(ledger.streams(), AUDIT_PARTNERSHIPS):
            pass

    clock = now()
    views: list[PartnershipView] = []

    def fold() -> None:
        views.clear()
        for pid, stream in streams:
            views.append(
                PartnershipView.replay(stream, as_of=clock.date(), known_at=clock, partnership=pid)
            )

    stages = {"plain scan (baseline)": _best(scan), "read events": _best(read)}
    stages["fold views"] = _best(fold)
    config = Config()
    rules = collect_rules(get_plugin_manager())
    job = _Job(clock.date(), clock, config, tuple(rules))
    per_rule = {}
    for rule in rules.values():

        def check(rule: Any = rule) -> None:
            for view in views:
                _run(rule, view, view.partnership, job)

        per_rule[rule.id] = _best(check)
    stages["run every rule"] = sum(per_rule.values())
    stages["checkpoint (Merkle root)"] = _best(
        lambda: [_checkpoint(pid, stream) for pid, stream in streams]
    )
    ledger.close()
    slowest = sorted(per_rule.items(), key=lambda item: -item[1])[:8]
    return {
        "partnerships": len(streams),
        "events": events,
        "stages": stages,
        "slowest_rules": slowest,
    }


def import_stages(jsonl: Path) -> dict[str, Any]:
    """Each import stage's share of a profiled import of the file's first events."""
    from ledger.store import Ledger

    with tempfile.TemporaryDirectory(prefix="pledger-profile-") as folder:
        sample = Path(folder) / "sample.jsonl"
        with open(jsonl, encoding="utf-8") as source, open(sample, "w", encoding="utf-8") as out:
            out.writelines(itertools.islice(source, IMPORT_EVENTS))
        ledger = Ledger(f"sqlite:///{folder}/profile.db")
        profiler = cProfile.Profile()
        profiler.enable()
        written = ledger.import_file(sample)
        profiler.disable()
        ledger.close()
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    total = max(
        (cum for (file, _, name), (_, _, _, cum, _) in stats.items() if name == "import_file"),
        default=0.0,
    )
    shares = {}
    for label, functions in IMPORT_STAGES:
        spent = sum(
            cum
            for (file, _, name), (_, _, _, cum, _) in stats.items()
            if any(name == wanted and file.endswith(suffix) for suffix, wanted in functions)
        )
        shares[label] = spent / total if total else 0.0
    shares["everything else (envelopes, bookkeeping)"] = max(0.0, 1 - sum(shares.values()))
    return {"events": written.count, "shares": shares}


def main(args: list[str]) -> int:
    if len(args) != 3:
        print("usage: python bench/stages.py LEDGER.db LEDGER.jsonl RESULT.json", file=sys.stderr)
        return 2
    db, jsonl, result = (Path(a) for a in args)
    found = {"audit": audit_stages(db), "import": import_stages(jsonl)}
    result.write_text(json.dumps(found, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
