"""Mutual benefit (MB): every partner knows what it gains, and keeps finding it worth the cost
(RULES.md)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ledger import hookimpl, rule
from ledger.rules import Context, Finding, Rule

if TYPE_CHECKING:
    from ledger.view import PartnershipView, Submission

#: Engagements whose partners are expected to say what they gain (RULES.md MB001).
CONCERNED = ("key", "active")


def _days(n: int) -> str:
    return f"{n} day{'s' * (n != 1)}"


@rule(
    "MB001",
    name="undeclared-benefit",
    principle="mutual-benefit",
    severity="warning",
    options={"grace_days": 30},
    example="PartnerJoined ngo (key) on 2026-01-01, no AssessmentRecorded by ngo listing a "
    "benefit; audit as of 2026-01-31 finds nothing, as of 2026-02-01 (31 days) a warning, and "
    "as of any date once ngo has signed an agreement.",
)
def undeclared_benefit(view: PartnershipView, ctx: Context) -> Iterator[Finding]:
    """A partner key or active at the audit date, who has signed an agreement or whose latest
    PartnerJoined is more than `grace_days` days before the audit date, has no
    AssessmentRecorded listing at least one benefit.

    Engagement is the partner's at the audit date: pilot and advisory partners, and partners
    that have left, are not concerned. The grace period runs from the latest PartnerJoined, so
    a partner that left and rejoined gets a new one; exactly `grace_days` days is still within
    it. Any AgreementSigned of the partner by the audit date counts, whatever the version or
    when it joined. Any AssessmentRecorded of the partner by the audit date counts, also one
    made before a rejoin; an assessment whose benefits list is empty does not. Evidence: the
    latest PartnerJoined, the partner's first AgreementSigned, then its assessments that list
    no benefit."""
    grace = ctx.options["grace_days"]
    declared = {a.partner for a in view.assessments if a.benefits}  # listed some benefit
    for partner in view.partners.values():
        if partner.id in declared:
            continue
        engagement = partner.engagement_at(ctx.audit_date)
        if engagement not in CONCERNED:
            continue
        join = partner.latest_join
        if join is None:
            continue
        assessments = [a for a in view.assessments if a.partner == partner.id]
        signatures = sorted(
            (s.moment, version)
            for version, agreement in view.agreements.items()
            for s in agreement.signatures
            if s.partner == partner.id
        )
        days = (ctx.audit_date - join.occurred_on).days
        if not signatures and days <= grace:
            continue
        reasons = [f"joined on {join.occurred_on} ({_days(days)} before the audit date)"]
        if signatures:
            signed, version = signatures[0]
            reasons.append(f"signed agreement version {version} on {signed.occurred_on}")
        empty = ""
        if len(assessments) == 1:
            empty = ": its assessment lists no benefit"
        elif assessments:
            empty = f": none of its {len(assessments)} assessments lists a benefit"
        yield ctx.finding(
            f"partner:{partner.id}",
            f"{partner.id}, a {engagement} partner that {' and '.join(reasons)}, has not "
            f"recorded what it gains from the partnership{empty}.",
            partner=partner.id,
            evidence=(join.seq, *(m.seq for m, _ in signatures[:1]), *(a.seq for a in assessments)),
        )


@rule(
    "MB002",
    name="partnering-not-worth-it",
    principle="mutual-benefit",
    severity="warning",
    example="telco submits rv-1 with worth red, then rv-2 with worth red: a warning on "
    "partner:telco; a green or amber worth in between, or no worth at all, breaks the run.",
)
def partnering_not_worth_it(view: PartnershipView, ctx: Context) -> Iterator[Finding]:
    """A partner rated worth red in two consecutive reviews it submitted.

    The reviews a partner submitted to are taken in "before" order of their ReviewOpened, and
    in each only the partner's latest submission by the audit date counts. Two reviews are
    consecutive when the partner submitted to no review between them: a submission rated
    green or amber, or without a worth rating, breaks the run. Reviews need not be concluded.
    Further runs of red are counted in the message; evidence: the red submissions of the
    latest run, the later review first, then those of earlier runs."""
    if not _two_red_worths(view):
        return  # no partner rated worth red twice: no run of two (most partnerships)
    submitted: dict[str, list[tuple[str, Submission]]] = {}
    for review in view.reviews.values():
        for partner, submission in review.latest_submissions.items():
            submitted.setdefault(partner, []).append((review.id, submission))
    for partner, history in submitted.items():
        runs: list[list[tuple[str, Submission]]] = [[]]
        for item in history:
            if item[1].worth == "red":
                runs[-1].append(item)
            elif runs[-1]:
                runs.append([])
        runs = [run for run in runs if len(run) >= 2]
        if not runs:
            continue
        latest = runs[-1]
        names = ", ".join(f"{rid} (submitted on {s.occurred_on})" for rid, s in latest)
        before = len(runs) - 1
        earlier = f", after {before} earlier run{'s' * (before != 1)} of red" if before else ""
        yield ctx.finding(
            f"partner:{partner}",
            f"{partner} rated partnering not worth its cost (worth red) in {len(latest)} "
            f"consecutive reviews it submitted to: {names}{earlier}.",
            partner=partner,
            evidence=[s.seq for run in reversed(runs) for _, s in reversed(run)],
        )


def _two_red_worths(view: PartnershipView) -> bool:
    """Whether some partner rated worth red in two submissions, latest or not: a run needs two
    of its latest ones, so without this there is none, and this is cheaper to tell than each
    review's latest submissions."""
    red: set[str] = set()
    for review in view.reviews.values():
        for submission in review.submissions:
            if submission.worth == "red":
                if submission.partner in red:
                    return True
                red.add(submission.partner)
    return False


@hookimpl
def pledger_rules() -> list[Rule]:
    return [undeclared_benefit, partnering_not_worth_it]
