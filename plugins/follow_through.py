"""Follow-through (FT): partners keep what they promised (RULES.md)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ledger import hookimpl, rule
from ledger.rules import Context, Finding, Rule

if TYPE_CHECKING:
    from ledger.view import PartnershipView


@rule(
    "FT001",
    name="overdue-commitment",
    principle="follow-through",
    severity="warning",
    options={"error_after_days": 30},
    example="CommitmentMade c-1 due 2026-04-30, no CommitmentFulfilled; audit as of 2026-05-01 "
    "gives a warning, as of 2026-05-31 an error.",
)
def overdue_commitment(view: PartnershipView, ctx: Context) -> Iterator[Finding]:
    """A live commitment's due date is before the audit date and it is not fulfilled; an error
    once it is more than `error_after_days` days late.

    The due date is the one in force: that of the latest CommitmentRevised that sets one."""
    limit = ctx.options["error_after_days"]
    for commitment in view.commitments.values():
        due = commitment.due
        if not commitment.live or commitment.fulfilled or due is None or due >= ctx.audit_date:
            continue
        late = (ctx.audit_date - due).days
        revisions = [r.seq for r in commitment.revisions if r.due is not None]
        yield ctx.finding(
            f"commitment:{commitment.id}",
            f"{commitment.owner} has not fulfilled commitment {commitment.id} "
            f'("{commitment.description}"), due on {due}: {late} day{"s" * (late != 1)} late.',
            partner=commitment.owner,
            evidence=(*revisions[-1:], commitment.seq),
            severity="error" if late > limit else None,
        )


@hookimpl
def pledger_rules() -> list[Rule]:
    return [overdue_commitment]
