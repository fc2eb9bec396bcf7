"""The example partnership that ``pledger demo`` records: Music Chain, a national youth
music partnership from founding to its first participatory review (EVENTS.md types only)."""

from __future__ import annotations

from pathlib import Path

from ledger.store import Ledger, Written

DEMO_PARTNERSHIP = "music-chain"


def demo_lines() -> bytes:
    """The example as JSON Lines of new facts (shipped with the package)."""
    return (Path(__file__).parent / "data" / "music-chain.jsonl").read_bytes()


def record_demo(ledger: Ledger) -> Written | None:
    """Record the example once: None if the ledger already holds it."""
    if ledger.stream(DEMO_PARTNERSHIP):
        return None
    import io

    return ledger.import_jsonl(io.BytesIO(demo_lines()))
