"""An outside Pledger plugin: every partnership has a civil-society partner.

Partnerships for the public good are expected to give civil society a seat at the table
(UNESCO / TPI, "The Partnering Process"): this rule reports a partnership that, at the audit
date, has no current partner from the civil-society sector.
"""

from __future__ import annotations

from collections.abc import Iterator

from ledger import Context, Finding, PartnershipView, Rule, hookimpl, rule

__version__ = "1.0.0"


@rule(
    "CIV001",
    name="no-civil-society-partner",
    principle="equity",
    severity="warning",
    options={"grace_days": 30},
    example="Founded 2026-01-10 with a ministry and a company as partners; audited as of "
    "2026-03-01, no civil-society partner has joined: one finding.",
)
def no_civil_society_partner(view: PartnershipView, ctx: Context) -> Iterator[Finding]:
    """The partnership has no current civil-society partner.

    Judged once `grace_days` days have passed since the partnership was founded, so a
    partnership still assembling its partners is not reported."""
    if view.founding is None:
        return
    if (ctx.audit_date - view.founding.occurred_on).days <= ctx.options["grace_days"]:
        return
    current = [p for p in view.partners.values() if p.is_partner_at(ctx.audit_date)]
    if any(p.sector == "civil-society" for p in current):
        return
    names = ", ".join(sorted(p.id for p in current)) or "none"
    yield ctx.finding(
        f"partnership:{view.partnership}",
        f"No civil-society partner sits at the table of {view.partnership} "
        f"(current partners: {names}).",
        evidence=[view.founding.seq, *(p.latest_join.seq for p in current if p.latest_join)],
    )


@hookimpl
def pledger_rules() -> list[Rule]:
    return [no_civil_society_partner]
