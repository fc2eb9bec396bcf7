"""Mutual_benefit rules of RULES.md (filled in by issue #6)."""

from __future__ import annotations

from ledger import hookimpl
from ledger.rules import Rule


@hookimpl
def pledger_rules() -> list[Rule]:
    return []
