"""Transparency (TR): decisions and facts are shared openly (RULES.md)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ledger import hookimpl, rule
from ledger.rules import Context, Finding, Rule

if TYPE_CHECKING:
    from ledger.view import PartnershipView


@rule(
    "TR001",
    name="decision-without-rationale",
    principle="transparency",
    severity="error",
    example="DecisionProposed d-1 without rationale; DecisionTaken d-1 adopted, no rationale.",
)
def decision_without_rationale(view: PartnershipView, ctx: Context) -> Iterator[Finding]:
    """A taken decision has no rationale, neither in its DecisionTaken nor in its
    DecisionProposed.

    Partners who were not in the room can only accept a decision they can understand."""
    for decision in view.decisions.values():
        if decision.taken is None or decision.has_rationale:
            continue
        yield ctx.finding(
            f"decision:{decision.id}",
            f'Decision {decision.id} ("{decision.title}") was {decision.taken.outcome} on '
            f"{decision.taken.occurred_on} with no rationale recorded, neither when proposed "
            "nor when taken.",
            evidence=(decision.taken.seq, decision.seq),
        )


@hookimpl
def pledger_rules() -> list[Rule]:
    return [decision_without_rationale]
