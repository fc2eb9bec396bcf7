"""Two built-in rules, TR001 and FT001, as a plugin of their own: the engine's tests run with
just these (tests/test_audit.py), so that what they expect does not move as the other rules of
RULES.md, tested on their own, judge the engine tests' small partnerships."""

from __future__ import annotations

from ledger import hookimpl
from ledger.plugins.follow_through import overdue_commitment
from ledger.plugins.transparency import decision_without_rationale
from ledger.rules import Rule


@hookimpl
def pledger_rules() -> list[Rule]:
    return [decision_without_rationale, overdue_commitment]
